"""Pools: an assessment line that draws N questions of a topic for each attempt."""
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tests.common import warmup

from .common import TechAssessmentCase

# Queries of an attempt's start with one fixed question and one draw (the start's event and
# chatter message included), whatever the size of the pool.
# 26 since the webhooks joined (the branch alone measured 25): the start also queues the
# "attempt.started" event; the same for a pool of 8 and of 60
START_BUDGET = 26


@tagged("post_install", "-at_install")
class TestQuestionPools(TechAssessmentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.topic = cls.env["assessment.topic"].create({"name": "Pool topic"})
        cls.other_topic = cls.env["assessment.topic"].create({"name": "Fixed topic"})
        cls.pool = cls.env["assessment.question"]
        for n in range(8):
            cls.pool |= cls._make_question(f"Pooled {n}", items=2, topic=cls.topic)
        cls.pool[:3].write({"difficulty": "hard"})
        cls.fixed = cls._make_question("Fixed", items=1, topic=cls.other_topic)
        cls.assessment = cls._pool_assessment(draw_count=3)
        cls.candidate = cls.env["assessment.candidate"].create(
            {"name": "Pat Pool", "email": "pat.pool@example.com"})

    @classmethod
    def _pool_assessment(cls, draw_count, difficulty=False, topic=None, **values):
        return cls.env["assessment.assessment"].create({
            "name": "Pooled test", "company_id": False, "recording_required": "none",
            "line_ids": [
                (0, 0, {"sequence": 1, "question_id": cls.fixed.id}),
                (0, 0, {"sequence": 2, "line_type": "draw", "draw_count": draw_count,
                        "draw_topic_id": (topic or cls.topic).id,
                        "draw_difficulty": difficulty}),
            ],
            "is_published": True, **values,
        })

    def _started(self, assessment=None):
        attempt = self.env["assessment.attempt"].create({
            "candidate_id": self.candidate.id,
            "assessment_id": (assessment or self.assessment).id,
        })
        attempt._start()
        return attempt

    def _questions(self, attempt):
        return attempt.answer_ids.sorted("sequence").question_id

    def test_draw_is_deterministic_per_seed_without_repeats(self):
        attempt = self._started()
        questions = self._questions(attempt)
        self.assertEqual(questions[0], self.fixed, "the fixed line keeps its place")
        drawn = questions[1:]
        self.assertEqual(len(drawn), 3)
        self.assertTrue(drawn <= self.pool)
        self.assertEqual(len(attempt.answer_ids), 1 + 3 * 2)
        self.assertEqual(len(attempt.answer_ids.item_id), len(attempt.answer_ids), "no repeats")
        seed = attempt.shuffle_seed
        self.assertEqual(attempt._draw_questions(seed), questions, "same seed, same form")
        forms = {tuple(attempt._draw_questions(other).ids) for other in range(1, 40)}
        self.assertGreater(len(forms), 10, "other seeds draw other forms")
        for form in forms:
            self.assertEqual(len(set(form)), len(form))

    def test_the_form_is_frozen_after_the_start(self):
        attempt = self._started()
        answers = attempt.answer_ids.sorted("sequence")
        before = [(a.item_id.id, a.option_order) for a in answers]
        drawn = self._questions(attempt)[1:]
        # the bank changes: a drawn question leaves the pool, a new one joins it
        drawn[0].topic_id = self.other_topic
        self._make_question("Late addition", items=2, topic=self.topic)
        attempt._start()  # a reload
        attempt.invalidate_recordset()
        self.assertEqual([(a.item_id.id, a.option_order)
                          for a in attempt.answer_ids.sorted("sequence")], before)
        self.assertEqual(attempt.item_count, 7)

    def test_publishing_refuses_a_draw_larger_than_its_pool(self):
        with self.assertRaisesRegex(ValidationError, "holds only 8"):
            self._pool_assessment(draw_count=9)
        with self.assertRaisesRegex(ValidationError, "holds only 3"):
            self._pool_assessment(draw_count=4, difficulty="hard")
        draft = self._pool_assessment(draw_count=9, is_published=False)
        with self.assertRaisesRegex(ValidationError, "holds only 8"):
            draft.action_publish()
        with self.assertRaisesRegex(ValidationError, "holds only 8"):
            self.assessment.line_ids.filtered("draw_topic_id").draw_count = 12
        # two draws of one topic: 3 hard + 6 of any difficulty > 8 questions
        with self.assertRaisesRegex(ValidationError, "9 questions of Pool topic in all"):
            draft.write({"line_ids": [
                (1, draft.line_ids.filtered("draw_topic_id").id,
                 {"draw_count": 3, "draw_difficulty": "hard"}),
                (0, 0, {"line_type": "draw", "draw_topic_id": self.topic.id, "draw_count": 6}),
            ], "is_published": True})

    def test_a_specific_draw_is_served_before_the_whole_topic(self):
        assessment = self._pool_assessment(draw_count=5, is_published=False)
        assessment.write({"line_ids": [(0, 0, {
            "sequence": 3, "line_type": "draw", "draw_topic_id": self.topic.id,
            "draw_difficulty": "hard", "draw_count": 3})], "is_published": True})
        for _n in range(5):
            questions = self._questions(self._started(assessment))
            self.assertEqual(len(questions), 9)
            self.assertEqual(questions[-3:], self.pool[:3], "the hard draw got its 3")

    def test_summary_and_counts(self):
        self.assertEqual(self.assessment.question_count, 4)
        self.assertEqual(self.assessment.item_count, 7)
        self.assertIn("4 questions drawn from 9", self.assessment.summary)
        self.assertFalse(self.assessment.forms_vary)
        self._make_question("Bigger", items=3, topic=self.topic)
        self.assessment.invalidate_recordset(["forms_vary", "summary", "pool_size"])
        self.assertTrue(self.assessment.forms_vary)
        self.assertIn("percent per attempt", self.assessment.summary)

    def test_exposure_cap_retires_questions_from_draws(self):
        self.pool.write({"exposure_cap": 1})
        assessment = self._pool_assessment(draw_count=2)
        seen = self.env["assessment.question"]
        for _n in range(4):
            attempt = self._started(assessment)
            drawn = self._questions(attempt)[1:]
            self.assertFalse(drawn & seen, "a question shown once is retired from draws")
            seen |= drawn
        self.assertEqual(seen, self.pool)
        self.pool.invalidate_recordset()
        self.assertEqual(set(self.pool.mapped("exposure_count")), {1})
        self.assertTrue(all(self.pool.mapped("is_retired")))
        # every question retired: the least shown complete the form, HR is told
        attempt = self._started(assessment)
        self.assertEqual(len(self._questions(attempt)), 3)
        self.assertIn("exposure caps", " ".join(attempt.message_ids.mapped("body")))
        # and publishing now says the pool is empty
        with self.assertRaisesRegex(ValidationError, "holds only 0"):
            self._pool_assessment(draw_count=1)

    def test_assessment_cap_counts_this_assessment_only(self):
        assessment = self._pool_assessment(draw_count=4, exposure_cap=1)
        first = self._questions(self._started(assessment))[1:]
        second = self._questions(self._started(assessment))[1:]
        self.assertFalse(first & second)
        other = self._pool_assessment(draw_count=8)  # no cap there: all 8 drawn
        self.assertEqual(len(self._questions(self._started(other))), 9)

    def test_analytics_report_and_api_with_mixed_forms(self):
        """Candidates saw different questions: the item analysis labels each drawn item by
        its draw, counts the attempts that saw it, leaves alpha out; the PDF lists what each
        candidate was asked; the API serializes every attempt."""
        from ..controllers.api_pages import attempt_json

        attempts = self.env["assessment.attempt"]
        for number in range(6):
            candidate = self.env["assessment.candidate"].create(
                {"name": f"Mixed {number}", "email": f"mixed{number}@example.com"})
            attempt = self.env["assessment.attempt"].create(
                {"candidate_id": candidate.id, "assessment_id": self.assessment.id})
            attempt._start()
            for answer in attempt.answer_ids.sorted("sequence")[:number + 1]:
                attempt._save_answer(answer.item_id, answer.item_id.option_ids.filtered(
                    "is_correct" if number % 2 else (lambda o: not o.is_correct))[:1])
            attempt.action_submit()
            attempts |= attempt
        self.assertGreater(len(attempts.answer_ids.question_id), 4, "forms differ")
        analysis = self.env["assessment.analysis"].browse(
            self.assessment.action_open_item_analysis()["res_id"])
        self.assertTrue(analysis.mixed_forms)
        self.assertFalse(analysis.has_alpha)
        self.assertEqual(analysis.attempt_count, 6)
        shown = attempts.answer_ids.item_id
        self.assertEqual(analysis.item_ids.item_id, shown)
        fixed_row = analysis.item_ids.filtered(lambda row: row.item_id.question_id == self.fixed)
        self.assertEqual((fixed_row.label, fixed_row.attempt_count), ("Q1.1", 6))
        drawn_rows = analysis.item_ids - fixed_row
        self.assertTrue(all(row.label.startswith("Q2–4 · Pooled ") for row in drawn_rows),
                        drawn_rows.mapped("label"))
        self.assertEqual(sum(drawn_rows.mapped("attempt_count")), 6 * 6)
        self.assertEqual(analysis.item_ids.mapped("position"), list(range(1, len(shown) + 1)))
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            "tech_assessment.report_assessment_attempt", attempts[:2].ids)
        for attempt in attempts[:2]:
            for question in attempt.answer_ids.question_id:
                self.assertIn(question.name, html.decode())
        for attempt in attempts:
            data = attempt_json(attempt, "http://localhost")
            self.assertEqual(data["state"], "submitted")

    @warmup
    def test_draw_at_start_costs_the_same_for_small_and_large_pools(self):
        small = self._pool_assessment(draw_count=3)
        topic = self.env["assessment.topic"].create({"name": "Large pool"})
        for n in range(60):
            self._make_question(f"Large {n}", items=2, topic=topic)
        large = self._pool_assessment(draw_count=3, topic=topic)
        for assessment in (small, large):  # each path's first run fills the caches
            self._started(assessment)
        counts = []
        for assessment in (small, large):
            attempt = self.env["assessment.attempt"].create(
                {"candidate_id": self.candidate.id, "assessment_id": assessment.id})
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            with self.assertQueryCount(START_BUDGET):
                attempt._start()
                self.env.flush_all()
            counts.append(self.cr.sql_log_count - before)
            self.assertEqual(len(attempt.answer_ids), 7)
        self.assertEqual(counts[0], counts[1], "pools of 8 and 60 questions")
