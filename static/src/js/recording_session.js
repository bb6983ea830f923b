/** @odoo-module **/
/**
 * One attempt's recording: a MediaRecorder per stream with a timeslice; every chunk goes to
 * the attempt's durable upload queue (chunk_uploader.js: stored in IndexedDB, then POSTed,
 * deleted once acknowledged). A reloaded page takes over what an earlier page left in the
 * queue and numbers its chunks after them. Proctoring events go to the attempt's one event
 * queue.
 */
import { eventQueueOf, postJson } from "@tech_assessment/js/attempt_client";
import { ChunkUploader } from "@tech_assessment/js/chunk_uploader";
import { KINDS, isLive, pickMimeType, stopStreams } from "@tech_assessment/js/recorder_streams";

const TIMESLICE_MS = 4000;
const BITRATES = { webcam: 1000000, screen: 750000 };
// Before the test is handed in: how long to wait for the last uploads when every chunk is
// kept on disk (the result page sends the rest), and when some would be lost with the page.
const FLUSH_DURABLE_MS = 5000;
const FLUSH_TIMEOUT_MS = 20000;
const NUMBERING_TIMEOUT_MS = 3000;

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
        this.eventQueue = eventQueueOf(el);
        this.stopping = false;
        this.mimeType = pickMimeType();
        this.uploader = new ChunkUploader({
            attemptId: this.attemptId,
            token: this.token,
            csrf: this.csrf,
            persist: true,
            logEvent: (kind, detail) => this.logEvent(kind, detail),
            onChange: () => callbacks.onQueueChange(),
        });
        this.ready = this.uploader.opened.then((entries) => this._numberAfter(entries));
    }

    /** Chunks an earlier page left in the queue keep their numbers: new ones come after. */
    _numberAfter(entries) {
        for (const entry of entries) {
            this.nextSeq[entry.kind] = Math.max(this.nextSeq[entry.kind] || 0, entry.seq + 1);
            this.nextSegment[entry.kind] = Math.max(this.nextSegment[entry.kind] || 1, entry.segment + 1);
        }
        this.hadRecording = this.hadRecording || entries.length > 0;
    }

    /**
     * Before recording again after a reload or a stopped stream: the page was rendered with
     * the server's numbering, but an upload of the page before the reload may have landed
     * after that (its entry then gone from the queue). Ask again, so that no sequence number
     * is used twice; offline, the numbers the page has stand.
     */
    async _renumberFromServer() {
        let state = null;
        try {
            const timeout = new Promise((resolve) => setTimeout(resolve, NUMBERING_TIMEOUT_MS));
            state = await Promise.race([postJson(this.attemptId, this.token, "recording/state"), timeout]);
        } catch {
            return;
        }
        for (const [kind, seq] of Object.entries((state && state.next_seq) || {})) {
            this.nextSeq[kind] = Math.max(this.nextSeq[kind] || 0, seq);
        }
        for (const [kind, segment] of Object.entries((state && state.next_segment) || {})) {
            this.nextSegment[kind] = Math.max(this.nextSegment[kind] || 1, segment);
        }
    }

    allLive() {
        return this.kinds.every((kind) => isLive(this.streams[kind]));
    }

    /** Record `streams` ({kind: MediaStream}), once the queue's numbering is known. */
    async attach(streams, restarted) {
        await this.ready;
        if (restarted) {
            await this._renumberFromServer();
        }
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
                this.uploader.add({
                    kind,
                    segment,
                    seq: this.nextSeq[kind]++,
                    from,
                    to,
                    blob: ev.data.type ? ev.data : new Blob([ev.data], { type }),
                });
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

    lag() {
        return this.uploader.status();
    }

    /** Stop recording, upload what is left (bounded in time), release the devices. What
     * is still queued then is sent by the result page. */
    async flush() {
        this.stopping = true;
        const stops = Object.values(this.recorders).map((recorder) => {
            if (recorder.state !== "inactive") {
                recorder.stop();
            }
            return recorder.stopped;
        });
        await Promise.race([Promise.all(stops), new Promise((resolve) => setTimeout(resolve, 3000))]);
        await this.uploader.drain(FLUSH_DURABLE_MS, FLUSH_TIMEOUT_MS);
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
