/** @odoo-module **/
/**
 * Helpers of the recording queue tours (recording_queue_tour.js): IndexedDB read with its
 * own API, not with the module's code, so that the tours check the schema the page wrote
 * (static/src/js/chunk_store.js); reports to the test (tests/recording_browser.py); the
 * steps that start and submit a recorded test.
 */

const DB_NAME = "tech_assessment_recorder";
const FOREIGN_SEQ = 900000;
export const QUEUED_KEY = "ta_tour_queued_before_reload";

export function wait(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitFor(check, timeoutMs, what) {
    const end = Date.now() + timeoutMs;
    for (;;) {
        const value = await check();
        if (value) {
            return value;
        }
        if (Date.now() > end) {
            throw new Error(`timed out waiting for ${what}`);
        }
        await wait(250);
    }
}

function idbResult(request) {
    return new Promise((resolve, reject) => {
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
    });
}

async function sha256Hex(data) {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : await data.arrayBuffer();
    const digest = await crypto.subtle.digest("SHA-256", bytes);
    return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

async function allEntries() {
    const db = await idbResult(indexedDB.open(DB_NAME));
    try {
        return await idbResult(db.transaction("chunks").objectStore("chunks").getAll());
    } finally {
        db.close();
    }
}

async function putEntries(entries) {
    const db = await idbResult(indexedDB.open(DB_NAME));
    try {
        const transaction = db.transaction("chunks", "readwrite");
        for (const entry of entries) {
            transaction.objectStore("chunks").put(entry);
        }
        await new Promise((resolve, reject) => {
            transaction.oncomplete = resolve;
            transaction.onabort = () => reject(transaction.error);
        });
    } finally {
        db.close();
    }
}

/** The attempt of the page (test page or result page) and its token. */
function pageAttempt() {
    const el = document.querySelector("[data-attempt-id][data-access-token]");
    return { attemptId: Number(el.dataset.attemptId), token: el.dataset.accessToken };
}

function scopeOf(attemptId, token) {
    return sha256Hex(`tech_assessment:${attemptId}:${token}`);
}

/** The entries of this page's attempt and token. */
export async function ownEntries() {
    const { attemptId, token } = pageAttempt();
    const scope = await scopeOf(attemptId, token);
    return (await allEntries()).filter((entry) => entry.scope === scope);
}

export async function checkHashes(entries) {
    for (const entry of entries) {
        if ((await sha256Hex(entry.blob)) !== entry.sha256 || entry.blob.size !== entry.size) {
            throw new Error(`the stored hash of ${entry.kind} #${entry.seq} does not match its bytes`);
        }
    }
}

export function report(phase, entries, extra = {}) {
    const chunks = entries.map(({ kind, seq, segment, sha256, size }) => ({
        kind,
        seq,
        segment,
        sha256,
        size,
    }));
    window.taTestNetwork(`report:${JSON.stringify({ phase, chunks, ...extra })}`);
}

export function perKind(entries) {
    const counts = { webcam: 0, screen: 0 };
    for (const entry of entries) {
        counts[entry.kind]++;
    }
    return counts;
}

/** Entries of another user's token for this attempt, and of another attempt. */
export async function seedForeignEntries() {
    const { attemptId } = pageAttempt();
    const blob = new Blob([new Uint8Array([0x1a, 0x45, 0xdf, 0xa3, 1, 2, 3])], { type: "video/webm" });
    const now = Date.now();
    const base = {
        kind: "webcam",
        segment: 1,
        from: now - 4000,
        to: now,
        blob,
        size: blob.size,
        createdAt: now,
    };
    base.sha256 = await sha256Hex(blob);
    const otherAttempt = attemptId + 1000000;
    await putEntries([
        { ...base, scope: await scopeOf(attemptId, "another-users-token"), attemptId, seq: FOREIGN_SEQ },
        {
            ...base,
            scope: await scopeOf(otherAttempt, "token-of-another-attempt"),
            attemptId: otherAttempt,
            seq: FOREIGN_SEQ + 1,
        },
    ]);
}

export async function foreignEntries() {
    return (await allEntries()).filter((entry) => entry.seq >= FOREIGN_SEQ);
}

// recording (uploads blocked make it "lagging")
export const LIVE =
    ".o_ta_test.o_ta_rec_live .o_ta_rec_indicator:not([data-state=off]):not([data-state=paused])";

export function startSteps() {
    return [
        {
            content: "Give consent",
            trigger: ".o_ta_landing form[data-ta-recording=both] #ta_consent",
            run: "click",
        },
        {
            content: "Start: camera and whole screen",
            trigger: "button.o_ta_start",
            run: "click",
        },
        {
            content: "Recording",
            trigger: LIVE,
            timeout: 30000,
            run: () => {},
        },
    ];
}

export function submitSteps() {
    return [
        {
            content: "Submit",
            trigger: ".o_ta_submit:first",
            run: "click",
        },
        {
            content: "Confirm in the submit dialog",
            trigger: ".o_ta_dialog_submit",
            run: "click",
        },
    ];
}
