"""Autosave load of `make bench`: N virtual candidates against a real Odoo server, ours vs Survey.

Started by scripts/bench.sh once the server runs (`--workers=2`, `--log-level=info`) and the
fixtures exist (bench/setup_bench_db.py). For each run of the fixtures (N = 10, 50, 100):

* **ours**: every virtual candidate answers the 18 items of its started attempt, one JSON POST
  `/my/assessments/<id>/answer` {"access_token", "item_id", "option_id"} per item, as the test
  page's autosave does (token-authenticated, no session needed);
* **survey**: every virtual candidate answers the 18 questions of its `survey.user_input`, one
  JSON-RPC POST `/survey/submit/<survey_token>/<answer_token>` per question, with the params
  survey_form.js sends for a page-per-question survey: {"token", "question_id",
  "<question_id>": "<answer_id>"} (the form's `csrf_token` is left out: Odoo 17 checks CSRF on
  `type='http'` routes only, and survey_submit is `type='json'`).

Both sides: the same N, the same 18 choices per candidate, the same think time before each
answer (uniform 0.5x-1.5x of --think, seeded), starts spread over the first think time, one
cookie jar per candidate (like a browser), only 127.0.0.1 traffic. Like the buffering
reverse proxy Odoo's docs ask for in front of prefork workers, the driver keeps at most
--max-inflight (default 8) requests open to Odoo at once and queues the others; the latency
counts from the candidate's click, so it includes that wait. (Without it, 50+ candidates
overflow the prefork server's accept backlog of 8 x workers: dropped SYNs, and workers that
sit out their 2 s socket timeout on connections whose request never arrived; both sides then
measure TCP retries, not Odoo.) A request counts as an error
when it fails, answers non-200 or reports an error in its body.

Figures per run: answers/s (successful answers over the run's wall time, first request to last
response: a closed loop, so with few candidates it is bounded by the think time), client-side
latency percentiles, errors, and SQL queries per answer read from Odoo's own per-request
counters, the three numbers ending every werkzeug log line (query count, query time, other
time). After each run the database is checked: exactly N x 18 answers stored, the ones sent.

    python bench/run.py --fixtures F --base-url http://127.0.0.1:PORT --server-log LOG --out OUT
"""
import argparse
import asyncio
import json
import os
import random
import re
import ssl
import statistics
import sys
import time

import httpx
import psycopg2

# ... "POST /my/assessments/12/answer HTTP/1.1" 200 - 9 0.004 0.011
WERKZEUG_LINE = re.compile(
    r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[0-9.]+" (?P<status>\d{3}) - '
    r'(?P<queries>\d+) (?P<query_time>[0-9.]+) (?P<other_time>[0-9.]+)\s*$'
)


def log(*args):
    print("[bench load]", *args, file=sys.stderr, flush=True)  # pylint: disable=print-used


