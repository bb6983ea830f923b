/** @odoo-module **/
/**
 * (Triggers are searched inside an open dialog: no ".modal" in them.)
 * A recruitment officer sends the position's assessment from the applicant's form.
 */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("tech_assessment_hr_send_assessment", {
    test: true,
    steps: () => [
        {
            content: "Send the assessment from the applicant",
            trigger: 'button[name="action_send_assessment"]',
        },
        {
            content: "The wizard is prefilled with the position's assessment",
            trigger: '.o_field_widget[name="assessment_id"] input:propValue("Backend review")',
            run: () => {},
        },
        {
            content: "... and the applicant's candidate",
            trigger: '.o_field_widget[name="candidate_ids"] .o_tag:contains("Margaret Hamilton")',
            run: () => {},
        },
        {
            content: "Send the invitation",
            trigger: 'button[name="action_invite"]',
        },
        {
            content: "Back on the applicant: the status and the attempt",
            trigger: '.o_field_widget[name="assessment_status"]:contains("Invited")',
            run: () => {},
        },
        {
            trigger: 'button[name="action_open_assessment_attempts"]:contains("1")',
            run: () => {},
        },
    ],
});
