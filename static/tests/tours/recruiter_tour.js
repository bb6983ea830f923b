/** @odoo-module **/
/**
 * (Triggers are searched inside an open dialog: no ".modal" in them.)
 * A recruiter invites a candidate from the assessment with 25 % extra time, copies the
 * candidate's link from the attempt and opens it: the landing page states the longer time
 * (37 min 30 s for a 30-minute test), never the reason.
 */
import { registry } from "@web/core/registry";

const REASON = "Agreed accessibility adjustment";

registry.category("web_tour.tours").add("tech_assessment_recruiter_extra_time", {
    test: true,
    steps: () => [
        {
            content: "Invite candidates from the assessment",
            trigger: 'button[name="action_invite"]',
        },
        {
            content: "Pick the candidate",
            trigger: '.o_field_widget[name="candidate_ids"] input',
            run: "text Casey",
        },
        {
            trigger: '.o-autocomplete--dropdown-item a:contains("Casey")',
        },
        {
            content: "Give the invitation a time accommodation",
            trigger: '.o_field_widget[name="set_accommodation"] input',
        },
        {
            trigger: '.o_field_widget[name="extra_time_percent"] input',
            run: "text 25",
        },
        {
            trigger: '.o_field_widget[name="accommodation_reason"] input',
            run: `text ${REASON}`,
        },
        {
            content: "Send the invitation",
            trigger: 'button[name="action_invite"]',
        },
        {
            content: "Open the invitation",
            trigger: '.o_data_row:contains("Casey") td.o_data_cell',
        },
        {
            content: "The attempt states the time allowed",
            trigger: '.o_field_widget[name="time_allowed_display"]:contains("37 min 30 s")',
            run: () => {},
        },
        {
            content: "Copy the candidate's link",
            trigger: '.o_field_widget[name="invitation_url"] .o_clipboard_button',
        },
        {
            content: "Open the link, as the candidate would",
            trigger: '.o_field_widget[name="invitation_url"]:contains("access_token=")',
            run() {
                const field = document.querySelector('.o_field_widget[name="invitation_url"]');
                // the link itself, not the text of the copy button beside it
                const shown = field.querySelector("input, span");
                const link = (shown.value || shown.textContent).trim();
                window.location.href = link;
            },
        },
        {
            content: "The landing page gives the candidate's own time",
            trigger: '.o_ta_time_allowed:contains("37 min 30 s")',
            run: () => {},
        },
        {
            content: "The start button says it too, and the reason is nowhere",
            trigger: '.o_ta_start:contains("37 min 30 s")',
            run() {
                if (document.body.innerText.includes(REASON)) {
                    throw new Error("the reason of the accommodation reached the candidate");
                }
            },
        },
    ],
});

/**
 * A recruiter watches a running test: the candidate answers (through the candidate's own
 * route, with the link's token) and the open form shows it within its refresh interval.
 */
registry.category("web_tour.tours").add("tech_assessment_recruiter_live", {
    test: true,
    steps: () => [
        {
            content: "The running test: nothing answered yet",
            trigger: ".o_ta_live_refresh",
            extra_trigger: '.o_field_widget[name="answered_count"]:contains("0")',
            async run() {
                const field = document.querySelector('.o_field_widget[name="invitation_url"]');
                const shown = field.querySelector("input, span");
                const url = new URL((shown.value || shown.textContent).trim());
                const token = url.searchParams.get("access_token");
                // the candidate's test page, as their browser gets it; they pick an option
                const page = await (await fetch(url)).text();
                const html = new DOMParser().parseFromString(page, "text/html");
                const item = html.querySelector(".o_ta_item");
                const option = item.querySelector("input[type=radio]");
                const response = await fetch(`${url.pathname}/answer`, {
                    method: "POST",
                    headers: { "Content-Type": "application/json", "X-Access-Token": token },
                    body: JSON.stringify({
                        item_id: Number(item.dataset.itemId),
                        option_id: Number(option.value),
                    }),
                });
                if (!response.ok) {
                    throw new Error(`the answer was refused: ${response.status}`);
                }
            },
        },
        {
            content: "The form shows the answer without a reload",
            trigger: '.o_field_widget[name="answered_count"]:contains("1")',
            timeout: 30000,
            run: () => {},
        },
    ],
});
