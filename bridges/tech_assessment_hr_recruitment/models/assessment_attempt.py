"""The attempt, for Recruitment: the application it was sent for, the result reported on the
applicant (a message with the PDF report) and the stage automation of the job position."""
import logging

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.addons.tech_assessment.models.assessment_attempt import GRADED_STATES
from odoo.tools import format_datetime

from .hr_applicant import APPLICANT_KEY

_logger = logging.getLogger(__name__)

REPORT = "tech_assessment.action_report_assessment_attempt"
REPORT_BATCH = 20


class AssessmentAttempt(models.Model):
    _inherit = "assessment.attempt"

    applicant_id = fields.Many2one(
        "hr.applicant", string="Application", readonly=True, copy=False,
        index="btree_not_null", ondelete="set null",
        help="The job application this invitation was sent for.")
    applicant_report_pending = fields.Boolean(
        readonly=True, copy=False,
        help="The result is yet to be posted on the application (by a background job: "
             "the PDF is rendered outside the candidate's request).")

    @api.model
    def _invite(self, candidates, assessment, *args, **kwargs):
        attempts, created = super()._invite(candidates, assessment, *args, **kwargs)
        applicant_id = self.env.context.get(APPLICANT_KEY)
        if applicant_id:
            attempts.filtered(lambda a: not a.applicant_id).write({"applicant_id": applicant_id})
        return attempts, created

    def _on_event(self, event_type):
        super()._on_event(event_type)
        if event_type not in ("attempt.ended", "attempt.regraded"):
            return
        for_applicants = self.sudo().filtered("applicant_id")
        if not for_applicants:
            return
        never_started = for_applicants.filtered(lambda a: not a.started_at)
        for attempt in never_started:
            attempt.applicant_id.with_user(SUPERUSER_ID).message_post(body=_(
                "The invitation to “%s” expired before the test was started.",
                attempt.assessment_id.name))
        results = for_applicants - never_started
        if results:
            results._move_applicants(regrade=event_type == "attempt.regraded")
            results.write({"applicant_report_pending": True})
            self.env.ref("tech_assessment_hr_recruitment.ir_cron_report_to_applicants") \
                .sudo()._trigger()

    def _move_applicants(self, regrade=False):
        """Move each application to its position's "passed" or "failed" stage. A regrade
        moves it again only when the result was the one that put it there (it is still in
        one of those two stages, and this is its latest attempt)."""
        for attempt in self:
            applicant = attempt.applicant_id.with_user(SUPERUSER_ID)
            job = applicant.job_id
            target = job.assessment_passed_stage_id if attempt.passed \
                else job.assessment_failed_stage_id
            if not target or not applicant.active or applicant.stage_id == target:
                continue
            if regrade:
                result_stages = job.assessment_passed_stage_id | job.assessment_failed_stage_id
                latest = self.search([("applicant_id", "=", applicant.id)], limit=1,
                                     order="id desc")
                if applicant.stage_id not in result_stages or latest != attempt:
                    continue
            applicant.stage_id = target

    # ------------------------------------------------------------------
    # The result on the application (cron, after the commit)
    # ------------------------------------------------------------------
    @api.model
    def _cron_report_to_applicants(self):
        self._report_to_applicants(commit=True)

    @api.model
    def _report_to_applicants(self, limit=REPORT_BATCH, commit=False):
        """Post the pending results on their applications, each with its PDF report."""
        pending = self.sudo().search([("applicant_report_pending", "=", True)], limit=limit,
                                     order="id")
        for attempt in pending:
            attempt._post_result_on_applicant()
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
        if len(pending) == limit:
            self.env.ref("tech_assessment_hr_recruitment.ir_cron_report_to_applicants") \
                .sudo()._trigger()
        return len(pending)

    def _post_result_on_applicant(self):
        self.ensure_one()
        attempt = self.sudo().with_company(self.company_id)
        attempt.applicant_report_pending = False
        if not attempt.applicant_id:
            return
        pdf, _report_type = self.env["ir.actions.report"].sudo().with_company(
            self.company_id)._render_qweb_pdf(REPORT, attempt.ids)
        filename = _("Assessment result - %s.pdf", attempt.name).replace("/", "-")
        attempt.applicant_id.with_user(SUPERUSER_ID).message_post(
            body=attempt._applicant_result_message(), attachments=[(filename, pdf)],
            subtype_xmlid="mail.mt_note")

    def _applicant_result_message(self):
        ended = format_datetime(self.env, self.submitted_at, tz=self.display_tz,
                                dt_format="medium")
        state = dict(self._fields["state"]._description_selection(self.env))[self.state]
        verdict = _("passed") if self.passed else _("failed")
        return _("Assessment “%(assessment)s” %(state)s on %(date)s (%(tz)s): %(result)s, "
                 "%(verdict)s (%(answered)s of %(items)s items answered). The report is "
                 "attached.", assessment=self.assessment_id.name, state=state.lower(),
                 date=ended, tz=self.display_tz, result=self._applicant_result(),
                 verdict=verdict, answered=self.answered_count, items=self.item_count)

    # ------------------------------------------------------------------
    # What the application shows (hr_applicant.py)
    # ------------------------------------------------------------------
    def _applicant_status(self):
        self.ensure_one()
        if self.state in GRADED_STATES:
            if not self.started_at:
                return "not_taken"
            return "passed" if self.passed else "failed"
        return self.state

    def _applicant_result(self):
        """The score of a finished test, in %: its verdict is the status beside it."""
        self.ensure_one()
        if self.state not in GRADED_STATES or not self.started_at:
            return False
        percent = f"{self.percent:g}"  # computed first: Babel cannot read an f-string in _()
        return _("%s %%", percent)
