"""A recorded test day against a running Odoo server: N candidates, each recording webcam and
screen and answering an item every ~20 s, for a while at each N; the largest N the server
sustains, and the curve around it.

    python bench/bench_test_day.py --fixtures testday.json --base-url http://127.0.0.1:PORT \
        --levels "100 200 300" --duration 300 [--json OUT]

The fixtures (bench/setup_test_day.py) hold enough started, recorded attempts for the sum of
the levels (each level uses fresh attempts). Per virtual candidate, as the test page does:

* a recorder per stream produces a chunk every --slice seconds (webcam --webcam-kb, screen
  --screen-kb: Chrome's VP8 at 640x480 and a mostly still screen give ~0.5 and ~0.4 MB per
  4 s), made and hashed before the level (class Bytes), each stored as its own file;
* one uploader drains the candidate's queue in order, one chunk at a time (the raw body
  POST of chunk_uploader.js, CSRF and access tokens in headers), retrying after 1, 2, 5 s
  on a network error, 5xx, 408 or 429, as the page does; a 4xx other than those, or a fourth
  failure, is a loss (the page would keep the chunk in IndexedDB; here it is counted);
* an autosave every --answer-every seconds (x0.5-1.5), the JSON POST of the test page.

A warm-up run (--warmup candidates for --warmup-seconds, not counted) comes first, so that
the first level does not measure workers that load their caches. Like the buffering reverse
proxy in front of prefork workers, at most --max-inflight requests
are open to Odoo at once; every latency counts from the moment the chunk or the answer
exists, so it includes that wait. A level is *sustained* when no chunk is lost, none is still
queued --drain seconds after the level ends, the backlog
(chunks produced, not yet stored) does not grow over the second half of the level (least
squares slope below 2 % of the production rate) and ends below one chunk per candidate, and
the autosave p95 is under 500 ms.
"""
import argparse
import asyncio
import hashlib
import json
import os
import random
import re
import statistics
import sys
import time

import aiohttp

RETRY_DELAYS = (1, 2, 5)
RETRYABLE = {408, 429}
SAVE_P95_LIMIT_MS = 500


def log(*args):
    print("[bench testday]", *args, file=sys.stderr, flush=True)  # pylint: disable=print-used


def percentile(values, pct):
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(pct / 100.0 * len(ordered)))]


