from markupsafe import escape
from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import TechAssessmentCase


@tagged("post_install", "-at_install")
class TestDemoSeedAssessment(TechAssessmentCase):
    """The seed ships as demo data: check it is complete and consistent."""

    def setUp(self):
        super().setUp()
        self.assessment = self.env.ref("tech_assessment.assessment_backend_engineering",
                                       raise_if_not_found=False)
        if not self.assessment:
            self.skipTest("the seed ships as demo data")

    def test_counts(self):
        self.assertEqual(self.assessment.question_count, 7)
        self.assertEqual(self.assessment.item_count, 18)
        self.assertEqual(self.assessment.total_points, 18)
        self.assertEqual(self.assessment.summary, "7 questions · 18 items · 18 points")
        self.assertEqual(
            [len(question.item_ids) for question in self.assessment.question_ids],
            [3, 3, 3, 3, 2, 2, 2],
        )

    def test_settings(self):
        self.assertEqual(self.assessment.pass_rule, "all_correct")
        self.assertEqual(self.assessment.recording_required, "both")
        self.assertTrue(self.assessment.is_published)
        self.assertFalse(self.assessment.company_id, "the seed is shared by all companies")
        self.assertTrue(10 <= self.assessment.time_limit <= 120)

    def test_questions_in_order_with_topics_and_difficulty(self):
        questions = self.assessment.question_ids
        self.assertEqual(questions[0].name, "Cursor-Based Pagination")
        self.assertEqual(len(questions.topic_id), 7)
        self.assertEqual(
            questions.mapped("difficulty"),
            ["medium", "hard", "hard", "hard", "medium", "medium", "medium"],
        )

    def test_every_item_has_exactly_one_correct_option(self):
        for item in self.assessment.question_ids.item_ids:
            self.assertEqual(len(item.option_ids), 4, item.prompt)
            self.assertEqual(len(item.option_ids.filtered("is_correct")), 1, item.prompt)
            self.assertTrue(item.explanation, item.prompt)

    def test_items_in_order(self):
        for question in self.assessment.question_ids:
            self.assertEqual(question.item_ids, question.item_ids.sorted("sequence"))

    def test_code_is_rendered_with_marked_lines(self):
        snippets = self.assessment.question_ids.snippet_ids
        self.assertEqual(len(snippets), 9)
        q1_code = snippets[0]
        self.assertIn("def decode_cursor", q1_code.code)
        self.assertIn("ta-hl", q1_code.code_html)
        languages = set(snippets.mapped("language"))
        self.assertEqual(languages, {"python", "xml", "sql", "yaml"})

    def test_preview_shows_questions_without_answers(self):
        preview = str(self.assessment.preview_html)
        for question in self.assessment.question_ids:
            self.assertIn(str(escape(question.name)), preview)
        first_item = self.assessment.question_ids.item_ids[0]
        self.assertNotIn("is_correct", preview)
        self.assertNotIn(str(first_item.explanation)[:60], preview)


