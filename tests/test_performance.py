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

    def _regrade_within(self, budget, attempts_count):
        assessment = self._assessment(3)
        attempts = self._started_attempts(assessment, attempts_count)
        item = assessment.question_ids.item_ids[0]
        for attempt in attempts:
            attempt._save_answer(item.id, item.option_ids[1].id)
        self.env.flush_all()
        self.env.invalidate_all()
        right, wrong = item.option_ids
        with self.assertQueryCount(budget):
            item.write({"option_ids": [(1, right.id, {"is_correct": False}),
                                       (1, wrong.id, {"is_correct": True})]})
        self.assertEqual(set(attempts.mapped("score")), {1.0})

    @warmup
    def test_grading_1_or_200_attempts_costs_the_same(self):
        self._regrade_within(13, 1)
        self._regrade_within(13, 200)

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
        with freeze_time(now + timedelta(minutes=1)), self.assertQueryCount(28):
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
