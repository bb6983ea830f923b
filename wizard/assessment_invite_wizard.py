from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

OPEN_STATES = ("invited", "in_progress")


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
        if not self.assessment_id.is_published:
            raise UserError(_("Publish the assessment before inviting candidates."))
        if self.expires_at <= fields.Datetime.now():
            raise UserError(_("The invitation must expire in the future."))
        missing_email = self.candidate_ids.filtered(lambda c: not (c.partner_id.email or c.email))
        if missing_email:
            raise UserError(_("These candidates have no e-mail address: %s",
                              ", ".join(missing_email.mapped("name"))))
        attempts = self._get_or_create_attempts()
        attempts.write({"expires_at": self.expires_at})
        if self.grant_portal:
            self._grant_portal_access(self.candidate_ids.partner_id)
        for attempt in attempts:
            attempt._portal_ensure_token()
            if self.template_id:
                attempt.message_post_with_source(
                    self.template_id, subtype_xmlid="mail.mt_comment",
                )
        return {
            "type": "ir.actions.act_window",
            "name": _("Invitations"),
            "res_model": "assessment.attempt",
            "view_mode": "tree,form",
            "domain": [("id", "in", attempts.ids)],
        }

    def _get_or_create_attempts(self):
        """An open attempt of a candidate for this assessment is reused: resending never
        creates a second one."""
        Attempt = self.env["assessment.attempt"]
        existing = Attempt.search([
            ("assessment_id", "=", self.assessment_id.id),
            ("candidate_id", "in", self.candidate_ids.ids),
            ("state", "in", OPEN_STATES),
        ])
        new_candidates = self.candidate_ids - existing.candidate_id
        created = Attempt.create([{
            "candidate_id": candidate.id,
            "assessment_id": self.assessment_id.id,
            "company_id": candidate.company_id.id,
        } for candidate in new_candidates])
        return existing | created

    def _grant_portal_access(self, partners):
        # Recruiters may invite without the "Contact Creation" right portal.wizard asks for.
        portal_wizard = self.env["portal.wizard"].sudo().create({"partner_ids": [(6, 0, partners.ids)]})
        for wizard_user in portal_wizard.user_ids.filtered(lambda u: not u.is_portal and not u.is_internal):
            wizard_user.action_grant_access()
