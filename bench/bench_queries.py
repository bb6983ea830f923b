"""Print the SQL query cost of the hot paths, in-process (what tests/test_performance.py bounds).

    bash -c 'source scripts/common.sh && odoo_bin shell -d <db with tech_assessment> --no-http \
        --log-level=warn' < bench/bench_queries.py

Everything runs in one transaction that is rolled back at the end.
"""
import time
from datetime import timedelta

from odoo import fields


def cost(func):
    env.flush_all()  # noqa: F821 (odoo shell)
    env.invalidate_all()  # noqa: F821
    before, start = env.cr.sql_log_count, time.perf_counter()  # noqa: F821
    func()
    env.flush_all()  # noqa: F821
    return env.cr.sql_log_count - before, (time.perf_counter() - start) * 1000  # noqa: F821


def question(name, items):
    topic = env["assessment.topic"].create({"name": f"{name} ({time.time_ns()})"})  # noqa: F821
    return env["assessment.question"].create({  # noqa: F821
        "name": name, "topic_id": topic.id,
        "item_ids": [(0, 0, {"prompt": f"I{n}", "option_ids": [
            (0, 0, {"text": "right", "is_correct": True}), (0, 0, {"text": "wrong"})]})
            for n in range(items)],
    })


def assessment(name, items):
    return env["assessment.assessment"].create({  # noqa: F821
        "name": name, "recording_required": "none", "shuffle_options": False,
        "line_ids": [(0, 0, {"question_id": question(name, items).id})],
    })


candidate = env["assessment.candidate"].create({"name": "Bench", "email": "b@example.com"})  # noqa: F821


def started(assess, count):
    attempts = env["assessment.attempt"].create(  # noqa: F821
        [{"candidate_id": candidate.id, "assessment_id": assess.id} for _n in range(count)])
    for attempt in attempts:
        attempt._start()
    return attempts


rows = []
for items in (3, 18, 100):
    attempt = started(assessment(f"save {items}", items), 1)
    item = attempt.answer_ids[items // 2].item_id
    attempt._save_answer(item.id, item.option_ids[1].id)
    queries, ms = cost(lambda a=attempt, i=item: a._save_answer(i.id, i.option_ids[0].id))
    if items != 3:  # the first run warms registry-wide caches
        rows.append((f"save_answer, {items}-item attempt", queries, ms))

for count in (0, 1, 200):  # 0: a warm-up run with one attempt, not printed
    assess = assessment(f"regrade {count} {time.time()}", 3)
    attempts = started(assess, count or 1)
    item = assess.question_ids.item_ids[0]
    for attempt in attempts:
        attempt._save_answer(item.id, item.option_ids[1].id)
    right, wrong = item.option_ids
    queries, ms = cost(lambda i=item, r=right, w=wrong: i.write({"option_ids": [
        (1, r.id, {"is_correct": False}), (1, w.id, {"is_correct": True})]}))
    if count:
        rows.append((f"answer key corrected, {count} attempt(s)", queries, ms))

assess = assessment("cron", 1)
now = fields.Datetime.now()
env["assessment.attempt"].create([  # noqa: F821
    {"candidate_id": candidate.id, "assessment_id": assess.id, "expires_at": now - timedelta(minutes=1)}
    for _n in range(1000)])
rows.append(("expiry cron, 1,000 overdue (one batch)",
             *cost(lambda: env["assessment.attempt"]._cron_expire_attempts(batch_size=1000))))  # noqa: F821

snippets = env["assessment.snippet"].create([  # noqa: F821
    {"question_id": question("snippets", 1).id, "language": "python", "code": f"x = {n}  # line A\n"}
    for n in range(1000)])
rows.append(("1,000 snippets re-rendered in one write",
             *cost(lambda: snippets.write({"code": "y = 1  # line B\n"}))))

print(f"{'operation':45} {'queries':>8} {'ms':>8}")
for label, queries, ms in rows:
    print(f"{label:45} {queries:8d} {ms:8.1f}")
env.cr.rollback()  # noqa: F821