def percentile(values, pct):
    """Nearest-rank percentile of a list of numbers (None for an empty list)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, int(round(pct / 100.0 * len(ordered) + 0.4999999)))
    return ordered[min(rank, len(ordered)) - 1]


# ----------------------------------------------------------------------
# The two sides: request to send, and how to tell it worked
# ----------------------------------------------------------------------
def ours_request(fixture, answer, _survey_token, _serial):
    item_id, option_id = answer
    return (f"/my/assessments/{fixture['id']}/answer",
            {"access_token": fixture["token"], "item_id": item_id, "option_id": option_id})


def ours_error(response):
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    body = response.json()
    if "error" in body:
        return f"error: {body['error']}"
    if body.get("state") != "in_progress":
        return f"state {body.get('state')}"
    return None


def survey_request(fixture, answer, survey_token, serial):
    question_id, answer_id = answer
    return (f"/survey/submit/{survey_token}/{fixture['token']}", {
        "jsonrpc": "2.0", "method": "call", "id": serial,
        "params": {"token": fixture["token"], "question_id": str(question_id),
                   str(question_id): str(answer_id)},
    })


def survey_error(response):
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    body = response.json()
    if "error" in body:
        return f"rpc error: {body['error'].get('message')}"
    result = body.get("result")
    if not isinstance(result, list) or len(result) != 2:
        return "unexpected result"
    if isinstance(result[1], dict) and result[1].get("error"):
        return f"survey error: {result[1]['error']}"
    return None


SIDES = {
    "ours": {"request": ours_request, "error": ours_error,
             "path": re.compile(r"^/my/assessments/(\d+)/answer$")},
    "survey": {"request": survey_request, "error": survey_error,
               "path": re.compile(r"^/survey/submit/[^/]+/([^/?]+)$")},
}


# ----------------------------------------------------------------------
# The load
# ----------------------------------------------------------------------
# One TLS context for every client (the traffic is plain HTTP): an httpx client builds its own
# otherwise, some 30 ms of CPU each, on the cores the server needs.
TLS_CONTEXT = ssl.create_default_context()


async def virtual_candidate(side, fixture, args, survey_token, rng, samples, counter, gate):
    spec = SIDES[side]
    await asyncio.sleep(rng.uniform(0, args.think))
    async with httpx.AsyncClient(base_url=args.base_url, timeout=args.request_timeout,
                                 verify=TLS_CONTEXT) as client:
        for answer in fixture["answers"]:
            await asyncio.sleep(args.think * rng.uniform(0.5, 1.5))
            counter[0] += 1
            path, payload = spec["request"](fixture, answer, survey_token, counter[0])
            started = time.perf_counter()  # the click: the wait at the gate counts
            try:
                async with gate:
                    response = await client.post(path, json=payload)
                error = spec["error"](response)
            except (httpx.HTTPError, ValueError) as exc:
                error = f"{type(exc).__name__}: {exc}"
            samples.append((started, time.perf_counter() - started, error))


async def run_load(side, fixtures, run, args):
    rng = random.Random(f"{args.seed}-{side}-{run['n']}")
    samples, counter = [], [0]
    gate = asyncio.Semaphore(args.max_inflight)
    tasks = [asyncio.create_task(virtual_candidate(
        side, fixture, args, fixtures["survey_token"], random.Random(rng.random()), samples,
        counter, gate))
        for fixture in run[side]]
    started = time.perf_counter()
    done, pending = await asyncio.wait(tasks, timeout=args.run_timeout)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for task in done:
        if task.exception():
            raise task.exception()
    wall = max((s + lat for s, lat, _e in samples), default=started) - min(
        (s for s, _lat, _e in samples), default=started)
    return samples, wall, len(pending)


# ----------------------------------------------------------------------
# Odoo's counters (werkzeug log) and the database check
# ----------------------------------------------------------------------
def server_counters(side, run, log_path, offset, expected, wait=10.0):
    """Per-request (queries, server seconds) of this run's answer requests, from the log."""
    keys = {str(f["id"] if side == "ours" else f["token"]) for f in run[side]}
    path_re = SIDES[side]["path"]
    deadline = time.monotonic() + wait
    while True:
        rows = []
        with open(log_path, encoding="utf-8", errors="replace") as handle:
            handle.seek(offset)
            for line in handle:
                match = WERKZEUG_LINE.search(line)
                if not match or match["method"] != "POST":
                    continue
                path_match = path_re.match(match["path"].split("?")[0])
                if path_match and path_match.group(1) in keys:
                    rows.append((int(match["queries"]),
                                 float(match["query_time"]) + float(match["other_time"])))
        if len(rows) >= expected or time.monotonic() > deadline:
            return rows
        time.sleep(0.5)


def stored_answers(side, run, dbname):
    """The (record, item/question, option/answer) triples stored for this run's candidates."""
    ids = [f["id"] for f in run[side]]
    with psycopg2.connect(dbname=dbname) as conn, conn.cursor() as cr:
        if side == "ours":
            cr.execute("""SELECT attempt_id, item_id, option_id FROM assessment_answer
                          WHERE attempt_id = ANY(%s) AND option_id IS NOT NULL""", [ids])
        else:
            cr.execute("""SELECT user_input_id, question_id, suggested_answer_id
                          FROM survey_user_input_line
                          WHERE user_input_id = ANY(%s) AND answer_type = 'suggestion'""", [ids])
        stored = set(cr.fetchall())
    conn.close()
    return stored


