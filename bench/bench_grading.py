"""Grading and expiry cron of `make bench`, run in `odoo-bin shell` on the bench database.

    odoo_bin shell -d ta_bench --no-http < bench/bench_grading.py

Reads BENCH_GRADING_ATTEMPTS (default 10000), BENCH_GRADING_SMALL (default 1000) and
BENCH_GRADING_OUT (the JSON file to write). On the seed assessment (18 items of 4 options):

1. **Setup** (timed on its own): SMALL started attempts with their 18 answers chosen, created
   with the ORM in batches of 1000 attempts (18,000 answers), committed. Every attempt answers
   the first item with its right or its wrong option (one in two), the other items at random.
2. **Regrade after an answer key correction** on SMALL attempts: the first item's right option
   becomes wrong and a wrong one right (`item.write` of the two options, as the form does),
   then `flush_all()`; wall time and `cr.sql_log_count` delta, cold cache. Every attempt's
   score changes: the check reads the database (every answer's points and every attempt's
   score agree with the new key).
3. Setup of the rest up to ATTEMPTS, then the same correction (back) on all of them: the
   queries grow by batch (1000 records per prefetch/flush batch), not by attempt.
4. **Expiry cron**: all ATTEMPTS put past their deadline, then `_cron_expire_attempts()` called
   as the cron would run it (fresh cache, commit after each run) until it returns 0; queries
   and time per batch of 500.

The database is the bench's throwaway one: scripts/bench.sh drops it afterwards.
"""
import json
import os
import random
import time
from datetime import timedelta

from odoo import fields
from odoo.addons.tech_assessment.models.assessment_attempt import EXPIRY_BATCH_SIZE

ATTEMPTS = int(os.environ.get("BENCH_GRADING_ATTEMPTS", "10000"))
SMALL = int(os.environ.get("BENCH_GRADING_SMALL", "1000"))
OUT = os.environ["BENCH_GRADING_OUT"]
BATCH = 1000
QUIET = {"mail_create_nolog": True, "mail_create_nosubscribe": True, "tracking_disable": True,
         "mail_notrack": True}


def log(*args):
    print("[bench grading]", *args, flush=True)  # pylint: disable=print-used


