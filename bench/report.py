"""The table of `make bench`: reads the load and grading results, prints one plain-text table.

    python bench/report.py --load load.json --grading grading.json [--ingest ingest.json] \
        --machine "..." --out latest.txt

--ingest: the JSON of bench/bench_recording_ingest.py --json (chunk upload MB/s against dd,
the server's peak RSS growth while receiving); missing or unreadable, the row says why.

Targets (issue "Benchmarks that print figures"): ours >= 3x Survey's answers/s, and <= 1/3 of
its SQL queries per answer. Exits 0 whatever the figures: the checks that fail `make bench`
are the correctness ones (answers stored, log lines found), done by run.py and
bench_grading.py.
"""
import argparse
import json
import os
import sys

SPEED_TARGET = 3.0
QUERY_TARGET = 1.0 / 3.0


def fmt(value, spec=".1f", missing="-"):
    return missing if value is None else format(value, spec)


def load_rows(load):
    lines = []
    header = (f"{'Autosave load':<28}{'answers/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
              f"{'errors':>8}{'queries/answer':>16}{'server ms':>11}{'stored':>11}")
    lines += [header, "-" * len(header)]
    by_n = {}
    for run in load["runs"]:
        by_n.setdefault(run["n"], {})[run["side"]] = run
    verdicts = []
    for n in sorted(by_n):
        sides = by_n[n]
        for side in ("ours", "survey"):
            run = sides.get(side)
            if not run:
                continue
            label = "ours (/answer)" if side == "ours" else "Survey (/survey/submit)"
            stored = f"{run['stored_answers']}/{run['expected_answers']}" + (
                "" if run["stored_match"] else "!")
            lines.append(
                f"{f'N={n:<4}{label}':<28}{fmt(run['answers_per_s']):>10}{fmt(run['p50_ms']):>9}"
                f"{fmt(run['p95_ms']):>9}{fmt(run['p99_ms']):>9}{run['errors']:>8}"
                f"{fmt(run['queries_per_answer'], '.2f'):>16}{fmt(run['server_ms_p50']):>11}"
                f"{stored:>11}")
        ours, survey = sides.get("ours"), sides.get("survey")
        if ours and survey and survey["answers_per_s"] and survey["queries_per_answer"]:
            speed = ours["answers_per_s"] / survey["answers_per_s"]
            queries = ours["queries_per_answer"] / survey["queries_per_answer"]
            p50 = survey["p50_ms"] / ours["p50_ms"] if ours["p50_ms"] else None
            server = (survey["server_ms_p50"] / ours["server_ms_p50"]
                      if ours.get("server_ms_p50") and survey.get("server_ms_p50") else None)
            speed_ok, query_ok = speed >= SPEED_TARGET, queries <= QUERY_TARGET
            lines.append(
                f"{f'N={n:<4}ratio ours/Survey':<28}{f'{speed:.2f}x':>10}"
                f"{f'p50 {p50:.1f}x lower' if p50 else '-':>18}{'':>17}{f'{queries:.2f}x':>16}"
                f"{f'{server:.1f}x less' if server else '-':>11}")
            lines.append(
                f"{'':<28}target >= 3x answers/s: {'MET' if speed_ok else 'not met'};"
                f" target <= 0.33x queries/answer: {'MET' if query_ok else 'not met'}")
            verdicts.append((n, speed, speed_ok, queries, query_ok))
        lines.append("")
    return lines, verdicts


def grading_rows(grading):
    lines = []
    if not grading:
        return ["Grading / expiry cron: not run"]
    regrades = grading["regrade"]
    for regrade in regrades:
        per_k = regrade["queries"] / (regrade["attempts"] / 1000.0)
        lines.append(
            f"Grading: answer key corrected, {regrade['attempts']:>6,} attempts x {grading['items']} answers:"
            f" {regrade['seconds']:7.2f} s, {regrade['queries']:>4} queries"
            f" ({per_k:.1f} per 1,000 attempts)")
    if len(regrades) == 2:
        small, big = regrades
        growth = (big["queries"] - small["queries"]) / ((big["attempts"] - small["attempts"]) / 1000.0)
        lines.append(
            f"         queries grow by {growth:.1f} per extra 1,000 attempts (18,000 answers): one "
            "prefetch/flush batch of 1,000 records, not per attempt")
    lines.append(f"         (setup, not part of the figures: {grading['attempts']:,} started attempts x "
                 f"{grading['items']} answers created with the ORM in {grading['setup_seconds']} s)")
    expiry = grading["expiry"]
    last = [b for b in expiry["batches"] if b["closed"] and b["closed"] != 500]
    lines.append(
        f"Expiry cron: {expiry['attempts']:,} overdue attempts closed in {expiry['runs']} runs"
        f" (batches of 500 + the empty last run), {expiry['seconds']:.2f} s,"
        f" {expiry['queries_total']} queries")
    per_batch = [b["queries"] for b in expiry["batches"] if b["closed"] == 500]
    if per_batch:
        rest = sorted(set(per_batch[1:]))
        text = (f"first (cold caches) {per_batch[0]}"
                + (f", then {', '.join(map(str, rest))}" if rest else ""))
        if len(rest) == 1:
            text += f" in each of the {len(per_batch) - 1} others (constant)"
    else:
        text = "-"
    lines.append(
        f"         queries per full batch of 500: {text}"
        + (f"; partial batch: {last[0]['queries']}" if last else "")
        + f"; empty last run: {expiry['batches'][-1]['queries']}")
    return lines


