"""Inviting candidates: one rule for the wizard and the integration API alike."""
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .assessment_attempt import OPEN_STATES

DEFAULT_INVITATION_DAYS = 7


class AssessmentAttempt(models.Model):
    # One layer of the attempt a file, on purpose (see the module docstring).
    _inherit = "assessment.attempt"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _invite(self, candidates, assessment, expires_at=None, template=None, grant_portal=False,
                resend=True):
        """Invite `candidates` to `assessment` and e-mail them the tokenized link (`template`).

        A candidate's open invitation to the assessment is reused, never doubled, and only
        e-mailed again with `resend`. `expires_at` applies to every invitation (default: new
        ones expire in DEFAULT_INVITATION_DAYS days). Returns `(attempts, created)`."""
        now = fields.Datetime.now()
        if not assessment.is_published:
            raise UserError(_("Publish the assessment before inviting candidates."))
        if expires_at and expires_at <= now:
            raise UserError(_("The invitation must expire in the future."))
        missing_email = candidates.filtered(lambda c: not (c.partner_id.email or c.email))
        if missing_email:
            raise UserError(_("These candidates have no e-mail address: %s",
                              ", ".join(missing_email.mapped("name"))))
        existing = self.search([("assessment_id", "=", assessment.id),
                                ("candidate_id", "in", candidates.ids), ("state", "in", OPEN_STATES)])
        created = self.create([{
            "candidate_id": candidate.id, "assessment_id": assessment.id,
            "company_id": candidate.company_id.id,
            "expires_at": expires_at or now + timedelta(days=DEFAULT_INVITATION_DAYS),
        } for candidate in candidates - existing.candidate_id])
        if expires_at:
            existing.filtered(lambda a: a.expires_at != expires_at).write({"expires_at": expires_at})
        if grant_portal:
            self._grant_portal_access(candidates.partner_id)
        for attempt in created | (existing if resend else self.browse()):
            attempt._portal_ensure_token()
            if template:
                attempt.message_post_with_source(template, subtype_xmlid="mail.mt_comment")
        return existing | created, created

    @api.model
    def _grant_portal_access(self, partners):
        # Recruiters may invite without the "Contact Creation" right portal.wizard asks for.
        portal_wizard = self.env["portal.wizard"].sudo().create({"partner_ids": [(6, 0, partners.ids)]})
        for wizard_user in portal_wizard.user_ids.filtered(lambda u: not u.is_portal and not u.is_internal):
            wizard_user.action_grant_access()
