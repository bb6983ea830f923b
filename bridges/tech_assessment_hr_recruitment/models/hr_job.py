from odoo import api, fields, models


class HrJob(models.Model):
    _inherit = "hr.job"

    assessment_id = fields.Many2one(
        "assessment.assessment", check_company=True,
        domain="[('is_published', '=', True), '|', ('company_id', '=', False), "
               "('company_id', '=', company_id)]",
        help="The technical assessment sent to this position's applicants.")
    assessment_extra_time_percent = fields.Integer(
        string="Extra time (%)",
        help="Default of this position's invitations: more time, as a percentage of the "
             "assessment's time limit (in steps of 5). An applicant's own accommodation, "
             "set on the invitation, replaces it.")
    assessment_send_stage_id = fields.Many2one(
        "hr.recruitment.stage", string="Send when the applicant reaches",
        domain="['|', ('job_ids', '=', False), ('job_ids', '=', id)]",
        help="The assessment is sent by itself when an applicant enters this stage. Empty: "
             "recruiters send it from the applicant.")
    assessment_passed_stage_id = fields.Many2one(
        "hr.recruitment.stage", string="Move when passed to",
        domain="['|', ('job_ids', '=', False), ('job_ids', '=', id)]",
        help="When the applicant's result is known and passed, the applicant moves here.")
    assessment_failed_stage_id = fields.Many2one(
        "hr.recruitment.stage", string="Move when failed to",
        domain="['|', ('job_ids', '=', False), ('job_ids', '=', id)]",
        help="When the applicant's result is known and failed, the applicant moves here.")

    @api.constrains("assessment_extra_time_percent")
    def _check_assessment_extra_time(self):
        for job in self:
            self.env["assessment.attempt"]._check_accommodation(
                job.assessment_extra_time_percent, 0)

    def _assessment_accommodation(self):
        """The invitation values of this position's extra time, or None (the candidate's own
        defaults then apply)."""
        self.ensure_one()
        if not self.assessment_extra_time_percent:
            return None
        return {"extra_time_percent": self.assessment_extra_time_percent,
                "extra_time_minutes": 0, "no_time_limit": False,
                "accommodation_reason": False}
