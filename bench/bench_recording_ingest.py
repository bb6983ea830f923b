"""Recording ingest: chunk upload throughput over HTTP against raw disk writes (dd), the
server's time per chunk at the real chunk size (0.5 MB) against Odoo's own floor (a trivial
authenticated POST, measured in the same run), and the server's peak memory while it
receives a 20 MB chunk.

Targets a RUNNING Odoo server with tech_assessment installed (it starts nothing itself):

    python bench/bench_recording_ingest.py --url http://127.0.0.1:8069 --db mydb \
        --login admin --password admin [--pid <server pid>] [--dir <filestore dir>]

It creates (by XML-RPC, as the given user) a candidate and a started attempt of a copy of an
assessment recording both streams, then POSTs chunks of 1, 5 and 20 MB the way the test
page does (the bytes as the body; CSRF and access tokens in headers, SHA-256 and segment in
the query string). Then --per-chunk uploads of 0.5 MB one after the other (ms each, median
and p95), interleaved with as many POSTs of Odoo's /web/session/check (JSON-RPC, auth=user,
as the same admin, whose body is `return`: Odoo's most trivial authenticated POST, the
floor) and of the web client's /web/session/get_session_info (for reference). With
--server-log (the server's log at --log-level=info), the same requests' server-side time and
queries, from Odoo's own counters on its werkzeug lines. With --pid (the
server runs as the same user, workers=0), it resets the process's peak RSS
(/proc/<pid>/clear_refs) before each size and reads VmHWM after, so the figure is the peak
while receiving that chunk. dd writes the same sizes into --dir (default /tmp) for comparison.

With --json PATH it also writes the figures as JSON (`make bench` feeds them to
bench/report.py): {"measured": true, "repeat", "rss_measured", "sizes": [{"size_mb",
"http_mb_s" (best of --repeat), "dd_mb_s", "dd_sync_mb_s", "rss_before_mb", "rss_peak_mb",
"rss_growth_mb" (null without --pid)}, ...]}.
"""
import argparse
import hashlib
import json
import os
import re
import statistics
import subprocess
import tempfile
import time
import uuid
import xmlrpc.client

import requests

SIZES_MB = (0.5, 1, 5, 20)
PER_CHUNK_MB = 0.5


def rss_kb(pid, key):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def reset_peak(pid):
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def dd_mb_per_s(directory, size_mb, sync):
    path = os.path.join(directory, "bench_dd.tmp")
    args = ["dd", "if=/dev/zero", f"of={path}", "bs=512K", f"count={int(size_mb * 2)}"]
    if sync:
        args.append("conv=fdatasync")
    start = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True)
    elapsed = time.perf_counter() - start
    os.unlink(path)
    return size_mb / elapsed


def setup_attempt(url, db, login, password):
    common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
    uid = common.authenticate(db, login, password, {})
    models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object", allow_none=True)

    def call(model, method, *args, **kw):
        return models.execute_kw(db, uid, password, model, method, list(args), kw)

    seed = call("assessment.assessment", "search", [("line_ids", "!=", False)], limit=1)[0]
    assessment = call("assessment.assessment", "copy", seed,
                      {"name": "Bench recording", "recording_required": "both", "is_published": True})
    candidate = call("assessment.candidate", "create", {"name": "Bench", "email": "bench@example.com"})
    attempt = call("assessment.attempt", "create", {"candidate_id": candidate, "assessment_id": assessment})
    token = uuid.uuid4().hex
    call("assessment.attempt", "write", [attempt], {"access_token": token})
    return attempt, token, lambda: call("assessment.attempt", "write", [attempt],
                                        {"deadline": "2099-01-01 00:00:00"})


