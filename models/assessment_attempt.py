"""An attempt: a candidate's invitation to an assessment and its test, from the start to
the result. It is extended in place by assessment_attempt_invitation.py (inviting),
assessment_attempt_result.py (what HR and the candidate see of the result) and
assessment_attempt_proctoring.py (consent, events, recordings).
"""
import random
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.sql import create_index

from ..tools.request_input import tokens_match

ATTEMPT_STATES = [
    ("invited", "Invited"),
    ("in_progress", "In progress"),
    ("submitted", "Submitted"),
    ("expired", "Expired"),
    ("cancelled", "Cancelled"),
]
# Invitations that can still be taken, attempts that ended with a result, and every state
# an attempt cannot leave.
OPEN_STATES = ("invited", "in_progress")
GRADED_STATES = ("submitted", "expired")
FINISHED_STATES = (*GRADED_STATES, "cancelled")
# Answers that reach the server a little after the deadline were clicked in time.
ANSWER_GRACE = timedelta(seconds=10)
# Proctoring events and recording chunks may arrive this long after the attempt closed: the
# page flushes the last ones when the test is handed in.
LATE_DATA_WINDOW = timedelta(seconds=120)
EXPIRY_BATCH_SIZE = 500
# How an attempt ended, as the candidate's result page and HR's form say it.
END_REASONS = [
    ("submitted", "Submitted by the candidate"),
    ("ended_by_hr", "Ended by HR"),
    ("time_up", "Time ran out"),
    ("not_started", "Invitation expired before the start"),
    ("cancelled", "Cancelled by HR"),
]
# What a re-opened attempt forgets of a start that was cancelled.
RESTART_CLEARED_FIELDS = ("started_at", "deadline", "submitted_at", "shuffle_seed", "consent_at",
                          "consent_ip", "consent_user_agent", "consent_version", "consent_hash")


