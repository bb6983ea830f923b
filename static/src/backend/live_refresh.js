/** @odoo-module **/
/**
 * <widget name="ta_live_refresh"/> on the attempt form: while the test runs, the form
 * re-reads its record every REFRESH_MS (time left, answered, last activity, open flags),
 * unless HR is editing it. Polling from the one form that is open costs one read per
 * interval; a bus notification would have cost every autosave of every candidate an
 * insert and a NOTIFY, on the hottest path of the module.
 */
import { browser } from "@web/core/browser/browser";
import { registry } from "@web/core/registry";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";
import { Component, onMounted, onWillUnmount } from "@odoo/owl";

export const REFRESH_MS = 10000;

export class LiveRefresh extends Component {
    static props = standardWidgetProps;
    static template = "tech_assessment.LiveRefresh";

    setup() {
        onMounted(() => {
            this.interval = browser.setInterval(() => this.refresh(), REFRESH_MS);
        });
        onWillUnmount(() => browser.clearInterval(this.interval));
    }

    async refresh() {
        const record = this.props.record;
        if (record.data.state !== "in_progress" || (await record.isDirty())) {
            return;
        }
        await record.load();
    }
}

registry.category("view_widgets").add("ta_live_refresh", { component: LiveRefresh });
