/** @odoo-module **/
/**
 * A recruiter opens the item analysis of an assessment: the chart of facility against
 * discrimination is drawn (Chart.js in a canvas), the table sorts by a column, and an item
 * opens with its distractor analysis. (Triggers are searched inside an open dialog: no ".modal"
 * in them.)
 */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("tech_assessment_item_analysis", {
    test: true,
    steps: () => [
        {
            content: "Open the item analysis from the assessment",
            trigger: 'button[name="action_open_item_analysis"]',
        },
        {
            content: "The chart is drawn",
            trigger: ".o_ta_item_chart canvas",
            run() {
                const canvas = document.querySelector(".o_ta_item_chart canvas");
                // eslint-disable-next-line no-undef
                const chart = Chart.getChart(canvas);
                const points = chart ? chart.data.datasets.flatMap((dataset) => dataset.data) : [];
                if (!canvas.width || points.length !== 2) {
                    throw new Error(`expected 2 items drawn, got ${points.length}`);
                }
            },
        },
        {
            content: "The item without a discrimination index is said not to be drawn",
            trigger: '.o_ta_item_chart:contains("1 item(s)")',
            run: () => {},
        },
        {
            content: "Sort the items by discrimination",
            trigger: 'th[data-name="discrimination_index"]',
        },
        {
            content: "The items are sorted by it",
            trigger: 'th[data-name="discrimination_index"].table-active .fa-angle-up',
            run: () => {},
        },
        {
            content: "Open the item flagged for review",
            trigger: '.o_data_row:contains("Q1.3") td.o_data_cell',
        },
        {
            content: "Its distractors are listed",
            trigger: '.o_field_widget[name="option_ids"] .o_data_row:contains("Wrong")',
            run: () => {},
        },
        {
            content: "It says why it is flagged",
            trigger: '.alert-danger:contains("nobody right")',
            run: () => {},
        },
    ],
});
