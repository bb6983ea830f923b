from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import TechAssessmentCase

T0 = datetime(2026, 3, 2, 9, 0, 0)


class AttemptCase(TechAssessmentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.topic_x = cls.env["assessment.topic"].create({"name": "Topic X"})
        cls.topic_y = cls.env["assessment.topic"].create({"name": "Topic Y"})
        cls.question_1 = cls._make_question("First", items=2, topic=cls.topic_x)
        cls.question_2 = cls._make_question("Second", items=2, topic=cls.topic_y)
        cls.assessment = cls.env["assessment.assessment"].create({
            "name": "Lifecycle",
            "company_id": False,
            "time_limit": 30,
            "recording_required": "none",
            "shuffle_options": False,
            "line_ids": [
                (0, 0, {"sequence": 1, "question_id": cls.question_1.id}),
                (0, 0, {"sequence": 2, "question_id": cls.question_2.id}),
            ],
            "is_published": True,
        })
        cls.items = cls.assessment.question_ids.item_ids
        cls.candidate = cls.env["assessment.candidate"].create(
            {"name": "Ada", "email": "ada@example.com"}
        )

    def _new_attempt(self, candidate=None, assessment=None):
        return self.env["assessment.attempt"].create({
            "candidate_id": (candidate or self.candidate).id,
            "assessment_id": (assessment or self.assessment).id,
        })

    def _right(self, item):
        return item.option_ids.filtered("is_correct")

    def _wrong(self, item):
        return item.option_ids.filtered(lambda o: not o.is_correct)[0]

    def _messages(self, attempt):
        return " | ".join(attempt.message_ids.mapped("body"))


@tagged("post_install", "-at_install")
class TestLifecycle(AttemptCase):
    def test_start_sets_the_server_deadline_and_freezes_items(self):
        attempt = self._new_attempt()
        with freeze_time(T0):
            attempt._start()
        self.assertEqual(attempt.state, "in_progress")
        self.assertEqual(attempt.started_at, T0)
        self.assertEqual(attempt.deadline, T0 + timedelta(minutes=30))
        self.assertEqual(attempt.answer_ids.item_id, self.items)
        self.assertEqual(attempt.answer_ids.mapped("sequence"), [1, 2, 3, 4])
        self.assertIn("Test started", self._messages(attempt))

    def test_start_twice_resumes(self):
        attempt = self._new_attempt()
        with freeze_time(T0):
            attempt._start()
        with freeze_time(T0 + timedelta(minutes=5)):
            attempt._start()
        self.assertEqual(attempt.deadline, T0 + timedelta(minutes=30))
        self.assertEqual(len(attempt.answer_ids), 4)

    def test_editing_the_assessment_never_changes_a_started_attempt(self):
        attempt = self._new_attempt()
        attempt._start()
        extra = self._make_question("Added later", items=3)
        self.assessment.write({"line_ids": [(0, 0, {"question_id": extra.id})]})
        self.assertEqual(len(attempt.answer_ids), 4)
        self.assertEqual(attempt.item_count, 4)

    def test_shuffled_option_order_is_frozen_per_attempt(self):
        question = self.env["assessment.question"].create({
            "name": "Many options", "topic_id": self.topic_x.id,
            "item_ids": [(0, 0, {"prompt": "Pick", "option_ids": [
                (0, 0, {"text": f"Option {n}", "is_correct": n == 0}) for n in range(8)
            ]})],
        })
        assessment = self.assessment.copy({"shuffle_options": True, "line_ids": [
            (0, 0, {"question_id": question.id})]})
        orders = set()
        for _n in range(6):
            attempt = self._new_attempt(assessment=assessment)
            attempt._start()
            order = attempt.answer_ids._option_order_ids()
            self.assertCountEqual(order, question.item_ids.option_ids.ids)
            orders.add(tuple(order))
            attempt._start()
            self.assertEqual(attempt.answer_ids._option_order_ids(), list(order))
        self.assertGreater(len(orders), 1, "six attempts of 8 options never got another order")

    def test_start_refusals(self):
        recorded = self.assessment.copy({"recording_required": "both"})
        attempt = self._new_attempt(assessment=recorded)
        with self.assertRaisesRegex(UserError, "consent"):
            attempt._start()
        attempt._give_consent(ip="127.0.0.1", user_agent="UA", consent_hash="abc")
        self.assertEqual(attempt.consent_version, recorded.consent_version)
        attempt._start()
        self.assertEqual(attempt.state, "in_progress")

        expired = self._new_attempt()
        expired.expires_at = datetime.now() - timedelta(days=1)
        with self.assertRaisesRegex(UserError, "invitation expired"):
            expired._start()

        cancelled = self._new_attempt()
        cancelled.action_cancel()
        with self.assertRaisesRegex(UserError, "closed"):
            cancelled._start()

    def test_save_answer_and_refusals(self):
        attempt = self._new_attempt()
        item = self.items[0]
        with self.assertRaisesRegex(UserError, "invited"):
            attempt._save_answer(item.id, self._right(item).id)
        with freeze_time(T0):
            attempt._start()
            answer = attempt._save_answer(item.id, self._wrong(item).id)
            self.assertEqual(answer.option_id, self._wrong(item))
            attempt._save_answer(item, self._right(item))
            self.assertEqual(answer.option_id, self._right(item))
            self.assertEqual(attempt.answered_count, 1)

            outsider = self._make_question("Not in the test")
            with self.assertRaisesRegex(ValidationError, "not part of your assessment"):
                attempt._save_answer(outsider.item_ids.id, outsider.item_ids.option_ids[0].id)
            with self.assertRaisesRegex(ValidationError, "does not belong to this question"):
                attempt._save_answer(item.id, self._right(self.items[1]).id)
        with freeze_time(T0 + timedelta(minutes=30, seconds=5)):
            attempt._save_answer(self.items[1].id, self._right(self.items[1]).id)  # grace
        with freeze_time(T0 + timedelta(minutes=31)):
            with self.assertRaisesRegex(UserError, "Time is up"):
                attempt._save_answer(item.id, self._wrong(item).id)
        self.assertEqual(answer.option_id, self._right(item), "a refused answer changes nothing")

        submitted = self._new_attempt()
        submitted._start()
        submitted.action_submit()
        with self.assertRaisesRegex(UserError, "submitted"):
            submitted._save_answer(item.id, self._wrong(item).id)

    def test_late_submit_expires(self):
        attempt = self._new_attempt()
        with freeze_time(T0):
            attempt._start()
        with freeze_time(T0 + timedelta(minutes=40)):
            attempt.action_submit()
        self.assertEqual(attempt.state, "expired")
        self.assertIn("expire", attempt.event_ids.mapped("kind"))

    def test_submit_is_idempotent(self):
        attempt = self._new_attempt()
        with self.assertRaisesRegex(UserError, "in progress"):
            attempt.action_submit()
        with freeze_time(T0):
            attempt._start()
        with freeze_time(T0 + timedelta(minutes=12)):
            attempt.action_submit()
        with freeze_time(T0 + timedelta(minutes=20)):
            attempt.action_submit()
        self.assertEqual(attempt.state, "submitted")
        self.assertEqual(attempt.submitted_at, T0 + timedelta(minutes=12))
        self.assertEqual(attempt.duration_minutes, 12.0)
        # HR's "Submit now": the candidate's result page and the chatter say HR ended it
        self.assertEqual(attempt.end_reason, "ended_by_hr")
        self.assertEqual(self._messages(attempt).count("Test ended by HR"), 1)

    def test_cancel_and_reopen(self):
        attempt = self._new_attempt()
        attempt.action_cancel()
        self.assertEqual(attempt.state, "cancelled")
        attempt.action_reset_to_invited()
        self.assertEqual(attempt.state, "invited")
        attempt._start()
        attempt.action_submit()
        with self.assertRaisesRegex(UserError, "cannot be cancelled"):
            attempt.action_cancel()


@tagged("post_install", "-at_install")
class TestExpiryCron(AttemptCase):
    def test_cron_closes_overdue_attempts_and_expired_invitations(self):
        overdue, running, invited_old, invited_new = (self._new_attempt() for _n in range(4))
        with freeze_time(T0):
            overdue._start()
        with freeze_time(T0 + timedelta(minutes=20)):
            running._start()
        invited_old.expires_at = T0 + timedelta(minutes=10)
        invited_new.expires_at = T0 + timedelta(days=3)
        with freeze_time(T0 + timedelta(minutes=31)):
            closed = self.env["assessment.attempt"]._cron_expire_attempts()
        self.assertEqual(closed, 2)
        self.assertEqual(
            [overdue.state, running.state, invited_old.state, invited_new.state],
            ["expired", "in_progress", "expired", "invited"],
        )
        self.assertIn("Time ran out", self._messages(overdue))

    def test_cron_works_in_batches(self):
        attempts = self.env["assessment.attempt"].create([
            {"candidate_id": self.candidate.id, "assessment_id": self.assessment.id,
             "expires_at": T0} for _n in range(5)
        ])
        with freeze_time(T0 + timedelta(hours=1)):
            self.assertEqual(self.env["assessment.attempt"]._cron_expire_attempts(batch_size=3), 3)
            self.assertEqual(self.env["assessment.attempt"]._cron_expire_attempts(batch_size=3), 2)
            self.assertEqual(self.env["assessment.attempt"]._cron_expire_attempts(batch_size=3), 0)
        self.assertEqual(set(attempts.mapped("state")), {"expired"})


@tagged("post_install", "-at_install")
class TestScoring(AttemptCase):
    def _answer(self, attempt, correct_flags):
        for item, correct in zip(self.items, correct_flags, strict=False):
            attempt._save_answer(item.id, (self._right(item) if correct else self._wrong(item)).id)

    def test_all_correct_rule(self):
        attempt = self._new_attempt()
        attempt._start()
        self._answer(attempt, [True, True, True, False])
        self.assertEqual((attempt.score, attempt.max_score, attempt.percent), (3, 4, 75))
        self.assertFalse(attempt.passed)
        self._answer(attempt, [True, True, True, True])
        self.assertTrue(attempt.passed)
        self.assertEqual(attempt.pass_rate, 100)

    def test_unanswered_items_count_as_wrong(self):
        attempt = self._new_attempt()
        attempt._start()
        self._answer(attempt, [True, True, True])
        self.assertEqual((attempt.answered_count, attempt.item_count), (3, 4))
        self.assertFalse(attempt.passed)

    def test_threshold_rule_and_threshold_change(self):
        self.assessment.write({"pass_rule": "threshold", "pass_threshold": 70})
        attempt = self._new_attempt()
        attempt._start()
        self._answer(attempt, [True, True, True, False])
        attempt.action_submit()
        self.assertTrue(attempt.passed)
        self.assessment.pass_threshold = 80
        self.assertFalse(attempt.passed, "raising the threshold re-evaluates submitted attempts")
        self.assessment.pass_rule = "all_correct"
        self.assertFalse(attempt.passed)

    def test_points_weighting(self):
        self.items[0].points = 3
        attempt = self._new_attempt()
        attempt._start()
        self._answer(attempt, [True, False, False, False])
        self.assertEqual((attempt.score, attempt.max_score), (3, 6))
        self.assertEqual(attempt.percent, 50)

    def test_correcting_the_key_regrades_every_attempt(self):
        attempts = self._new_attempt() | self._new_attempt()
        item = self.items[0]
        old_right, old_wrong = self._right(item), self._wrong(item)
        for attempt in attempts:
            attempt._start()
            self._answer(attempt, [False, True, True, True])  # item 0 answered with old_wrong
            attempt.action_submit()
        self.assertEqual(attempts.mapped("score"), [3, 3])
        item.write({"option_ids": [(1, old_right.id, {"is_correct": False}),
                                   (1, old_wrong.id, {"is_correct": True})]})
        self.assertEqual(attempts.mapped("score"), [4, 4])
        self.assertEqual(attempts.mapped("passed"), [True, True])

    def test_topic_breakdown(self):
        attempt = self._new_attempt()
        attempt._start()
        self._answer(attempt, [True, False, True, True])
        breakdown = {row["topic"].name: row for row in attempt._topic_breakdown()}
        self.assertEqual(breakdown["Topic X"]["items"], 2)
        self.assertEqual(breakdown["Topic X"]["correct"], 1)
        self.assertEqual(breakdown["Topic Y"]["correct"], 2)
        self.assertEqual(breakdown["Topic Y"]["max_points"], 2)

    def test_candidate_best_result(self):
        first, second = self._new_attempt(), self._new_attempt()
        first._start()
        self._answer(first, [True, False, False, False])
        first.action_submit()
        second._start()
        self._answer(second, [True, True, True, True])
        second.action_submit()
        self.assertEqual(self.candidate.best_attempt_id, second)
        self.assertEqual(self.candidate.best_percent, 100)
        self.assertTrue(self.candidate.passed_any)
        self.assertEqual(self.candidate.attempt_count, 2)
