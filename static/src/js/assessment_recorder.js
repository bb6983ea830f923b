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
 * Each stream is recorded by a MediaRecorder with a timeslice; every chunk is POSTed
 * (multipart, CSRF token, SHA-256, sequence number, segment, covered times) and kept in a
 * queue until the server stored it: failures are retried with back-off and the indicator
 * says when uploads lag. Before the test is submitted, the recorders stop and the queue is
 * flushed (the test widget dispatches `ta-before-submit`).
 */
import publicWidget from "@web/legacy/js/public/public_widget";
import { _t } from "@web/core/l10n/translation";

export const TIMESLICE_MS = 4000;
const BITRATES = { webcam: 1000000, screen: 750000 };
const RETRY_DELAYS_MS = [1000, 2000, 5000, 10000, 20000, 30000];
const LAG_CHUNKS = 3;
const LAG_MS = 15000;
const FLUSH_TIMEOUT_MS = 20000;
const KINDS = { webcam: ["webcam"], screen: ["screen"], both: ["webcam", "screen"] };

// Streams acquired on the landing page, handed to the recorder of the swapped-in test page.
let handedOver = null;

class RecorderError extends Error {}

function isLive(stream) {
    return Boolean(stream && stream.getTracks().some((track) => track.readyState === "live"));
}

function stopStreams(streams) {
    for (const stream of Object.values(streams || {})) {
        stream.getTracks().forEach((track) => track.stop());
    }
}

function pickMimeType() {
    const candidates = ["video/webm;codecs=vp8,opus", "video/webm;codecs=vp8", "video/webm", "video/mp4"];
    return candidates.find((type) => window.MediaRecorder && MediaRecorder.isTypeSupported(type)) || "";
}

function explain(error, kind) {
    if (error instanceof RecorderError) {
        return error.message;
    }
    const what = kind === "screen" ? _t("your screen") : _t("your camera");
    if (error && error.name === "NotAllowedError") {
        return _t("Sharing %s was refused. This test is recorded: it cannot start without it.", what);
    }
    if (error && error.name === "NotFoundError") {
        return _t("No device was found to record %s.", what);
    }
    return _t("Could not record %s: %s", what, (error && error.message) || String(error));
}

/**
 * Ask for the streams of `kinds` that are not live in `existing`, the screen first (it
 * needs the click's user activation). Refuses a tab or a window when the whole screen is
 * required. Returns {kind: MediaStream}; on failure, stops what it opened and throws.
 */
export async function acquireStreams(kinds, requireMonitor, existing = {}) {
    const streams = {};
    let kind;
    try {
        if (!navigator.mediaDevices) {
            throw new RecorderError(_t("This browser cannot record: use a recent Chrome, Edge or Firefox over HTTPS."));
        }
        if (kinds.includes("screen") && !isLive(existing.screen)) {
            kind = "screen";
            const stream = await navigator.mediaDevices.getDisplayMedia({
                video: { displaySurface: "monitor", frameRate: { ideal: 5, max: 15 } },
                audio: false,
                monitorTypeSurfaces: "include",
                surfaceSwitching: "exclude",
                selfBrowserSurface: "exclude",
            });
            streams.screen = stream;
            const surface = stream.getVideoTracks()[0].getSettings().displaySurface;
            if (requireMonitor && surface && surface !== "monitor") {
                const shared = surface === "browser" ? _t("a browser tab") : _t("a window");
                throw new RecorderError(
                    _t('You shared %s. Please share your entire screen: in the dialog, choose "Entire screen".', shared)
                );
            }
        }
        if (kinds.includes("webcam") && !isLive(existing.webcam)) {
            kind = "webcam";
            const video = { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 15 } };
            try {
                streams.webcam = await navigator.mediaDevices.getUserMedia({ video, audio: true });
            } catch (error) {
                if (error.name !== "NotFoundError") {
                    throw error;
                }
                streams.webcam = await navigator.mediaDevices.getUserMedia({ video, audio: false });
            }
        }
    } catch (error) {
        stopStreams(streams);
        throw new RecorderError(explain(error, kind));
    }
    return streams;
}