class Bench:
    def __init__(self, env):
        self.env = env
        self.assessment = env.ref("tech_assessment.assessment_backend_engineering")
        self.items = self.assessment.question_ids.item_ids
        self.item = self.items[0]
        self.right = self.item.option_ids.filtered("is_correct")
        self.wrong = (self.item.option_ids - self.right)[0]
        self.options = {item.id: item.option_ids.ids for item in self.items}
        self.rng = random.Random(18)
        self.candidates = env["assessment.candidate"].with_context(**QUIET).create([
            {"name": f"Grading candidate {i}", "email": f"grading{i}@example.com"} for i in range(100)
        ])
        self.attempt_ids = []
        env.cr.commit()

    def create_attempts(self, count):
        """`count` more started attempts with all 18 answers chosen, in ORM batches."""
        env = self.env
        started = time.perf_counter()
        queries = env.cr.sql_log_count
        now = fields.Datetime.now()
        Attempt = env["assessment.attempt"].with_context(**QUIET)
        while count > 0:
            size = min(BATCH, count)
            attempts = Attempt.create([{
                "candidate_id": self.candidates[(len(self.attempt_ids) + i) % 100].id,
                "assessment_id": self.assessment.id,
                "state": "in_progress",
                "started_at": now - timedelta(minutes=10),
                "deadline": now + timedelta(minutes=35),
                "shuffle_seed": 1,
            } for i in range(size)])
            values = []
            for serial, attempt in enumerate(attempts, start=len(self.attempt_ids)):
                for sequence, item in enumerate(self.items, start=1):
                    if item == self.item:
                        option_id = (self.right if serial % 2 else self.wrong).id
                    else:
                        option_id = self.rng.choice(self.options[item.id])
                    values.append({
                        "attempt_id": attempt.id, "item_id": item.id, "sequence": sequence,
                        "option_order": ",".join(map(str, self.options[item.id])),
                        "option_id": option_id, "answered_at": now,
                    })
            env["assessment.answer"].create(values)
            env.flush_all()
            env.cr.commit()
            env.invalidate_all()
            self.attempt_ids += attempts.ids
            count -= size
        return time.perf_counter() - started, env.cr.sql_log_count - queries

    def correct_the_key(self):
        """Swap the first item's right and wrong option; measure the regrade (cold cache)."""
        env = self.env
        env.invalidate_all()
        queries = env.cr.sql_log_count
        started = time.perf_counter()
        self.item.write({"option_ids": [(1, self.right.id, {"is_correct": False}),
                                        (1, self.wrong.id, {"is_correct": True})]})
        env.flush_all()
        elapsed = time.perf_counter() - started
        queries = env.cr.sql_log_count - queries
        env.cr.commit()
        self.right, self.wrong = self.wrong, self.right
        self.check_grades()
        return elapsed, queries

    def check_grades(self):
        cr = self.env.cr
        cr.execute("""
            SELECT count(*) FILTER (WHERE ans.points <> CASE WHEN ans.option_id = %s THEN 1 ELSE 0 END)
              FROM assessment_answer ans
             WHERE ans.item_id = %s AND ans.attempt_id = ANY(%s)
        """, [self.right.id, self.item.id, self.attempt_ids])
        wrong_points = cr.fetchone()[0]
        cr.execute("""
            SELECT count(*) FROM assessment_attempt att
             WHERE att.id = ANY(%s)
               AND att.score IS DISTINCT FROM (SELECT sum(points) FROM assessment_answer
                                                WHERE attempt_id = att.id)
        """, [self.attempt_ids])
        wrong_scores = cr.fetchone()[0]
        assert not wrong_points and not wrong_scores, (
            f"regrade incomplete: {wrong_points} answers, {wrong_scores} attempt scores stale")

    def expire_all(self):
        env, cr = self.env, self.env.cr
        cr.execute("""
            UPDATE assessment_attempt
               SET started_at = now() at time zone 'UTC' - interval '2 hours',
                   deadline = now() at time zone 'UTC' - interval '1 hour'
             WHERE id = ANY(%s)
        """, [self.attempt_ids])
        cr.commit()  # pylint: disable=invalid-commit
        env.invalidate_all()
        Attempt = env["assessment.attempt"]
        batches = []
        started = time.perf_counter()
        while True:
            env.invalidate_all()
            queries = cr.sql_log_count
            batch_started = time.perf_counter()
            closed = Attempt._cron_expire_attempts()
            env.flush_all()
            batches.append({"closed": closed, "queries": cr.sql_log_count - queries,
                            "seconds": round(time.perf_counter() - batch_started, 3)})
            cr.commit()  # pylint: disable=invalid-commit
            if not closed or len(batches) > ATTEMPTS // 100 + 10:
                break
        elapsed = time.perf_counter() - started
        cr.execute("SELECT count(*) FROM assessment_attempt WHERE id = ANY(%s) AND state = 'expired'",
                   [self.attempt_ids])
        expired = cr.fetchone()[0]
        assert expired == len(self.attempt_ids), f"{expired} of {len(self.attempt_ids)} expired"
        return elapsed, batches, expired


def main(env):
    bench = Bench(env)
    result = {"attempts": ATTEMPTS, "small": SMALL, "items": len(bench.items), "regrade": []}

    seconds, queries = bench.create_attempts(SMALL)
    setup_seconds = seconds
    log(f"setup: {SMALL} attempts x 18 answers in {seconds:.1f} s ({queries} queries)")
    seconds, queries = bench.correct_the_key()
    result["regrade"].append({"attempts": SMALL, "seconds": round(seconds, 3), "queries": queries})
    log(f"regrade of {SMALL} attempts: {seconds:.2f} s, {queries} queries")

    seconds, queries = bench.create_attempts(ATTEMPTS - SMALL)
    setup_seconds += seconds
    log(f"setup: {ATTEMPTS - SMALL} more attempts in {seconds:.1f} s ({queries} queries)")
    result["setup_seconds"] = round(setup_seconds, 1)
    seconds, queries = bench.correct_the_key()
    result["regrade"].append({"attempts": ATTEMPTS, "seconds": round(seconds, 3), "queries": queries})
    log(f"regrade of {ATTEMPTS} attempts: {seconds:.2f} s, {queries} queries")

    seconds, batches, expired = bench.expire_all()
    full = [b["queries"] for b in batches if b["closed"] == EXPIRY_BATCH_SIZE]
    result["expiry"] = {
        "attempts": expired, "seconds": round(seconds, 2), "runs": len(batches),
        "batches": batches,
        "queries_per_full_batch": sorted(set(full)),
        "queries_total": sum(b["queries"] for b in batches),
    }
    log(f"expiry cron: {expired} attempts in {len(batches)} runs, {seconds:.2f} s, "
        f"queries per batch of {EXPIRY_BATCH_SIZE}: {sorted(set(full))}")
    with open(OUT, "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=1)


main(env)  # noqa: F821 (odoo-bin shell provides `env`)
