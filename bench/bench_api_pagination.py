"""Benchmark of the Integration API's cursor pages: walk 10,000 attempts in pages of 200.

Run it in `odoo-bin shell` on a throwaway database where the module is installed; it commits
its data (10,000 attempts of the key's company, 10,000 of another company, interleaved) and
deletes it again at the end. From the checkout:

    bash -c 'source scripts/common.sh && odoo_bin -d ta_bench_api -i tech_assessment \
        --without-demo=all --stop-after-init --no-http --log-level=warn'
    bash -c 'source scripts/common.sh && odoo_bin shell -d ta_bench_api --no-http \
        --log-level=warn' < bench/bench_api_pagination.py
    dropdb ta_bench_api

After VACUUM ANALYZE, two orders of the rows are measured: every row at its own time (ids and
times shuffled), and all rows at one time (one import: the walk goes by id). For each: the walk
in-process as the key's user (ORM, record rules, JSON of the rows) and over HTTP with the API
key through Odoo's WSGI application; per page the SQL query count and the time (after a first,
cold call); and EXPLAIN ANALYZE of the page query early and late in the walk, with the row
comparison the API adds and without it.
"""
import random
import statistics
import threading
import time
import uuid
from datetime import datetime

from werkzeug.test import Client

import odoo
from odoo.addons.tech_assessment.controllers import api as api_module
from odoo.addons.tech_assessment.controllers import api_pages
from odoo.addons.tech_assessment.tools.commit_horizon import read_horizon
from odoo.tools import SQL

ROWS = 10_000
PAGE = 200
MARK = f"bench-{uuid.uuid4().hex[:8]}"


def log(*args):
    print(*args, flush=True)  # pylint: disable=print-used


def setup(env):
    company = env.ref("base.main_company")
    other = env["res.company"].create({"name": f"Other company ({MARK})"})
    user = env["res.users"].with_context(no_reset_password=True).create({
        "name": f"Bench recruiter {MARK}", "login": MARK,
        "company_id": company.id, "company_ids": [(6, 0, company.ids)],
        "groups_id": [(6, 0, [env.ref("tech_assessment.group_assessment_user").id])],
    })
    key = env["res.users.apikeys"].with_user(user)._generate("rpc", MARK)
    topic = env["assessment.topic"].create({"name": MARK})
    question = env["assessment.question"].create({
        "name": MARK, "topic_id": topic.id, "company_id": False,
        "item_ids": [(0, 0, {"prompt": "Item", "option_ids": [
            (0, 0, {"text": "Right", "is_correct": True}),
            (0, 0, {"text": "Wrong", "is_correct": False})]})],
    })
    assessment = env["assessment.assessment"].create({
        "name": MARK, "company_id": False, "recording_required": "none",
        "line_ids": [(0, 0, {"question_id": question.id})],
    })
    quiet = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True,
                             mail_notrack=True))
    Candidate, Attempt = quiet["assessment.candidate"], quiet["assessment.attempt"]
    started = time.perf_counter()
    for comp in (company, other):
        for start in range(0, ROWS, 1000):
            candidates = Candidate.create([{
                "name": f"{MARK} {n}", "email": f"{MARK}-{comp.id}-{n}@example.com",
                "company_id": comp.id, "provider": MARK, "external_id": f"{comp.id}-{n}",
            } for n in range(start, start + 1000)])
            Attempt.create([{
                "candidate_id": candidate.id, "assessment_id": assessment.id,
                "company_id": comp.id,
            } for candidate in candidates])
            env.cr.commit()
    log(f"created {2 * ROWS} attempts and candidates in {time.perf_counter() - started:.0f} s")
    made = {"user": user, "other": other, "assessment": assessment, "question": question,
            "topic": topic}
    return key, made


def stamp(env, one_time):
    """Give the bench attempts their write_date: shuffled and distinct, or all the same."""
    env.cr.execute("SELECT id FROM assessment_attempt WHERE candidate_id IN "
                   "(SELECT id FROM assessment_candidate WHERE provider = %s)", [MARK])
    ids = [row[0] for row in env.cr.fetchall()]
    # In the past: the API serves only rows stamped before its commit horizon.
    base = datetime(2020, 1, 1, 0, 0, 0, 123456)
    if one_time:
        env.cr.execute("UPDATE assessment_attempt SET write_date = %s WHERE id = ANY(%s)",
                       [base, ids])
    else:
        offsets = list(range(len(ids)))
        random.Random(42).shuffle(offsets)
        env.cr.execute(
            "UPDATE assessment_attempt a SET write_date = %s + v.pos * interval '1 ms' "
            "FROM unnest(%s::int[], %s::int[]) AS v(id, pos) WHERE a.id = v.id",
            [base, ids, offsets])
    env.cr.commit()
    env.invalidate_all()
    vacuum(env.cr.dbname)
    return base


def vacuum(dbname):
    """VACUUM ANALYZE the attempts, so that the plans are not about dead rows of the set-up."""
    cr = odoo.sql_db.db_connect(dbname).cursor()
    try:
        cr._cnx.autocommit = True  # VACUUM runs outside of a transaction
        cr.execute("VACUUM ANALYZE assessment_attempt")
    finally:
        cr._cnx.autocommit = False  # the connection goes back to Odoo's pool
        cr.close()


def summary(values, unit):
    return (f"min {min(values):.1f} {unit}, median {statistics.median(values):.1f} {unit}, "
            f"max {max(values):.1f} {unit}")


