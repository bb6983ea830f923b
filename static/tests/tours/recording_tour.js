/** @odoo-module **/
/**
 * Takes a recorded assessment in Chromium started with fake camera and screen devices
 * (see tests/test_recording.py): the streams are acquired on the landing page, the test is
 * swapped in without navigation, chunks are uploaded, a stopped webcam pauses the test
 * until it is shared again, and submitting flushes the last chunks.
 */
import { registry } from "@web/core/registry";

function wait(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

registry.category("web_tour.tours").add("tech_assessment_recording", {
    test: true,
    steps: () => [
        {
            content: "The landing page says what is recorded",
            trigger: ".o_ta_landing:contains('What is recorded') form[data-ta-recording=both]",
            run: () => {},
        },
        {
            content: "Give consent",
            trigger: "#ta_consent",
            run: "click",
        },
        {
            content: "Start: the browser is asked for the camera and the whole screen",
            trigger: "button.o_ta_start",
            run: "click",
        },
        {
            content: "The test is in the same document and recording",
            timeout: 30000,
            trigger: ".o_ta_test.o_ta_rec_live .o_ta_rec_indicator[data-state=live]",
            run() {
                if (!window.location.pathname.endsWith("/test")) {
                    throw new Error(`the address should be the test page's, got ${window.location.pathname}`);
                }
                if (document.querySelector(".o_ta_landing")) {
                    throw new Error("the landing page should have been replaced");
                }
            },
        },
        {
            content: "The webcam preview plays; move it to the left so that it covers nothing",
            trigger: ".o_ta_rec_preview_box:not(.d-none) video.o_ta_rec_preview",
            run() {
                document.querySelector(".o_ta_preview_move").click();
            },
        },
        {
            content: "It is on the left; minimise it",
            trigger: ".o_ta_rec_preview_box[data-side=left] .o_ta_preview_minimise[aria-pressed=false]",
            run: "click",
        },
        {
            content: "Minimised: the video is hidden, the recording goes on; show it again",
            trigger: ".o_ta_rec_preview_box.o_ta_minimised .o_ta_preview_minimise[aria-pressed=true]",
            run() {
                if (document.querySelector("video.o_ta_rec_preview").offsetParent !== null) {
                    throw new Error("the minimised preview is still shown");
                }
                this.$anchor[0].click();
            },
        },
        {
            content: "Shown again",
            trigger: ".o_ta_rec_preview_box:not(.o_ta_minimised) video.o_ta_rec_preview",
            run: () => {},
        },
        {
            content: "Answer the first item",
            trigger: ".o_ta_item:eq(0) input[type=radio]:first",
            run: "click",
        },
        {
            content: "Record a few seconds (two timeslices)",
            trigger: ".o_ta_item:eq(0) .o_ta_save_state[data-state=saved]",
            timeout: 30000, // the step's time includes its run
            async run() {
                await wait(9000);
            },
        },
        {
            content: "The camera stops (as if unplugged)",
            trigger: ".o_ta_rec_indicator[data-state=live]",
            run() {
                const stream = document.querySelector("video.o_ta_rec_preview").srcObject;
                stream.getVideoTracks()[0].dispatchEvent(new Event("ended"));
            },
        },
        {
            content: "The test is paused with a prompt to share again",
            trigger:
                ".o_ta_test:not(.o_ta_rec_live) .o_ta_rec_overlay .o_ta_rec_resume:contains('Share again')",
            run: "click",
        },
        {
            content: "Recording again",
            trigger: ".o_ta_test.o_ta_rec_live .o_ta_rec_indicator[data-state=live]",
            timeout: 30000,
            async run() {
                await wait(5000);
            },
        },
        {
            content: "Submit",
            trigger: ".o_ta_submit:first",
            run: "click",
        },
        {
            content: "Confirm: the last chunks are uploaded first",
            trigger: ".o_ta_dialog_submit",
            run: "click",
        },
        {
            content: "The result page shows the integrity receipt",
            trigger: ".o_ta_result .o_ta_receipt:contains('What was recorded'):contains('Screen')",
            run: () => {},
        },
    ],
});
