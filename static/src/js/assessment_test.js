/** @odoo-module **/
/**
 * The candidate's test page: countdown from the server's remaining seconds (counted with a
 * monotonic clock, re-synced with the server), autosave of every choice with a visible
 * state and retries, proctoring events in batches, submit at the end or when time is up.
 * Requests carry the attempt's access token: they do not depend on the session or on a
 * CSRF token, so a long test survives both expiring.
 */
import publicWidget from "@web/legacy/js/public/public_widget";
import { _t } from "@web/core/l10n/translation";
import { eventQueueOf, postJson } from "@tech_assessment/js/attempt_client";

const RETRY_DELAYS_MS = [1000, 2000, 5000, 10000, 20000];
const RESYNC_EVERY_MS = 30000;
const EVENT_FLUSH_MS = 5000;

export function formatRemaining(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const hours = Math.floor(s / 3600);
    const minutes = Math.floor((s % 3600) / 60);
    const rest = String(s % 60).padStart(2, "0");
    return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

publicWidget.registry.TechAssessmentTest = publicWidget.Widget.extend({
    selector: ".o_ta_test",
    events: {
        "change input[type=radio]": "_onChoice",
        "click .o_ta_submit": "_onSubmitClick",
    },

    start() {
        const data = this.el.dataset;
        this.attemptId = data.attemptId;
        this.token = data.accessToken;
        this.total = parseInt(data.total, 10);
        this.pending = new Map(); // itemId -> optionId still to save
        this.inFlight = new Set(); // itemIds whose save awaits the server's answer
        this.eventQueue = eventQueueOf(this.el);
        this.submitting = false;
        // no data-remaining: the test has no time limit (the server says null)
        this._setRemaining(data.remaining === undefined ? null : parseFloat(data.remaining));
        this._tick();
        this.timerInterval = setInterval(() => this._tick(), 250);
        this.resyncInterval = setInterval(() => this._resync(), RESYNC_EVERY_MS);
        this.eventInterval = setInterval(() => this.eventQueue.flush(), EVENT_FLUSH_MS);
        this._listenToPage();
        if (performance.getEntriesByType("navigation")[0]?.type === "reload") {
            this._queueEvent("resume");
        }
        return this._super(...arguments);
    },

    destroy() {
        clearInterval(this.timerInterval);
        clearInterval(this.resyncInterval);
        clearInterval(this.eventInterval);
        this._super(...arguments);
    },

    // ---------------------------------------------------------------- server calls
    _post(route, payload) {
        return postJson(this.attemptId, this.token, route, payload);
    },

    _applyStatus(status) {
        // a number, or null once HR lifted the limit; the deadline may have moved (Add time)
        if (status.remaining_seconds !== undefined) {
            this._setRemaining(status.remaining_seconds);
        }
        if (typeof status.answered === "number") {
            this.el.querySelector(".o_ta_answered").textContent = status.answered;
        }
        if (status.state && status.state !== "in_progress") {
            this._goToResult();
        }
    },

    async _resync() {
        try {
            this._applyStatus(await this._post("status"));
        } catch {
            // a missed resync is harmless: the local monotonic clock keeps counting
        }
    },

    // ---------------------------------------------------------------- clock
    _setRemaining(seconds) {
        this.deadlineMono = seconds === null ? null : performance.now() + seconds * 1000;
    },

    _remaining() {
        if (this.deadlineMono === null) {
            return Infinity;
        }
        return Math.max(0, (this.deadlineMono - performance.now()) / 1000);
    },

    _tick() {
        const remaining = this._remaining();
        const text = remaining === Infinity ? _t("No time limit") : formatRemaining(remaining);
        // touch the DOM only when the text changes (once a second), not at every tick
        if (text !== this.shownTime) {
            this.shownTime = text;
            const timer = this.el.querySelector(".o_ta_timer");
            timer.textContent = text;
            const urgent = remaining <= 60;
            if (urgent !== this.shownUrgent) {
                this.shownUrgent = urgent;
                timer.classList.toggle("text-bg-danger", urgent);
                timer.classList.toggle("text-bg-dark", !urgent);
            }
        }
        if (remaining <= 0 && !this.submitting) {
            this._submit(true);
        }
    },

    // ---------------------------------------------------------------- autosave
    _onChoice(ev) {
        const fieldset = ev.target.closest(".o_ta_item");
        const itemId = parseInt(fieldset.dataset.itemId, 10);
        this.pending.set(itemId, parseInt(ev.target.value, 10));
        this._save(itemId, 0);
    },

    async _save(itemId, attempt) {
        const optionId = this.pending.get(itemId);
        // One save per item at a time: two in flight could be stored in either order (the
        // server may replay the older one after the newer), so a newer choice waits for the
        // answer to the older one and is sent then.
        if (optionId === undefined || this.inFlight.has(itemId)) {
            return;
        }
        this.inFlight.add(itemId);
        this._showSaveState(itemId, "saving");
        try {
            const status = await this._post("answer", { item_id: itemId, option_id: optionId });
            this.inFlight.delete(itemId);
            if (this.pending.get(itemId) === optionId) {
                this.pending.delete(itemId);
                this._showSaveState(itemId, "saved");
            } else {
                this._save(itemId, 0);
            }
            this._applyStatus(status);
        } catch (error) {
            this.inFlight.delete(itemId);
            if (error.status && error.status < 500 && error.status !== 429) {
                // refused for good (time is up, closed...): say why, do not retry
                this.pending.delete(itemId);
                this._showSaveState(itemId, "failed", error.message);
                this._showBanner(error.message);
                if (error.status === 409) {
                    this._resync();
                }
                return;
            }
            const delay = RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)];
            this._showSaveState(itemId, "retrying", error.message);
            setTimeout(() => this._save(itemId, attempt + 1), delay);
        }
    },

    _showSaveState(itemId, state, message) {
        const node = this.el.querySelector(`.o_ta_item[data-item-id="${itemId}"] .o_ta_save_state`);
        if (!node) {
            return;
        }
        node.className = "o_ta_save_state small text-nowrap";
        node.dataset.state = state;
        if (state === "saving") {
            node.classList.add("text-muted");
            node.textContent = _t("Saving…");
        } else if (state === "saved") {
            node.classList.add("text-success");
            node.textContent = _t("Saved");
        } else if (state === "retrying") {
            node.classList.add("text-warning");
            node.textContent = _t("Not saved yet, retrying…");
            node.title = message || "";
        } else {
            node.classList.add("text-danger");
            node.textContent = _t("Not saved");
            node.title = message || "";
        }
    },

    _showBanner(message) {
        this.el.querySelector(".o_ta_banner").textContent = message || "";
    },

    // ---------------------------------------------------------------- submit
    _onSubmitClick() {
        const answered = parseInt(this.el.querySelector(".o_ta_answered").textContent, 10);
        const missing = this.total - answered;
        const question = missing
            ? _t("%s item(s) are not answered. Submit anyway?", missing)
            : _t("Submit your answers? You will not be able to change them.");
        if (window.confirm(question)) {
            this._submit(false);
        }
    },

    async _submit(timeIsUp) {
        this.submitting = true;
        if (timeIsUp) {
            this._showBanner(_t("Time is up: submitting your answers…"));
        }
        // let the recorder (assessment_recorder.js) upload its last chunks first, bounded in time
        const waits = [];
        this.el.dispatchEvent(
            new CustomEvent("ta-before-submit", { detail: { waitUntil: (p) => waits.push(p) } }),
        );
        await Promise.race([Promise.allSettled(waits), new Promise((resolve) => setTimeout(resolve, 30000))]);
        await this.eventQueue.flush();
        for (let attempt = 0; attempt < RETRY_DELAYS_MS.length; attempt++) {
            try {
                const result = await this._post("submit");
                window.location.href = result.result_url;
                return;
            } catch (error) {
                if (error.status && error.status < 500) {
                    this._goToResult();
                    return;
                }
                await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt]));
            }
        }
        this.submitting = false;
        this._showBanner(_t("Could not reach the server. Your saved answers are kept; retrying…"));
    },

    _goToResult() {
        if (!this.leaving) {
            this.leaving = true;
            window.location.href = `/my/assessments/${this.attemptId}/result`;
        }
    },

    // ---------------------------------------------------------------- proctoring events
    _listenToPage() {
        this._onVisibility = () => {
            this._queueEvent(document.hidden ? "tab_hidden" : "tab_visible");
            if (!document.hidden) {
                this._resync();
            }
        };
        this._onBlur = () => this._queueEvent("window_blur");
        this._onFocus = () => this._queueEvent("window_focus");
        this._onPaste = () => this._queueEvent("paste");
        this._onOffline = () => this._queueEvent("offline");
        this._onOnline = () => {
            this._queueEvent("online");
            this._resync();
        };
        document.addEventListener("visibilitychange", this._onVisibility);
        window.addEventListener("blur", this._onBlur);
        window.addEventListener("focus", this._onFocus);
        document.addEventListener("paste", this._onPaste);
        window.addEventListener("offline", this._onOffline);
        window.addEventListener("online", this._onOnline);
    },

    _queueEvent(kind, detail) {
        this.eventQueue.push(kind, detail);
    },
});

export default publicWidget.registry.TechAssessmentTest;
