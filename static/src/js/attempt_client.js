/** @odoo-module **/
/**
 * The one way the candidate's pages talk to the server about an attempt: JSON POSTs that
 * carry the attempt's access token in a header (never in a URL), and one queue of
 * proctoring events shared by the test page and the recorder.
 */
import { _t } from "@web/core/l10n/translation";

const EVENTS_PER_BATCH = 50;
const MAX_DETAIL = 250;

/** POST `payload` as JSON to /my/assessments/<id>/<route>; throws an Error with `status`. */
export async function postJson(attemptId, token, route, payload) {
    const response = await fetch(`/my/assessments/${attemptId}/${route}`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Access-Token": token },
        body: JSON.stringify(payload || {}),
        credentials: "same-origin",
    });
    let body = {};
    try {
        body = await response.json();
    } catch {
        body = {};
    }
    if (!response.ok) {
        const error = new Error(body.error?.message || _t("The server refused the request."));
        error.status = response.status;
        throw error;
    }
    return body;
}

/**
 * Proctoring events, sent in batches. A batch that fails for the network or a 5xx is put
 * back for the next flush; one the server refuses (4xx: closed, malformed) is dropped.
 */
export class EventQueue {
    constructor(attemptId, token) {
        this.attemptId = attemptId;
        this.token = token;
        this.events = [];
    }

    push(kind, detail) {
        this.events.push({
            kind,
            at: Date.now(),
            detail: detail ? String(detail).slice(0, MAX_DETAIL) : null,
        });
    }

    async flush() {
        if (!this.events.length) {
            return;
        }
        const batch = this.events.splice(0, EVENTS_PER_BATCH);
        try {
            await postJson(this.attemptId, this.token, "events", { events: batch });
        } catch (error) {
            if (!error.status || error.status >= 500) {
                this.events.unshift(...batch);
            }
        }
    }
}

/** The queue of the attempt of `el` (its data-attempt-id), shared by every widget on it. */
export function eventQueueOf(el) {
    if (!el._taEventQueue) {
        el._taEventQueue = new EventQueue(el.dataset.attemptId, el.dataset.accessToken);
    }
    return el._taEventQueue;
}
