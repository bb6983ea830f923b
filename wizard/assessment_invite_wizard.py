from datetime import timedelta

from odoo import _, api, fields, models


class AssessmentInviteWizard(models.TransientModel):
    _name = "assessment.invite.wizard"
    _description = "Invite candidates to an assessment"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
    assessment_id = fields.Many2one(
        "assessment.assessment", required=True, check_company=True,
        domain="[('is_published', '=', True)]",
    )
    candidate_ids = fields.Many2many(
        "assessment.candidate", string="Candidates", required=True, check_company=True
    )
    expires_at = fields.Datetime(
        string="Invitation expires", required=True,
        default=lambda self: fields.Datetime.now() + timedelta(days=7),
    )
    grant_portal = fields.Boolean(
        string="Give portal access",
        help="Also create portal users, so candidates can find their assessments under My Account.",
    )
    template_id = fields.Many2one(
        "mail.template", string="E-mail", domain="[('model', '=', 'assessment.attempt')]",
        default=lambda self: self.env.ref(
            "tech_assessment.mail_template_assessment_invitation", raise_if_not_found=False
        ),
    )

    @api.model
    def default_get(self, fields_list):
        self.check_access_rights("create")
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") == "assessment.candidate":
            values.setdefault("candidate_ids", [(6, 0, self.env.context.get("active_ids", []))])
        if self.env.context.get("active_model") == "assessment.assessment":
            values.setdefault("assessment_id", self.env.context.get("active_id"))
        return values

    def action_invite(self):
        """Create (or reuse) one attempt per candidate and e-mail the tokenized link."""
        self.ensure_one()
        self.check_access_rights("write")
        self.check_access_rule("write")
        attempts, _created = self.env["assessment.attempt"]._invite(
            self.candidate_ids, self.assessment_id, self.expires_at, template=self.template_id,
            grant_portal=self.grant_portal)
        return {
            "type": "ir.actions.act_window",
            "name": _("Invitations"),
            "res_model": "assessment.attempt",
            "view_mode": "tree,form",
            "domain": [("id", "in", attempts.ids)],
        }
