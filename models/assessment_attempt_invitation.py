"""Inviting candidates: one rule for the wizard and the integration API alike."""
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .assessment_attempt import FINISHED_STATES, OPEN_STATES
from .assessment_attempt_accommodation import ACCOMMODATION_FIELDS

DEFAULT_INVITATION_DAYS = 7


class AssessmentAttempt(models.Model):
    # One layer of the attempt a file, on purpose (see the module docstring).
    _inherit = "assessment.attempt"  # pylint: disable=consider-merging-classes-inherited

    invitation_url = fields.Char(
        compute="_compute_invitation_url", string="Candidate's link",
        groups="tech_assessment.group_assessment_user",
        help="The personal link of the invitation e-mail, to copy into another channel. "
             "Whoever has it can take the test.")
    retake_of_id = fields.Many2one(
        "assessment.attempt", string="New attempt after", readonly=True, copy=False,
        index="btree_not_null", help="The earlier attempt this one was given after.")

    display_tz = fields.Char(
        compute="_compute_display_tz", string="Time zone",
        help="The zone of the dates shown to the candidate: theirs when known, else the "
             "company's, else UTC.")

    @api.depends("partner_id.tz", "company_id.partner_id.tz")
    def _compute_display_tz(self):
        for attempt in self:
            attempt.display_tz = (attempt.partner_id.tz or attempt.company_id.partner_id.tz
                                  or "UTC")

    def _notify_get_recipients_groups(self, message, model_description, msg_vals=None):
        """The invitation carries its own call to action: no second "View" button for the
        candidate (portal.mixin adds one) in the e-mails of an attempt; HR's keep theirs."""
        groups = super()._notify_get_recipients_groups(message, model_description,
                                                       msg_vals=msg_vals)
        for group_name, _check, group_data in groups:
            if group_name != "user":
                group_data["has_button_access"] = False
        return groups

    @api.depends("state", "access_token")
    def _compute_invitation_url(self):
        base_url = self.get_base_url() if self else ""
        for attempt in self:
            attempt.invitation_url = (
                f"{base_url}{attempt.access_url}?access_token={attempt.access_token}"
                if attempt.state in OPEN_STATES and attempt.access_token else False)

    @api.model
    def _invite(self, candidates, assessment, expires_at=None, template=None, grant_portal=False,
                resend=True, accommodation=None):
        """Invite `candidates` to `assessment` and e-mail them the tokenized link (`template`).

        A candidate's open invitation to the assessment is reused, never doubled, and only
        e-mailed again with `resend`. `expires_at` applies to every invitation (default: new
        ones expire in DEFAULT_INVITATION_DAYS days). The time accommodation (values of
        ACCOMMODATION_FIELDS) applies to every invitation not started yet; without one, new
        invitations take each candidate's own defaults. Returns `(attempts, created)`."""
        now = fields.Datetime.now()
        if not assessment.is_published:
            raise UserError(_("Publish the assessment before inviting candidates."))
        if expires_at and expires_at <= now:
            raise UserError(_("The invitation must expire in the future."))
        missing_email = candidates.filtered(lambda c: not (c.partner_id.email or c.email))
        if missing_email:
            raise UserError(_("These candidates have no e-mail address: %s",
                              ", ".join(missing_email.mapped("name"))))
        if accommodation:
            self._check_accommodation(accommodation.get("extra_time_percent", 0),
                                      accommodation.get("extra_time_minutes", 0))
        existing = self.search([("assessment_id", "=", assessment.id),
                                ("candidate_id", "in", candidates.ids), ("state", "in", OPEN_STATES)])
        created = self.create([{
            "candidate_id": candidate.id, "assessment_id": assessment.id,
            "company_id": candidate.company_id.id,
            "expires_at": expires_at or now + timedelta(days=DEFAULT_INVITATION_DAYS),
            **(accommodation or candidate._accommodation()),
        } for candidate in candidates - existing.candidate_id])
        if expires_at:
            existing.filtered(lambda a: a.expires_at != expires_at).write({"expires_at": expires_at})
        # An invitation not started yet takes a given accommodation; without one, it keeps
        # its own (HR may have set it on the invitation itself).
        for attempt in existing.filtered(lambda a: accommodation and a.state == "invited"):
            changes = {fname: value for fname, value in accommodation.items()
                       if (attempt[fname] or False) != (value or False)}
            if changes:
                attempt.write(changes)
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

    def _invitation_template(self):
        return self.env.ref("tech_assessment.mail_template_assessment_invitation",
                            raise_if_not_found=False)

    def action_resend_invitation(self):
        """E-mail the invitation again (it never arrived, or went to spam): the same link,
        logged in the chatter like the first one."""
        self._check_access("write")
        closed = self.filtered(lambda a: a.state not in OPEN_STATES)
        if closed:
            raise UserError(_("Only an open invitation can be sent again: %s",
                              ", ".join(closed.mapped("name"))))
        for attempt in self:
            attempt._invite(attempt.candidate_id, attempt.assessment_id,
                            template=self._invitation_template())
        return True

    def action_new_attempt(self):
        """Give the candidate a new attempt at the same assessment (a fresh record, e-mailed;
        this one stays as it is, with its history and result). The accommodation carries
        over."""
        self.ensure_one()
        self._check_access("write")
        if self.state not in FINISHED_STATES:
            raise UserError(_("The candidate can still take this attempt: a new one is given "
                              "once it has ended."))
        accommodation = {fname: self[fname] for fname in ACCOMMODATION_FIELDS}
        attempts, created = self._invite(self.candidate_id, self.assessment_id,
                                         template=self._invitation_template(),
                                         accommodation=accommodation)
        if created:
            created.retake_of_id = self
            self._post_transition(_("New attempt given: %s.", created._get_html_link()))
        return {
            "type": "ir.actions.act_window",
            "res_model": "assessment.attempt",
            "res_id": attempts[:1].id,
            "view_mode": "form",
        }