def ingest_rows(ingest, note=None):
    if not ingest or not ingest.get("measured"):
        reason = (ingest or {}).get("reason") or note or "not run"
        return [f"Recording ingest: not measured: {reason}"]
    lines = []
    for row in ingest["sizes"]:
        share = (f" ({100.0 * row['http_mb_s'] / row['dd_mb_s']:.0f}%)" if row.get("dd_mb_s") else "")
        rss = ("n/a" if row.get("rss_growth_mb") is None else f"+{row['rss_growth_mb']:.1f} MB")
        lines.append(
            f"Recording ingest {row['size_mb']:>2} MB: {row['http_mb_s']:7.1f} MB/s over HTTP vs"
            f" {row['dd_mb_s']:6.0f} MB/s dd{share}, dd+fdatasync {row['dd_sync_mb_s']:.0f} MB/s;"
            f" peak RSS {rss} while receiving")
    lines.append(f"         (best of {ingest.get('repeat', '?')} POSTs of the raw chunk per size to "
                 "/my/assessments/<id>/recording/screen/<seq> on a --workers=0 server; RSS: VmHWM of "
                 "that process after clear_refs, minus its RSS before)")
    if ingest.get("marginal_mb_s"):
        dd20 = next((row["dd_mb_s"] for row in ingest["sizes"] if row["size_mb"] == 20), None)
        lines.append(f"Recording ingest marginal bandwidth (5 -> 20 MB, the per-request cost left out): "
                     f"{ingest['marginal_mb_s']:.0f} MB/s"
                     + (f" ({100 * ingest['marginal_mb_s'] / dd20:.0f}% of dd at 20 MB)" if dd20 else ""))
    per_chunk = ingest.get("per_chunk")
    if per_chunk:
        lines.append(
            f"Recording ingest per {per_chunk['chunk_mb']} MB chunk: median "
            f"{per_chunk['chunk_ms_median']:.1f} ms (p95 {per_chunk['chunk_ms_p95']:.1f}) vs Odoo's "
            f"floor, its trivial authenticated JSON POST ({per_chunk.get('floor_route', '?')}): "
            f"{per_chunk['floor_ms_median']:.1f} ms (p95 {per_chunk['floor_ms_p95']:.1f}): "
            f"x{per_chunk['ratio']:.2f} ({per_chunk['count']} of each, interleaved, one at a time)")
        if per_chunk.get("session_info_ms_median"):
            lines.append(f"         for reference, the web client's get_session_info: median "
                         f"{per_chunk['session_info_ms_median']:.1f} ms")
        if per_chunk.get("server_chunk_ms_mean"):
            lines.append(
                f"Recording ingest per {per_chunk['chunk_mb']} MB chunk, server side (Odoo's own "
                f"counters, mean): {per_chunk['server_chunk_ms_mean']:.2f} ms and "
                f"{per_chunk['server_chunk_queries']:.1f} queries vs the floor's "
                f"{per_chunk['server_floor_ms_mean']:.2f} ms and {per_chunk['server_floor_queries']:.1f}: "
                f"x{per_chunk['server_ratio']:.2f}")
    lines.extend(ingest_targets(ingest))
    if ingest.get("load"):
        lines.append("         load average during the ingest run: "
                     + " ".join(f"{value:.2f}" for value in ingest["load"]))
    return lines


def ingest_targets(ingest):
    """The two targets of issue 15 for the ingest, met or not."""
    five = next((row for row in ingest["sizes"] if row["size_mb"] == 5 and row.get("dd_mb_s")), None)
    per_chunk = ingest.get("per_chunk")
    parts = []
    lines = []
    if five:
        share = five["http_mb_s"] / five["dd_mb_s"]
        parts.append(f">= 50% of dd at 5 MB: {'MET' if share >= 0.5 else 'not met'} ({100 * share:.0f}%)")
    if per_chunk:
        ratio = per_chunk.get("server_ratio") or per_chunk["ratio"]
        parts.append(f"per chunk within 2x Odoo's floor: {'MET' if ratio <= 2 else 'not met'} "
                     f"(x{per_chunk.get('server_ratio', float('nan')):.2f} server side, "
                     f"x{per_chunk['ratio']:.2f} end to end)")
    if five and per_chunk:
        # an upload costs at least Odoo's floor plus writing its bytes
        dd_ms = 5000 / five["dd_mb_s"]
        bound = dd_ms / (dd_ms + per_chunk["floor_ms_median"])
        lines.append(f"         (dd writes 5 MB in {dd_ms:.1f} ms; Odoo answers its most trivial POST in "
                     f"{per_chunk['floor_ms_median']:.1f} ms: no Odoo route can store 5 MB faster than "
                     f"their sum, {100 * bound:.0f}% of dd)")
    return ([f"         targets: {'; '.join(parts)}"] if parts else []) + lines


