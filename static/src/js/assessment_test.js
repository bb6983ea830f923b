/** @odoo-module **/
/**
 * The candidate's test page: countdown from the server's remaining seconds (counted with a
 * monotonic clock, re-synced with the server) with warnings 5 and 1 minute before the end,
 * autosave of every choice with a visible state and retries, the candidate's review flags
 * (kept on the server), a navigator (answered, not answered, flagged; "next unanswered"),
 * the last position kept in this browser, proctoring events in batches, and a submit dialog
 * that says what is left, or the hand-in when time is up.
 * Requests carry the attempt's access token: they do not depend on the session or on a
 * CSRF token, so a long test survives both expiring.
 */
import publicWidget from "@web/legacy/js/public/public_widget";
import { _t } from "@web/core/l10n/translation";
import { eventQueueOf, postJson } from "@tech_assessment/js/attempt_client";

const RETRY_DELAYS_MS = [1000, 2000, 5000, 10000, 20000];
const RESYNC_EVERY_MS = 30000;
const EVENT_FLUSH_MS = 5000;
// Warnings before the end, in seconds, announced once each (politely) when crossed.
const TIME_WARNINGS = [
    { level: "danger", below: 60 },
    { level: "warning", below: 300 },
];
const WIDE_SCREEN = "(min-width: 992px)";

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
        "click .o_ta_flag": "_onFlagClick",
        "click .o_ta_nav_item": "_onNavItemClick",
        "click .o_ta_next_unanswered": "_onNextUnanswered",
        "click .o_ta_nav_toggle": "_onNavToggle",
        "click .o_ta_dialog_submit": "_onDialogSubmit",
        "click .o_ta_dialog_cancel": "_onDialogCancel",
        "click .o_ta_dialog_review": "_onDialogReview",
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
        this.items = Array.from(this.el.querySelectorAll(".o_ta_item[data-item-id]"));
        this._followHeaderHeight();
        this._setNavigatorOpen(window.matchMedia(WIDE_SCREEN).matches);
        this._followPosition();
        this._restorePosition();
        return this._super(...arguments);
    },

    destroy() {
        this.headerObserver?.disconnect();
        this.positionObserver?.disconnect();
        for (const type of ["wheel", "touchmove", "keydown"]) {
            window.removeEventListener(type, this._onManualScroll);
        }
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
        if (status.state && status.state !== "in_progress") {
            this._closeDialog();
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
            this.el.querySelector(".o_ta_timer").textContent = text;
            this._warnOfTime(remaining);
        }
        if (remaining <= 0 && !this.submitting) {
            this._submit(true);
        }
    },

    /** 5 and 1 minute before the end: the clock changes colour and a polite live region
     * says it once (the clock itself is not live: it would speak every second). */
    _warnOfTime(remaining) {
        const warning = TIME_WARNINGS.find((w) => remaining <= w.below && remaining > 0);
        const level = warning ? warning.level : "";
        if (level === (this.timeLevel || "")) {
            return;
        }
        this.timeLevel = level;
        const timer = this.el.querySelector(".o_ta_timer");
        timer.dataset.level = level;
        const notice = this.el.querySelector(".o_ta_time_notice");
        if (level === "danger") {
            notice.textContent = _t(
                "Less than 1 minute left. Your saved answers are handed in automatically when time is up.",
            );
        } else if (level === "warning") {
            notice.textContent = _t("Less than 5 minutes left.");
        } else {
            notice.textContent = "";
        }
    },

    // ---------------------------------------------------------------- autosave
    _onChoice(ev) {
        const fieldset = ev.target.closest(".o_ta_item");
        const itemId = parseInt(fieldset.dataset.itemId, 10);
        this.pending.set(itemId, parseInt(ev.target.value, 10));
        this._markNavigator(itemId, { answered: true });
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

    // ---------------------------------------------------------------- review flags
    async _onFlagClick(ev) {
        const fieldset = ev.currentTarget.closest(".o_ta_item");
        const itemId = parseInt(fieldset.dataset.itemId, 10);
        const flagged = ev.currentTarget.getAttribute("aria-pressed") !== "true";
        this._showFlag(itemId, flagged);
        fieldset.dataset.flagSaving = "1";
        try {
            const result = await this._post("flag", { item_id: itemId, flagged });
            this._showFlag(itemId, result.flagged);
        } catch (error) {
            this._showFlag(itemId, !flagged);
            this._showBanner(error.message || _t("The flag could not be saved: try again."));
        } finally {
            delete fieldset.dataset.flagSaving;
        }
    },

    _showFlag(itemId, flagged) {
        const fieldset = this._item(itemId);
        if (!fieldset) {
            return;
        }
        const button = fieldset.querySelector(".o_ta_flag");
        button.setAttribute("aria-pressed", String(flagged));
        const icon = button.querySelector(".fa");
        icon.classList.toggle("fa-flag", flagged);
        icon.classList.toggle("fa-flag-o", !flagged);
        fieldset.toggleAttribute("data-flagged", flagged);
        this._markNavigator(itemId, { flagged });
    },

    // ---------------------------------------------------------------- navigator and position
    _item(itemId) {
        return this.el.querySelector(`.o_ta_item[data-item-id="${itemId}"]`);
    },

    _isAnswered(fieldset) {
        return Boolean(fieldset.querySelector("input[type=radio]:checked"));
    },

    /** The navigator's button of an item: its look and what a screen reader says of it. */
    _markNavigator(itemId, { answered, flagged }) {
        const button = this.el.querySelector(`.o_ta_nav_item[data-item-id="${itemId}"]`);
        if (!button) {
            return;
        }
        if (answered !== undefined) {
            button.toggleAttribute("data-answered", answered);
        }
        if (flagged !== undefined) {
            button.toggleAttribute("data-flagged", flagged);
        }
        const parts = [button.hasAttribute("data-answered") ? _t("answered") : _t("not answered")];
        if (button.hasAttribute("data-flagged")) {
            parts.push(_t("flagged"));
        }
        button.querySelector(".o_ta_nav_state").textContent = parts.join(", ");
    },

    _onNavItemClick(ev) {
        this._goToItem(ev.currentTarget.dataset.itemId);
    },

    /** Bring an item into view and put the keyboard on its chosen (or first) option. */
    _goToItem(itemId) {
        const fieldset = this._item(itemId);
        if (!fieldset) {
            return;
        }
        fieldset.scrollIntoView({ block: "start" });
        const option =
            fieldset.querySelector("input[type=radio]:checked") ||
            fieldset.querySelector("input[type=radio]");
        (option || fieldset).focus({ preventScroll: true });
        this._setCurrent(fieldset);
        if (!window.matchMedia(WIDE_SCREEN).matches) {
            this._setNavigatorOpen(false);
        }
    },

    /** The next item without an answer after the current one (wrapping round), if any. */
    _nextUnanswered() {
        const start = Math.max(0, this.items.indexOf(this.current));
        const ordered = [...this.items.slice(start + 1), ...this.items.slice(0, start + 1)];
        return ordered.find((fieldset) => !this._isAnswered(fieldset));
    },

    _onNextUnanswered() {
        const next = this._nextUnanswered();
        if (next) {
            this._goToItem(next.dataset.itemId);
        } else {
            this.el.querySelector(".o_ta_time_notice").textContent = _t("Every item is answered.");
        }
    },

    _onNavToggle() {
        this._setNavigatorOpen(this.el.querySelector(".o_ta_navigator").hidden);
    },

    _setNavigatorOpen(open) {
        const nav = this.el.querySelector(".o_ta_navigator");
        nav.hidden = !open;
        this.el.querySelector(".o_ta_nav_toggle").setAttribute("aria-expanded", String(open));
    },

    /** The sticky header's height, for the code panel and the items' scroll margin. */
    _followHeaderHeight() {
        const header = this.el.querySelector(".o_ta_header");
        const update = () => this.el.style.setProperty("--ta-header-h", `${header.offsetHeight}px`);
        update();
        this.headerObserver = new ResizeObserver(update);
        this.headerObserver.observe(header);
    },

    _positionKey() {
        return `tech_assessment.position.${this.attemptId}`;
    },

    /** The current item is the one the candidate works on: the item that takes the focus
     * (a click, the keyboard, a jump), or, while they scroll by hand (wheel, touch, keys),
     * the item in the upper part of the screen. It is marked in the navigator and kept for a
     * reload. Scrolls made by the page itself (a jump, the restore) move nothing. */
    _followPosition() {
        this._onFocusIn = (ev) => {
            const fieldset = ev.target.closest?.(".o_ta_item[data-item-id]");
            if (fieldset && this.el.contains(fieldset)) {
                this._setCurrent(fieldset);
            }
        };
        this._onManualScroll = () => (this.manualScrollAt = performance.now());
        this.el.addEventListener("focusin", this._onFocusIn);
        for (const type of ["wheel", "touchmove", "keydown"]) {
            window.addEventListener(type, this._onManualScroll, { passive: true });
        }
        this.positionObserver = new IntersectionObserver(
            (entries) => {
                const visible = entries.filter((entry) => entry.isIntersecting);
                if (visible.length && performance.now() - (this.manualScrollAt || -Infinity) < 1500) {
                    this._setCurrent(visible[0].target);
                }
            },
            { rootMargin: "-30% 0px -60% 0px" },
        );
        this.items.forEach((fieldset) => this.positionObserver.observe(fieldset));
    },

    _setCurrent(fieldset) {
        if (this.current === fieldset) {
            return;
        }
        this.current = fieldset;
        for (const button of this.el.querySelectorAll(".o_ta_nav_item[aria-current]")) {
            button.removeAttribute("aria-current");
        }
        this.el
            .querySelector(`.o_ta_nav_item[data-item-id="${fieldset.dataset.itemId}"]`)
            ?.setAttribute("aria-current", "true");
        try {
            window.localStorage.setItem(this._positionKey(), fieldset.dataset.itemId);
        } catch {
            // no storage: a reload starts at the top
        }
    },

    _restorePosition() {
        let itemId = null;
        try {
            itemId = window.localStorage.getItem(this._positionKey());
        } catch {
            return;
        }
        const fieldset = (itemId && this._item(itemId)) || this.items[0];
        if (fieldset && fieldset !== this.items[0]) {
            fieldset.scrollIntoView({ block: "start" });
        }
        if (fieldset) {
            this._setCurrent(fieldset);
        }
    },

    _showBanner(message) {
        this.el.querySelector(".o_ta_banner").textContent = message || "";
    },

    // ---------------------------------------------------------------- submit
    /** The submit dialog says what is left: items not answered, items flagged. */
    _onSubmitClick() {
        const unanswered = this.items.filter((fieldset) => !this._isAnswered(fieldset));
        const flagged = this.items.filter((fieldset) => fieldset.hasAttribute("data-flagged"));
        const answered = this.items.length - unanswered.length;
        const lines = [_t("You answered %s of %s items.", answered, this.items.length)];
        if (unanswered.length) {
            lines.push(_t("%s not answered.", unanswered.length));
        }
        if (flagged.length) {
            lines.push(_t("%s flagged for review.", flagged.length));
        }
        const dialog = this.el.querySelector(".o_ta_submit_dialog");
        dialog.querySelector(".o_ta_submit_summary").textContent = lines.join(" ");
        const review = dialog.querySelector(".o_ta_dialog_review");
        this.reviewTarget = unanswered[0] || flagged[0] || null;
        review.classList.toggle("d-none", !this.reviewTarget);
        review.textContent = unanswered.length
            ? _t("Go to the first unanswered")
            : _t("Go to the first flagged");
        this.dialogOpener = document.activeElement;
        dialog.showModal();
        dialog.querySelector(".o_ta_dialog_cancel").focus();
    },

    _closeDialog() {
        const dialog = this.el.querySelector(".o_ta_submit_dialog");
        if (dialog.open) {
            dialog.close();
        }
    },

    _onDialogCancel() {
        this._closeDialog();
        this.dialogOpener?.focus();
    },

    _onDialogReview() {
        this._closeDialog();
        if (this.reviewTarget) {
            this._goToItem(this.reviewTarget.dataset.itemId);
        }
    },

    _onDialogSubmit() {
        this._closeDialog();
        this._submit(false);
    },

    async _submit(timeIsUp) {
        if (this.submitting) {
            return;
        }
        this.submitting = true;
        this._closeDialog();
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