def measure(side, fixtures, run, args):
    offset = os.path.getsize(args.server_log)
    cpu = time.process_time()
    samples, wall, unfinished = asyncio.run(run_load(side, fixtures, run, args))
    cpu = time.process_time() - cpu  # the driver's own CPU: it shares the 2 cores with Odoo
    sent = len(samples)
    errors = [e for _s, _lat, e in samples if e]
    ok_latencies = [lat * 1000.0 for _s, lat, e in samples if not e]
    counters = server_counters(side, run, args.server_log, offset, sent)
    queries = [q for q, _t in counters]
    expected = {(f["id"], a, b) for f in run[side] for a, b in f["answers"]}
    stored = stored_answers(side, run, args.dbname)
    n = run["n"]
    result = {
        "side": side, "n": n, "sent": sent, "ok": sent - len(errors),
        # Answers never sent (a run cut by --run-timeout) count as errors too.
        "errors": len(errors) + (n * 18 - sent), "unfinished_candidates": unfinished,
        "error_samples": sorted(set(errors))[:5],
        "wall_s": round(wall, 3),
        "answers_per_s": round((sent - len(errors)) / wall, 2) if wall else 0.0,
        "p50_ms": percentile(ok_latencies, 50), "p95_ms": percentile(ok_latencies, 95),
        "p99_ms": percentile(ok_latencies, 99),
        "log_lines": len(counters),
        "queries_per_answer": round(statistics.mean(queries), 2) if queries else None,
        "queries_median": statistics.median(queries) if queries else None,
        "queries_max": max(queries) if queries else None,
        "server_ms_p50": round(1000 * statistics.median([t for _q, t in counters]), 1)
        if counters else None,
        "driver_cpu_ms_per_answer": round(1000 * cpu / sent, 2) if sent else None,
        "expected_answers": n * 18, "stored_answers": len(stored),
        "stored_match": stored == expected,
    }
    return result


# ----------------------------------------------------------------------
# Recording ingest: measured apart
# ----------------------------------------------------------------------
# The upload route (/my/assessments/<id>/recording/<kind>/<seq>) is measured by
# bench/bench_recording_ingest.py, which scripts/bench.sh runs on a second, --workers=0 server
# (so that the peak RSS of the process receiving is readable), and bench/report.py --ingest
# prints. This load run leaves it out; its "ingest" entry only says so.
INGEST_ROUTE = "/my/assessments/{attempt_id}/recording/{kind}/{seq}"


def measure_ingest(_fixtures, _args):
    return {"measured": False,
            "reason": "measured apart by bench/bench_recording_ingest.py (report.py --ingest)"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--fixtures", required=True)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--server-log", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--think", type=float, default=0.3, help="mean think time (s)")
    parser.add_argument("--run-timeout", type=float, default=240.0)
    parser.add_argument("--request-timeout", type=float, default=60.0)
    parser.add_argument("--pause", type=float, default=2.0, help="rest between runs (s)")
    parser.add_argument("--seed", default="bench")
    parser.add_argument("--max-inflight", type=int, default=8,
                        help="requests open to Odoo at once, like a buffering reverse proxy")
    args = parser.parse_args()

    with open(args.fixtures, encoding="utf-8") as handle:
        fixtures = json.load(handle)
    args.dbname = fixtures["database"]
    results, failures = [], []
    for run in fixtures["runs"]:
        if run.get("warmup"):
            warm = argparse.Namespace(**{**vars(args), "think": min(args.think, 0.05)})
            for side in ("ours", "survey"):
                result = measure(side, fixtures, run, warm)
                log(f"warm-up {side} N={run['n']}: {result['ok']} answers, {result['errors']} errors")
            continue
        for side in ("ours", "survey"):
            time.sleep(args.pause)
            result = measure(side, fixtures, run, args)
            results.append(result)
            log(f"{side:6} N={result['n']:<3} {result['answers_per_s']:7.1f} answers/s  "
                f"p50 {result['p50_ms'] or 0:7.1f} ms  p95 {result['p95_ms'] or 0:7.1f} ms  "
                f"p99 {result['p99_ms'] or 0:7.1f} ms  errors {result['errors']}  "
                f"queries/answer {result['queries_per_answer']}  "
                f"stored {result['stored_answers']}/{result['expected_answers']}"
                f"{'' if result['stored_match'] else ' (MISMATCH)'}")
            for sample in result["error_samples"]:
                log(f"   error: {sample}")
            if result["stored_answers"] != result["expected_answers"] or not result["stored_match"]:
                failures.append(f"{side} N={result['n']}: {result['stored_answers']} answers stored, "
                                f"{result['expected_answers']} expected")
            if result["log_lines"] != result["sent"]:
                failures.append(f"{side} N={result['n']}: {result['log_lines']} werkzeug lines "
                                f"for {result['sent']} requests")
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump({"think_s": args.think, "max_inflight": args.max_inflight, "runs": results,
                   "failures": failures, "ingest": measure_ingest(fixtures, args)}, handle, indent=1)
    for failure in failures:
        log(f"CHECK FAILED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