def testday_rows(testday):
    if not testday:
        return []
    lines = [f"Recorded test day ({testday['duration_s']:.0f} s per level, webcam "
             f"{testday['webcam_kb']} KB + screen {testday['screen_kb']} KB every "
             f"{testday['slice_s']} s, an answer every ~{testday['answer_every_s']} s; "
             f"--workers={testday['workers']}; after a warm-up of {testday.get('warmup', 0)} "
             f"candidates for {testday.get('warmup_s', 0):.0f} s, not counted):"]
    lines.append(f"{'  N':>5}{'chunks/s':>10}{'lost':>6}{'queued':>8}{'backlog':>9}{'trend':>8}"
                 f"{'chunk p95':>11}{'save p95':>10}{'load':>7}{'gen.':>6}  verdict")
    for level in testday["levels"]:
        lines.append(
            f"{level['n']:>5}{level['chunks_per_s']:>10.1f}{level['lost']:>6}{level.get('undelivered', 0):>8}"
            f"{level['backlog_end']:>9}"
            f"{level['backlog_trend']:>8.2f}{level['chunk_p95_ms']:>9.0f}ms{level['save_p95_ms']:>8.0f}ms"
            f"{level['loadavg']:>7.2f}{level.get('generator_cores', float('nan')):>6.2f}  "
            f"{'sustained' if level['ok'] else 'NOT sustained: ' + level['why']}")
    best = testday.get("best_n")
    lines.append(f"Largest N sustained: {best if best else 'none of those tried'}"
                 f" (target >= 250); limit: {testday.get('limit', '?')}")
    return lines


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--load")
    parser.add_argument("--testday")
    parser.add_argument("--grading")
    parser.add_argument("--ingest")
    parser.add_argument("--machine", default="")
    parser.add_argument("--server", default="")
    parser.add_argument("--out")
    args = parser.parse_args()
    load = {"runs": [], "think_s": "-"}
    if args.load and os.path.exists(args.load):
        with open(args.load, encoding="utf-8") as handle:
            load = json.load(handle)
    grading = None
    if args.grading:
        try:
            with open(args.grading, encoding="utf-8") as handle:
                grading = json.load(handle)
        except (OSError, ValueError):
            grading = None

    lines = ["tech_assessment benchmark (make bench)"]
    if args.machine:
        lines.append(f"machine: {args.machine}")
    if args.server:
        lines.append(f"server:  {args.server}")
    lines.append(f"load:    each candidate answers 18 items, think time {load['think_s']} s "
                 "(x0.5-1.5) before each;")
    lines.append(f"         at most {load.get('max_inflight', '?')} requests open to Odoo at once "
                 "(the rest wait, as behind a buffering proxy); latency from the click, client-side;")
    lines.append("         queries per answer (mean) and server ms (p50, SQL + Python): Odoo's own "
                 "per-request counters in its werkzeug log")
    cpu = [r.get("driver_cpu_ms_per_answer") for r in load["runs"] if r.get("driver_cpu_ms_per_answer")]
    if cpu:
        lines.append(f"         the load generator itself used {min(cpu):.1f}-{max(cpu):.1f} ms of CPU per "
                     "answer on the same cores")
    lines.append("")
    table, verdicts = load_rows(load)
    lines += table
    lines += grading_rows(grading)
    ingest, note = load.get("ingest"), None
    if args.ingest:
        try:
            with open(args.ingest, encoding="utf-8") as handle:
                ingest = json.load(handle)
        except (OSError, ValueError):
            ingest, note = None, "the ingest run wrote no results (see bench/results/ingest.log)"
    lines += ingest_rows(ingest, note)
    if args.testday and os.path.exists(args.testday):
        with open(args.testday, encoding="utf-8") as handle:
            lines += testday_rows(json.load(handle))
    if verdicts:
        lines.append("")
        speed_met = [n for n, _s, ok, _q, _qok in verdicts if ok]
        query_met = [n for n, _s, _ok, _q, ok in verdicts if ok]
        lines.append(
            "Targets: >= 3x Survey's answers/s: "
            + (f"met at N={', '.join(map(str, speed_met))}" if speed_met else "not met")
            + f" (of N={', '.join(str(v[0]) for v in verdicts)}); <= 1/3 of its queries/answer: "
            + (f"met at N={', '.join(map(str, query_met))}" if query_met else "not met"))
    for failure in load.get("failures", []):
        lines.append(f"CHECK FAILED: {failure}")
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            handle.write(text)


if __name__ == "__main__":
    main()
