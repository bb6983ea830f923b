"""Seconds of an attempt not covered by every required recording stream (pure arithmetic
on intervals: the model reads the chunks)."""

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


def unrecorded_seconds(start, end, intervals_by_kind):
    """Seconds of [start, end] (epoch seconds) not covered by every stream at once:
    `intervals_by_kind` maps each required stream to its chunks' (start, end) intervals."""
    if not intervals_by_kind or end <= start:
        return 0.0
    covered = [[start, end]]
    for intervals in intervals_by_kind.values():
        covered = intersect_intervals(covered, merge_intervals(intervals, GAP_TOLERANCE_SECONDS))
    return round(max(0.0, (end - start) - sum(e - s for s, e in covered)), 1)
