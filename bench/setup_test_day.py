"""Bench data of the recorded test day (bench/bench_test_day.py), run in `odoo-bin shell`:

    BENCH_TESTDAY_N=300 BENCH_TESTDAY_FIXTURES=/tmp/testday.json \
        odoo-bin shell -d ta_bench --no-http < bench/setup_test_day.py

A copy of the seed assessment recording webcam and screen, 45 minutes long, and
BENCH_TESTDAY_N candidates each with an attempt of it, consent given and started, with its
access token. Writes the ids, tokens and the item/option ids to answer to the JSON file.
"""
import json
import os
import time

N = int(os.environ.get("BENCH_TESTDAY_N", "300"))
FIXTURES = os.environ["BENCH_TESTDAY_FIXTURES"]


def main(env):
    started = time.perf_counter()
    seed = env.ref("tech_assessment.assessment_backend_engineering")
    assessment = seed.copy({"name": "Recorded test day (bench)", "recording_required": "both",
                            "is_published": True})
    candidates = env["assessment.candidate"].create([
        {"name": f"Test day candidate {i}", "email": f"testday{i}@example.com"} for i in range(N)])
    attempts = env["assessment.attempt"].create([
        {"candidate_id": candidate.id, "assessment_id": assessment.id} for candidate in candidates])
    fixtures = []
    for attempt in attempts:
        attempt._give_consent(ip="127.0.0.1", user_agent="bench",
                              consent_hash=attempt._consent_text_hash())
        attempt._start()
        attempt._portal_ensure_token()
        fixtures.append({
            "id": attempt.id, "token": attempt.access_token,
            "answers": [[answer.item_id.id, answer._option_order_ids()[0]]
                        for answer in attempt.answer_ids],
        })
    attempts.write({"deadline": "2099-01-01 00:00:00"})
    env.cr.commit()
    with open(FIXTURES, "w", encoding="utf-8") as handle:
        json.dump({"database": env.cr.dbname, "attempts": fixtures}, handle)
    print(f"[bench setup] {N} recorded attempts started in {time.perf_counter() - started:.1f} s",  # pylint: disable=print-used
          flush=True)


main(env)  # noqa: F821 (odoo-bin shell provides `env`)
