/** @odoo-module **/
/**
 * A recruiter reviews the recording the fake-media tour made (tests/test_recording_tour.py):
 * both streams side by side, files with a real duration (not Infinity: remuxed), play on
 * one clock, speed 4×, a click on the restart's marker seeks both videos there.
 */
import { registry } from "@web/core/registry";

function player() {
    return document.querySelector(".o_ta_review_player");
}

function video(kind) {
    return document.querySelector(`.o_ta_review_stream_${kind} video`);
}

registry.category("web_tour.tours").add("tech_assessment_review_player", {
    test: true,
    steps: () => [
        {
            content: "Open the proctoring tab",
            trigger: 'a.nav-link[name="proctoring"]',
        },
        {
            content: "The player shows the webcam and the screen side by side",
            trigger: ".o_ta_review_player .o_ta_review_stream_webcam + .o_ta_review_stream_screen",
            run: () => {},
        },
        {
            content: "The webcam's file announces its duration (a remuxed, seekable file)",
            trigger: ".o_ta_review_stream_webcam[data-duration]",
            run() {
                const duration = Number(
                    document.querySelector(".o_ta_review_stream_webcam").dataset.duration,
                );
                if (!Number.isFinite(duration) || duration < 3) {
                    throw new Error(`webcam duration ${duration}`);
                }
            },
        },
        {
            content: "The screen's file too",
            trigger: ".o_ta_review_stream_screen[data-duration]",
            run() {
                const duration = Number(
                    document.querySelector(".o_ta_review_stream_screen").dataset.duration,
                );
                if (!Number.isFinite(duration) || duration < 3) {
                    throw new Error(`screen duration ${duration}`);
                }
            },
        },
        {
            content: "Speed 4×",
            trigger: ".o_ta_review_speed",
            run() {
                const select = document.querySelector(".o_ta_review_speed");
                select.value = "4";
                select.dispatchEvent(new Event("change"));
            },
        },
        {
            content: "Play",
            trigger: ".o_ta_review_play",
        },
        {
            content: "The clock runs, both videos follow it at 4×",
            trigger: ".o_ta_review_clock:not(:contains(0:00 /)):not(:contains(0:01 /))",
            run() {
                const time = Number(player().dataset.time);
                for (const kind of ["webcam", "screen"]) {
                    const element = video(kind);
                    if (element.classList.contains("invisible")) {
                        continue;
                    }
                    // (at 4×, a short segment may have just reached its end)
                    const atEnd = element.ended || element.duration - element.currentTime < 0.5;
                    if (element.playbackRate !== 4 || (element.paused && !atEnd)) {
                        throw new Error(
                            `${kind}: rate ${element.playbackRate}, paused ${element.paused}, ` +
                                `at ${element.currentTime} of ${element.duration}, ` +
                                `error ${element.dataset.playError} ${element.error?.message}`,
                        );
                    }
                }
                if (!(time >= 2)) {
                    throw new Error(`clock at ${time}`);
                }
            },
        },
        {
            content: "Pause (unless the end was reached already: 4× is quick)",
            trigger: ".o_ta_review_play",
            run() {
                const button = document.querySelector(".o_ta_review_play");
                if (button.textContent.includes("Pause")) {
                    button.click();
                }
            },
        },
        {
            content: "Paused",
            trigger: ".o_ta_review_play:contains(Play)",
            run: () => {},
        },
        {
            content: "Click the marker of the restarted stream",
            trigger: ".o_ta_review_marker_stream_restarted",
        },
        {
            content: "The clock jumped there (2 s before), the webcam's video too",
            trigger: ".o_ta_review_player:not([data-time^='0.'])",
            run() {
                const at = Number(document.querySelector(".o_ta_review_marker_stream_restarted").dataset.at);
                const time = Number(player().dataset.time);
                if (Math.abs(time - (at - 2)) > 0.5) {
                    throw new Error(`clock at ${time}, marker at ${at}`);
                }
                const webcam = video("webcam");
                if (!webcam.classList.contains("invisible") && !(webcam.currentTime > 0)) {
                    throw new Error(`webcam at ${webcam.currentTime}`);
                }
            },
        },
        {
            content: "The event markers say what they are",
            trigger: ".o_ta_review_marker[title*='Recording stream ended']",
            run: () => {},
        },
    ],
});
