"""Candidates' statistics, and attempts isolated between candidates and companies."""
from psycopg2 import IntegrityError

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .test_attempt import AttemptCase


@tagged("post_install", "-at_install")
class TestCandidate(AttemptCase):
    def test_candidate_gets_a_contact(self):
        self.assertEqual(self.candidate.partner_id.email, "ada@example.com")
        self.assertEqual(self.candidate.partner_id.assessment_candidate_ids, self.candidate)

    def test_external_id_unique_per_company(self):
        values = {"name": "X", "provider": "greenhouse", "external_id": "GH-1"}
        self.env["assessment.candidate"].create(values)
        self.env["assessment.candidate"].create(dict(values, company_id=self.company_b.id))
        with self.assertRaises(IntegrityError), self.cr.savepoint(), mute_logger("odoo.sql_db"):
            self.env["assessment.candidate"].create(values)

    def test_partner_smart_button(self):
        attempt = self._new_attempt()
        partner = self.candidate.partner_id
        self.assertEqual(partner.with_user(self.recruiter).assessment_attempt_count, 1)
        action = partner.action_open_assessment_attempts()
        self.assertEqual(self.env["assessment.attempt"].search(action["domain"]), attempt)


@tagged("post_install", "-at_install")
class TestAttemptIsolation(AttemptCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.candidate_b = cls.env["assessment.candidate"].create(
            {"name": "Bea of B", "email": "bea@example.com", "company_id": cls.company_b.id}
        )
        cls.attempt_a = cls.env["assessment.attempt"].create({
            "candidate_id": cls.candidate.id, "assessment_id": cls.assessment.id,
        })
        cls.attempt_b = cls.env["assessment.attempt"].create({
            "candidate_id": cls.candidate_b.id, "assessment_id": cls.assessment.id,
            "company_id": cls.company_b.id,
        })
        cls.attempt_a._start()
        cls.attempt_b._start()

    def test_company_a_user_never_sees_company_b(self):
        for model, record_b in (("assessment.candidate", self.candidate_b),
                                ("assessment.attempt", self.attempt_b),
                                ("assessment.answer", self.attempt_b.answer_ids)):
            Model = self.env[model].with_user(self.recruiter)
            self.assertFalse(Model.search([("id", "in", record_b.ids)]), model)
            self.assertFalse(Model.search_count([("company_id", "=", self.company_b.id)]), model)
            groups = Model.read_group([], ["company_id"], ["company_id"])
            self.assertNotIn(self.company_b.id, [g["company_id"][0] for g in groups if g["company_id"]])
            if model != "assessment.answer":
                self.assertNotIn(record_b[:1].id, [r[0] for r in Model.name_search(record_b[:1].name)])
            with self.assertRaises(AccessError):
                record_b.with_user(self.recruiter).read(["id"])

    def test_multi_company_user_sees_both_when_both_active(self):
        self.recruiter.write({"company_ids": [(4, self.company_b.id)]})
        both = (self.company_a | self.company_b).ids
        Attempt = self.env["assessment.attempt"].with_user(self.recruiter)
        self.assertEqual(
            Attempt.with_context(allowed_company_ids=both).search(
                [("id", "in", (self.attempt_a | self.attempt_b).ids)]),
            self.attempt_a | self.attempt_b,
        )
        self.assertEqual(
            Attempt.with_context(allowed_company_ids=self.company_a.ids).search(
                [("id", "in", (self.attempt_a | self.attempt_b).ids)]),
            self.attempt_a,
        )

    def test_portal_users_see_only_their_own_attempts(self):
        other_portal = self._new_user("ta_portal_2", "base.group_portal")
        self.candidate.partner_id = self.portal_user.partner_id
        Attempt = self.env["assessment.attempt"]
        self.assertEqual(Attempt.with_user(self.portal_user).search([]), self.attempt_a)
        self.assertFalse(Attempt.with_user(other_portal).search([]))
        with self.assertRaises(AccessError):
            self.attempt_a.with_user(other_portal).read(["state"])
        with self.assertRaises(AccessError):
            self.attempt_a.with_user(self.portal_user).write({"expires_at": False})
        # the score and the answers stay with HR
        with self.assertRaises(AccessError):
            self.attempt_a.with_user(self.portal_user).read(["score"])
        with self.assertRaises(AccessError):
            self.attempt_a.answer_ids.with_user(self.portal_user).read(["is_correct"])
