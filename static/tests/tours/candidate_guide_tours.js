/** @odoo-module **/
/**
 * The candidate's test as a candidate meets it, at any width (the Python side opens these
 * tours at 1366×768 and at 390×844 with a phone's user agent): the landing page with its
 * practice item, the numbered items, the navigator, flags, "next unanswered", a reload that
 * brings the saved marks, the flags and the position back, the submit dialog, the result
 * page. `window.taPageChecks` (tests/candidate_browser.py) runs axe-core and the overflow
 * check on each page; it reports failures with console.error, which fails the tour.
 */
import { registry } from "@web/core/registry";

function check(content, trigger, test) {
    return {
        content,
        trigger,
        run() {
            if (test && !test()) {
                throw new Error(`check failed: ${content}`);
            }
        },
    };
}

function pageChecks(label, trigger) {
    return {
        content: `Accessibility and overflow: ${label}`,
        trigger,
        run: async () => {
            await window.taPageChecks(label);
        },
    };
}

function items() {
    return Array.from(document.querySelectorAll(".o_ta_test .o_ta_item"));
}

function navButton(fieldset) {
    return document.querySelector(`.o_ta_nav_item[data-item-id="${fieldset.dataset.itemId}"]`);
}

function openNavigator() {
    return {
        content: "Open the navigator (collapsed on phones)",
        trigger: ".o_ta_nav_toggle",
        run() {
            if (this.$anchor[0].getAttribute("aria-expanded") !== "true") {
                this.$anchor[0].click();
            }
        },
    };
}

function focusIsIn(fieldset) {
    return fieldset.contains(document.activeElement);
}

function inView(fieldset) {
    const box = fieldset.getBoundingClientRect();
    return box.top >= 0 && box.top < window.innerHeight;
}

