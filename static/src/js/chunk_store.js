/** @odoo-module **/
/**
 * The durable half of the recorder's upload queue: every chunk is written to IndexedDB
 * before its upload starts and deleted once the server acknowledged it, so that a reload,
 * a crash or a long network outage loses nothing that was recorded.
 *
 * One database per origin (DB_NAME), one object store of chunks keyed [scope, kind, seq].
 * `scope` is the SHA-256 of the attempt id and its access token: a page reads only the
 * entries of its own attempt *and* token, in stream then sequence order, and the token
 * itself is never written to disk. Entries of another attempt, or of the same attempt
 * under another token (another user of this browser), are left alone: only their own
 * page can send them. An entry older than STALE_AFTER_MS can no longer be accepted by the
 * server (the longest test is 10 hours, the late-data window 2 minutes): any page deletes
 * it, to give the space back.
 *
 * Also here: the browser's storage quota and persistence (navigator.storage).
 */

export const DB_NAME = "tech_assessment_recorder";
const DB_VERSION = 1;
const STORE = "chunks";
const STALE_AFTER_MS = 24 * 3600 * 1000;
// Below this much free quota the candidate is warned: about five minutes of webcam and
// screen at their bitrates (1 Mbit/s + 0.75 Mbit/s + 64 kbit/s of sound).
export const LOW_FREE_BYTES = 64 * 1024 * 1024;

/** Hex SHA-256 of a Blob or a string. */
export async function sha256Hex(data) {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : await data.arrayBuffer();
    const digest = await crypto.subtle.digest("SHA-256", bytes);
    return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function done(request) {
    return new Promise((resolve, reject) => {
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
    });
}

function committed(transaction) {
    return new Promise((resolve, reject) => {
        transaction.oncomplete = () => resolve();
        transaction.onabort = transaction.onerror = () =>
            reject(transaction.error || new DOMException("transaction aborted", "AbortError"));
    });
}

function openDatabase() {
    return new Promise((resolve, reject) => {
        if (!window.indexedDB) {
            reject(new Error("IndexedDB is not available"));
            return;
        }
        const request = indexedDB.open(DB_NAME, DB_VERSION);
        request.onupgradeneeded = () => {
            const store = request.result.createObjectStore(STORE, { keyPath: ["scope", "kind", "seq"] });
            store.createIndex("createdAt", "createdAt");
        };
        request.onsuccess = () => {
            const db = request.result;
            db.onversionchange = () => db.close(); // a newer page upgrades the schema
            resolve(db);
        };
        request.onerror = () => reject(request.error);
        request.onblocked = () => reject(new Error("IndexedDB is blocked by another page"));
    });
}

/** The queued chunks of one attempt and access token. */
export class ChunkStore {
    static async open(attemptId, token) {
        const scope = await sha256Hex(`tech_assessment:${attemptId}:${token}`);
        const store = new ChunkStore(await openDatabase(), scope, attemptId);
        try {
            await store.deleteStale();
        } catch {
            // only housekeeping: the queue works without it
        }
        return store;
    }

    constructor(db, scope, attemptId) {
        this.db = db;
        this.scope = scope;
        this.attemptId = attemptId;
    }

    _store(mode, options) {
        const transaction = this.db.transaction(STORE, mode, options);
        return [transaction.objectStore(STORE), committed(transaction)];
    }

    /** This scope's entries, by stream then sequence number. */
    async list() {
        const [store] = this._store("readonly");
        return done(store.getAll(IDBKeyRange.bound([this.scope], [this.scope, []])));
    }

    /**
     * Keep `chunk` (kind, seq, segment, from, to, sha256, blob) until it is acknowledged;
     * resolves once written to disk ("strict": it must survive a crash of the machine too).
     */
    async put(chunk) {
        const [store, finished] = this._store("readwrite", { durability: "strict" });
        store.put({
            scope: this.scope,
            attemptId: Number(this.attemptId),
            kind: chunk.kind,
            seq: chunk.seq,
            segment: chunk.segment,
            from: chunk.from,
            to: chunk.to,
            sha256: chunk.sha256,
            blob: chunk.blob,
            size: chunk.blob.size,
            createdAt: chunk.createdAt || Date.now(),
        });
        await finished;
    }

    async delete(kind, seq) {
        const [store, finished] = this._store("readwrite");
        store.delete([this.scope, kind, seq]);
        await finished;
    }

    /** Delete the entries, of any scope, that no server accepts any more. */
    async deleteStale() {
        const [store, finished] = this._store("readwrite");
        const range = IDBKeyRange.upperBound(Date.now() - STALE_AFTER_MS);
        const request = store.index("createdAt").openCursor(range);
        request.onsuccess = () => {
            const cursor = request.result;
            if (cursor) {
                cursor.delete();
                cursor.continue();
            }
        };
        await finished;
    }
}

/**
 * Ask the browser to keep this origin's storage under storage pressure (Firefox asks the
 * user, Chrome decides by itself). Resolves to true, false, or null where not offered.
 */
export async function requestPersistence() {
    const storage = navigator.storage;
    if (!storage || !storage.persist) {
        return null;
    }
    try {
        return (await storage.persisted()) || (await storage.persist());
    } catch {
        return false;
    }
}

/** {usage, quota, free} in bytes, or null where the browser does not tell. */
export async function estimateStorage() {
    if (!navigator.storage || !navigator.storage.estimate) {
        return null;
    }
    try {
        const { usage = 0, quota = 0 } = await navigator.storage.estimate();
        return { usage, quota, free: Math.max(0, quota - usage) };
    } catch {
        return null;
    }
}
