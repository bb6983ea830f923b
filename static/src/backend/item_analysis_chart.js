/** @odoo-module **/
/* global Chart */
/**
 * <widget name="ta_item_analysis_chart"/> on the item analysis form: each item as a point,
 * its facility (how many get it right) against its discrimination index (whether those who
 * do well elsewhere get it right). Items to review are red triangles; the line at 0 separates
 * the items that discriminate from those that discriminate the wrong way. It draws the rows
 * the form already loaded for its table (no request of its own), with the Chart.js that
 * Odoo's graph view uses.
 */
import { loadBundle } from "@web/core/assets";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";
import { Component, onWillStart, onWillUnmount, useEffect, useRef } from "@odoo/owl";

const ZERO_LINE = "#495057";
const GRID = "rgba(0, 0, 0, 0.1)";

export class ItemAnalysisChart extends Component {
    static props = standardWidgetProps;
    static template = "tech_assessment.ItemAnalysisChart";

    setup() {
        this.canvasRef = useRef("canvas");
        this.chart = null;
        onWillStart(() => loadBundle("web.chartjs_lib"));
        useEffect(() => this.renderChart());
        onWillUnmount(() => this.chart?.destroy());
    }

    get items() {
        return this.props.record.data.item_ids.records.map((row) => row.data);
    }

    get unplotted() {
        return this.items.filter((item) => !item.has_discrimination).length;
    }

    points(toReview) {
        return this.items
            .filter((item) => item.has_discrimination && Boolean(item.needs_review) === toReview)
            .map((item) => ({
                x: item.facility,
                y: item.discrimination_index,
                label: item.label,
                prompt: item.item_id ? item.item_id[1] : "",
            }));
    }

    renderChart() {
        this.chart?.destroy();
        const label = (context) =>
            `${context.raw.label} (${context.raw.x.toFixed(0)} %, ${context.raw.y.toFixed(0)}): ${context.raw.prompt}`;
        this.chart = new Chart(this.canvasRef.el, {
            type: "scatter",
            data: {
                datasets: [
                    { label: _t("Items"), data: this.points(false), backgroundColor: "#017e84", radius: 5 },
                    {
                        label: _t("To review"),
                        data: this.points(true),
                        backgroundColor: "#d44c59",
                        pointStyle: "triangle",
                        radius: 7,
                    },
                ],
            },
            options: {
                animation: false,
                maintainAspectRatio: false,
                scales: {
                    x: { min: 0, max: 100, title: { display: true, text: _t("Facility (%)") } },
                    y: {
                        min: -100,
                        max: 100,
                        title: { display: true, text: _t("Discrimination index") },
                        grid: { color: (context) => (context.tick.value === 0 ? ZERO_LINE : GRID) },
                    },
                },
                plugins: { tooltip: { callbacks: { label } } },
            },
        });
    }
}

registry.category("view_widgets").add("ta_item_analysis_chart", { component: ItemAnalysisChart });
