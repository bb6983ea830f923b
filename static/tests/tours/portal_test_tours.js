/** @odoo-module **/

import { registry } from "@web/core/registry";

const ITEMS = 18;

function answerAll() {
    return Array.from({ length: ITEMS }, (_unused, index) => ({
        content: `Answer item ${index + 1}`,
        trigger: `.o_ta_item:eq(${index}) input[type=radio]:first`,
        run: "click",
    }));
}

registry.category("web_tour.tours").add("tech_assessment_take_test", {
    test: true,
    steps: () => [
        {
            content: "The landing page shows the rules",
            trigger: ".o_ta_landing .o_ta_time_allowed:contains('min')",
            run: () => {},
        },
        {
            content: "Accessibility and overflow: landing page",
            trigger: ".o_ta_landing .o_ta_start",
            run: async () => {
                await window.taPageChecks("landing page");
            },
        },
        {
            content: "Start the test",
            trigger: "button.o_ta_start",
        },
        {
            content: "The countdown runs",
            trigger: ".o_ta_timer:not(:contains('--:--'))",
            run: () => {},
        },
        {
            content: "Nothing answered yet",
            trigger: `.o_ta_progress:contains('0 / ${ITEMS}')`,
            run: () => {},
        },
        {
            content: "Accessibility and overflow: test page",
            trigger: ".o_ta_test .o_ta_item",
            run: async () => {
                await window.taPageChecks("test page");
            },
        },
        ...answerAll(),
        {
            content: "Every answer was saved: the counter reaches 18 / 18",
            trigger: `.o_ta_progress:contains('${ITEMS} / ${ITEMS}')`,
            run: () => {},
        },
        {
            content: "No save is pending or failed",
            trigger: `.o_ta_test:not(:has(.o_ta_save_state[data-state=saving])):not(:has(.o_ta_save_state[data-state=failed]))`,
            run: () => {},
        },
        {
            content: "Submit",
            trigger: ".o_ta_submit:first",
            run: "click",
        },
        {
            content: "The dialog says every item is answered; submit for good",
            trigger: `.o_ta_submit_dialog[open] .o_ta_submit_summary:contains('You answered ${ITEMS} of ${ITEMS} items.')`,
            run() {
                document.querySelector(".o_ta_dialog_submit").click();
            },
        },
        {
            content: "The result page; accessibility and overflow",
            trigger: ".o_ta_result .o_ta_closed:contains('submitted')",
            run: async () => {
                await window.taPageChecks("result page");
            },
        },
    ],
});

registry.category("web_tour.tours").add("tech_assessment_resume_test", {
    test: true,
    steps: () => [
        {
            content: "The answers saved before are chosen",
            trigger: ".o_ta_item:eq(0) input[type=radio]:checked",
            run: () => {},
        },
        {
            content: "Answer the third item",
            trigger: ".o_ta_item:eq(2) input[type=radio]:last",
            run: "click",
        },
        {
            content: "It is saved",
            trigger: ".o_ta_item:eq(2) .o_ta_save_state[data-state=saved]",
            run: () => {},
        },
        {
            content: "Reload the page",
            trigger: ".o_ta_progress:contains('3 / 18')",
            run() {
                window.location.reload();
            },
        },
        {
            content: "After the reload, the three answers are still chosen",
            trigger: ".o_ta_progress:contains('3 / 18')",
            run() {
                const checked = document.querySelectorAll(".o_ta_item input[type=radio]:checked");
                if (checked.length !== 3) {
                    throw new Error(`expected 3 chosen options after reload, got ${checked.length}`);
                }
                const last = document.querySelectorAll(".o_ta_item")[2].querySelectorAll("input[type=radio]");
                if (!last[last.length - 1].checked) {
                    throw new Error("the option chosen before the reload is not chosen");
                }
            },
        },
        {
            content: "The countdown continued from the server's deadline",
            trigger: ".o_ta_timer:not(:contains('--:--'))",
            run() {
                const [minutes, seconds] = document
                    .querySelector(".o_ta_timer")
                    .textContent.split(":")
                    .map(Number);
                const left = minutes * 60 + seconds;
                // started 5 minutes ago on a 45-minute test
                if (!(left <= 40 * 60 && left > 38 * 60)) {
                    throw new Error(`unexpected time left: ${left} s`);
                }
            },
        },
    ],
});

registry.category("web_tour.tours").add("tech_assessment_expire_test", {
    test: true,
    steps: () => [
        {
            content: "Less than a minute left: the clock is red and a polite live region says it",
            trigger: ".o_ta_timer[data-level=danger]",
            run() {
                const notice = document.querySelector(".o_ta_time_notice");
                if (
                    notice.getAttribute("aria-live") !== "polite" ||
                    !notice.textContent.includes("1 minute")
                ) {
                    throw new Error(`no 1-minute notice: "${notice.textContent}"`);
                }
            },
        },
        {
            content: "At zero the page hands the test in and lands on the closed page",
            trigger: ".o_ta_result .o_ta_closed[data-ending]",
            timeout: 40000,
            run: () => {},
        },
    ],
});
