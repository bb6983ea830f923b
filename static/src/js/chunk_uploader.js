/** @odoo-module **/
/**
 * The upload queue of one attempt's recorded chunks, used by the test page
 * (recording_session.js) and by the result page (result_upload.js), which finishes it
 * after the test was submitted.
 *
 * A chunk is written to the durable store (chunk_store.js) *before* its upload starts and
 * deleted only once the server acknowledged it (2xx: stored, or the idempotent replay of a
 * chunk it already has), so a reload, a crash or a long outage loses nothing: the next
 * page of the attempt takes the queue over. One request at a time, in order (what an
 * earlier page left, by stream then sequence number, then the new chunks); network errors,
 * 5xx, 408, 429 and 400 are retried with back-off, other refusals (the attempt closed, a
 * conflict, a malformed chunk) drop the chunk and log why. When the browser cannot keep
 * the queue (no IndexedDB, quota exceeded) chunks are still uploaded from memory, and the
 * page is told so that it can tell the candidate.
 */
import { _t } from "@web/core/l10n/translation";
import {
    ChunkStore,
    LOW_FREE_BYTES,
    estimateStorage,
    requestPersistence,
    sha256Hex,
} from "@tech_assessment/js/chunk_store";

const RETRY_DELAYS_MS = [1000, 2000, 5000, 10000, 20000, 30000];
const LAG_CHUNKS = 3;
const LAG_MS = 15000;
// Waiting longer than this, a chunk is a backlog the candidate is shown (live, a chunk
// waits less than a second, or one timeslice behind the other stream's).
const BACKLOG_MS = 6000;
const QUOTA_CHECK_MS = 30000;

function describe(error) {
    return error && error.name ? `${error.name}: ${error.message}` : String(error);
}

function megabytes(bytes) {
    return (bytes / 1048576).toFixed(1);
}

function summarize(entries) {
    const byKind = {};
    for (const entry of entries) {
        (byKind[entry.kind] = byKind[entry.kind] || []).push(entry.seq);
    }
    const parts = Object.entries(byKind).map(
        ([kind, seqs]) => `${kind} #${Math.min(...seqs)}-#${Math.max(...seqs)} (${seqs.length})`,
    );
    return `${entries.length} chunk(s) queued by an earlier page: ${parts.join(", ")}`;
}

