/** @odoo-module **/
/**
 * The recorder's durable upload queue, in Chromium with fake camera and screen; the test
 * (tests/test_recording_queue_tour.py) blocks the chunk uploads through the DevTools
 * protocol and the tour lifts the block with `window.taTestNetwork("unblock")`, and hands
 * the test what it found in IndexedDB with `taTestNetwork("report:<json>")`
 * (tests/recording_browser.py). The test checks on the server that every reported chunk
 * arrived with its hash.
 */
import { registry } from "@web/core/registry";
import {
    QUEUED_KEY,
    wait,
    waitFor,
    ownEntries,
    checkHashes,
    report,
    perKind,
    seedForeignEntries,
    foreignEntries,
    LIVE,
    startSteps,
    submitSteps,
} from "@tech_assessment/../tests/tours/recording_queue_utils";

registry.category("web_tour.tours").add("tech_assessment_recording_queue", {
    test: true,
    steps: () => [
        ...startSteps(),
        {
            content: "This browser holds the queues of another user and of another attempt",
            trigger: LIVE,
            run: seedForeignEntries,
        },
        {
            content: "Uploads are blocked: chunks of both streams wait in IndexedDB with their hashes",
            trigger: ".o_ta_header .o_ta_rec_queue:not(.d-none)",
            timeout: 60000,
            async run() {
                const entries = await waitFor(
                    async () => {
                        const own = await ownEntries();
                        const counts = perKind(own);
                        return counts.webcam >= 2 && counts.screen >= 2 && own;
                    },
                    40000,
                    "two chunks of each stream in IndexedDB",
                );
                await checkHashes(entries);
                sessionStorage.setItem(QUEUED_KEY, JSON.stringify(entries.map((e) => `${e.kind}/${e.seq}`)));
                report("before_reload", entries);
            },
        },
        {
            content: "Reload the page with the chunks queued",
            trigger: ".o_ta_header .o_ta_rec_queue:not(.d-none)",
            run() {
                window.location.reload();
            },
        },
        {
            content: "After the reload, the page shows the recordings waiting to upload",
            trigger: ".o_ta_rec_overlay .o_ta_rec_queue:not(.d-none)",
            timeout: 30000,
            async run() {
                const queued = JSON.parse(sessionStorage.getItem(QUEUED_KEY));
                const own = await ownEntries();
                const keys = own.map((e) => `${e.kind}/${e.seq}`);
                const lost = queued.filter((key) => !keys.includes(key));
                if (lost.length) {
                    throw new Error(`lost in the reload: ${lost}`);
                }
                const shown = Number(
                    document.querySelector(".o_ta_rec_overlay .o_ta_rec_queue_count").textContent,
                );
                if (shown < queued.length) {
                    throw new Error(`${shown} recordings shown waiting, ${queued.length} were queued`);
                }
            },
        },
        {
            content: "Share again: a new segment is recorded, its chunks queued after the others",
            trigger: ".o_ta_rec_overlay .o_ta_rec_resume",
            run: "click",
        },
        {
            content: "Recording again, uploads still blocked",
            trigger: LIVE,
            timeout: 30000,
            async run() {
                await wait(6000);
            },
        },
        {
            content: "The network is back",
            trigger: LIVE,
            run() {
                window.taTestNetwork("unblock");
            },
        },
        {
            content: "Every chunk queued before the reload is uploaded, then forgotten",
            trigger: LIVE,
            timeout: 100000,
            async run() {
                const queued = JSON.parse(sessionStorage.getItem(QUEUED_KEY));
                await waitFor(
                    async () => !(await ownEntries()).some((e) => queued.includes(`${e.kind}/${e.seq}`)),
                    90000,
                    "the queue of the earlier page to be uploaded",
                );
                await wait(4000); // one more timeslice, uploaded live
            },
        },
        ...submitSteps(),
        {
            content: "Result page: this attempt's queue is empty, the other entries are untouched",
            trigger: ".o_ta_result .o_ta_receipt",
            timeout: 60000,
            async run() {
                await waitFor(async () => !(await ownEntries()).length, 30000, "an empty queue");
                const foreign = await foreignEntries();
                if (foreign.length !== 2) {
                    throw new Error(`expected the 2 foreign entries to stay, found ${foreign.length}`);
                }
                report("final", [], { foreign: foreign.length });
            },
        },
    ],
});

registry.category("web_tour.tours").add("tech_assessment_recording_result_queue", {
    test: true,
    steps: () => [
        ...startSteps(),
        {
            content: "Uploads are blocked: chunks of both streams wait in IndexedDB",
            trigger: LIVE,
            timeout: 40000,
            async run() {
                await waitFor(
                    async () => {
                        const counts = perKind(await ownEntries());
                        return counts.webcam >= 1 && counts.screen >= 1;
                    },
                    30000,
                    "a chunk of each stream in IndexedDB",
                );
            },
        },
        ...submitSteps(),
        {
            content: "The result page says how many recordings still wait to upload",
            trigger: ".o_ta_result .o_ta_upload_queue[data-state=waiting]",
            timeout: 60000,
            async run() {
                const own = await ownEntries();
                const shown = Number(document.querySelector(".o_ta_upload_waiting").textContent);
                if (!own.length || shown !== own.length) {
                    throw new Error(`${shown} shown waiting, ${own.length} in IndexedDB`);
                }
                await checkHashes(own);
                report("result_waiting", own);
                window.taTestNetwork("unblock");
            },
        },
        {
            content: "The result page uploads them all",
            trigger: ".o_ta_result .o_ta_upload_queue[data-state=done]",
            timeout: 90000,
            async run() {
                const left = await ownEntries();
                if (left.length) {
                    throw new Error(`${left.length} entries left in IndexedDB`);
                }
            },
        },
    ],
});

registry.category("web_tour.tours").add("tech_assessment_recording_storage_full", {
    test: true,
    steps: () => [
        ...startSteps(),
        {
            content: "The candidate is told that the browser cannot keep the queue",
            trigger: ".o_ta_header .o_ta_rec_storage[data-for=failed]:not(.d-none)",
            timeout: 30000,
            run: () => {},
        },
        {
            content: "The chunks are still uploaded, from memory",
            trigger: LIVE,
            timeout: 30000,
            async run() {
                await wait(5000);
            },
        },
        ...submitSteps(),
        {
            content: "The result page",
            trigger: ".o_ta_result .o_ta_receipt:contains('What was recorded')",
            timeout: 60000,
            run: () => {},
        },
    ],
});
