/** @odoo-module **/
/**
 * The result page finishes the recorder's upload queue: what the test page could not send
 * before the test was handed in (the connection was down, the page was closed or crashed)
 * waits in IndexedDB, and is sent from here while the server still accepts late chunks of
 * the attempt (a short window after its end). Only this attempt's entries under this
 * page's access token are read (chunk_store.js): those of other attempts or users of the
 * browser are left for their own pages. The candidate sees how many wait, then that all
 * arrived, or how many the server refused.
 */
import publicWidget from "@web/legacy/js/public/public_widget";
import { eventQueueOf } from "@tech_assessment/js/attempt_client";
import { ChunkUploader } from "@tech_assessment/js/chunk_uploader";

const EVENT_FLUSH_MS = 2000;
const EVENT_RETRY_MS = 10000;

publicWidget.registry.TechAssessmentResultUpload = publicWidget.Widget.extend({
    selector: ".o_ta_upload_queue[data-attempt-id]",

    start() {
        const data = this.el.dataset;
        this.eventQueue = eventQueueOf(this.el);
        this.uploader = new ChunkUploader({
            attemptId: data.attemptId,
            token: data.accessToken,
            csrf: data.taCsrf,
            persist: false,
            logEvent: (kind, detail) => {
                this.eventQueue.push(kind, detail);
                this._flushEventsIn(EVENT_FLUSH_MS);
            },
            onChange: () => this._render(),
        });
        return this._super(...arguments);
    },

    destroy() {
        clearTimeout(this.eventTimer);
        this.uploader.destroy();
        this._super(...arguments);
    },

    _flushEventsIn(ms) {
        clearTimeout(this.eventTimer);
        this.eventTimer = setTimeout(async () => {
            await this.eventQueue.flush();
            if (this.eventQueue.events.length) {
                this._flushEventsIn(EVENT_RETRY_MS);
            }
        }, ms);
    },

    /** Touches the DOM only when what it shows changes. */
    _render() {
        const { waiting, restored, dropped } = this.uploader.status();
        let state = "idle";
        if (waiting) {
            state = "waiting";
        } else if (dropped) {
            state = "failed";
        } else if (restored) {
            state = "done";
        }
        if ((state === "done" || state === "failed") && !this.finalFlush) {
            // what happened reaches the server before the page says it is over
            clearTimeout(this.eventTimer);
            this.finalFlush = this.eventQueue.flush().then(() => {
                if (this.eventQueue.events.length) {
                    this._flushEventsIn(EVENT_RETRY_MS);
                }
                this._render();
            });
            return;
        }
        const key = `${state}|${waiting}|${dropped}`;
        if (key === this.shown) {
            return;
        }
        this.shown = key;
        const el = this.el;
        el.dataset.state = state;
        el.classList.toggle("d-none", state === "idle");
        el.classList.toggle("alert-warning", state === "waiting");
        el.classList.toggle("alert-success", state === "done");
        el.classList.toggle("alert-danger", state === "failed");
        for (const part of el.querySelectorAll("[data-for]")) {
            part.classList.toggle("d-none", part.dataset.for !== state);
        }
        el.querySelector(".o_ta_upload_waiting").textContent = String(waiting);
        el.querySelector(".o_ta_upload_dropped").textContent = String(dropped);
    },
});

export default publicWidget.registry.TechAssessmentResultUpload;
