/** @odoo-module **/
/**
 * The landing page of a recorded assessment checks this device before anything else: a
 * browser that can record, screen sharing (phones and tablets have none), a camera present
 * and not blocked, the screen's size, and a live preview of the camera on request (nothing
 * is recorded or sent). What cannot work is said plainly, with what to do, and the consent
 * and the start are disabled: a candidate on a phone learns it on the first screen, not
 * after consenting.
 */
import publicWidget from "@web/legacy/js/public/public_widget";
import { _t } from "@web/core/l10n/translation";

const MIN_SCREEN_WIDTH = 1024;

export function browserCanRecord() {
    return Boolean(navigator.mediaDevices?.getUserMedia && window.MediaRecorder);
}

export function browserCanShareScreen() {
    return typeof navigator.mediaDevices?.getDisplayMedia === "function";
}

publicWidget.registry.TechAssessmentSystemCheck = publicWidget.Widget.extend({
    selector: ".o_ta_system_check",
    events: { "click .o_ta_check_camera": "_onTestCamera" },

    start() {
        this.needsWebcam = Boolean(this.el.dataset.webcam);
        this.needsScreen = Boolean(this.el.dataset.screen);
        this._onStartSubmit = () => this._stopPreview();
        document.addEventListener("submit", this._onStartSubmit, true);
        this.checked = this._runChecks();
        return this._super(...arguments);
    },

    destroy() {
        document.removeEventListener("submit", this._onStartSubmit, true);
        this._stopPreview();
        this._super(...arguments);
    },

    _set(check, state, text) {
        const row = this.el.querySelector(`.o_ta_check[data-check="${check}"]`);
        if (row) {
            row.dataset.state = state;
            row.querySelector(".o_ta_check_text").textContent = text;
        }
    },

    async _runChecks() {
        const canRecord = browserCanRecord();
        this._set(
            "browser",
            canRecord ? "ok" : "fail",
            canRecord
                ? _t("This browser can record video.")
                : _t(
                      "This browser cannot record video: use a recent Chrome, Edge or Firefox on a desktop or laptop computer.",
                  ),
        );
        if (this.needsScreen) {
            const canShare = browserCanShareScreen();
            this._set(
                "screen",
                canShare ? "ok" : "fail",
                canShare
                    ? _t('This browser can share your screen. When you start, choose "Entire screen".')
                    : _t(
                          "This device cannot share its screen, which this test records: open the invitation link on a desktop or laptop computer, in Chrome, Edge or Firefox.",
                      ),
            );
            this._checkScreenSize();
        }
        if (this.needsWebcam) {
            await this._checkCamera(canRecord);
        }
        this._summarise();
    },

    _checkScreenSize() {
        const { width, height } = window.screen;
        if (width >= MIN_SCREEN_WIDTH) {
            this._set("size", "ok", _t("Your screen is %s × %s pixels.", width, height));
        } else {
            this._set(
                "size",
                "warn",
                _t(
                    "Your screen is %s × %s pixels: the test is easier to read on a screen at least 1280 pixels wide.",
                    width,
                    height,
                ),
            );
        }
    },

    async _checkCamera(canRecord) {
        if (!canRecord || !navigator.mediaDevices.enumerateDevices) {
            this._set("camera", "fail", _t("This browser cannot use a camera."));
            return;
        }
        let cameras = [];
        try {
            cameras = (await navigator.mediaDevices.enumerateDevices()).filter(
                (d) => d.kind === "videoinput",
            );
        } catch {
            // an enumeration error is a missing camera for the candidate
        }
        if (!cameras.length) {
            this._set("camera", "fail", _t("No camera was found: connect a camera, then reload this page."));
            return;
        }
        const permission = await this._cameraPermission();
        if (permission === "denied") {
            this._set(
                "camera",
                "fail",
                _t(
                    "This site may not use your camera: allow the camera in the browser's site settings (the icon left of the address), then reload this page.",
                ),
            );
        } else if (permission === "granted") {
            this._set("camera", "ok", _t("A camera is ready."));
        } else {
            this._set(
                "camera",
                "ok",
                _t(
                    "A camera was found. Your browser asks you to allow it when you start, or when you test it below.",
                ),
            );
        }
    },

    async _cameraPermission() {
        try {
            return (await navigator.permissions.query({ name: "camera" })).state;
        } catch {
            return "prompt"; // browsers that cannot tell (Firefox): the start asks
        }
    },

    /** Anything that cannot work blocks the consent and the start, and says so once. */
    _summarise() {
        const failed = this.el.querySelectorAll('.o_ta_check[data-state="fail"]').length;
        const summary = this.el.querySelector(".o_ta_check_summary");
        summary.classList.toggle("d-none", !failed);
        summary.classList.toggle("alert-danger", Boolean(failed));
        summary.textContent = failed
            ? _t("This device cannot take this test yet: see what is marked ✗ above.")
            : "";
        this.el.dataset.result = failed ? "failed" : "passed";
        for (const control of document.querySelectorAll(
            ".o_ta_start_form #ta_consent, .o_ta_start_form .o_ta_start",
        )) {
            control.disabled = Boolean(failed);
        }
    },

    // ---------------------------------------------------------------- camera preview
    async _onTestCamera(ev) {
        const button = ev.currentTarget;
        if (this.previewStream) {
            this._stopPreview();
            return;
        }
        try {
            this.previewStream = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
        } catch (error) {
            const refused = error && error.name === "NotAllowedError";
            this._set(
                "camera",
                "fail",
                refused
                    ? _t(
                          "You did not allow the camera. This test records it: allow it in the browser's site settings, then reload this page.",
                      )
                    : _t("The camera could not be started: %s", (error && error.message) || String(error)),
            );
            this._summarise();
            return;
        }
        const video = this.el.querySelector(".o_ta_check_preview");
        video.srcObject = this.previewStream;
        video.classList.remove("d-none");
        video.play().catch(() => {});
        button.setAttribute("aria-pressed", "true");
        button.textContent = _t("Stop the camera test");
        this._set("camera", "ok", _t("Your camera works: you should see yourself."));
        this._summarise();
    },

    _stopPreview() {
        if (!this.previewStream) {
            return;
        }
        this.previewStream.getTracks().forEach((track) => track.stop());
        this.previewStream = null;
        const video = this.el.querySelector(".o_ta_check_preview");
        video.srcObject = null;
        video.classList.add("d-none");
        const button = this.el.querySelector(".o_ta_check_camera");
        button.setAttribute("aria-pressed", "false");
        button.textContent = _t("Test my camera");
    },
});

export default publicWidget.registry.TechAssessmentSystemCheck;
