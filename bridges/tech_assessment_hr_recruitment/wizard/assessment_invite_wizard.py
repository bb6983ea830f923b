from odoo import fields, models

from ..models.hr_applicant import APPLICANT_KEY


class AssessmentInviteWizard(models.TransientModel):
    _inherit = "assessment.invite.wizard"

    applicant_id = fields.Many2one(
        "hr.applicant", string="Application", readonly=True,
        help="The job application the invitation is for (sent from the applicant).")

    def action_invite(self):
        if not self.applicant_id:
            return super().action_invite()
        self.applicant_id.check_access_rule("write")
        this = self.with_context(**{APPLICANT_KEY: self.applicant_id.id})
        super(AssessmentInviteWizard, this).action_invite()
        # Back to the applicant's form (it reloads: the status and the smart button show).
        return {"type": "ir.actions.act_window_close"}