@tagged("post_install", "-at_install")
class TestBankConstraints(TechAssessmentCase):
    def setUp(self):
        super().setUp()
        self.topic = self.env["assessment.topic"].create({"name": "Constraints"})
        self.question = self._make_question("Q", topic=self.topic, items=1)
        self.item = self.question.item_ids

    def _item_values(self, options):
        return {
            "question_id": self.question.id,
            "prompt": "Which one?",
            "option_ids": [(0, 0, {"text": text, "is_correct": correct}) for text, correct in options],
        }

    def test_item_needs_two_options(self):
        with self.assertRaisesRegex(ValidationError, "at least two options"):
            self.env["assessment.item"].create(self._item_values([("only", True)]))

    def test_item_needs_exactly_one_correct_option(self):
        with self.assertRaisesRegex(ValidationError, "exactly one correct option"):
            self.env["assessment.item"].create(self._item_values([("a", False), ("b", False)]))
        with self.assertRaisesRegex(ValidationError, "exactly one correct option"):
            self.env["assessment.item"].create(self._item_values([("a", True), ("b", True)]))

    def test_removing_the_correct_option_is_refused(self):
        item = self.env["assessment.item"].create(
            self._item_values([("a", True), ("b", False), ("c", False)])
        )
        with self.assertRaisesRegex(ValidationError, "exactly one correct option"):
            item.write({"option_ids": [(2, item.option_ids.filtered("is_correct").id)]})
        with self.assertRaisesRegex(ValidationError, "at least two options"):
            self.item.write({"option_ids": [(2, self.item.option_ids[1].id)]})

    @mute_logger("odoo.sql_db")
    def test_points_must_be_positive(self):
        with self.assertRaises(IntegrityError), self.cr.savepoint():
            self.item.write({"points": 0})

    @mute_logger("odoo.sql_db")
    def test_time_limit_range(self):
        assessment = self.env["assessment.assessment"].create({"name": "A"})
        for minutes in (0, 601):
            with self.assertRaisesRegex(IntegrityError, "time_limit_range"), self.cr.savepoint():
                assessment.write({"time_limit": minutes})
                assessment.flush_recordset()
        assessment.write({"time_limit": 600})
        assessment.flush_recordset()

    @mute_logger("odoo.sql_db")
    def test_threshold_range(self):
        assessment = self.env["assessment.assessment"].create({"name": "A"})
        for percent in (-1, 100.5):
            with self.assertRaisesRegex(IntegrityError, "pass_threshold_range"), self.cr.savepoint():
                assessment.write({"pass_threshold": percent})
                assessment.flush_recordset()

    def test_publishing_needs_a_question(self):
        assessment = self.env["assessment.assessment"].create({"name": "Empty"})
        with self.assertRaisesRegex(ValidationError, "at least one question"):
            assessment.action_publish()
        assessment.write({"line_ids": [(0, 0, {"question_id": self.question.id})]})
        assessment.action_publish()
        self.assertTrue(assessment.is_published)

    def test_consent_version_follows_the_text(self):
        assessment = self.env["assessment.assessment"].create({"name": "A"})
        version = assessment.consent_version
        assessment.write({"name": "B"})
        self.assertEqual(assessment.consent_version, version)
        assessment.write({"consent_text": "<p>We record your screen.</p>"})
        self.assertEqual(assessment.consent_version, version + 1)

    def test_counts_follow_the_bank(self):
        assessment = self.env["assessment.assessment"].create({
            "name": "A", "line_ids": [(0, 0, {"question_id": self.question.id})],
        })
        self.assertEqual((assessment.question_count, assessment.item_count), (1, 1))
        self.env["assessment.item"].create(dict(
            self._item_values([("a", True), ("b", False)]), points=2.5,
        ))
        self.assertEqual(assessment.item_count, 2)
        self.assertEqual(assessment.total_points, 3.5)

    def test_used_items_cannot_be_deleted(self):
        assessment = self.env["assessment.assessment"].create({
            "name": "A", "recording_required": "none",
            "line_ids": [(0, 0, {"question_id": self.question.id})],
        })
        candidate = self.env["assessment.candidate"].create({"name": "C", "email": "c@example.com"})
        attempt = self.env["assessment.attempt"].create({
            "candidate_id": candidate.id, "assessment_id": assessment.id,
        })
        attempt._start()
        with self.assertRaisesRegex(UserError, "archive it instead"):
            self.item.unlink()
        with self.assertRaisesRegex(UserError, "archive it instead"):
            self.item.option_ids[1].unlink()
        with self.assertRaisesRegex(UserError, "archive it instead"):
            self.question.unlink()
        self.item.action_archive()
        self.assertFalse(self.item.active)


@tagged("post_install", "-at_install")
class TestBankAccess(TechAssessmentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.question = cls._make_question("Shared question")
        cls.option = cls.question.item_ids.option_ids[0]

    def test_manager_edits_the_bank(self):
        self.question.with_user(self.manager).write({"name": "Renamed"})
        self.option.with_user(self.manager).write({"text": "Still right"})
        self.assertEqual(self.question.name, "Renamed")

    def test_recruiter_reads_but_never_edits_the_key(self):
        self.assertTrue(self.option.with_user(self.recruiter).is_correct)
        with self.assertRaises(AccessError):
            self.option.with_user(self.recruiter).write({"is_correct": False})
        with self.assertRaises(AccessError):
            self.question.with_user(self.recruiter).write({"name": "Nope"})
        with self.assertRaises(AccessError):
            self.env["assessment.assessment"].with_user(self.recruiter).create({"name": "Nope"})

    def test_portal_and_public_users_see_nothing_of_the_bank(self):
        public = self.env.ref("base.public_user")
        for user in (self.portal_user, public):
            for model in ("assessment.option", "assessment.item", "assessment.question",
                          "assessment.snippet", "assessment.assessment", "assessment.topic"):
                with self.assertRaises(AccessError, msg=f"{user.login} on {model}"):
                    self.env[model].with_user(user).search_read([], ["id"])
            with self.assertRaises(AccessError):
                self.option.with_user(user).read(["is_correct"])
            with self.assertRaises(AccessError):
                self.env["assessment.option"].with_user(user).search_read(
                    [("is_correct", "=", True)], ["text"]
                )

    def test_internal_user_without_group_sees_nothing(self):
        with self.assertRaises(AccessError):
            self.env["assessment.question"].with_user(self.internal).search([])


@tagged("post_install", "-at_install")
class TestBankCompanies(TechAssessmentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.question_b = cls._make_question("Question of B", company=cls.company_b)
        cls.question_shared = cls._make_question("Shared question")

    def _visible(self, user):
        return self.env["assessment.question"].with_user(user).search(
            [("id", "in", (self.question_b | self.question_shared).ids)]
        )

    def test_company_question_is_invisible_to_other_company(self):
        self.assertEqual(self._visible(self.recruiter), self.question_shared)
        self.assertEqual(self._visible(self.recruiter_b), self.question_b | self.question_shared)
        with self.assertRaises(AccessError):
            self.question_b.with_user(self.recruiter).read(["name"])
        with self.assertRaises(AccessError):
            self.question_b.item_ids.option_ids.with_user(self.recruiter).read(["text"])

    def test_assessment_cannot_mix_companies(self):
        assessment = self.env["assessment.assessment"].create(
            {"name": "A of company A", "company_id": self.company_a.id}
        )
        with self.assertRaises(UserError):
            assessment.write({"line_ids": [(0, 0, {"question_id": self.question_b.id})]})
