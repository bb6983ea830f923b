/** @odoo-module **/
/**
 * The media streams of a recorded assessment: which streams a recording mode needs, asking
 * the browser for them (the whole screen, not a tab or a window) and explaining refusals.
 */
import { _t } from "@web/core/l10n/translation";

export const KINDS = { webcam: ["webcam"], screen: ["screen"], both: ["webcam", "screen"] };

export class RecorderError extends Error {}

export function isLive(stream) {
    return Boolean(stream && stream.getTracks().some((track) => track.readyState === "live"));
}

export function stopStreams(streams) {
    for (const stream of Object.values(streams || {})) {
        stream.getTracks().forEach((track) => track.stop());
    }
}

export function pickMimeType() {
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
            throw new RecorderError(
                _t("This browser cannot record: use a recent Chrome, Edge or Firefox over HTTPS."),
            );
        }
        if (kinds.includes("screen") && typeof navigator.mediaDevices.getDisplayMedia !== "function") {
            // phones and tablets: no screen sharing at all
            throw new RecorderError(
                _t(
                    "This device cannot share its screen, which this test records: please open the link on a desktop or laptop computer, in Chrome, Edge or Firefox.",
                ),
            );
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
                    _t(
                        'You shared %s. Please share your entire screen: in the dialog, choose "Entire screen".',
                        shared,
                    ),
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
