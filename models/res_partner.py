from odoo import _, fields, models
from odoo.exceptions import AccessError


class ResPartner(models.Model):
    _inherit = "res.partner"

    assessment_candidate_ids = fields.One2many(
        "assessment.candidate", "partner_id", string="Assessment candidates"
    )
    assessment_attempt_count = fields.Integer(
        compute="_compute_assessment_attempt_count", groups="tech_assessment.group_assessment_user"
    )

    def _compute_assessment_attempt_count(self):
        counts = dict(self.env["assessment.attempt"]._read_group(
            [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
        ))
        for partner in self:
            partner.assessment_attempt_count = counts.get(partner, 0)

    def action_open_assessment_attempts(self):
        self.ensure_one()
        if not self.env.user.has_group("tech_assessment.group_assessment_user"):
            raise AccessError(_("Only the users of the Assessments app see attempts."))
        self.check_access_rule("read")
        return {
            "type": "ir.actions.act_window",
            "name": _("Assessments of %s", self.name),
            "res_model": "assessment.attempt",
            "view_mode": "tree,form",
            "domain": [("partner_id", "=", self.id)],
        }
