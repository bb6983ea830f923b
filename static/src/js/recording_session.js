/** @odoo-module **/
/**
 * One attempt's recording: a MediaRecorder per stream with a timeslice; every chunk is
 * POSTed (multipart, CSRF token, SHA-256, sequence number, segment, covered times) and
 * kept in a queue until the server stored it: failures are retried with back-off, and the
 * page is told when uploads lag. Proctoring events go to the attempt's one event queue.
 */
import { _t } from "@web/core/l10n/translation";
import { eventQueueOf } from "@tech_assessment/js/attempt_client";
import { KINDS, isLive, pickMimeType, stopStreams } from "@tech_assessment/js/recorder_streams";

const TIMESLICE_MS = 4000;
const BITRATES = { webcam: 1000000, screen: 750000 };
const RETRY_DELAYS_MS = [1000, 2000, 5000, 10000, 20000, 30000];
const LAG_CHUNKS = 3;
const LAG_MS = 15000;
const FLUSH_TIMEOUT_MS = 20000;

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
        this.eventQueue = eventQueueOf(el);
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
                const type = ev.data.type || recorder.mimeType || "video/webm";
                this.queue.push({
                    kind,
                    segment,
                    seq: this.nextSeq[kind]++,
                    from,
                    to,
                    failures: 0,
                    queuedAt: to,
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
                        this.logEvent(
                            "upload_error",
                            `${item.kind} #${item.seq}: ${error.status} ${error.message}`,
                        );
                    } else {
                        item.failures++;
                        if (item.failures === 1) {
                            this.logEvent(
                                "upload_error",
                                `${item.kind} #${item.seq}: ${error.message} (retrying)`,
                            );
                        }
                        this.callbacks.onQueueChange();
                        const delay =
                            RETRY_DELAYS_MS[Math.min(item.failures - 1, RETRY_DELAYS_MS.length - 1)];
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
            lagging:
                this.queue.length >= LAG_CHUNKS || Boolean(oldest && Date.now() - oldest.queuedAt > LAG_MS),
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
        this.eventQueue.push(kind, detail);
        clearTimeout(this.eventTimer);
        this.eventTimer = setTimeout(() => this.flushEvents(), 1000);
    }

    async flushEvents() {
        await this.eventQueue.flush();
        if (this.eventQueue.events.length) {
            clearTimeout(this.eventTimer);
            this.eventTimer = setTimeout(() => this.flushEvents(), 10000);
        }
    }
}