def start_as_candidate(session, url, attempt, token):
    """Open the link (the token moves into the session), consent and start, as the page does."""
    landing = session.get(f"{url}/my/assessments/{attempt}", params={"access_token": token})
    landing.raise_for_status()
    fields = dict(re.findall(r'name="(csrf_token|consent_hash)" value="([^"]*)"', landing.text))
    session.post(f"{url}/my/assessments/{attempt}/start",
                 data=dict(fields, consent="1")).raise_for_status()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8069")
    parser.add_argument("--db", required=True)
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--pid", type=int, help="the server's pid, to read its peak RSS")
    parser.add_argument("--dir", default=tempfile.gettempdir(), help="where dd writes")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--per-chunk", type=int, default=60,
                        help="how many 0.5 MB chunks (and floor POSTs) to time one by one")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON there")
    parser.add_argument("--server-log", metavar="PATH",
                        help="the server's log (--log-level=info): the server-side time of each "
                             "request, from Odoo's own counters on its werkzeug lines")
    args = parser.parse_args()

    attempt, token, extend_deadline = setup_attempt(args.url, args.db, args.login, args.password)
    session = requests.Session()
    start_as_candidate(session, args.url, attempt, token)
    extend_deadline()
    page = session.get(f"{args.url}/my/assessments/{attempt}/test")
    page.raise_for_status()
    csrf = re.search(r'data-ta-csrf="([^"]+)"', page.text).group(1)

    seq = 0

    def upload(data):
        nonlocal seq
        digest = hashlib.sha256(data).hexdigest()  # the browser's work, not timed
        start = time.perf_counter()
        response = session.post(
            f"{args.url}/my/assessments/{attempt}/recording/screen/{seq}",
            params={"sha256": digest, "segment": "1"},
            data=data, timeout=300,
            headers={"Content-Type": "video/webm", "X-CSRF-Token": csrf, "X-Access-Token": token})
        elapsed = time.perf_counter() - start
        response.raise_for_status()
        seq += 1
        return elapsed

    print(f"load average: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    print(f"{'chunk':>6} {'HTTP MB/s':>10} {'dd MB/s':>9} {'% of dd':>8} {'dd+sync MB/s':>13} "
          f"{'server RSS before':>18} {'peak RSS':>9} {'growth':>8}")
    rows = []
    for size_mb in SIZES_MB:
        timings, growth = [], None
        before = peak = None
        for _ in range(args.repeat):
            # new bytes each time, so that every upload is really stored
            data = os.urandom(int(size_mb * 1024 * 1024))
            if args.pid and reset_peak(args.pid):
                before = rss_kb(args.pid, "VmRSS")
            timings.append(upload(data))
            if args.pid and before is not None:
                peak = rss_kb(args.pid, "VmHWM")
                growth = max(growth or 0, peak - before)
        http_rate = size_mb / min(timings)
        dd_rate = max(dd_mb_per_s(args.dir, size_mb, False) for _ in range(args.repeat))
        dd_sync = max(dd_mb_per_s(args.dir, size_mb, True) for _ in range(args.repeat))
        memory = (f"{before / 1024:>16.1f}MB {peak / 1024:>8.1f}MB {growth / 1024:>7.1f}MB"
                  if peak else f"{'n/a':>18} {'n/a':>9} {'n/a':>8}")
        print(f"{size_mb:>4}MB {http_rate:>10.1f} {dd_rate:>9.1f} {100 * http_rate / dd_rate:>7.0f}% "
              f"{dd_sync:>13.1f} {memory}", flush=True)
        rows.append({
            "size_mb": size_mb, "http_mb_s": round(http_rate, 1), "dd_mb_s": round(dd_rate, 1),
            "dd_sync_mb_s": round(dd_sync, 1),
            "rss_before_mb": round(before / 1024, 1) if peak else None,
            "rss_peak_mb": round(peak / 1024, 1) if peak else None,
            "rss_growth_mb": round(growth / 1024, 1) if peak else None,
        })
    # what one more megabyte costs, without the per-request cost: the ingest's own bandwidth
    by_size = {row["size_mb"]: row for row in rows}
    t5, t20 = 5 / by_size[5]["http_mb_s"], 20 / by_size[20]["http_mb_s"]
    marginal = 15 / (t20 - t5) if t20 > t5 else None
    if marginal:
        print(f"marginal ingest bandwidth (5 -> 20 MB): {marginal:.0f} MB/s "
              f"({100 * marginal / by_size[20]['dd_mb_s']:.0f}% of dd at 20 MB)", flush=True)
    first_timed = seq
    per_chunk = measure_per_chunk(args, upload)
    if args.server_log:
        time.sleep(1)  # the last lines reach the file
        per_chunk.update(server_side(args.server_log, attempt, range(first_timed, seq)))
    print(f"per {PER_CHUNK_MB} MB chunk: median {per_chunk['chunk_ms_median']:.1f} ms, p95 "
          f"{per_chunk['chunk_ms_p95']:.1f} ms; Odoo's floor (/web/session/check): median "
          f"{per_chunk['floor_ms_median']:.1f} ms, p95 {per_chunk['floor_ms_p95']:.1f} ms; "
          f"ratio {per_chunk['ratio']:.2f}; get_session_info: median "
          f"{per_chunk['session_info_ms_median']:.1f} ms", flush=True)
    if per_chunk.get("server_chunk_ms_mean"):
        print(f"server side (Odoo's counters): chunk mean {per_chunk['server_chunk_ms_mean']:.2f} ms, "
              f"{per_chunk['server_chunk_queries']:.1f} queries; floor mean "
              f"{per_chunk['server_floor_ms_mean']:.2f} ms, {per_chunk['server_floor_queries']:.1f} "
              f"queries; ratio {per_chunk['server_ratio']:.2f}", flush=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"measured": True, "repeat": args.repeat, "rss_measured": bool(args.pid)
                       and all(row["rss_growth_mb"] is not None for row in rows),
                       "dd_dir": args.dir, "sizes": rows, "per_chunk": per_chunk,
                       "marginal_mb_s": round(marginal, 1) if marginal else None,
                       "load": os.getloadavg()}, handle, indent=1)


