from datetime import timedelta

from odoo import _, api, fields, models

from ..models.assessment_attempt_accommodation import ACCOMMODATION_FIELDS


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
    set_accommodation = fields.Boolean(
        string="Time accommodation",
        help="Give these invitations extra time or no time limit. Off: each candidate's own "
             "default applies.")
    extra_time_percent = fields.Integer(string="Extra time (%)",
                                        help="A percentage of the time limit, in steps of 5.")
    extra_time_minutes = fields.Integer(string="Extra minutes")
    no_time_limit = fields.Boolean(string="No time limit")
    accommodation_reason = fields.Char(string="Reason (HR only)",
                                       help="Kept for HR; never shown to the candidate.")
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
            candidate_ids = self.env.context.get("active_ids", [])
            values.setdefault("candidate_ids", [(6, 0, candidate_ids)])
            values.update(self._candidate_accommodation(candidate_ids))
        if self.env.context.get("active_model") == "assessment.assessment":
            values.setdefault("assessment_id", self.env.context.get("active_id"))
        return values

    @api.model
    def _candidate_accommodation(self, candidate_ids):
        """One candidate with an accommodation of their own: the wizard shows it."""
        candidate = self.env["assessment.candidate"].browse(candidate_ids)
        if len(candidate) != 1:
            return {}
        candidate.check_access_rule("read")
        values = candidate._accommodation()
        if not (values["extra_time_percent"] or values["extra_time_minutes"]
                or values["no_time_limit"]):
            return {}
        return {"set_accommodation": True, **values}

    def _accommodation(self):
        if not self.set_accommodation:
            return None
        return {fname: self[fname] for fname in ACCOMMODATION_FIELDS}

    def action_invite(self):
        """Create (or reuse) one attempt per candidate and e-mail the tokenized link."""
        self.ensure_one()
        self.check_access_rights("write")
        self.check_access_rule("write")
        attempts, _created = self.env["assessment.attempt"]._invite(
            self.candidate_ids, self.assessment_id, self.expires_at, template=self.template_id,
            grant_portal=self.grant_portal, accommodation=self._accommodation())
        return {
            "type": "ir.actions.act_window",
            "name": _("Invitations"),
            "res_model": "assessment.attempt",
            "view_mode": "tree,form",
            "domain": [("id", "in", attempts.ids)],
        }
