from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.sql import create_index

from ..tools.concurrency import replay_on_unique_violation
from .assessment_attempt import GRADED_STATES
from .assessment_attempt_accommodation import ACCOMMODATION_FIELDS

ACCOMMODATION_FIELDS_SET = set(ACCOMMODATION_FIELDS)


class AssessmentCandidate(models.Model):
    _name = "assessment.candidate"
    _description = "Assessment Candidate"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    email = fields.Char(tracking=True)
    phone = fields.Char()
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one(
        "res.partner", string="Contact", index=True, ondelete="restrict",
        help="The contact that receives invitations and, with portal access, signs in.",
    )
    provider = fields.Char(help="The system the candidate comes from, e.g. greenhouse.")
    external_id = fields.Char(string="External ID", help="The candidate's id in that system.")
    attempt_ids = fields.One2many("assessment.attempt", "candidate_id", string="Attempts")
    # Not stored on purpose: stored, they would be recomputed (and the candidate row
    # rewritten) by every autosave of a running attempt.
    attempt_count = fields.Integer(compute="_compute_attempt_stats")
    best_attempt_id = fields.Many2one(
        "assessment.attempt", compute="_compute_attempt_stats", string="Best attempt",
        groups="tech_assessment.group_assessment_user",
    )
    best_percent = fields.Float(
        compute="_compute_attempt_stats", string="Best score (%)",
        groups="tech_assessment.group_assessment_user",
    )
    passed_any = fields.Boolean(
        compute="_compute_attempt_stats", search="_search_passed_any", string="Passed",
        groups="tech_assessment.group_assessment_user",
    )
    last_activity = fields.Datetime(compute="_compute_attempt_stats")
    result_summary = fields.Char(
        compute="_compute_attempt_stats", string="Result",
        groups="tech_assessment.group_assessment_user",
        help="The best finished result, or where the candidate stands when none is.")
    # Time accommodations: the defaults of this candidate's future invitations.
    extra_time_percent = fields.Integer(
        string="Extra time (%)", tracking=True,
        help="Default of future invitations: more time, as a percentage of the time limit.")
    extra_time_minutes = fields.Integer(string="Extra minutes", tracking=True,
                                        help="Default of future invitations.")
    no_time_limit = fields.Boolean(string="No time limit", tracking=True,
                                   help="Default of future invitations.")
    accommodation_reason = fields.Char(
        string="Reason for the accommodation", groups="tech_assessment.group_assessment_user",
        help="Kept for HR; never shown to the candidate.")

    _sql_constraints = [
        ("external_id_unique", "unique(company_id, provider, external_id)",
         "Another candidate of this company already has this external ID for this provider."),
    ]

    @api.depends("attempt_ids.state")
    def _compute_attempt_stats(self):
        attempts_by_candidate = {candidate: candidate.env["assessment.attempt"] for candidate in self}
        for attempt in self.env["assessment.attempt"].sudo().search(
            [("candidate_id", "in", self.ids)]
        ):
            attempts_by_candidate[attempt.candidate_id] |= attempt
        for candidate in self:
            attempts = attempts_by_candidate.get(candidate._origin, self.env["assessment.attempt"])
            finished = attempts.filtered(lambda a: a.state in GRADED_STATES)
            best = max(finished, key=lambda a: (a.percent, a.id), default=finished)
            candidate.attempt_count = len(attempts)
            candidate.best_attempt_id = best
            candidate.best_percent = best.percent if best else 0.0
            candidate.passed_any = any(finished.mapped("passed"))
            candidate.last_activity = max(attempts.mapped("write_date"), default=False)
            candidate.result_summary = candidate._result_summary(attempts, best)

    def _result_summary(self, attempts, best):
        """'best 83.33 % · passed', or what the candidate is at: no figure that is not one
        (a 0.00 % for a test not taken yet)."""
        if best:
            verdict = _("passed") if best.passed else _("not passed")
            return _("best %(percent).2f %% · %(verdict)s", percent=best.percent, verdict=verdict)
        states = set(attempts.mapped("state"))
        if "in_progress" in states:
            return _("taking the test")
        if "invited" in states:
            return _("invited, not started")
        if states:
            return _("no result (withdrawn)")
        return _("not invited")

    @api.constrains("extra_time_percent", "extra_time_minutes")
    def _check_extra_time(self):
        for candidate in self:
            self.env["assessment.attempt"]._check_accommodation(
                candidate.extra_time_percent, candidate.extra_time_minutes)

    def _accommodation(self):
        """This candidate's defaults, as the values of an invitation."""
        self.ensure_one()
        return {"extra_time_percent": self.extra_time_percent,
                "extra_time_minutes": self.extra_time_minutes,
                "no_time_limit": self.no_time_limit,
                "accommodation_reason": self.sudo().accommodation_reason or False}

    def _search_passed_any(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Unsupported search on Passed."))
        passed = self.env["assessment.attempt"].sudo()._search([("passed", "=", True)])
        in_or_not = "in" if (operator == "=") == value else "not in"
        return [("attempt_ids", in_or_not, passed)]

    @api.model_create_multi
    def create(self, vals_list):
        # before the contact is created with sudo() below
        self.check_access_rights("create")
        for vals in vals_list:
            if not vals.get("partner_id"):
                # The candidate's contact card, kept to the candidate's company: recruiters
                # need not have the "Contact Creation" right for it.
                vals["partner_id"] = self.env["res.partner"].sudo().create({
                    "name": vals.get("name"),
                    "email": vals.get("email"),
                    "phone": vals.get("phone"),
                    "company_id": vals.get("company_id") or self.env.company.id,
                }).id
        return super().create(vals_list)

    def write(self, vals):
        result = super().write(vals)
        # Invitations go to the contact: keep its address in step with the candidate's.
        contact_values = {key: vals[key] for key in ("email", "phone") if key in vals}
        if contact_values:
            self.partner_id.sudo().write(contact_values)
        return result

    def action_open_attempts(self):
        self.ensure_one()
        self.check_access_rights("read")
        self.check_access_rule("read")
        return {
            "type": "ir.actions.act_window",
            "name": _("Attempts of %s", self.name),
            "res_model": "assessment.attempt",
            "view_mode": "tree,form",
            "domain": [("candidate_id", "=", self.id)],
            "context": {"default_candidate_id": self.id},
        }

    def action_invite(self):
        self.check_access_rights("write")
        self.check_access_rule("write")
        return {
            "type": "ir.actions.act_window",
            "name": _("Invite to an assessment"),
            "res_model": "assessment.invite.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_candidate_ids": self.ids},
        }

    # ------------------------------------------------------------------
    # Integration API (controllers/api.py, README "Integration API")
    # ------------------------------------------------------------------
    def init(self):
        # The API lists candidates in (write_date, id) order, from a cursor.
        create_index(self.env.cr, "assessment_candidate_write_date_id_idx", self._table,
                     ["write_date", "id"])

    @api.model
    def _api_upsert(self, company, provider, external_id, values, assessment=None,
                    expires_at=None):
        """Create or update the candidate ``(company, provider, external_id)`` with
        ``values`` (name, email, phone) and, given an assessment, reuse the candidate's open
        invitation to it or invite them (the invite wizard: checks, attempt, e-mail).

        One savepoint holds every write: an error anywhere (say, in the invitation) leaves
        nothing behind. Repeating the call changes nothing: unchanged values are not written
        and the open invitation is reused. Two concurrent calls for one key are serialized:
        the second one meets the first one's row (unique constraint, or the lock below) and
        gets a serialization failure, on which Odoo replays the whole request with a fresh
        snapshot (``odoo.service.model.retrying``); the replay finds and updates that row.

        :return: ``(candidate, created, attempt or None, attempt_created)``
        """
        key = [("company_id", "=", company.id), ("provider", "=", provider),
               ("external_id", "=", external_id)]
        with self.env.cr.savepoint():
            candidate = self.with_context(active_test=False).search(key, limit=1)
            created = not candidate
            if candidate:
                candidate._api_lock()
                changes = {fname: value for fname, value in values.items()
                           if (candidate[fname] or False) != (value or False)}
                if changes:
                    candidate.write(changes)
            else:
                if not values.get("name"):
                    raise UserError(_("A new candidate needs a name."))
                # A concurrent transaction may commit this key after our snapshot was taken:
                # under REPEATABLE READ we cannot see it, a replay will.
                with replay_on_unique_violation(self.env.cr,
                                                "assessment_candidate_external_id_unique"):
                    candidate = self.create({
                        **values, "company_id": company.id,
                        "provider": provider, "external_id": external_id,
                    })
            attempt, attempt_created = None, False
            if assessment:
                # An accommodation sent with the invitation applies to it, even when reused
                # (not started yet); otherwise a new invitation takes the candidate's defaults.
                accommodation = candidate._accommodation() \
                    if ACCOMMODATION_FIELDS_SET & set(values) else None
                attempt, attempt_created = candidate._api_invite(assessment, expires_at,
                                                                 accommodation)
        return candidate, created, attempt, attempt_created

    def _api_lock(self):
        """Serialize concurrent API writes to this candidate: a no-op UPDATE makes a second
        concurrent writer wait, then fail with a serialization failure (REPEATABLE READ),
        which Odoo answers by replaying its request. A mere row lock would not: the second
        writer would go on with a snapshot that misses the first one's invitation."""
        self.ensure_one()
        self.env.cr.execute(SQL(
            "UPDATE assessment_candidate SET write_date = write_date WHERE id = %s", self.id,
        ), log_exceptions=False)

    def _api_invite(self, assessment, expires_at=None, accommodation=None):
        """Reuse the open invitation of this candidate to ``assessment`` (a new expiry date and
        a given accommodation are applied to it) or invite them. Returns
        ``(attempt, created)``."""
        self.ensure_one()
        attempts, created = self.env["assessment.attempt"]._invite(
            self, assessment, expires_at, resend=False, accommodation=accommodation,
            template=self.env.ref("tech_assessment.mail_template_assessment_invitation",
                                  raise_if_not_found=False))
        return attempts[:1], bool(created)