function delay(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

export class ChunkUploader {
    /**
     * @param {Object} options attemptId, token, csrf; logEvent(kind, detail); onChange()
     *     when what status() returns may have changed; persist: ask the browser to keep
     *     the storage (the recording page does, the result page only finishes a queue).
     */
    constructor({ attemptId, token, csrf, logEvent, onChange, persist }) {
        Object.assign(this, { attemptId, token, csrf, logEvent, onChange });
        this.items = [];
        this.store = null;
        this.storage = "pending"; // ok, low (little quota left), failed (cannot keep chunks)
        this.free = null;
        this.persisted = null;
        this.counts = { restored: 0, uploaded: 0, dropped: 0 };
        this.drainWaiters = [];
        // resolves to the entries an earlier page left (the recorder numbers after them)
        this.opened = this._open(persist);
        this.adding = this.opened;
        this._onOnline = () => this.wake();
        window.addEventListener("online", this._onOnline);
    }

    destroy() {
        window.removeEventListener("online", this._onOnline);
    }

    async _open(persist) {
        try {
            this.store = await ChunkStore.open(this.attemptId, this.token);
        } catch (error) {
            this._setStorage("failed", `the browser's database cannot be opened: ${describe(error)}`);
            return [];
        }
        if (persist) {
            this.persisted = await requestPersistence();
            await this._checkQuota();
        }
        let entries = [];
        try {
            entries = await this.store.list();
        } catch (error) {
            this._setStorage("failed", `the queue cannot be read: ${describe(error)}`);
        }
        if (entries.length) {
            this.counts.restored = entries.length;
            for (const entry of entries) {
                this.items.push({
                    ...entry,
                    failures: 0,
                    queuedAt: entry.createdAt,
                    durable: true,
                    restored: true,
                });
            }
            this.logEvent("upload_resumed", summarize(entries));
            this._pump();
        }
        this._changed();
        return entries;
    }

    _changed() {
        this.onChange && this.onChange();
    }

    // ------------------------------------------------------------ storage
    _setStorage(state, detail) {
        if (state === this.storage) {
            return;
        }
        const wasBad = this.storage === "low" || this.storage === "failed";
        this.storage = state;
        if (state === "low" || state === "failed" || wasBad) {
            const persisted = { true: "yes", false: "no", null: "not offered" }[this.persisted];
            this.logEvent("recording_storage", `${state}: ${detail}; persistent storage: ${persisted}`);
        }
        this._changed();
    }

    async _checkQuota() {
        this.quotaCheckedAt = Date.now();
        const estimate = await estimateStorage();
        this.free = estimate ? estimate.free : null;
        if (this.storage !== "failed") {
            this._setQuotaState(estimate);
        }
        return estimate;
    }

    _setQuotaState(estimate) {
        const low = Boolean(estimate && estimate.free < LOW_FREE_BYTES);
        const detail = estimate
            ? `${megabytes(estimate.free)} MB free of ${megabytes(estimate.quota)} MB`
            : "quota unknown";
        this._setStorage(low ? "low" : "ok", detail);
    }

    // ------------------------------------------------------------ queue
    /** Queue a new chunk (kind, seq, segment, from, to, blob): stored first, then sent. */
    add(chunk) {
        this.adding = this.adding
            .then(() => this._add(chunk))
            .catch((error) =>
                this.logEvent("upload_error", `${chunk.kind} #${chunk.seq}: ${describe(error)}`),
            );
        return this.adding;
    }

    async _add(chunk) {
        const now = Date.now();
        const item = { ...chunk, failures: 0, queuedAt: now, createdAt: now, durable: false };
        item.sha256 = await sha256Hex(item.blob);
        if (this.store) {
            try {
                await this.store.put(item);
                item.durable = true;
                if (this.storage === "failed") {
                    this._setQuotaState(await this._checkQuota()); // logged: kept again
                } else if (now - (this.quotaCheckedAt || 0) > QUOTA_CHECK_MS) {
                    await this._checkQuota();
                }
            } catch (error) {
                const detail = `${item.kind} #${item.seq} kept in memory only: ${describe(error)}`;
                this._setStorage("failed", detail);
            }
        }
        this.items.push(item);
        this._pump();
    }

    async _pump() {
        this._changed();
        if (this.pumping) {
            return;
        }
        this.pumping = true;
        try {
            while (this.items.length) {
                const item = this.items[0];
                try {
                    await this._upload(item);
                    this.counts.uploaded++;
                    await this._forget(item);
                } catch (error) {
                    if (error.fatal) {
                        this.counts.dropped++;
                        const detail = `${item.kind} #${item.seq}: ${error.status} ${error.message}`;
                        this.logEvent("upload_error", detail);
                        await this._forget(item);
                    } else {
                        item.failures++;
                        if (item.failures === 1) {
                            this.logEvent(
                                "upload_error",
                                `${item.kind} #${item.seq}: ${error.message} (retrying)`,
                            );
                        }
                        this._changed();
                        await this._sleep(
                            RETRY_DELAYS_MS[Math.min(item.failures, RETRY_DELAYS_MS.length) - 1],
                        );
                    }
                }
                this._changed();
            }
        } finally {
            this.pumping = false;
        }
        this._changed();
        for (const resolve of this.drainWaiters.splice(0)) {
            resolve();
        }
    }

    async _forget(item) {
        if (item.durable) {
            try {
                await this.store.delete(item.kind, item.seq);
            } catch {
                // sent again by the next page: the server answers it as a replay
            }
        }
        const index = this.items.indexOf(item);
        if (index >= 0) {
            this.items.splice(index, 1);
        }
    }

    _sleep(ms) {
        return new Promise((resolve) => {
            this._wakeUp = resolve;
            this._sleepTimer = setTimeout(resolve, ms);
        });
    }

    /** Retry now (the connection is back, or the page is leaving). */
    wake() {
        clearTimeout(this._sleepTimer);
        this._wakeUp && this._wakeUp();
        this._wakeUp = null;
    }

    async _upload(item) {
        // The bytes are the body (the server writes them to disk as they come, no form to
        // parse); what describes them goes in the query string and the headers.
        const query = new URLSearchParams({
            sha256: item.sha256,
            segment: String(item.segment),
            start_ms: String(item.from),
            end_ms: String(item.to),
        });
        let response;
        try {
            response = await fetch(
                `/my/assessments/${this.attemptId}/recording/${item.kind}/${item.seq}?${query}`,
                {
                    method: "POST",
                    body: item.blob,
                    headers: {
                        "Content-Type": item.blob.type || "video/webm",
                        "X-Access-Token": this.token,
                        "X-CSRF-Token": this.csrf || "",
                    },
                    credentials: "same-origin",
                },
            );
        } catch {
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
        // 400 is Odoo's answer to a CSRF token the session no longer matches (logged in or
        // out in another tab): the chunk is kept, and the next page's token will do.
        const retry = [400, 408, 429].includes(response.status) || response.status >= 500;
        throw Object.assign(new Error(message), { status: response.status, fatal: !retry });
    }

    // ------------------------------------------------------------ state
    status() {
        const oldest = this.items[0];
        const age = oldest ? Date.now() - oldest.queuedAt : 0;
        const waiting = this.items.length;
        return {
            waiting,
            lagging: waiting >= LAG_CHUNKS || age > LAG_MS,
            // what the candidate is shown: more than the chunk being sent right now
            backlog: Boolean(oldest && (oldest.restored || waiting >= LAG_CHUNKS || age > BACKLOG_MS)),
            storage: this.storage,
            free: this.free,
            ...this.counts,
        };
    }

    /**
     * Wait until the queue is empty: at most `durableMs` when every chunk is kept on disk
     * (the next page sends the rest), `memoryMs` when some would be lost with the page.
     */
    async drain(durableMs, memoryMs) {
        const started = Date.now();
        await Promise.race([this.adding, delay(durableMs)]);
        if (!this.items.length) {
            return;
        }
        const durable = this.storage !== "failed" && this.items.every((item) => item.durable);
        const drained = new Promise((resolve) => this.drainWaiters.push(resolve));
        this.wake();
        this._pump();
        await Promise.race([drained, delay((durable ? durableMs : memoryMs) - (Date.now() - started))]);
    }
}