def slope(points):
    """Least squares slope of [(x, y)] (0 for fewer than 2 points)."""
    if len(points) < 2:
        return 0.0
    mean_x = statistics.fmean(x for x, _y in points)
    mean_y = statistics.fmean(y for _x, y in points)
    den = sum((x - mean_x) ** 2 for x, _y in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / den if den else 0.0


class Bytes:
    """Chunk bytes, made and hashed before the level starts: the browsers' work is not the
    server's machine's. A few distinct chunks per size are enough: each upload is stored as
    its own file anyway (its key holds its stream, segment and sequence number), and the
    server reads, hashes and writes every byte whatever they are."""

    VARIANTS = 16

    def __init__(self, rng, sizes):
        pool = os.urandom(4 * 1024 * 1024)
        self.rng = rng
        self.chunks = {}
        for size in sizes:
            variants = []
            for serial in range(self.VARIANTS):
                start = rng.randrange(0, len(pool) - size)
                data = b"\x1a\x45\xdf\xa3" + serial.to_bytes(12, "big") + pool[start:start + size - 16]
                variants.append((data, hashlib.sha256(data).hexdigest()))
            self.chunks[size] = variants

    def chunk(self, size):
        return self.chunks[size][self.rng.randrange(self.VARIANTS)]


class Level:
    """The counters of one level."""

    def __init__(self, n):
        self.n = n
        self.produced = 0
        self.stored = 0
        self.lost = 0
        self.retries = 0
        self.chunk_ms = []
        self.save_ms = []
        self.save_errors = 0
        self.backlog = []  # (t, chunks produced and not stored)
        self.loop_lag_ms = []


async def candidate(fixture, args, level, client, gate, bytes_, stop_at, rng):
    # the link moves the token into the session and redirects to the page (as a browser)
    async with gate, client.get(f"/my/assessments/{fixture['id']}/test",
                                params={"access_token": fixture["token"]}) as page:
        text = await page.text()
    match = re.search(r'data-ta-csrf="([^"]+)"', text)
    if not match:
        raise RuntimeError(f"attempt {fixture['id']}: no CSRF token on the test page")
    csrf = match.group(1)
    queue = asyncio.Queue()
    seqs = {"webcam": 0, "screen": 0}
    sizes = {"webcam": args.webcam_kb * 1024, "screen": args.screen_kb * 1024}
    # chunks are numbered per attempt and stream (chunk_uploader.js); both share one queue

    async def recorder(kind):
        await asyncio.sleep(rng.uniform(0, args.slice))
        while time.monotonic() < stop_at:
            await asyncio.sleep(args.slice)
            data, digest = bytes_.chunk(sizes[kind])
            seq = seqs[kind]
            seqs[kind] += 1
            level.produced += 1
            queue.put_nowait((kind, seq, data, digest, time.perf_counter()))

    async def uploader():
        while True:
            kind, seq, data, digest, born = await queue.get()
            for attempt in range(len(RETRY_DELAYS) + 1):
                try:
                    async with gate, client.post(
                            f"/my/assessments/{fixture['id']}/recording/{kind}/{seq}",
                            params={"sha256": digest, "segment": "1"}, data=data,
                            headers={"Content-Type": "video/webm", "X-CSRF-Token": csrf,
                                     "X-Access-Token": fixture["token"]}) as response:
                        status = response.status
                        body = await response.text()
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    status = None
                if status == 200:
                    level.stored += 1
                    level.chunk_ms.append(1000 * (time.perf_counter() - born))
                    break
                if status is not None and status < 500 and status not in RETRYABLE:
                    level.lost += 1
                    log(f"chunk lost: attempt {fixture['id']} {kind} #{seq}: HTTP {status} {body[:200]}")
                    break
                level.retries += 1
                if attempt == len(RETRY_DELAYS):
                    level.lost += 1
                    break
                await asyncio.sleep(RETRY_DELAYS[attempt])
            queue.task_done()

    async def answers():
        items = list(fixture["answers"])
        while time.monotonic() < stop_at:
            await asyncio.sleep(args.answer_every * rng.uniform(0.5, 1.5))
            item_id, option_id = items[rng.randrange(len(items))]
            started = time.perf_counter()
            try:
                async with gate, client.post(
                        f"/my/assessments/{fixture['id']}/answer",
                        json={"access_token": fixture["token"], "item_id": item_id, "option_id": option_id},
                ) as response:
                    ok = response.status == 200 and "error" not in await response.json()
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
                ok = False
            level.save_ms.append(1000 * (time.perf_counter() - started))
            level.save_errors += not ok

    workers = [asyncio.create_task(recorder("webcam")), asyncio.create_task(recorder("screen")),
               asyncio.create_task(answers())]
    upload = asyncio.create_task(uploader())
    await asyncio.gather(*workers)
    try:
        await asyncio.wait_for(queue.join(), timeout=args.drain)
    except asyncio.TimeoutError:
        pass
    upload.cancel()
    return queue.qsize()


async def run_level(n, fixtures, args, rng, duration=None):
    duration = duration or args.duration
    level = Level(n)
    gate = asyncio.Semaphore(args.max_inflight)
    connector = aiohttp.TCPConnector(limit=args.max_inflight + 4)
    bytes_ = Bytes(rng, (args.webcam_kb * 1024, args.screen_kb * 1024))
    # a browser each: its own cookies (the session that holds the CSRF secret), one pool of
    # connections to the server for all
    clients = [aiohttp.ClientSession(args.base_url, connector=connector, connector_owner=False,
                                     cookie_jar=aiohttp.CookieJar(unsafe=True),
                                     timeout=aiohttp.ClientTimeout(total=120))
               for _fixture in fixtures]
    stop_at = time.monotonic() + duration
    started = time.monotonic()
    cpu_started = time.process_time()

    async def sample():
        while time.monotonic() < stop_at:
            await asyncio.sleep(5)
            level.backlog.append((time.monotonic() - started, level.produced - level.stored - level.lost))

    async def loop_lag():
        # how late the generator's own event loop wakes up: what its latencies owe to itself
        while time.monotonic() < stop_at:
            before = time.monotonic()
            await asyncio.sleep(0.05)
            level.loop_lag_ms.append(1000 * (time.monotonic() - before - 0.05))

    sampler = asyncio.create_task(sample())
    lag = asyncio.create_task(loop_lag())
    # the candidates arrive over the first slice, as a session's candidates start at once
    left = await asyncio.gather(*[
        candidate(fixture, args, level, client, gate, bytes_, stop_at, random.Random(rng.random()))
        for fixture, client in zip(fixtures, clients, strict=True)])
    sampler.cancel()
    lag.cancel()
    # the load generator's own share of the machine's cores (it runs on the same ones)
    generator_cores = (time.process_time() - cpu_started) / (time.monotonic() - started)
    for client in clients:
        await client.close()
    await connector.close()
    undelivered = sum(left)
    second_half = [(t, b) for t, b in level.backlog if t >= duration / 2]
    trend = slope(second_half)  # chunks per second
    production = 2 * n / args.slice
    end_backlog = level.backlog[-1][1] if level.backlog else 0
    save_p95 = percentile(level.save_ms, 95)
    why = []
    if level.lost:
        why.append(f"{level.lost} chunk(s) lost")
    if undelivered:
        why.append(f"{undelivered} chunk(s) still queued {args.drain:.0f} s after the end")
    if trend > 0.02 * production:
        why.append(f"backlog grows {trend:.2f} chunks/s")
    if end_backlog > n:
        why.append(f"backlog {end_backlog} at the end")
    if save_p95 >= SAVE_P95_LIMIT_MS:
        why.append(f"autosave p95 {save_p95:.0f} ms")
    if level.save_errors:
        why.append(f"{level.save_errors} autosave error(s)")
    return {
        "n": n, "produced": level.produced, "stored": level.stored, "lost": level.lost,
        "undelivered": undelivered,
        "retries": level.retries,
        "chunks_per_s": level.stored / duration,
        "mb_per_s": level.stored * (args.webcam_kb + args.screen_kb) / 2 / 1024 / duration,
        "backlog_end": end_backlog, "backlog_trend": round(trend, 3),
        "chunk_p50_ms": percentile(level.chunk_ms, 50), "chunk_p95_ms": percentile(level.chunk_ms, 95),
        "save_p50_ms": percentile(level.save_ms, 50), "save_p95_ms": save_p95,
        "saves": len(level.save_ms), "loadavg": os.getloadavg()[0],
        "generator_cores": round(generator_cores, 2),
        "loop_lag_p95_ms": percentile(level.loop_lag_ms, 95),
        "ok": not why, "why": "; ".join(why),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fixtures", required=True)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--levels", default="100 200 300", help="the N to try, in order")
    parser.add_argument("--duration", type=float, default=300, help="seconds per level")
    parser.add_argument("--drain", type=float, default=30, help="seconds to empty the queues after")
    parser.add_argument("--warmup", type=int, default=20,
                        help="candidates of the warm-up run before the levels (not counted), taken "
                             "from the end of the fixtures")
    parser.add_argument("--warmup-seconds", type=float, default=30)
    parser.add_argument("--slice", type=float, default=4.0)
    parser.add_argument("--webcam-kb", type=int, default=500)
    parser.add_argument("--screen-kb", type=int, default=400)
    parser.add_argument("--answer-every", type=float, default=20.0)
    parser.add_argument("--max-inflight", type=int, default=6)
    parser.add_argument("--workers", type=int, default=2, help="the server's, for the report")
    parser.add_argument("--stop-after-failure", action="store_true",
                        help="stop at the first level not sustained")
    parser.add_argument("--seed", default="testday")
    parser.add_argument("--json")
    args = parser.parse_args()
    with open(args.fixtures, encoding="utf-8") as handle:
        attempts = json.load(handle)["attempts"]
    levels = [int(n) for n in args.levels.split()]
    if sum(levels) + args.warmup > len(attempts):
        parser.error(f"{sum(levels) + args.warmup} attempts needed, the fixtures hold {len(attempts)}")
    rng = random.Random(args.seed)
    if args.warmup:
        # the workers' first requests load the registry's caches, the templates and the
        # routing map: a short load first, so that the first level measures the load only
        warmup = asyncio.run(run_level(args.warmup, attempts[len(attempts) - args.warmup:], args, rng,
                                       duration=args.warmup_seconds))
        log(f"warm-up: {args.warmup} candidates for {args.warmup_seconds:.0f} s, "
            f"{warmup['stored']} chunks and {warmup['saves']} answers (not counted)")
    results, used = [], 0
    for n in levels:
        log(f"N={n}: {args.duration:.0f} s (load average {os.getloadavg()[0]:.2f})")
        result = asyncio.run(run_level(n, attempts[used:used + n], args, rng))
        used += n
        results.append(result)
        log(f"N={n}: {result['chunks_per_s']:.1f} chunks/s ({result['mb_per_s']:.1f} MB/s), lost "
            f"{result['lost']}, backlog end {result['backlog_end']} trend {result['backlog_trend']}/s, "
            f"chunk p95 {result['chunk_p95_ms']:.0f} ms, autosave p95 {result['save_p95_ms']:.0f} ms, "
            f"load {result['loadavg']:.2f}, generator {result['generator_cores']:.2f} core "
            f"(its loop late by {result['loop_lag_p95_ms']:.0f} ms at p95): "
            f"{'sustained' if result['ok'] else 'NOT sustained: ' + result['why']}")
        if not result["ok"] and args.stop_after_failure:
            break
    sustained = [r["n"] for r in results if r["ok"]]
    failed = [r for r in results if not r["ok"]]
    limit = "none reached"
    if failed:
        first = failed[0]
        limit = (f"at N={first['n']} the server stored {first['chunks_per_s']:.1f} chunks/s of the "
                 f"{2 * first['n'] / args.slice:.1f} produced (load average {first['loadavg']:.2f}): "
                 f"{first['why']}")
    out = {"duration_s": args.duration, "warmup": args.warmup, "warmup_s": args.warmup_seconds,
           "slice_s": args.slice, "webcam_kb": args.webcam_kb,
           "screen_kb": args.screen_kb, "answer_every_s": args.answer_every, "workers": args.workers,
           "max_inflight": args.max_inflight, "levels": results,
           "best_n": max(sustained) if sustained else None, "limit": limit}
    print(json.dumps(out, indent=1))  # pylint: disable=print-used
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(out, handle, indent=1)


if __name__ == "__main__":
    main()
