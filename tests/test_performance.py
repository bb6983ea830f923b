"""SQL query budgets of the hot paths: they must not grow with the number of records."""
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged

from .common import TechAssessmentCase


def count_queries(env, func):
    """Run `func` with a cold cache, flush, and return the number of SQL queries issued."""
    env.invalidate_all()
    before = env.cr.sql_log_count
    func()
    env.flush_all()
    return env.cr.sql_log_count - before


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

    def _save_answer_cost(self, items):
        assessment = self._assessment(items)
        attempt = self._started_attempts(assessment, 1)
        item = assessment.question_ids.item_ids[items // 2]
        options = item.option_ids
        attempt._save_answer(item.id, options[1].id)  # not the first answer: a real change
        return count_queries(self.env, lambda: attempt._save_answer(item.id, options[0].id))

    def test_save_answer_costs_the_same_for_18_and_100_items(self):
        self._save_answer_cost(2)  # warm the registry-wide caches (groups, rules)
        cost_18 = self._save_answer_cost(18)
        cost_100 = self._save_answer_cost(100)
        self.assertEqual(cost_18, cost_100)
        self.assertLessEqual(cost_18, 8, "autosave budget, stored score update included")

    def _regrade_cost(self, attempts_count):
        assessment = self._assessment(3)
        attempts = self._started_attempts(assessment, attempts_count)
        item = assessment.question_ids.item_ids[0]
        for attempt in attempts:
            attempt._save_answer(item.id, item.option_ids[1].id)
        self.env.flush_all()
        right, wrong = item.option_ids
        def correct_the_key():
            item.write({"option_ids": [(1, right.id, {"is_correct": False}),
                                       (1, wrong.id, {"is_correct": True})]})
        cost = count_queries(self.env, correct_the_key)
        self.assertEqual(set(attempts.mapped("score")), {1.0})
        return cost

    def test_grading_1_or_200_attempts_costs_the_same(self):
        self._regrade_cost(1)  # warm the registry-wide caches
        self.assertEqual(self._regrade_cost(1), self._regrade_cost(200))

    def test_threshold_change_costs_the_same_for_1_or_200_attempts(self):
        costs = []
        for count in (1, 1, 200):  # the first run warms the registry-wide caches
            assessment = self._assessment(2)
            assessment.pass_rule = "threshold"
            self._started_attempts(assessment, count)
            self.env.flush_all()
            costs.append(count_queries(self.env, lambda a=assessment: a.write({"pass_threshold": 55})))
        self.assertEqual(costs[1], costs[2])

    def test_expiry_cron_over_1000_attempts_is_bounded(self):
        assessment = self._assessment(1)
        now = fields.Datetime.now()
        attempts = self.env["assessment.attempt"].create([
            {"candidate_id": self.candidate.id, "assessment_id": assessment.id,
             "expires_at": now - timedelta(minutes=1)}
            for _n in range(1000)
        ])
        self.env.flush_all()
        Attempt = self.env["assessment.attempt"]
        with freeze_time(now + timedelta(minutes=1)):
            cost = count_queries(self.env, lambda: Attempt._cron_expire_attempts(batch_size=1000))
        self.assertEqual(set(attempts.mapped("state")), {"expired"})
        self.assertLessEqual(cost, 40, f"expiry of 1000 attempts took {cost} queries")

    def test_rendering_1000_snippets_in_one_batch(self):
        question = self._make_question("Snippets")
        snippets = self.env["assessment.snippet"].create([
            {"question_id": question.id, "language": "python", "code": f"x = {n}  # line A\n"}
            for n in range(1000)
        ])
        self.env.flush_all()
        cost = count_queries(
            self.env, lambda: snippets.write({"code": "y = 1  # line B\n", "language": "python"})
        )
        self.assertIn("ta-marker", snippets[-1].code_html)
        # one UPDATE of the written columns and one of the recomputed HTML, per batch of ids
        self.assertLessEqual(cost, 6, f"writing 1000 snippets took {cost} queries")
