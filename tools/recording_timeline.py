"""The review player's timeline of an attempt (pure functions, no ORM): where each
recorded segment of each stream sits on the attempt's clock, the unrecorded stretches
between them, and the proctoring events as markers."""

# shorter holes than this between two segments are the recorder's own jitter, not a gap
GAP_MIN_SECONDS = 1.0
# events that say something about the candidate's screen or presence (the others, such as
# the upload queue's, are about the browser's plumbing and stay in the event list)
MARKER_KINDS = (
    "start", "resume", "tab_hidden", "tab_visible", "window_blur", "window_focus",
    "fullscreen_exit", "paste", "stream_ended", "stream_restarted", "offline", "online",
    "submit", "expire",
)
# the markers HR looks for first (drawn in the warning colour)
ALERT_KINDS = ("tab_hidden", "window_blur", "fullscreen_exit", "paste", "stream_ended", "offline")


def gaps_between(segments, total):
    """[(start, end)] of [0, total] not covered by the (offset, duration) `segments`."""
    gaps, cursor = [], 0.0
    for offset, duration in sorted(segments):
        if offset - cursor >= GAP_MIN_SECONDS:
            gaps.append((round(cursor, 3), round(min(offset, total), 3)))
        cursor = max(cursor, offset + duration)
    if total - cursor >= GAP_MIN_SECONDS:
        gaps.append((round(cursor, 3), round(total, 3)))
    return [gap for gap in gaps if gap[1] > gap[0]]


def build_timeline(duration, tracks, events, focus=0.0):
    """The JSON the player reads.

    :param duration: seconds from the attempt's start to its end (or now)
    :param tracks: [{kind, label, segments: [{id, url, offset, duration, seekable}]}]
    :param events: [{at, kind, label, detail}] (at: seconds after the start)
    """
    total = max(duration, max((s["offset"] + s["duration"] for t in tracks for s in t["segments"]),
                              default=0.0))
    return {
        "duration": round(total, 3),
        "focus": round(focus, 3),
        "tracks": [dict(track, gaps=gaps_between(
            [(s["offset"], s["duration"]) for s in track["segments"]], total)) for track in tracks],
        "events": [dict(event, alert=event["kind"] in ALERT_KINDS) for event in events
                   if event["kind"] in MARKER_KINDS and 0 <= event["at"] <= total],
    }
