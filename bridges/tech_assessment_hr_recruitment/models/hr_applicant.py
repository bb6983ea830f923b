"""The applicant's side of the assessment: the candidate behind the applicant (one per person
and company), "Send assessment", the status and result of the latest attempt, and the stage
automation of the job position."""
from odoo import _, api, fields, models
from odoo.addons.tech_assessment.tools.concurrency import replay_transaction
from odoo.exceptions import UserError
from odoo.tools import SQL, email_normalize

# Context key: the applicant the invitations being made are for (read by _invite).
APPLICANT_KEY = "tech_assessment_applicant_id"
ASSESSMENT_STATUSES = [
    ("invited", "Invited"),
    ("in_progress", "Taking the test"),
    ("passed", "Passed"),
    ("failed", "Failed"),
    ("not_taken", "Not taken"),
    ("cancelled", "Withdrawn"),
]


class HrApplicant(models.Model):
    _inherit = "hr.applicant"

    assessment_candidate_id = fields.Many2one(
        "assessment.candidate", string="Assessment candidate", copy=False, index="btree_not_null",
        check_company=True, groups="tech_assessment.group_assessment_user",
        help="The person behind this application, as the assessments know them (one for "
             "all their applications).")
    assessment_attempt_ids = fields.One2many(
        "assessment.attempt", "applicant_id", string="Assessment attempts",
        groups="tech_assessment.group_assessment_user")
    # Computed as the superuser from this applicant's own attempts: whoever may read the
    # applicant (an interviewer too) sees where the assessment stands.
    assessment_attempt_count = fields.Integer(compute="_compute_assessment_status")
    assessment_status = fields.Selection(
        ASSESSMENT_STATUSES, compute="_compute_assessment_status",
        help="Where this application's latest assessment stands.")
    assessment_result = fields.Char(
        compute="_compute_assessment_status", string="Assessment result",
        help="The score of the latest finished test.")

    def _compute_assessment_status(self):
        latest = {}
        counts = dict.fromkeys(self.ids, 0)
        attempts_sudo = self.env["assessment.attempt"].sudo().search(
            [("applicant_id", "in", self.ids)], order="id desc")
        for attempt in attempts_sudo:
            applicant_id = attempt.applicant_id.id
            counts[applicant_id] += 1
            latest.setdefault(applicant_id, attempt)
        for applicant in self:
            attempt = latest.get(applicant._origin.id)
            applicant.assessment_attempt_count = counts.get(applicant._origin.id, 0)
            applicant.assessment_status = attempt._applicant_status() if attempt else False
            applicant.assessment_result = attempt._applicant_result() if attempt else False

    # ------------------------------------------------------------------
    # The candidate: found or created, one per person and company
    # ------------------------------------------------------------------
    def _assessment_candidate(self):
        """This applicant's assessment candidate: the one linked already, else the one of the
        same contact or e-mail address in the applicant's company (another application of the
        same person), else a new one. Returns it as the superuser: callers check access."""
        self.ensure_one()
        applicant_sudo = self.sudo()
        if applicant_sudo.assessment_candidate_id:
            return applicant_sudo.assessment_candidate_id
        email = email_normalize(self.email_from or self.partner_id.email or "")
        if not email:
            raise UserError(_("Give %s an e-mail address first: the invitation is e-mailed.",
                              self.partner_name or self.name))
        company = self.company_id or self.env.company
        self._lock_person(company, email)
        Candidate = self.env["assessment.candidate"].sudo().with_context(active_test=False)
        in_company = [("company_id", "=", company.id)]
        candidate = Candidate.browse()
        if self.partner_id:
            candidate = Candidate.search(in_company + [("partner_id", "=", self.partner_id.id)],
                                         limit=1, order="active desc, id")
        if not candidate:
            candidate = Candidate.search(in_company + [("email", "=ilike", email)], limit=1,
                                         order="active desc, id")
        if not candidate:
            candidate = Candidate.create({
                "name": self.partner_name or self.partner_id.name or email,
                "email": email,
                "phone": self.partner_phone or False,
                "partner_id": self.partner_id.id or False,
                "company_id": company.id,
            })
        elif not candidate.active:
            candidate.active = True
        applicant_sudo.assessment_candidate_id = candidate
        return candidate

    def _lock_person(self, company, email):
        """Two applications of one person handled at once would both create a candidate.
        The second waits for the first one's transaction, then replays its request (a fresh
        snapshot, under REPEATABLE READ, is the only way to see the first one's candidate)."""
        key = SQL("hashtext(%s)", f"tech_assessment_hr_candidate:{company.id}:{email}")
        self.env.cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s)", key))
        if not self.env.cr.fetchone()[0]:
            self.env.cr.execute(SQL("SELECT pg_advisory_xact_lock(%s)", key))
            replay_transaction(self.env.cr, "a concurrent candidate for the same person")

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_send_assessment(self):
        """The invitation wizard, prefilled: this applicant's candidate, the position's
        assessment and extra time."""
        self.ensure_one()
        self.check_access_rights("write")
        self.check_access_rule("write")
        self.env["assessment.attempt"].check_access_rights("create")
        candidate = self._assessment_candidate().sudo(False)
        job = self.job_id
        context = {
            "default_candidate_ids": candidate.ids,
            "default_applicant_id": self.id,
            "default_company_id": candidate.company_id.id,
        }
        if job.assessment_id:
            context["default_assessment_id"] = job.assessment_id.id
        accommodation = job._assessment_accommodation() if job else None
        if accommodation:
            context.update({"default_set_accommodation": True,
                            **{f"default_{key}": value for key, value in accommodation.items()}})
        return {
            "type": "ir.actions.act_window",
            "name": _("Send an assessment to %s", self.partner_name or self.name),
            "res_model": "assessment.invite.wizard",
            "view_mode": "form",
            "target": "new",
            "context": context,
        }

    def action_open_assessment_attempts(self):
        self.ensure_one()
        self.check_access_rule("read")
        self.env["assessment.attempt"].check_access_rights("read")
        return {
            "type": "ir.actions.act_window",
            "name": _("Assessments of %s", self.partner_name or self.name),
            "res_model": "assessment.attempt",
            "view_mode": "tree,form",
            "domain": [("applicant_id", "=", self.id)],
        }

    # ------------------------------------------------------------------
    # Stage automation (per job position)
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        applicants = super().create(vals_list)
        applicants._send_assessment_on_stage()
        return applicants

    def write(self, vals):
        result = super().write(vals)
        if "stage_id" in vals:
            self._send_assessment_on_stage()
        return result

    def _send_assessment_on_stage(self):
        """Applicants that entered their position's "send" stage get its assessment. A
        problem (no e-mail address, an unpublished assessment) is noted on the applicant,
        never a reason to refuse the move."""
        for applicant in self.filtered(
                lambda a: a.active and a.job_id.assessment_id
                and a.stage_id and a.stage_id == a.job_id.assessment_send_stage_id):
            try:
                with self.env.cr.savepoint():
                    applicant._send_assessment_now()
            except UserError as exc:
                applicant.message_post(body=_("The assessment was not sent: %s", exc.args[0]))

    def _send_assessment_now(self):
        """Invite this applicant's candidate to the position's assessment (an open
        invitation is reused, not sent twice). The automation acts for the recruiter who
        moved the applicant, whatever their assessment rights."""
        self.ensure_one()
        job = self.job_id.sudo()
        candidate = self._assessment_candidate()
        Attempt = self.env["assessment.attempt"].sudo().with_company(candidate.company_id) \
            .with_context(**{APPLICANT_KEY: self.id})
        attempts, created = Attempt._invite(
            candidate, job.assessment_id, template=Attempt._invitation_template(),
            resend=False, accommodation=job._assessment_accommodation())
        if created:
            self.message_post(body=_("Assessment “%s” sent.", job.assessment_id.name))
        return attempts