async function sha256Hex(blob) {
    const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
    return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Recorders, upload queue and proctoring events of one attempt. */
export class RecordingSession {
    constructor(el, callbacks) {
        const data = el.dataset;
        this.attemptId = data.attemptId;
        this.token = data.accessToken;
        this.csrf = data.taCsrf || (window.odoo && window.odoo.csrf_token);
        this.kinds = KINDS[data.taRecording] || [];
        this.requireMonitor = Boolean(data.taRequireMonitor);
        const state = JSON.parse(data.taRecordingState || "{}");
        this.nextSeq = Object.assign({ webcam: 0, screen: 0 }, state.next_seq);
        this.nextSegment = Object.assign({ webcam: 1, screen: 1 }, state.next_segment);
        this.hadRecording = Boolean(state.next_seq && Object.keys(state.next_seq).length);
        this.callbacks = callbacks;
        this.streams = {};
        this.recorders = {};
        this.queue = [];
        this.events = [];
        this.stopping = false;
        this.mimeType = pickMimeType();
    }

    allLive() {
        return this.kinds.every((kind) => isLive(this.streams[kind]));
    }

    attach(streams, restarted) {
        for (const [kind, stream] of Object.entries(streams)) {
            this.streams[kind] = stream;
            for (const track of stream.getTracks()) {
                track.addEventListener("ended", () => this._onTrackEnded(kind));
            }
            this._startRecorder(kind);
            if (restarted) {
                this.logEvent("stream_restarted", `${kind} (segment ${this.recorders[kind].segment})`);
            }
        }
    }

    _startRecorder(kind) {
        const stream = this.streams[kind];
        const options = { videoBitsPerSecond: BITRATES[kind], audioBitsPerSecond: 64000 };
        if (this.mimeType) {
            options.mimeType = kind === "screen" ? this.mimeType.replace(",opus", "") : this.mimeType;
        }
        const recorder = new MediaRecorder(stream, options);
        const segment = this.nextSegment[kind]++;
        let from = Date.now();
        recorder.ondataavailable = (ev) => {
            const to = Date.now();
            if (ev.data && ev.data.size) {
                const type = (ev.data.type || recorder.mimeType || "video/webm");
                this.queue.push({
                    kind, segment, seq: this.nextSeq[kind]++, from, to, failures: 0, queuedAt: to,
                    blob: ev.data.type ? ev.data : new Blob([ev.data], { type }),
                });
                this._pump();
            }
            from = to;
        };
        recorder.stopped = new Promise((resolve) => recorder.addEventListener("stop", resolve));
        recorder.segment = segment;
        recorder.start(TIMESLICE_MS);
        this.recorders[kind] = recorder;
    }

    _onTrackEnded(kind) {
        if (this.stopping || this.recorders[kind]?.endedLogged) {
            return;
        }
        const recorder = this.recorders[kind];
        if (recorder) {
            recorder.endedLogged = true;
            if (recorder.state !== "inactive") {
                recorder.stop(); // hands over its last chunk
            }
        }
        stopStreams({ [kind]: this.streams[kind] });
        this.logEvent("stream_ended", kind);
        this.callbacks.onInterrupted(kind);
    }

    // ------------------------------------------------------------ uploads
    async _pump() {
        this.callbacks.onQueueChange();
        if (this.pumping) {
            return;
        }
        this.pumping = true;
        try {
            while (this.queue.length) {
                const item = this.queue[0];
                try {
                    await this._upload(item);
                    this.queue.shift();
                } catch (error) {
                    if (error.fatal) {
                        this.queue.shift();
                        this.logEvent("upload_error", `${item.kind} #${item.seq}: ${error.status} ${error.message}`);
                    } else {
                        item.failures++;
                        if (item.failures === 1) {
                            this.logEvent("upload_error", `${item.kind} #${item.seq}: ${error.message} (retrying)`);
                        }
                        this.callbacks.onQueueChange();
                        const delay = RETRY_DELAYS_MS[Math.min(item.failures - 1, RETRY_DELAYS_MS.length - 1)];
                        await new Promise((resolve) => setTimeout(resolve, delay));
                    }
                }
                this.callbacks.onQueueChange();
            }
        } finally {
            this.pumping = false;
        }
        this.callbacks.onQueueChange();
        this._resolveDrained();
    }

    async _upload(item) {
        item.sha256 = item.sha256 || (await sha256Hex(item.blob));
        const form = new FormData();
        form.append("csrf_token", this.csrf || "");
        form.append("access_token", this.token);
        form.append("sha256", item.sha256);
        form.append("segment", String(item.segment));
        form.append("start_ms", String(item.from));
        form.append("end_ms", String(item.to));
        const extension = item.blob.type.includes("mp4") ? "mp4" : "webm";
        form.append("chunk", item.blob, `${item.kind}-${item.seq}.${extension}`);
        let response;
        try {
            response = await fetch(`/my/assessments/${this.attemptId}/recording/${item.kind}/${item.seq}`, {
                method: "POST",
                body: form,
                headers: { "X-Access-Token": this.token },
                credentials: "same-origin",
            });
        } catch (networkError) {
            throw Object.assign(new Error(_t("network error")), { fatal: false });
        }
        if (response.ok) {
            return;
        }
        let message = response.statusText;
        try {
            message = (await response.json()).error?.message || message;
        } catch {
            // not JSON (a proxy, the CSRF check): keep the status text
        }
        const retry = response.status >= 500 || response.status === 429 || response.status === 408;
        throw Object.assign(new Error(message), { status: response.status, fatal: !retry });
    }

    lag() {
        const oldest = this.queue[0];
        return {
            waiting: this.queue.length,
            lagging: this.queue.length >= LAG_CHUNKS || Boolean(oldest && Date.now() - oldest.queuedAt > LAG_MS),
        };
    }

    _resolveDrained() {
        if (!this.queue.length && this.drainedResolve) {
            this.drainedResolve();
            this.drainedResolve = null;
        }
    }

    /** Stop recording, upload what is left (bounded in time), release the devices. */
    async flush() {
        this.stopping = true;
        const stops = Object.values(this.recorders).map((recorder) => {
            if (recorder.state !== "inactive") {
                recorder.stop();
            }
            return recorder.stopped;
        });
        await Promise.race([Promise.all(stops), new Promise((resolve) => setTimeout(resolve, 3000))]);
        if (this.queue.length || this.pumping) {
            const drained = new Promise((resolve) => (this.drainedResolve = resolve));
            this._pump();
            await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, FLUSH_TIMEOUT_MS))]);
        }
        stopStreams(this.streams);
        await this.flushEvents();
    }

    // ------------------------------------------------------------ events
    logEvent(kind, detail) {
        this.events.push({ kind, at: Date.now(), detail: detail ? String(detail).slice(0, 250) : null });
        clearTimeout(this.eventTimer);
        this.eventTimer = setTimeout(() => this.flushEvents(), 1000);
    }

    async flushEvents() {
        if (!this.events.length) {
            return;
        }
        const batch = this.events.splice(0, 50);
        try {
            const response = await fetch(`/my/assessments/${this.attemptId}/events`, {
                method: "POST",
                headers: { "Content-Type": "application/json", "X-Access-Token": this.token },
                body: JSON.stringify({ events: batch }),
                credentials: "same-origin",
            });
            if (response.status >= 500) {
                throw new Error(response.statusText);
            }
        } catch {
            this.events.unshift(...batch);
            clearTimeout(this.eventTimer);
            this.eventTimer = setTimeout(() => this.flushEvents(), 10000);
        }
    }
}

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
            streams = await acquireStreams(KINDS[form.dataset.taRecording] || [], Boolean(form.dataset.taRequireMonitor));
            const response = await fetch(form.action, {
                method: "POST", body: new FormData(form), credentials: "same-origin",
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
                throw new RecorderError(refusal ? refusal.textContent.trim() : _t("The test could not start."));
            }
            handedOver = streams;
            const node = document.importNode(test, true);
            (form.closest(".o_ta_landing") || form).replaceWith(node);
            window.history.replaceState(null, "", response.url);
            this.trigger_up("widgets_start_request", { $target: window.$(node) });
        } catch (error) {
            stopStreams(streams);
            this._showMessage(error instanceof RecorderError ? error.message : _t("Could not reach the server: try again."));
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
            this.session.attach(streams, false);
        } else {
            stopStreams(streams);
            if (this.session.hadRecording) {
                this.session.logEvent("stream_ended", _t("page loaded without recording (reload)"));
            }
        }
        this._render();
        return this._super(...arguments);
    },

    destroy() {
        document.removeEventListener("fullscreenchange", this._onFullscreen);
        this._super(...arguments);
    },

    async _onResumeClick() {
        if (this.resuming) {
            return;
        }
        this.resuming = true;
        this._message("");
        try {
            const streams = await acquireStreams(this.session.kinds, this.session.requireMonitor, this.session.streams);
            this.session.attach(streams, true);
        } catch (error) {
            this._message(error.message);
        } finally {
            this.resuming = false;
            this._render();
        }
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
        const { waiting, lagging } = this.session.lag();
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
            indicator.classList.toggle("text-bg-secondary", state === "paused" || state === "off");
            indicator.querySelector(".o_ta_rec_label").textContent = label;
        }
        const preview = this.el.querySelector(".o_ta_rec_preview");
        const webcam = this.session.streams.webcam;
        if (preview) {
            const show = isLive(webcam) && !this.session.stopping;
            if (show && preview.srcObject !== webcam) {
                preview.srcObject = webcam;
            }
            preview.classList.toggle("d-none", !show);
        }
    },
});

export default publicWidget.registry.TechAssessmentRecorder;