registry.category("web_tour.tours").add("tech_assessment_guided_test", {
    test: true,
    steps: () => [
        pageChecks("landing page", ".o_ta_landing .o_ta_practice"),
        {
            content: "Practice: choose an option",
            trigger: ".o_ta_practice input[type=radio]:first",
            run: "click",
        },
        check("Practice: the choice shows as saved", ".o_ta_practice .o_ta_save_state[data-state=saved]"),
        {
            content: "Practice: flag the item",
            trigger: ".o_ta_practice .o_ta_flag",
            run: "click",
        },
        check("Practice: flagged", ".o_ta_practice .o_ta_flag[aria-pressed=true]"),
        {
            content: "Start the test",
            trigger: "button.o_ta_start",
        },
        check("The countdown runs", ".o_ta_timer:not(:contains('--:--'))"),
        check("Items are numbered per question", ".o_ta_item:first .o_ta_item_number:contains('Q1 · 1 of')"),
        pageChecks("test page", ".o_ta_test .o_ta_item"),
        {
            content: "Answer the first item",
            trigger: ".o_ta_item:eq(0) input[type=radio]:first",
            run: "click",
        },
        check("It is saved", ".o_ta_item:eq(0) .o_ta_save_state[data-state=saved]"),
        {
            content: "Flag the second item for review",
            trigger: ".o_ta_item:eq(1) .o_ta_flag",
            run: "click",
        },
        check(
            "The flag is stored by the server",
            ".o_ta_item:eq(1)[data-flagged]:not([data-flag-saving]) .o_ta_flag[aria-pressed=true]",
        ),
        openNavigator(),
        check("The navigator shows the first item answered and the second flagged", ".o_ta_navigator", () => {
            const [first, second] = items();
            return (
                navButton(first).hasAttribute("data-answered") &&
                navButton(second).hasAttribute("data-flagged") &&
                !navButton(second).hasAttribute("data-answered") &&
                navButton(second).textContent.includes("flagged")
            );
        }),
        {
            content: "Jump to the first item with the navigator",
            trigger: ".o_ta_nav_item:first",
            run: "click",
        },
        check("The first item has the keyboard", ".o_ta_item:eq(0)", () => focusIsIn(items()[0])),
        openNavigator(),
        {
            content: "Go to the next unanswered item",
            trigger: ".o_ta_next_unanswered",
            run: "click",
        },
        check("The second item has the keyboard", ".o_ta_item:eq(1)", () => focusIsIn(items()[1])),
        openNavigator(),
        {
            content: "Jump to the last item with the navigator",
            trigger: ".o_ta_nav_item:last",
            run: "click",
        },
        check("The last item is in view and has the keyboard", ".o_ta_item:last", () => {
            const last = items().at(-1);
            return focusIsIn(last) && inView(last) && navButton(last).getAttribute("aria-current") === "true";
        }),
        {
            content: "Answer the last item",
            trigger: ".o_ta_item:last input[type=radio]:last",
            run: "click",
        },
        check("It is saved", ".o_ta_item:last .o_ta_save_state[data-state=saved]"),
        check("Two items answered", ".o_ta_progress:contains('2 /')"),
        {
            content: "Reload the page",
            trigger: ".o_ta_test",
            run() {
                window.location.reload();
            },
        },
        check(
            "After the reload: the saved marks are back",
            ".o_ta_item:last .o_ta_save_state[data-state=saved]",
            () => items()[0].querySelector(".o_ta_save_state[data-state=saved]"),
        ),
        check("After the reload: the flag is back", ".o_ta_item:eq(1) .o_ta_flag[aria-pressed=true]"),
        check("After the reload: the page is back at the last item", ".o_ta_item:last", () => {
            const last = items().at(-1);
            return inView(last) && navButton(last).getAttribute("aria-current") === "true";
        }),
        {
            content: "Submit",
            trigger: ".o_ta_header .o_ta_submit",
            run: "click",
        },
        check(
            "The dialog says what is left",
            ".o_ta_submit_dialog[open] .o_ta_submit_summary:contains('not answered')",
            () => {
                const summary = document.querySelector(".o_ta_submit_summary").textContent;
                const total = items().length;
                return (
                    summary.includes(`You answered 2 of ${total} items.`) &&
                    summary.includes(`${total - 2} not answered.`) &&
                    summary.includes("1 flagged for review.") &&
                    document.activeElement.classList.contains("o_ta_dialog_cancel")
                );
            },
        ),
        pageChecks("submit dialog", ".o_ta_submit_dialog[open]"),
        {
            content: "Go to the first unanswered item from the dialog",
            trigger: ".o_ta_dialog_review",
            run: "click",
        },
        check(
            "The dialog is closed and the second item has the keyboard",
            ".o_ta_item:eq(1)",
            () => !document.querySelector(".o_ta_submit_dialog").open && focusIsIn(items()[1]),
        ),
        {
            content: "Submit again",
            trigger: ".o_ta_header .o_ta_submit",
            run: "click",
        },
        {
            content: "Submit for good",
            trigger: ".o_ta_dialog_submit",
            run: "click",
        },
        check("The result page says how the test ended", ".o_ta_result .o_ta_closed[data-ending=submitted]"),
        pageChecks("result page", ".o_ta_result .o_ta_receipt"),
    ],
});

registry.category("web_tour.tours").add("tech_assessment_time_warning", {
    test: true,
    steps: () => [
        check(
            "Before the 5-minute mark, no warning",
            ".o_ta_timer:not(:contains('--:--'))",
            () => !document.querySelector(".o_ta_timer").dataset.level,
        ),
        check(
            "At 5 minutes, the clock turns amber and a polite live region says it",
            ".o_ta_timer[data-level=warning]",
            () => {
                const notice = document.querySelector(".o_ta_time_notice");
                return (
                    notice.getAttribute("aria-live") === "polite" && notice.textContent.includes("5 minutes")
                );
            },
        ),
        pageChecks("test page with the 5-minute warning", ".o_ta_time_notice:contains('5 minutes')"),
    ],
});

registry.category("web_tour.tours").add("tech_assessment_no_screen_sharing", {
    test: true,
    steps: () => [
        check(
            "The system check says this device cannot share its screen, and what to do",
            ".o_ta_check[data-check=screen][data-state=fail]:contains('desktop or laptop')",
        ),
        check(
            "It says so at the top, before the rules",
            ".o_ta_check_summary.alert-danger:not(.d-none)",
            () => {
                const check = document.querySelector(".o_ta_system_check");
                const rules = document.getElementById("ta-rules-title");
                return check.compareDocumentPosition(rules) & Node.DOCUMENT_POSITION_FOLLOWING;
            },
        ),
        check(
            "The consent and the start are disabled",
            ".o_ta_start_form",
            () =>
                document.getElementById("ta_consent").disabled &&
                document.querySelector(".o_ta_start").disabled,
        ),
        pageChecks("landing page without screen sharing", ".o_ta_system_check[data-result=failed]"),
    ],
});
