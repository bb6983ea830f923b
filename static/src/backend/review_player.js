/** @odoo-module **/
/**
 * <field name="review_timeline" widget="ta_review_player"/>: the review player of an
 * attempt's recordings (attempt form and recording form).
 *
 * One clock, the attempt's (seconds after its start), drives a video per stream (webcam and
 * screen side by side). Each stream is a list of segments (one seekable file each, placed at
 * its offset on the attempt's timeline: tools/recording_timeline.py); at a time where a
 * stream has no segment, its video is hidden behind "Not recorded". The clock advances with
 * the wall clock times the speed, and the videos follow it: a video that drifts more than
 * DRIFT_S from the clock is sought back to it, so that both streams show the same moment.
 * The timeline shows the gaps of each stream and the proctoring events as markers: a click
 * on a marker (or anywhere on the bar) seeks there.
 */
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { standardFieldProps } from "@web/views/fields/standard_field_props";
import { Component, onMounted, onWillUnmount, useRef, useState } from "@odoo/owl";

export const SPEEDS = [1, 1.5, 2, 3, 4];
const DRIFT_S = 0.35;
// a marker seeks a little before the event, to see what led to it
const MARKER_LEAD_S = 2;

export function formatClock(seconds) {
    const whole = Math.max(0, Math.floor(seconds));
    const h = Math.floor(whole / 3600);
    const m = Math.floor((whole % 3600) / 60);
    const s = String(whole % 60).padStart(2, "0");
    return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** The segment of `track` playing at `time`, or null (a gap). */
export function segmentAt(track, time) {
    return (
        track.segments.find(
            (segment) => time >= segment.offset && time < segment.offset + segment.duration,
        ) || null
    );
}

/** The first segment of `track` starting after `time`, or null. */
export function nextSegment(track, time) {
    return track.segments.find((segment) => segment.offset > time) || null;
}

export class ReviewPlayer extends Component {
    static props = { ...standardFieldProps };
    static template = "tech_assessment.ReviewPlayer";

    setup() {
        // loaded: the duration each stream's current file announced (Infinity when the file
        // has none: MediaRecorder's own, not remuxed)
        this.state = useState({ time: 0, playing: false, speed: 1, loaded: {} });
        this.videos = {};
        this.webcamRef = useRef("video_webcam");
        this.screenRef = useRef("video_screen");
        onMounted(() => {
            this.state.time = Math.min(this.timeline?.focus || 0, this.duration);
            this.sync(true);
        });
        onWillUnmount(() => this.pause());
    }

    get timeline() {
        return this.props.record.data[this.props.name] || null;
    }

    get duration() {
        return this.timeline?.duration || 0;
    }

    get tracks() {
        return this.timeline?.tracks || [];
    }

    get markers() {
        return this.timeline?.events || [];
    }

    get clock() {
        return `${formatClock(this.state.time)} / ${formatClock(this.duration)}`;
    }

    percent(seconds) {
        return this.duration ? Math.min(100, Math.max(0, (100 * seconds) / this.duration)) : 0;
    }

    active(track) {
        return segmentAt(track, this.state.time);
    }

    video(track) {
        const ref = track.kind === "screen" ? this.screenRef : this.webcamRef;
        return ref.el;
    }

    // ------------------------------------------------------------------ clock
    play() {
        if (this.state.playing || !this.duration) {
            return;
        }
        if (this.state.time >= this.duration) {
            this.state.time = 0;
        }
        this.state.playing = true;
        this.lastTick = performance.now();
        this.sync(true);
        const tick = (now) => {
            if (!this.state.playing) {
                return;
            }
            this.state.time = Math.min(
                this.duration,
                this.state.time + ((now - this.lastTick) / 1000) * this.state.speed,
            );
            this.lastTick = now;
            if (this.state.time >= this.duration) {
                this.pause();
                return;
            }
            this.sync(false);
            this.frame = requestAnimationFrame(tick);
        };
        this.frame = requestAnimationFrame(tick);
    }

    pause() {
        this.state.playing = false;
        cancelAnimationFrame(this.frame);
        for (const track of this.tracks) {
            const video = this.video(track);
            if (video && !video.paused) {
                video.pause();
            }
        }
    }

    toggle() {
        if (this.state.playing) {
            this.pause();
        } else {
            this.play();
        }
    }

    seek(seconds) {
        this.state.time = Math.min(this.duration, Math.max(0, seconds));
        this.lastTick = performance.now();
        this.sync(true);
    }

    setSpeed(ev) {
        this.state.speed = Number(ev.target.value) || 1;
        this.sync(false);
    }

    /** Bring each stream's video to the clock: its segment's file, its time, its speed. */
    sync(force) {
        for (const track of this.tracks) {
            const video = this.video(track);
            if (!video) {
                continue;
            }
            const segment = this.active(track);
            if (!segment) {
                // in a gap: the next segment is loaded (at its start), ready to show
                const next = nextSegment(track, this.state.time);
                if (next && video.dataset.segment !== String(next.id)) {
                    video.dataset.segment = String(next.id);
                    video.src = next.url;
                }
                if (!video.paused) {
                    video.pause();
                }
                continue;
            }
            video.muted = track.kind === "screen"; // one sound: the webcam's
            const wanted = this.state.time - segment.offset;
            if (video.dataset.segment !== String(segment.id)) {
                video.dataset.segment = String(segment.id);
                video.src = segment.url;
                force = true;
            }
            if (force || Math.abs(video.currentTime - wanted) > DRIFT_S) {
                video.currentTime = wanted;
            }
            video.playbackRate = this.state.speed;
            if (this.state.playing && video.paused) {
                video.play().catch((error) => {
                    // not allowed (no user gesture) or not playable: the clock goes on
                    video.dataset.playError = String(error);
                });
            } else if (!this.state.playing && !video.paused) {
                video.pause();
            }
        }
    }

    onLoaded(track, ev) {
        this.state.loaded[track.kind] = ev.target.duration;
        this.sync(true);
    }

    // ------------------------------------------------------------------ timeline
    onBarClick(ev) {
        const bar = ev.currentTarget.getBoundingClientRect();
        this.seek(((ev.clientX - bar.left) / bar.width) * this.duration);
    }

    onMarkerClick(marker, ev) {
        ev.stopPropagation();
        this.seek(marker.at - MARKER_LEAD_S);
    }

    gapTitle(track) {
        return _t("%s: not recorded", track.label);
    }

    markerTitle(marker) {
        const detail = marker.detail ? ` (${marker.detail})` : "";
        return `${formatClock(marker.at)} ${marker.label}${detail}`;
    }
}

export const reviewPlayerField = {
    component: ReviewPlayer,
    supportedTypes: ["json"],
};

registry.category("fields").add("ta_review_player", reviewPlayerField);
