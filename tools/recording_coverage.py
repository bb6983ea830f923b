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


def late_runs(chunks):
    """Late chunks grouped into runs of consecutive sequence numbers of one stream segment
    (an outage or a reload makes a run, not one line per chunk).

    `chunks`: dicts with kind, segment, sequence, end_time, received_at and late_seconds,
    sorted by kind then sequence. Returns one dict a run: kind, segment, first and last
    sequence, count, the end of the time it covers (`covered_until`), when its chunks were
    received (`received_from`, `received_to`) and how late (`min_late`, `max_late`)."""
    runs = []
    for chunk in chunks:
        run = runs[-1] if runs else None
        if not (run and run["kind"] == chunk["kind"] and run["segment"] == chunk["segment"]
                and run["last"] + 1 == chunk["sequence"]):
            run = {"kind": chunk["kind"], "segment": chunk["segment"], "first": chunk["sequence"],
                   "count": 0, "received_from": chunk["received_at"],
                   "received_to": chunk["received_at"], "min_late": chunk["late_seconds"],
                   "max_late": chunk["late_seconds"]}
            runs.append(run)
        run["last"] = chunk["sequence"]
        run["count"] += 1
        run["covered_until"] = chunk["end_time"]
        run["received_from"] = min(run["received_from"], chunk["received_at"])
        run["received_to"] = max(run["received_to"], chunk["received_at"])
        run["min_late"] = min(run["min_late"], chunk["late_seconds"])
        run["max_late"] = max(run["max_late"], chunk["late_seconds"])
    return runs
