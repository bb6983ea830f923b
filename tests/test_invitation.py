from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import TechAssessmentCase


@tagged("post_install", "-at_install")
class TestInvitation(TechAssessmentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        question = cls._make_question("Invitation question", items=2)
        cls.assessment = cls.env["assessment.assessment"].create({
            "name": "Invitation Test Assessment",
            "time_limit": 37,
            "recording_required": "none",
            "line_ids": [(0, 0, {"question_id": question.id})],
        })
        cls.assessment.action_publish()
        cls.candidates = cls.env["assessment.candidate"].create([
            {"name": "Ada Invitee", "email": "ada.invitee@example.com"},
            {"name": "Bob Invitee", "email": "bob.invitee@example.com"},
        ])
        cls.template = cls.env.ref("tech_assessment.mail_template_assessment_invitation")

    def _wizard(self, user=None, **values):
        values = {
            "assessment_id": self.assessment.id,
            "candidate_ids": [(6, 0, self.candidates.ids)],
            **values,
        }
        return self.env["assessment.invite.wizard"].with_user(user or self.recruiter).create(values)

    def _attempts(self):
        return self.env["assessment.attempt"].search([("assessment_id", "=", self.assessment.id)])

    def test_template_is_the_wizard_default(self):
        wizard = self._wizard()
        self.assertEqual(wizard.template_id, self.template)
        self.assertEqual(self.template.model, "assessment.attempt")
        self.assertFalse(self.template.auto_delete)

    def test_invite_creates_attempts_and_mails_a_tokenized_link(self):
        self._wizard().action_invite()
        attempts = self._attempts()
        self.assertEqual(len(attempts), 2)
        self.assertEqual(attempts.candidate_id, self.candidates)
        for attempt in attempts:
            self.assertEqual(attempt.state, "invited")
            self.assertTrue(attempt.access_token)
            self.assertTrue(attempt.expires_at)
            subject = self.template._render_field("subject", attempt.ids)[attempt.id]
            self.assertIn(self.assessment.name, subject)
            messages = attempt.message_ids.filtered(lambda m, s=subject: m.subject == s)
            self.assertEqual(len(messages), 1, "one invitation e-mail in the attempt's chatter")
            body = str(messages.body)
            self.assertIn(f"/my/assessments/{attempt.id}?access_token={attempt.access_token}", body)
            self.assertIn("Time available: <strong>37 min</strong>", body)
            self.assertIn("The test has one question", body)
            self.assertIn(attempt.candidate_id.name, body)
            self.assertIn(attempt.partner_id, messages.partner_ids)

    def test_candidate_action_menu_binding(self):
        action = self.env.ref("tech_assessment.action_assessment_invite_wizard")
        self.assertEqual(action.binding_model_id.model, "assessment.candidate")
        self.assertEqual(action.target, "new")
        wizard = Form(self.env["assessment.invite.wizard"].with_user(self.recruiter).with_context(
            active_model="assessment.candidate", active_ids=self.candidates.ids,
        ))
        self.assertEqual(set(wizard.candidate_ids.ids), set(self.candidates.ids))

    def test_resend_reuses_open_attempts(self):
        wizard = self._wizard()
        wizard.action_invite()
        first = self._attempts()
        tokens = {attempt.id: attempt.access_token for attempt in first}
        wizard.action_invite()
        self._wizard().action_invite()
        again = self._attempts()
        self.assertEqual(again, first, "resending creates no new attempt")
        self.assertEqual({attempt.id: attempt.access_token for attempt in again}, tokens)
        subject = self.template._render_field("subject", first[:1].ids)[first[0].id]
        self.assertEqual(len(first[0].message_ids.filtered(lambda m: m.subject == subject)), 3)

    def test_finished_attempt_is_not_reused(self):
        self._wizard().action_invite()
        first = self._attempts()
        first.action_cancel()
        self._wizard().action_invite()
        self.assertEqual(len(self._attempts()), 4)

    def test_unpublished_assessment_is_refused(self):
        self.assessment.action_unpublish()
        with self.assertRaisesRegex(UserError, "Publish the assessment"):
            self._wizard().action_invite()
        self.assertFalse(self._attempts())

    def test_expiry_in_the_past_is_refused(self):
        past = fields.Datetime.now() - timedelta(hours=1)
        with self.assertRaisesRegex(UserError, "expire in the future"):
            self._wizard(expires_at=past).action_invite()
        self.assertFalse(self._attempts())

    def test_grant_portal_creates_portal_users(self):
        partners = self.candidates.partner_id
        self.assertFalse(partners.user_ids)
        # Managing portal access is a contact-manager right (portal.wizard's ACL).
        self._wizard(user=self.env.user, grant_portal=True).action_invite()
        for partner in partners:
            self.assertEqual(len(partner.user_ids), 1)
            self.assertTrue(partner.user_ids.has_group("base.group_portal"))
            self.assertFalse(partner.user_ids.has_group("base.group_user"))

    def test_demo_invitation(self):
        attempt = self.env.ref("tech_assessment.attempt_casey_backend", raise_if_not_found=False)
        if not attempt:
            self.skipTest("demo data not installed")
        self.assertEqual(attempt.state, "invited")
        self.assertEqual(attempt.partner_id, self.env.ref("tech_assessment.partner_candidate"))
        self.assertEqual(attempt.candidate_id.external_id, "GH-1001")
        self.assertTrue(attempt.assessment_id.is_published)
