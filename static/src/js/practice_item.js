/** @odoo-module **/
/**
 * The landing page's practice item: the test's controls (choose, flag) before the clock
 * starts. Nothing of it is sent, stored or scored.
 */
import publicWidget from "@web/legacy/js/public/public_widget";
import { _t } from "@web/core/l10n/translation";

publicWidget.registry.TechAssessmentPractice = publicWidget.Widget.extend({
    selector: ".o_ta_practice",
    events: {
        "change input[type=radio]": "_onChoice",
        "click .o_ta_flag": "_onFlag",
    },

    _onChoice() {
        const state = this.el.querySelector(".o_ta_save_state");
        state.dataset.state = "saved";
        state.classList.remove("text-muted");
        state.classList.add("text-success");
        state.textContent = _t("Saved (in the test, each choice is saved like this)");
    },

    _onFlag(ev) {
        const button = ev.currentTarget;
        const flagged = button.getAttribute("aria-pressed") !== "true";
        button.setAttribute("aria-pressed", String(flagged));
        const icon = button.querySelector(".fa");
        icon.classList.toggle("fa-flag", flagged);
        icon.classList.toggle("fa-flag-o", !flagged);
        this.el.querySelector(".o_ta_item").toggleAttribute("data-flagged", flagged);
    },
});

export default publicWidget.registry.TechAssessmentPractice;
