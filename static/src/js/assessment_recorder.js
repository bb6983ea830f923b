/** @odoo-module **/
/**
 * Webcam and screen recording of a recorded assessment.
 *
 * Streams die with the page that opened them, so the test of a recorded assessment starts
 * WITHOUT navigation: on the landing page, the click on "Start" (a user gesture) asks for
 * the streams, checks that the whole screen is shared, POSTs the start form with fetch,
 * fetches the test page and swaps its `.o_ta_test` element into the current document, then
 * starts the public widgets on it (the test itself and the recorder below), which picks up
 * the live streams. A reloaded test page, or a stream that stops ("Stop sharing"), shows a
 * blocking overlay until the candidate shares again; the server's clock keeps running.
 *
 * Each stream is recorded by a MediaRecorder with a timeslice; every chunk is kept in a
 * durable queue (IndexedDB) until the server stored it, then POSTed (multipart, CSRF token,
 * SHA-256, sequence number, segment, covered times): failures are retried with back-off, a
 * reloaded page sends what an earlier one left, the indicator says when uploads lag, and the
 * candidate sees how many recordings wait and whether the browser can keep them. Before the
 * test is submitted, the recorders stop and the queue is flushed (the test widget dispatches
 * `ta-before-submit`); the result page sends what is left (result_upload.js).
 */
import publicWidget from "@web/legacy/js/public/public_widget";
import { _t } from "@web/core/l10n/translation";
import { RecordingSession } from "@tech_assessment/js/recording_session";
import {
    KINDS,
    RecorderError,
    acquireStreams,
    isLive,
    stopStreams,
} from "@tech_assessment/js/recorder_streams";

// Streams acquired on the landing page, handed to the recorder of the swapped-in test page.
let handedOver = null;
const PREVIEW_PREFS_KEY = "tech_assessment.preview";

/** Landing page: the start button of a recorded assessment acquires the streams first. */
publicWidget.registry.TechAssessmentRecordingStart = publicWidget.Widget.extend({
    selector: "form.o_ta_start_form[data-ta-recording]",
    events: { submit: "_onSubmit" },

    _showMessage(message) {
        const box = this.el.querySelector(".o_ta_rec_message");
        if (box) {
            box.textContent = message || "";
            box.classList.toggle("d-none", !message);
        }
    },

    async _onSubmit(ev) {
        ev.preventDefault();
        const form = this.el;
        if (this.busy || !form.reportValidity()) {
            return;
        }
        this.busy = true;
        const button = form.querySelector(".o_ta_start");
        button && (button.disabled = true);
        this._showMessage("");
        let streams = null;
        try {
            streams = await acquireStreams(
                KINDS[form.dataset.taRecording] || [],
                Boolean(form.dataset.taRequireMonitor),
            );
            const response = await fetch(form.action, {
                method: "POST",
                body: new FormData(form),
                credentials: "same-origin",
            });
            const doc = new DOMParser().parseFromString(await response.text(), "text/html");
            const test = doc.querySelector(".o_ta_test");
            if (!test) {
                stopStreams(streams);
                if (response.ok && !doc.querySelector(".o_ta_landing")) {
                    window.location.href = response.url; // closed meanwhile: show its page
                    return;
                }
                const refusal = doc.querySelector(".o_ta_landing .alert-danger");
                throw new RecorderError(
                    refusal ? refusal.textContent.trim() : _t("The test could not start."),
                );
            }
            handedOver = streams;
            const node = document.importNode(test, true);
            (form.closest(".o_ta_landing") || form).replaceWith(node);
            window.history.replaceState(null, "", response.url);
            this.trigger_up("widgets_start_request", { $target: window.$(node) });
        } catch (error) {
            stopStreams(streams);
            this._showMessage(
                error instanceof RecorderError ? error.message : _t("Could not reach the server: try again."),
            );
            this.busy = false;
            button && (button.disabled = false);
        }
    },
});

