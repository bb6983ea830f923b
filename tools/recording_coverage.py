"""Seconds of an attempt not covered by every required recording stream."""
from odoo import fields

from ..models.assessment_recording import KINDS_BY_REQUIREMENT

# Chunks closer than this are contiguous: the recorder's timeslices jitter a little.
GAP_TOLERANCE_SECONDS = 1.0


def merge_intervals(intervals, tolerance=0.0):
    merged = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1] + tolerance:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def intersect_intervals(first, second):
    result, i, j = [], 0, 0
    while i < len(first) and j < len(second):
        start, end = max(first[i][0], second[j][0]), min(first[i][1], second[j][1])
        if start < end:
            result.append([start, end])
        if first[i][1] < second[j][1]:
            i += 1
        else:
            j += 1
    return result


def unrecorded_seconds(attempt):
    """Seconds of the attempt during which a required stream was not being recorded."""
    kinds = KINDS_BY_REQUIREMENT.get(attempt.assessment_id.recording_required, ())
    if not kinds or not attempt.started_at:
        return 0.0
    end = attempt.submitted_at or min(fields.Datetime.now(), attempt.deadline or fields.Datetime.now())
    window = [[attempt.started_at.timestamp(), end.timestamp()]]
    if window[0][1] <= window[0][0]:
        return 0.0
    covered = window
    chunks = attempt.env["assessment.recording.chunk"].sudo().search_read(
        [("attempt_id", "=", attempt.id)], ["kind", "start_time", "end_time"])
    for kind in kinds:
        intervals = [(c["start_time"].timestamp(), c["end_time"].timestamp())
                     for c in chunks if c["kind"] == kind and c["start_time"] and c["end_time"]]
        covered = intersect_intervals(covered, merge_intervals(intervals, GAP_TOLERANCE_SECONDS))
    total = window[0][1] - window[0][0]
    return round(max(0.0, total - sum(e - s for s, e in covered)), 1)