def walk_in_process(env, since, pages=None):
    """The controller's page functions, as the key's user, on one cursor (the horizon read
    on the same cursor: one transaction here, which is enough for a benchmark)."""
    base_url = "http://localhost"
    seen, queries, times, after, cursor = [], [], [], None, None
    while True:
        env.invalidate_all()
        before, started = env.cr.sql_log_count, time.perf_counter()
        if cursor:
            after = api_pages.decode_cursor(env, "attempts", cursor)
        horizon = read_horizon(env.cr)
        records, has_more = api_pages.fetch_page(env, "attempts", PAGE, horizon, since, after)
        page = api_pages.page_json(env, "attempts", records, has_more, cursor, horizon,
                                    base_url)
        times.append((time.perf_counter() - started) * 1000)
        queries.append(env.cr.sql_log_count - before)
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not has_more or len(times) == pages:
            return seen, queries, times


def walk_http(key, since, pages=None):
    """Real requests through Odoo's WSGI application (auth, routing, JSON included)."""
    client = Client(odoo.http.root)
    headers = {"Authorization": f"Bearer {key}"}
    thread = threading.current_thread()
    seen, queries, times, cursor = [], [], [], None
    while True:
        params = {"limit": PAGE, "updated_since": since.isoformat() + "Z"}
        if cursor:
            params["cursor"] = cursor
        thread.query_count = 0
        started = time.perf_counter()
        response = client.get(f"{api_module.API_PREFIX}/attempts", query_string=params,
                              headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        queries.append(thread.query_count)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        page = response.json
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not page["has_more"] or len(times) == pages:
            return seen, queries, times


def explain(env, since, after, row_seek=True):
    Model = env["assessment.attempt"]
    if row_seek:
        _model, query = api_pages.page_query(env, "attempts", PAGE, datetime.utcnow(), since,
                                              after)
    else:  # the same domain, without the row comparison
        after_date, after_id = after
        domain = [("company_id", "in", env.companies.ids), ("write_date", "<", datetime.utcnow()),
                  ("write_date", ">=", since),
                  "|", ("write_date", ">", after_date),
                  "&", ("write_date", "=", after_date), ("id", ">", after_id)]
        query = Model._search(domain, limit=PAGE + 1, order="write_date, id")
    env.cr.execute(SQL("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) %s", query.select()))
    return [row[0] for row in env.cr.fetchall()]


def report_plan(title, plan):
    text = "\n".join(plan)
    log(f"    {title}: index used: {'assessment_attempt_write_date_id_idx' in text}")
    for line in plan:
        if any(word in line for word in ("Scan", "Index Cond", "Filter", "Rows Removed",
                                          "Buffers", "Execution Time", "Limit", "Sort")):
            log(f"      {line.strip()}")


def run(env):
    odoo.tools.config["db_name"] = env.cr.dbname  # the WSGI app serves this database
    key, made = setup(env)
    user = made["user"]
    try:
        user_env = env(user=user.id, context={"allowed_company_ids": user.company_ids.ids})
        for one_time in (False, True):
            since = stamp(env, one_time)
            title = "all rows at one time (walk by id)" if one_time else "rows at distinct times"
            log(f"\n== {ROWS} attempts of the key's company ({ROWS} of another), "
                f"pages of {PAGE}: {title}")
            for label, walk, who in (("in-process", walk_in_process, user_env),
                                     ("HTTP", walk_http, key)):
                _seen, cold_queries, cold_times = walk(who, since, pages=1)
                log(f"  {label}, first call (cold caches): {cold_queries[0]} queries, "
                    f"{cold_times[0]:.1f} ms")
                started = time.perf_counter()
                seen, queries, times = walk(who, since)
                total = time.perf_counter() - started
                assert len(seen) == ROWS == len(set(seen)), (len(seen), len(set(seen)))
                log(f"  {label}: {len(times)} pages, {len(seen)} rows, each once; "
                    f"total {total:.2f} s")
                log(f"    queries per page: {sorted(set(queries))} (first page {queries[0]}, "
                    f"last {queries[-1]})")
                log(f"    time per page: {summary(times, 'ms')}")
            # EXPLAIN of the page query at page 2 and page 45 of the walk.
            user_env.invalidate_all()
            records, cursor_at = [], {}
            after = None
            for page_no in range(1, 46):
                records, _more = api_pages.fetch_page(user_env, "attempts", PAGE,
                                                       datetime.utcnow(), since, after)
                after = (records[-1].write_date, records[-1].id)
                cursor_at[page_no + 1] = after
            for page_no in (2, 46):
                report_plan(f"EXPLAIN page {page_no}, API query (row comparison)",
                            explain(user_env, since, cursor_at[page_no]))
                report_plan(f"EXPLAIN page {page_no}, OR condition only",
                            explain(user_env, since, cursor_at[page_no], row_seek=False))
    finally:
        cleanup(env, made)


def cleanup(env, made):
    env.cr.rollback()
    env.invalidate_all()
    Candidate = env["assessment.candidate"].with_context(active_test=False)
    candidates = Candidate.search([("provider", "=", MARK)])
    partners = candidates.partner_id
    env.cr.execute("DELETE FROM assessment_attempt WHERE candidate_id = ANY(%s)",
                   [candidates.ids])
    env.cr.execute("DELETE FROM assessment_candidate WHERE id = ANY(%s)", [candidates.ids])
    env.cr.execute("DELETE FROM res_partner WHERE id = ANY(%s)", [partners.ids])
    env.invalidate_all()
    made["assessment"].unlink()
    made["question"].unlink()
    made["topic"].unlink()
    user_partner = made["user"].partner_id
    made["user"].unlink()
    user_partner.unlink()
    try:
        with env.cr.savepoint():
            made["other"].unlink()
    except Exception:  # kept by some reference: archived instead
        made["other"].active = False
    env.cr.commit()
    log(f"\ncleaned up the bench data ({MARK})")


if __name__ == "__main__":
    run(env)  # noqa: F821 (odoo-bin shell's environment)