def measure_per_chunk(args, upload):
    """Median and p95 ms of sequential 0.5 MB uploads, and of Odoo's own floor: its most
    trivial authenticated POST (/web/session/check, JSON-RPC, auth=user, whose body is
    `return`: Odoo's authentication does all the work), and, for reference, the web
    client's get_session_info. Interleaved, so that all three see the same load."""
    admin = requests.Session()
    admin.post(f"{args.url}/web/session/authenticate", json={"jsonrpc": "2.0", "params": {
        "db": args.db, "login": args.login, "password": args.password}}, timeout=60).raise_for_status()
    payloads = [os.urandom(int(PER_CHUNK_MB * 1024 * 1024)) for _ in range(args.per_chunk)]
    timings = {"chunk": [], "floor": [], "session_info": []}

    def rpc(path):
        start = time.perf_counter()
        response = admin.post(f"{args.url}{path}", json={"jsonrpc": "2.0", "params": {}}, timeout=60)
        elapsed = 1000 * (time.perf_counter() - start)
        response.raise_for_status()
        if "error" in response.json():
            raise RuntimeError(f"{path}: {response.json()['error']}")
        return elapsed
    for data in payloads:
        timings["chunk"].append(1000 * upload(data))
        timings["floor"].append(rpc("/web/session/check"))
        timings["session_info"].append(rpc("/web/session/get_session_info"))

    def pct(values, q):
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
    result = {"chunk_mb": PER_CHUNK_MB, "count": args.per_chunk,
              "floor_route": "/web/session/check"}
    for name, values in timings.items():
        result[f"{name}_ms_median"] = round(statistics.median(values), 2)
        result[f"{name}_ms_p95"] = round(pct(values, 0.95), 2)
    result["ratio"] = round(result["chunk_ms_median"] / result["floor_ms_median"], 2)
    return result


WERKZEUG_LINE = re.compile(r'"POST (\S+) HTTP/1\.1" 200 - (\d+) ([\d.]+) ([\d.]+)')


def server_side(log_path, attempt, sequences):
    """Mean server time (ms: SQL + the rest, from the start of Odoo's handling to the
    response) and queries of the timed chunk uploads and floor POSTs, read on the werkzeug
    lines of the server's log. Odoo prints them to the millisecond: the means of 60 are
    finer than that."""
    chunk_paths = {f"/my/assessments/{attempt}/recording/screen/{seq}" for seq in sequences}
    chunk, floor = [], []
    with open(log_path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            match = WERKZEUG_LINE.search(line)
            if not match:
                continue
            path = match.group(1).split("?")[0]
            sample = (int(match.group(2)), 1000 * (float(match.group(3)) + float(match.group(4))))
            if path in chunk_paths:
                chunk.append(sample)
            elif path == "/web/session/check":
                floor.append(sample)
    if not chunk or not floor:
        return {}
    mean = statistics.fmean
    result = {
        "server_chunk_ms_mean": round(mean(ms for _q, ms in chunk), 2),
        "server_chunk_queries": round(mean(q for q, _ms in chunk), 1),
        "server_floor_ms_mean": round(mean(ms for _q, ms in floor), 2),
        "server_floor_queries": round(mean(q for q, _ms in floor), 1),
        "server_samples": [len(chunk), len(floor)],
    }
    result["server_ratio"] = round(result["server_chunk_ms_mean"] / result["server_floor_ms_mean"], 2)
    return result


if __name__ == "__main__":
    main()