class AssessmentAttempt(models.Model):
    _name = "assessment.attempt"
    _description = "Assessment Attempt"
    _inherit = ["portal.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    candidate_id = fields.Many2one(
        "assessment.candidate", required=True, index=True, ondelete="restrict",
        check_company=True, tracking=True,
    )
    partner_id = fields.Many2one(related="candidate_id.partner_id", store=True, index=True)
    assessment_id = fields.Many2one(
        "assessment.assessment", required=True, index=True, ondelete="restrict",
        check_company=True, tracking=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True,
        default=lambda self: self.env.company,
    )
    # Not tracked: every transition posts its own message (in batch for the cron).
    state = fields.Selection(
        ATTEMPT_STATES, default="invited", required=True, readonly=True, copy=False,
    )
    invited_at = fields.Datetime(default=fields.Datetime.now, readonly=True, copy=False)
    expires_at = fields.Datetime(
        string="Invitation expires", help="After this, the test can no longer be started."
    )
    started_at = fields.Datetime(readonly=True, copy=False)
    deadline = fields.Datetime(readonly=True, copy=False, help="Set by the server at start.")
    submitted_at = fields.Datetime(string="Ended at", readonly=True, copy=False)
    end_reason = fields.Selection(END_REASONS, string="How it ended", readonly=True, copy=False)
    is_graded = fields.Boolean(compute="_compute_is_graded", search="_search_is_graded",
                               help="Submitted or expired: the attempt has a result.")
    duration_minutes = fields.Float(
        compute="_compute_duration_minutes", string="Time taken (min)"
    )
    shuffle_seed = fields.Integer(readonly=True, copy=False, groups="tech_assessment.group_assessment_user")
    answer_ids = fields.One2many("assessment.answer", "attempt_id", string="Answers", readonly=True)
    event_ids = fields.One2many("assessment.event", "attempt_id", string="Events", readonly=True)
    item_count = fields.Integer(compute="_compute_scores", store=True, string="Items")
    answered_count = fields.Integer(compute="_compute_scores", store=True, string="Answered")
    score = fields.Float(compute="_compute_scores", store=True, group_operator="avg",
                         groups="tech_assessment.group_assessment_user")
    max_score = fields.Float(compute="_compute_scores", store=True,
                             groups="tech_assessment.group_assessment_user")
    percent = fields.Float(compute="_compute_scores", store=True, group_operator="avg",
                           string="Score (%)", groups="tech_assessment.group_assessment_user")
    passed = fields.Boolean(compute="_compute_scores", store=True,
                            groups="tech_assessment.group_assessment_user")
    pass_rate = fields.Float(compute="_compute_scores", store=True, group_operator="avg",
                             string="Pass rate (%)", groups="tech_assessment.group_assessment_user",
                             help="100 when passed, 0 otherwise: its average is the pass rate.")

    _sql_constraints = [
        ("deadline_after_start", "CHECK(deadline IS NULL OR deadline > started_at)",
         "The deadline must come after the start."),
    ]

    def init(self):
        # The expiry cron looks for running attempts past their deadline.
        create_index(self.env.cr, "assessment_attempt_state_deadline_idx", self._table,
                     ["state", "deadline"])
        # The integration API lists attempts in (write_date, id) order, from a cursor.
        create_index(self.env.cr, "assessment_attempt_write_date_id_idx", self._table,
                     ["write_date", "id"])

    @api.depends("candidate_id.name", "assessment_id.name")
    def _compute_name(self):
        for attempt in self:
            attempt.name = f"{attempt.candidate_id.name or ''} – {attempt.assessment_id.name or ''}"

    def _compute_access_url(self):
        for attempt in self:
            attempt.access_url = f"/my/assessments/{attempt.id}"

    @api.depends("state")
    def _compute_is_graded(self):
        for attempt in self:
            attempt.is_graded = attempt.state in GRADED_STATES

    def _search_is_graded(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Unsupported search on %s.", self._fields["is_graded"].string))
        return [("state", "in" if (operator == "=") == value else "not in", GRADED_STATES)]

    @api.depends("started_at", "submitted_at")
    def _compute_duration_minutes(self):
        for attempt in self:
            if attempt.started_at and attempt.submitted_at:
                seconds = (attempt.submitted_at - attempt.started_at).total_seconds()
                attempt.duration_minutes = round(seconds / 60.0, 1)
            else:
                attempt.duration_minutes = 0.0

    @api.depends("answer_ids.points", "answer_ids.max_points", "answer_ids.is_correct",
                 "answer_ids.option_id", "assessment_id.pass_rule", "assessment_id.pass_threshold")
    def _compute_scores(self):
        for attempt in self:
            answers = attempt.answer_ids
            score = sum(answers.mapped("points"))
            max_score = sum(answers.mapped("max_points"))
            percent = 100.0 * score / max_score if max_score else 0.0
            if attempt.assessment_id.pass_rule == "all_correct":
                passed = bool(answers) and all(answers.mapped("is_correct"))
            else:
                passed = bool(answers) and percent >= attempt.assessment_id.pass_threshold
            attempt.item_count = len(answers)
            attempt.answered_count = len(answers.filtered("option_id"))
            attempt.score = score
            attempt.max_score = max_score
            attempt.percent = round(percent, 2)
            attempt.passed = passed
            attempt.pass_rate = 100.0 if passed else 0.0

    # ------------------------------------------------------------------
    # Lifecycle
    # ------------------------------------------------------------------
    def _post_transition(self, body):
        # What the candidate does (through their link, as the public user, or logged in to
        # the portal) is theirs in the chatter, not "Public user"'s.
        author = self.partner_id if not self.env.user._is_internal() else None
        self.message_post(body=body, subtype_xmlid="mail.mt_note",
                          author_id=author.id if author else None)

    def _check_access(self, operation):
        """Public methods are RPC endpoints for any logged-in user: the caller needs the
        access right *and* the record rules for `operation` (a portal candidate may only
        read their own attempts, a recruiter only their companies' ones)."""
        self.check_access_rights(operation)
        self.check_access_rule(operation)

    def _lock_for_transition(self):
        """Serialize concurrent transitions of these attempts (a double click, two tabs).

        The second request waits for the first one's lock; once the first commits a change
        to the row, PostgreSQL (REPEATABLE READ) fails the second with a serialization
        failure and Odoo replays it on a fresh snapshot, where the transition is done."""
        self.env.cr.execute(SQL(
            "SELECT id FROM assessment_attempt WHERE id IN %s FOR NO KEY UPDATE",
            tuple(self.ids),
        ), log_exceptions=False)

    def _begin(self, consent=False, consent_hash=None, ip=None, user_agent=None):
        """The candidate's *Start*: consent (required when the test is recorded), then the
        clock. A start that lost a race to another one changes nothing."""
        self.ensure_one()
        self._lock_for_transition()
        if self.state == "in_progress":
            return
        self._check_can_start()
        if self.is_recorded or consent:
            if not consent:
                raise UserError(_("Please tick the consent box to start: this test is recorded."))
            if not tokens_match(consent_hash, self._consent_text_hash()):
                raise UserError(_("The consent text changed while you were reading it: "
                                  "please read it again."))
            self._give_consent(ip=ip, user_agent=user_agent, consent_hash=consent_hash)
        self._start()

    def _check_can_start(self):
        now = fields.Datetime.now()
        if self.state in FINISHED_STATES:
            raise UserError(_("This assessment is closed: it can no longer be started."))
        if self.expires_at and self.expires_at < now:
            raise UserError(_("This invitation expired on %s.", self.expires_at))
        if not self.assessment_id.line_ids:
            raise UserError(_("This assessment has no questions."))

    def _start(self):
        """Start the clock and freeze the items and the order of their options.

        Starting a running attempt changes nothing, so a reload resumes it."""
        self.ensure_one()
        if self.state == "in_progress":
            return True
        self._check_can_start()
        if self.is_recorded and not self.consent_at:
            raise UserError(_("Please give your consent to the recording before starting."))
        now = fields.Datetime.now()
        seed = random.SystemRandom().randint(1, 2**31 - 1)
        self.write({
            "state": "in_progress",
            "started_at": now,
            "deadline": self._deadline_from(now),  # accommodations included
            "shuffle_seed": seed,
        })
        self.env["assessment.answer"].create(self._prepare_answer_lines(seed))
        self._log_event("start")
        self._post_transition(_("Test started; deadline %s (UTC).", self.deadline)
                              if self.deadline else _("Test started; no time limit."))
        return True

    def _check_accepts_answers(self):
        if self.state != "in_progress":
            state = dict(self._fields["state"]._description_selection(self.env))[self.state]
            raise UserError(_("This attempt is %s: answers can no longer be changed.", state.lower()))
        if self.deadline and fields.Datetime.now() > self.deadline + ANSWER_GRACE:
            raise UserError(_("Time is up: the answer arrived after the deadline."))

    def _open_answer(self, item_id):
        """The answer line of `item_id` (an id or a record) in this running attempt, for the
        candidate's changes: refused once the attempt no longer takes answers."""
        self.ensure_one()
        self._check_accepts_answers()
        item_id = item_id.id if isinstance(item_id, models.BaseModel) else item_id
        answer = self.answer_ids.filtered(lambda a: a.item_id.id == item_id)
        if not answer:
            raise ValidationError(_("This question is not part of your assessment."))
        return answer

    def _save_answer(self, item_id, option_id):
        """Record the candidate's choice for one item (autosave). Returns the answer."""
        option_id = option_id.id if isinstance(option_id, models.BaseModel) else option_id
        answer = self._open_answer(item_id)
        if option_id and option_id not in answer._option_order_ids():
            raise ValidationError(_("This option does not belong to this question."))
        answer.write({"option_id": option_id or False, "answered_at": fields.Datetime.now()})
        return answer

    def _set_review_flag(self, item_id, flagged):
        """The candidate's own "come back to this item" mark, kept across reloads. It is not a
        proctoring flag and changes no score, so it costs no recomputation."""
        answer = self._open_answer(item_id)
        if answer.is_flagged != bool(flagged):
            answer.write({"is_flagged": bool(flagged)})
        return answer

    def action_submit(self):
        """*Submit now* (HR, backend)."""
        self._check_access("write")
        return self._submit(end_reason="ended_by_hr")

    def _submit(self, end_reason="submitted"):
        """Hand in the test. Submitting twice is harmless; too late, the attempt expires."""
        now = fields.Datetime.now()
        for attempt in self:
            if attempt.state in GRADED_STATES:
                continue
            if attempt.state != "in_progress":
                raise UserError(_("Only a test in progress can be submitted."))
            if attempt.deadline and now > attempt.deadline + ANSWER_GRACE:
                attempt._expire()
                continue
            attempt.write({"state": "submitted", "submitted_at": now, "end_reason": end_reason})
            attempt._log_event("submit")
            message = _("Test submitted: %(answered)s / %(items)s answered.") \
                if end_reason == "submitted" else \
                _("Test ended by HR: %(answered)s / %(items)s answered.")
            attempt._post_transition(message % {"answered": attempt.answered_count,
                                                "items": attempt.item_count})
        return True

    def action_cancel(self):
        self._check_access("write")
        for attempt in self:
            if attempt.state in GRADED_STATES:
                raise UserError(_("A finished attempt cannot be cancelled."))
        self.filtered(lambda a: a.state != "cancelled").write(
            {"state": "cancelled", "end_reason": "cancelled"})
        for attempt in self:
            attempt._post_transition(_("Invitation withdrawn."))
        return True

    def action_reset_to_invited(self):
        """Re-open a cancelled invitation (HR). An attempt cancelled after it had started
        starts afresh: its answers are discarded (their summary stays in the chatter), the
        clock and the consent are cleared; events and recordings stay as they were."""
        self._check_access("write")
        self._reopen()
        return True

    def _reopen(self):
        for attempt in self:
            if attempt.state != "cancelled":
                raise UserError(_("Only a cancelled invitation can be re-opened."))
        for attempt in self:
            attempt._post_transition(attempt._reopen_message())
        started = self.filtered("started_at")
        # HR may not delete answers (no unlink right): the discard is the model's rule
        answers_sudo = started.sudo().answer_ids
        answers_sudo.unlink()
        started.write(dict.fromkeys(RESTART_CLEARED_FIELDS, False))
        self.write({"state": "invited", "end_reason": False})

    def _reopen_message(self):
        if not self.started_at:
            return _("Invitation re-opened.")
        return _("Invitation re-opened: the test starts afresh. Discarded from the cancelled "
                 "start of %(started)s (UTC): %(answered)s / %(items)s items answered.",
                 started=self.started_at, answered=self.answered_count, items=self.item_count)

    @api.model
    def _cron_expire_attempts(self, batch_size=EXPIRY_BATCH_SIZE):
        """Close attempts whose time ran out and invitations past their expiry, in batches."""
        now = fields.Datetime.now()
        overdue = self.search([
            "|",
            "&", ("state", "=", "in_progress"), ("deadline", "<", now - ANSWER_GRACE),
            "&", ("state", "=", "invited"), ("expires_at", "<", now),
        ], limit=batch_size, order="id")
        if not overdue:
            return 0
        overdue._expire()
        if len(overdue) == batch_size:
            self.env.ref("tech_assessment.ir_cron_expire_attempts")._trigger()
        return len(overdue)

    def _expire(self):
        """Close attempts whose time ran out (in batch: a few queries for any number)."""
        never_started = self.filtered(lambda a: a.state == "invited")
        now = fields.Datetime.now()
        # one UPDATE per ending present in the batch
        for attempts, reason in ((never_started, "not_started"), (self - never_started, "time_up")):
            if attempts:
                attempts.write({"state": "expired", "submitted_at": now, "end_reason": reason})
        self.env["assessment.event"].sudo().create(
            [{"attempt_id": attempt.id, "kind": "expire"} for attempt in self]
        )
        time_up = _("Time ran out: the attempt was closed by the server.")
        unused = _("The invitation expired before the test was started.")
        self._message_log_batch(bodies={
            attempt.id: unused if attempt in never_started else time_up for attempt in self
        })

    def _remaining_seconds(self):
        self.ensure_one()
        if self.state != "in_progress":
            return 0
        return max(0, int((self.deadline - fields.Datetime.now()).total_seconds()))