/** Test page: records while the test runs; blocks the questions while a stream is missing. */
publicWidget.registry.TechAssessmentRecorder = publicWidget.Widget.extend({
    selector: ".o_ta_test[data-ta-recording]",
    events: {
        "click .o_ta_rec_resume": "_onResumeClick",
        "click .o_ta_preview_minimise": "_onPreviewMinimise",
        "click .o_ta_preview_move": "_onPreviewMove",
        "ta-before-submit": "_onBeforeSubmit",
    },

    start() {
        this.session = new RecordingSession(this.el, {
            onInterrupted: () => this._render(),
            onQueueChange: () => this._render(),
        });
        this._onFullscreen = () => {
            if (document.fullscreenElement) {
                this.wasFullscreen = true;
            } else if (this.wasFullscreen) {
                this.wasFullscreen = false;
                this.session.logEvent("fullscreen_exit");
            }
        };
        document.addEventListener("fullscreenchange", this._onFullscreen);
        const streams = handedOver;
        handedOver = null;
        if (streams && this.session.kinds.every((kind) => isLive(streams[kind]))) {
            this.session.attach(streams, false).then(() => this._render());
        } else {
            stopStreams(streams);
            this.session.ready.then(() => {
                if (this.session.hadRecording) {
                    this.session.logEvent("stream_ended", _t("page loaded without recording (reload)"));
                }
            });
        }
        // the backlog shown depends on the age of the oldest chunk waiting
        this.renderInterval = setInterval(() => this._render(), 1000);
        this._applyPreviewPrefs();
        this._render();
        return this._super(...arguments);
    },

    destroy() {
        clearInterval(this.renderInterval);
        document.removeEventListener("fullscreenchange", this._onFullscreen);
        this.session.uploader.destroy();
        this._super(...arguments);
    },

    async _onResumeClick() {
        if (this.resuming) {
            return;
        }
        this.resuming = true;
        this._message("");
        try {
            const streams = await acquireStreams(
                this.session.kinds,
                this.session.requireMonitor,
                this.session.streams,
            );
            await this.session.attach(streams, true);
        } catch (error) {
            this._message(error.message);
        } finally {
            this.resuming = false;
            this._render();
        }
    },

    /** The preview's place and size are the candidate's choice, kept for this browser. */
    _previewPrefs() {
        try {
            return JSON.parse(window.localStorage.getItem(PREVIEW_PREFS_KEY)) || {};
        } catch {
            return {};
        }
    },

    _setPreviewPref(key, value) {
        const prefs = { ...this._previewPrefs(), [key]: value };
        try {
            window.localStorage.setItem(PREVIEW_PREFS_KEY, JSON.stringify(prefs));
        } catch {
            // private mode or full storage: the choice lasts until the page is left
        }
        this._applyPreviewPrefs(prefs);
    },

    _applyPreviewPrefs(prefs = this._previewPrefs()) {
        const box = this.el.querySelector(".o_ta_rec_preview_box");
        if (!box) {
            return;
        }
        box.dataset.side = prefs.side === "left" ? "left" : "right";
        box.classList.toggle("o_ta_minimised", Boolean(prefs.minimised));
        box.querySelector(".o_ta_preview_minimise").setAttribute(
            "aria-pressed",
            String(Boolean(prefs.minimised)),
        );
    },

    _onPreviewMinimise() {
        this._setPreviewPref("minimised", !this._previewPrefs().minimised);
    },

    _onPreviewMove() {
        this._setPreviewPref("side", this._previewPrefs().side === "left" ? "right" : "left");
    },

    _onBeforeSubmit(ev) {
        const detail = (ev.originalEvent || ev).detail;
        detail?.waitUntil?.(this.session.flush());
    },

    _message(text) {
        const box = this.el.querySelector(".o_ta_rec_overlay .o_ta_rec_message");
        if (box) {
            box.textContent = text || "";
            box.classList.toggle("d-none", !text);
        }
    },

    /** Touches the DOM only when what it shows changes. */
    _render() {
        const live = this.session.allLive();
        const status = this.session.lag();
        const { waiting, lagging } = status;
        this._renderQueue(status);
        let state = "paused";
        let label = _t("Recording stopped");
        if (this.session.stopping) {
            state = "off";
            label = waiting ? _t("Uploading the recording… (%s left)", waiting) : _t("Recording saved");
        } else if (live && lagging) {
            state = "lagging";
            label = _t("Recording · upload lagging (%s waiting)", waiting);
        } else if (live) {
            state = "live";
            label = _t("Recording");
        }
        const key = `${live}|${state}|${label}`;
        if (key === this.shown) {
            return;
        }
        this.shown = key;
        this.el.classList.toggle("o_ta_rec_live", live || this.session.stopping);
        const indicator = this.el.querySelector(".o_ta_rec_indicator");
        if (indicator) {
            indicator.dataset.state = state;
            indicator.classList.toggle("text-bg-danger", state === "live");
            indicator.classList.toggle("text-bg-warning", state === "lagging");
            indicator.classList.toggle("text-bg-dark", state === "paused" || state === "off");
            indicator.querySelector(".o_ta_rec_label").textContent = label;
        }
        const box = this.el.querySelector(".o_ta_rec_preview_box");
        const webcam = this.session.streams.webcam;
        if (box) {
            const preview = box.querySelector(".o_ta_rec_preview");
            const show = isLive(webcam) && !this.session.stopping;
            if (show && preview.srcObject !== webcam) {
                preview.srcObject = webcam;
            }
            box.classList.toggle("d-none", !show);
        }
    },

    /** How many recordings wait to upload, and whether the browser can keep them. */
    _renderQueue(status) {
        const backlog = status.backlog ? status.waiting : 0;
        const free = status.free === null ? "?" : (status.free / 1048576).toFixed(0);
        const key = `${backlog}|${status.waiting}|${status.storage}|${free}`;
        if (key === this.shownQueue) {
            return;
        }
        this.shownQueue = key;
        renderQueueStatus(this.el, backlog, status, free);
    },
});

/** Fill the queue and storage messages of the page (QWeb) under `el`. */
function renderQueueStatus(el, backlog, status, free) {
    for (const box of el.querySelectorAll(".o_ta_rec_queue")) {
        box.dataset.waiting = String(status.waiting);
        box.classList.toggle("d-none", !backlog);
        box.querySelector(".o_ta_rec_queue_count").textContent = String(backlog);
    }
    for (const alert of el.querySelectorAll(".o_ta_rec_storage")) {
        alert.classList.toggle("d-none", alert.dataset.for !== status.storage);
        const freeNode = alert.querySelector(".o_ta_rec_storage_free");
        freeNode && (freeNode.textContent = free);
    }
}

export default publicWidget.registry.TechAssessmentRecorder;
