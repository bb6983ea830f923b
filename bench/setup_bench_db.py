"""Bench data for `make bench` (bench/run.py), run in `odoo-bin shell` on the bench database.

    odoo_bin shell -d ta_bench --no-http < bench/setup_bench_db.py

Reads BENCH_NS (e.g. "10 50 100") and BENCH_FIXTURES (the JSON file to write). For every load
run (one per N), it creates and commits:

* (first, a warm-up run of BENCH_WARMUP candidates, default 4, that the driver does not count;)
* ours: N candidates, each with an attempt of the seed assessment
  `tech_assessment.assessment_backend_engineering` (18 items of 4 options), consent given and
  started (`_start`: clock, 18 answer lines, options frozen), with its portal access token;
* Survey's: one 18-question certification built from the same items (`simple_choice`,
  4 suggested answers, one correct with a score, page per question, 45 minutes), and N
  `survey.user_input` in progress (what `/survey/begin` leaves), each with its access token.

Every virtual candidate gets the same 18 choices on both sides (random, seeded), so both
servers store the same answers. The fixtures file lists, per run, the ids and tokens the
driver needs and the choices to send.
"""
import json
import os
import random
import time

from odoo import fields

NS = [int(n) for n in os.environ.get("BENCH_NS", "10 50 100").split()]
# A first, unmeasured run warms both workers (routing map, registry caches, templates).
WARMUP = int(os.environ.get("BENCH_WARMUP", "4"))
FIXTURES = os.environ["BENCH_FIXTURES"]
SEED = int(os.environ.get("BENCH_SEED", "20240709"))


def log(*args):
    print("[bench setup]", *args, flush=True)  # pylint: disable=print-used


def seed_items(env):
    assessment = env.ref("tech_assessment.assessment_backend_engineering")
    items = assessment.question_ids.item_ids
    assert len(items) == 18, f"the seed assessment has {len(items)} items, expected 18"
    assert all(len(item.option_ids) == 4 for item in items), "every seed item has 4 options"
    return assessment, items


def build_survey(env, items):
    """The Survey twin of the seed assessment: one page per question, same texts."""
    survey = env["survey.survey"].create({
        "title": "Backend Engineering Certification (bench)",
        "survey_type": "assessment",
        "access_mode": "public",
        "users_login_required": False,
        "questions_layout": "page_per_question",
        "questions_selection": "all",
        "scoring_type": "scoring_with_answers",
        "certification": True,
        "scoring_success_min": 100.0,
        "is_attempts_limited": False,
        "is_time_limited": True,
        "time_limit": 45,
        "question_and_page_ids": [(0, 0, {
            "title": item.prompt,
            "sequence": sequence,
            "question_type": "simple_choice",
            "constr_mandatory": True,
            "suggested_answer_ids": [(0, 0, {
                "value": option.text,
                "sequence": option.sequence,
                "is_correct": option.is_correct,
                "answer_score": 1.0 if option.is_correct else 0.0,
            }) for option in item.option_ids],
        }) for sequence, item in enumerate(items, start=1)],
    })
    assert survey.certification and survey.question_count == 18
    return survey


def main(env):
    started = time.perf_counter()
    rng = random.Random(SEED)
    assessment, items = seed_items(env)
    survey = build_survey(env, items)
    questions = survey.question_ids.sorted("sequence")
    env.cr.commit()

    runs = []
    for run_index, n in enumerate(([WARMUP] if WARMUP else []) + NS):
        candidates = env["assessment.candidate"].create([
            {"name": f"Bench candidate {run_index}-{i}", "email": f"bench{run_index}-{i}@example.com"}
            for i in range(n)
        ])
        attempts = env["assessment.attempt"].create([
            {"candidate_id": candidate.id, "assessment_id": assessment.id}
            for candidate in candidates
        ])
        ours, theirs = [], []
        for attempt in attempts:
            if assessment.recording_required != "none":
                attempt._give_consent(ip="127.0.0.1", user_agent="bench",
                                              consent_hash=attempt._consent_text_hash())
            attempt._start()
            attempt._portal_ensure_token()
            # The same choices for this virtual candidate on both sides, by item position.
            picks = [rng.randrange(4) for _item in items]
            ours.append({
                "id": attempt.id,
                "token": attempt.access_token,
                "answers": [[item.id, item.option_ids[pick].id]
                            for item, pick in zip(items, picks, strict=True)],
            })
            user_input = survey._create_answer(
                email=f"bench{run_index}-{len(theirs)}@example.com", check_attempts=False)
            user_input._mark_in_progress()
            user_input.last_displayed_page_id = questions[0]
            theirs.append({
                "id": user_input.id,
                "token": user_input.access_token,
                "answers": [[question.id, question.suggested_answer_ids.sorted("sequence")[pick].id]
                            for question, pick in zip(questions, picks, strict=True)],
            })
        env.cr.commit()
        runs.append({"n": n, "warmup": bool(WARMUP) and run_index == 0, "ours": ours, "survey": theirs})
        log(f"N={n}: {n} attempts started, {n} survey inputs in progress")

    with open(FIXTURES, "w", encoding="utf-8") as handle:
        json.dump({
            "database": env.cr.dbname,
            "assessment_id": assessment.id,
            "survey_id": survey.id,
            "survey_token": survey.access_token,
            "created_at": fields.Datetime.to_string(fields.Datetime.now()),
            "runs": runs,
        }, handle)
    log(f"fixtures written to {FIXTURES} in {time.perf_counter() - started:.1f} s")


main(env)  # noqa: F821 (odoo-bin shell provides `env`)
