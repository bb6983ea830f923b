"""The Recruitment bridge: sending from an applicant, one candidate per person, stage
automation both ways, the result posted on the applicant, company isolation."""
from odoo.exceptions import AccessError
from odoo.tests import Form, TransactionCase, new_test_user, tagged

from .common import RecruitmentCommon


@tagged("post_install", "-at_install")
class TestRecruitmentBridge(RecruitmentCommon, TransactionCase):

    def _send_from_applicant(self, applicant, user=None):
        """Click "Send assessment" and send the wizard as it opens."""
        applicant = applicant.with_user(user or self.officer)
        action = applicant.action_send_assessment()
        wizard = Form(self.env[action["res_model"]].with_user(user or self.officer)
                      .with_context(**action["context"]))
        self.assertEqual(wizard.save().action_invite()["type"], "ir.actions.act_window_close",
                         "back to the applicant")

    def _take(self, attempt, right_answers):
        """The candidate takes the test, answering `right_answers` items right."""
        attempt._start()
        for number, answer in enumerate(attempt.answer_ids.sorted("sequence")):
            options = answer.item_id.option_ids
            option = options.filtered("is_correct") if number < right_answers \
                else options.filtered(lambda o: not o.is_correct)
            attempt._save_answer(answer.item_id.id, option.id)
        attempt._submit()

    def test_installed_with_recruitment_and_officers_are_assessment_users(self):
        module = self.env["ir.module.module"].search(
            [("name", "=", "tech_assessment_hr_recruitment")])
        self.assertEqual(module.state, "installed")
        self.assertTrue(module.auto_install)
        self.assertTrue(self.officer.has_group("tech_assessment.group_assessment_user"))

    def test_send_from_applicant(self):
        applicant = self._applicant("Ada Lovelace", "Ada@Example.com")
        self.job.assessment_extra_time_percent = 25
        action = applicant.with_user(self.officer).action_send_assessment()
        context = action["context"]
        self.assertEqual(context["default_assessment_id"], self.assessment.id)
        self.assertEqual(context["default_extra_time_percent"], 25)
        self._send_from_applicant(applicant)
        attempt = applicant.assessment_attempt_ids
        self.assertEqual(len(attempt), 1)
        self.assertEqual(attempt.assessment_id, self.assessment)
        self.assertEqual(attempt.extra_time_percent, 25, "the position's extra time")
        candidate = applicant.assessment_candidate_id
        self.assertEqual(attempt.candidate_id, candidate)
        self.assertEqual((candidate.name, candidate.email, candidate.company_id),
                         ("Ada Lovelace", "ada@example.com", self.company_a))
        self.assertEqual(applicant.assessment_status, "invited")
        self.assertEqual(applicant.assessment_attempt_count, 1)
        self.assertTrue(attempt.message_ids.filtered(
            lambda m: f"access_token={attempt.access_token}" in str(m.body)),
            "the invitation e-mail with the candidate's link")
        opened = applicant.with_user(self.officer).action_open_assessment_attempts()
        self.assertEqual(self.env["assessment.attempt"].search(opened["domain"]), attempt)

    def test_one_candidate_per_person(self):
        partner = self.env["res.partner"].create({"name": "Grace Hopper",
                                                  "email": "grace@example.com"})
        first = self._applicant("Grace Hopper", "grace@example.com", partner=partner)
        other_job = self.env["hr.job"].create({"name": "Data engineer",
                                               "company_id": self.company_a.id,
                                               "assessment_id": self.assessment.id})
        second = self._applicant("Grace Hopper", "grace@example.com", job=other_job,
                                 partner=partner)
        by_email = self._applicant("G. Hopper", "GRACE@example.com ")
        for applicant in (first, second, by_email):
            self._send_from_applicant(applicant)
        candidates = self.env["assessment.candidate"].search(
            [("email", "=ilike", "grace@example.com")])
        self.assertEqual(len(candidates), 1, "a second application finds the same candidate")
        self.assertEqual((first | second | by_email).assessment_candidate_id, candidates)
        # the one candidate's invitation to the assessment is open: reused, not doubled,
        # and it stays the first application's
        self.assertEqual(len(candidates.attempt_ids), 1)
        self.assertEqual(candidates.attempt_ids.applicant_id, first)

    def test_stage_automation_sends_and_moves_to_passed(self):
        self.job.write({"assessment_send_stage_id": self.stage_test.id,
                        "assessment_passed_stage_id": self.stage_passed.id,
                        "assessment_failed_stage_id": self.stage_failed.id})
        applicant = self._applicant("Alan Turing", "alan@example.com")
        self.assertFalse(applicant.assessment_candidate_id, "not sent in another stage")
        applicant.with_user(self.officer).stage_id = self.stage_test
        attempt = applicant.assessment_attempt_ids
        self.assertEqual(attempt.state, "invited", "sent on entering the stage")
        applicant.with_user(self.officer).write({"stage_id": self.stage_new.id})
        applicant.with_user(self.officer).write({"stage_id": self.stage_test.id})
        self.assertEqual(applicant.assessment_attempt_ids, attempt, "an open one: not twice")
        self._take(attempt, right_answers=2)
        self.assertEqual(applicant.stage_id, self.stage_passed)
        self.assertEqual(applicant.assessment_status, "passed")
        self.assertEqual(applicant.assessment_result, "100 %")
        self._check_result_posted(applicant, "passed")

    def test_stage_automation_moves_to_failed_and_back_on_regrade(self):
        self.job.write({"assessment_passed_stage_id": self.stage_passed.id,
                        "assessment_failed_stage_id": self.stage_failed.id})
        applicant = self._applicant("Edsger Dijkstra", "edsger@example.com")
        self._send_from_applicant(applicant)
        attempt = applicant.assessment_attempt_ids
        self._take(attempt, right_answers=0)
        self.assertEqual(applicant.stage_id, self.stage_failed)
        self.assertEqual(applicant.assessment_status, "failed")
        self._check_result_posted(applicant, "failed")
        # a correction of the key that makes the answers right: the result moves it again
        for item in self.assessment.question_ids.item_ids:
            item.write({"option_ids": [(1, option.id, {"is_correct": not option.is_correct})
                                       for option in item.option_ids]})
        self.assertTrue(attempt.passed)
        self.assertEqual(applicant.stage_id, self.stage_passed)

    def test_stage_automation_problem_is_noted_not_blocking(self):
        self.job.assessment_send_stage_id = self.stage_test
        self.assessment.is_published = False
        applicant = self._applicant("No Publish", "np@example.com")
        applicant.with_user(self.officer).stage_id = self.stage_test
        self.assertEqual(applicant.stage_id, self.stage_test, "the move happens")
        self.assertFalse(applicant.assessment_attempt_ids)
        self.assertIn("was not sent", applicant.message_ids[0].body)

    def test_expired_invitation_is_noted(self):
        applicant = self._applicant("Late Larry", "larry@example.com")
        self._send_from_applicant(applicant)
        applicant.assessment_attempt_ids._expire()
        self.assertEqual(applicant.assessment_status, "not_taken")
        self.assertIn("expired before the test was started", applicant.message_ids[0].body)
        self.assertFalse(applicant.assessment_attempt_ids.applicant_report_pending)

    def _check_result_posted(self, applicant, verdict):
        attempt = applicant.assessment_attempt_ids
        self.assertTrue(attempt.applicant_report_pending, "posted after the commit")
        self.assertEqual(self.env["assessment.attempt"]._report_to_applicants(), 1)
        message = applicant.message_ids.filtered(lambda m: "report is attached" in (m.body or ""))
        self.assertEqual(len(message), 1)
        self.assertIn(verdict, message.body)
        self.assertIn(self.assessment.name, message.body)
        self.assertEqual(len(message.attachment_ids), 1)
        self.assertTrue(message.attachment_ids.name.endswith(".pdf"))
        self.assertEqual(message.attachment_ids.res_model, "hr.applicant")
        self.assertFalse(attempt.applicant_report_pending)

    def test_company_isolation(self):
        applicant_b = self._applicant("Bea B", "bea@example.com", job=self.env["hr.job"].create(
            {"name": "B's job", "company_id": self.company_b.id}), company=self.company_b)
        # a candidate of company A with the same address is not company B's
        self.env["assessment.candidate"].create({"name": "Bea A", "email": "bea@example.com",
                                                 "company_id": self.company_a.id})
        assessment_b = self._make_assessment("B's test", company=self.company_b)
        action = applicant_b.with_user(self.officer_b).action_send_assessment()
        wizard = Form(self.env["assessment.invite.wizard"].with_user(self.officer_b)
                      .with_context(**action["context"]))
        wizard.assessment_id = assessment_b
        wizard.save().action_invite()
        candidate_b = applicant_b.assessment_candidate_id
        self.assertEqual(candidate_b.company_id, self.company_b)
        self.assertEqual(applicant_b.assessment_attempt_ids.company_id, self.company_b)
        with self.assertRaises(AccessError):
            applicant_b.with_user(self.officer).action_send_assessment()
        with self.assertRaises(AccessError):
            applicant_b.assessment_attempt_ids.with_user(self.officer).read(["score"])
        with self.assertRaises(AccessError):
            candidate_b.with_user(self.officer).read(["name"])

    def test_interviewer_sees_the_status_only(self):
        interviewer = new_test_user(
            self.env, login="hr_interviewer", groups="hr_recruitment.group_hr_recruitment_interviewer",
            company_id=self.company_a.id, company_ids=[(6, 0, self.company_a.ids)])
        applicant = self._applicant("Ian Interviewed", "ian@example.com")
        applicant.interviewer_ids = interviewer
        self._send_from_applicant(applicant)
        as_interviewer = applicant.with_user(interviewer)
        self.assertEqual(as_interviewer.assessment_status, "invited")
        self.assertFalse(interviewer.has_group("tech_assessment.group_assessment_user"))
        with self.assertRaises(AccessError):
            as_interviewer.action_open_assessment_attempts()
