"""SQL query budgets of the hot paths: they must not grow with the number of records.

Each budget is Odoo's `assertQueryCount` after a `@warmup` run (registry-wide caches such as
groups and rules are then warm, as in production), with the record cache invalidated before
the measured call, as at the start of a request. The same budget for a small and a large
case is the test that a cost does not grow with the number of records."""
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged
from odoo.tests.common import warmup

from .common import TechAssessmentCase

THRESHOLD_BUDGET = 9  # measured; the same for 1 and for 200 attempts
# A key correction (measured): the write, the regrade of every attempt (13 queries), then the
# item's history and a chatter note on each regraded attempt (8 more: the scores read before
# and after, one insert of history, the author, one insert of notes a 100 attempts).
REGRADE_BUDGET = 21
# Item analysis (measured, warm): the report and its assessment, three aggregate queries
# (items, choices, totals), the bank's lines, items and options, and the report's inserts.
ANALYSIS_BUDGET = 17


@tagged("post_install", "-at_install")
class TestQueryBudgets(TechAssessmentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.candidate = cls.env["assessment.candidate"].create({"name": "Perf", "email": "p@example.com"})

    _serial = 0

    def _counter(self):
        TestQueryBudgets._serial += 1
        return self._serial

    def _assessment(self, items):
        question = self._make_question(f"{items} items #{self._counter()}", items=items)
        return self.env["assessment.assessment"].create({
            "name": f"Perf {items}", "recording_required": "none", "shuffle_options": False,
            "line_ids": [(0, 0, {"question_id": question.id})],
        })

    def _started_attempts(self, assessment, count):
        attempts = self.env["assessment.attempt"].create([
            {"candidate_id": self.candidate.id, "assessment_id": assessment.id}
            for _n in range(count)
        ])
        for attempt in attempts:
            attempt._start()
        return attempts

    def _save_answer_within(self, budget, items):
        assessment = self._assessment(items)
        attempt = self._started_attempts(assessment, 1)
        item = assessment.question_ids.item_ids[items // 2]
        options = item.option_ids
        attempt._save_answer(item.id, options[1].id)  # not the first answer: a real change
        self.env.invalidate_all()
        with self.assertQueryCount(budget):
            attempt._save_answer(item.id, options[0].id)

    @warmup
    def test_save_answer_costs_the_same_for_18_and_100_items(self):
        # the stored score update included
        self._save_answer_within(7, 18)
        self._save_answer_within(7, 100)

    def _key_swap(self, attempts_count):
        """Attempts that all chose the first item's wrong option, and the swap of its key."""
        assessment = self._assessment(3)
        attempts = self._started_attempts(assessment, attempts_count)
        item = assessment.question_ids.item_ids[0]
        for attempt in attempts:
            attempt._save_answer(item.id, item.option_ids[1].id)
        self.env.flush_all()
        self.env.invalidate_all()
        right, wrong = item.option_ids
        return attempts, lambda: item.write({"option_ids": [(1, right.id, {"is_correct": False}),
                                                            (1, wrong.id, {"is_correct": True})]})

    def _regrade_within(self, budget, attempts_count):
        attempts, swap = self._key_swap(attempts_count)
        with self.assertQueryCount(budget):
            swap()
        self.assertEqual(set(attempts.mapped("score")), {1.0})

    def _exact_queries(self, function):
        self.env.flush_all()
        before = self.cr.sql_log_count
        function()
        self.env.flush_all()
        return self.cr.sql_log_count - before

    @warmup
    def test_grading_1_or_100_attempts_costs_the_same(self):
        self._regrade_within(REGRADE_BUDGET, 1)
        self._regrade_within(REGRADE_BUDGET, 100)

    def test_regrade_with_notes_grows_only_by_batch(self):
        """Exact counts: 1 and 100 regraded attempts cost the same; 250 cost two more queries
        (their notes are inserted 100 a query), not 249 more."""
        self._exact_queries(self._key_swap(1)[1])  # warm the registry's caches
        counts = {}
        for size in (1, 100, 250):
            attempts, swap = self._key_swap(size)
            counts[size] = self._exact_queries(swap)
            notes = self.env["mail.message"].search_count([
                ("model", "=", "assessment.attempt"), ("res_id", "in", attempts.ids),
                ("body", "ilike", "Regraded")])
            self.assertEqual(notes, size, "a note on every regraded attempt")
        self.assertEqual(counts[1], counts[100])
        self.assertEqual(counts[250], counts[1] + 2)
        self.assertLessEqual(counts[1], REGRADE_BUDGET)

    def _analysed_assessment(self, attempts_count):
        assessment = self._assessment(3)
        attempts = self._started_attempts(assessment, attempts_count)
        for n, attempt in enumerate(attempts):
            item = assessment.question_ids.item_ids[n % 3]
            attempt._save_answer(item.id, item.option_ids[n % 2].id)
        attempts._submit()
        self.env.flush_all()
        self.env.invalidate_all()
        return assessment.with_user(self.recruiter)

    def test_item_analysis_costs_the_same_for_2_or_300_attempts(self):
        counts = {}
        for size in (2, 300):
            assessment = self._analysed_assessment(size)
            assessment.action_open_item_analysis()  # warms the registry's caches
            self.env.invalidate_all()  # as at the start of a request
            counts[size] = self._exact_queries(assessment.action_open_item_analysis)
        self.assertEqual(counts[2], counts[300])
        self.assertLessEqual(counts[300], ANALYSIS_BUDGET)

    @warmup
    def test_threshold_change_costs_the_same_for_1_or_200_attempts(self):
        for count in (1, 200):
            assessment = self._assessment(2)
            assessment.pass_rule = "threshold"
            self._started_attempts(assessment, count)
            self.env.flush_all()
            self.env.invalidate_all()
            with self.assertQueryCount(THRESHOLD_BUDGET):
                assessment.write({"pass_threshold": 55})

    @warmup
    def test_expiry_cron_over_1000_attempts_is_bounded(self):
        assessment = self._assessment(1)
        now = fields.Datetime.now()
        attempts = self.env["assessment.attempt"].create([
            {"candidate_id": self.candidate.id, "assessment_id": assessment.id,
             "expires_at": now - timedelta(minutes=1)}
            for _n in range(1000)
        ])
        self.env.flush_all()
        self.env.invalidate_all()
        Attempt = self.env["assessment.attempt"]
        # 29 since issues 15 and 18 joined (each branch alone measured 28): the closing also
        # queues the webhook events and the recording assembly, once per batch
        with freeze_time(now + timedelta(minutes=1)), self.assertQueryCount(29):
            Attempt._cron_expire_attempts(batch_size=1000)
        self.assertEqual(set(attempts.mapped("state")), {"expired"})

    @warmup
    def test_rendering_1000_snippets_in_one_batch(self):
        question = self._make_question("Snippets")
        snippets = self.env["assessment.snippet"].create([
            {"question_id": question.id, "language": "python", "code": f"x = {n}  # line A\n"}
            for n in range(1000)
        ])
        self.env.flush_all()
        self.env.invalidate_all()
        # one UPDATE of the written columns and one of the recomputed HTML, per batch of ids
        with self.assertQueryCount(2):
            snippets.write({"code": "y = 1  # line B\n", "language": "python"})
        self.assertIn("ta-marker", snippets[-1].code_html)
