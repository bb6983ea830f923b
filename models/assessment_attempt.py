import hashlib
import json
import random
from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.sql import create_index

from ..tools.recording_coverage import unrecorded_seconds
from ..tools.request_input import tokens_match
from .assessment_recording import KINDS_BY_REQUIREMENT, format_seconds, html_list

ATTEMPT_STATES = [
    ("invited", "Invited"),
    ("in_progress", "In progress"),
    ("submitted", "Submitted"),
    ("expired", "Expired"),
    ("cancelled", "Cancelled"),
]
# Attempts that ended with a result, and every state an attempt cannot leave.
GRADED_STATES = ("submitted", "expired")
FINISHED_STATES = (*GRADED_STATES, "cancelled")
# Answers that reach the server a little after the deadline were clicked in time.
ANSWER_GRACE = timedelta(seconds=10)
EXPIRY_BATCH_SIZE = 500
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
    # Consent, as given on the landing page.
    consent_at = fields.Datetime(readonly=True, copy=False)
    consent_ip = fields.Char(string="Consent IP", readonly=True, copy=False)
    consent_user_agent = fields.Char(readonly=True, copy=False)
    consent_version = fields.Integer(readonly=True, copy=False)
    consent_hash = fields.Char(readonly=True, copy=False, help="SHA-256 of the consent text shown.")

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
        self.message_post(body=body, subtype_xmlid="mail.mt_note")

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
        if self.assessment_id.recording_required != "none" or consent:
            if not consent:
                raise UserError(_("Please tick the consent box to start: this test is recorded."))
            if not tokens_match(consent_hash, self._consent_text_hash()):
                raise UserError(_("The consent text changed while you were reading it: "
                                  "please read it again."))
            self._give_consent(ip=ip, user_agent=user_agent, consent_hash=consent_hash)
        self._start()

    def _give_consent(self, ip=None, user_agent=None, consent_hash=None):
        """Store the candidate's consent to what the assessment records."""
        self.ensure_one()
        if self.state != "invited":
            raise UserError(_("Consent is given before the test starts."))
        self.sudo().write({
            "consent_at": fields.Datetime.now(),
            "consent_ip": ip,
            "consent_user_agent": (user_agent or "")[:512],
            "consent_version": self.assessment_id.consent_version,
            "consent_hash": consent_hash,
        })
        self._log_event("consent", f"version {self.assessment_id.consent_version}")
        self._post_transition(_("Consent given (consent text version %s).",
                                self.assessment_id.consent_version))

    def _consent_text_hash(self):
        """SHA-256 of the consent text as the candidate reads it (in their language)."""
        self.ensure_one()
        text = self.assessment_id.with_context(lang=self.partner_id.lang).consent_text or ""
        return hashlib.sha256(str(text).encode()).hexdigest()

    def _log_event(self, kind, detail=None, client_time=None):
        return self.env["assessment.event"].sudo().create({
            "attempt_id": self.id,
            "kind": kind,
            "detail": detail,
            "client_time": client_time,
        })

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
        if self.assessment_id.recording_required != "none" and not self.consent_at:
            raise UserError(_("Please give your consent to the recording before starting."))
        now = fields.Datetime.now()
        seed = random.SystemRandom().randint(1, 2**31 - 1)
        self.write({
            "state": "in_progress",
            "started_at": now,
            "deadline": now + timedelta(minutes=self.assessment_id.time_limit),
            "shuffle_seed": seed,
        })
        self.env["assessment.answer"].create(self._prepare_answer_lines(seed))
        self._log_event("start")
        self._post_transition(_("Test started; deadline %s (UTC).", self.deadline))
        return True

    def _prepare_answer_lines(self, seed):
        shuffle = self.assessment_id.shuffle_options
        rng = random.Random(seed)
        values = []
        for sequence, item in enumerate(self.assessment_id.question_ids.item_ids, start=1):
            option_ids = item.option_ids.ids
            if shuffle:
                rng.shuffle(option_ids)
            values.append({
                "attempt_id": self.id,
                "item_id": item.id,
                "sequence": sequence,
                "option_order": ",".join(map(str, option_ids)),
            })
        return values

    def _check_accepts_answers(self):
        if self.state != "in_progress":
            state = dict(self._fields["state"]._description_selection(self.env))[self.state]
            raise UserError(_("This attempt is %s: answers can no longer be changed.", state.lower()))
        if fields.Datetime.now() > self.deadline + ANSWER_GRACE:
            raise UserError(_("Time is up: the answer arrived after the deadline."))

    def _save_answer(self, item_id, option_id):
        """Record the candidate's choice for one item (autosave). Returns the answer."""
        self.ensure_one()
        self._check_accepts_answers()
        item_id = item_id.id if isinstance(item_id, models.BaseModel) else item_id
        option_id = option_id.id if isinstance(option_id, models.BaseModel) else option_id
        answer = self.answer_ids.filtered(lambda a: a.item_id.id == item_id)
        if not answer:
            raise ValidationError(_("This question is not part of your assessment."))
        if option_id and option_id not in answer._option_order_ids():
            raise ValidationError(_("This option does not belong to this question."))
        answer.write({"option_id": option_id or False, "answered_at": fields.Datetime.now()})
        return answer

    def action_submit(self):
        """*Submit now* (HR, backend)."""
        self._check_access("write")
        return self._submit()

    def _submit(self):
        """Hand in the test. Submitting twice is harmless; too late, the attempt expires."""
        now = fields.Datetime.now()
        for attempt in self:
            if attempt.state in GRADED_STATES:
                continue
            if attempt.state != "in_progress":
                raise UserError(_("Only a test in progress can be submitted."))
            if now > attempt.deadline + ANSWER_GRACE:
                attempt._expire()
                continue
            attempt.write({"state": "submitted", "submitted_at": now})
            attempt._log_event("submit")
            attempt._post_transition(_("Test submitted: %(answered)s / %(items)s answered.",
                                       answered=attempt.answered_count, items=attempt.item_count))
        return True

    def action_cancel(self):
        self._check_access("write")
        for attempt in self:
            if attempt.state in GRADED_STATES:
                raise UserError(_("A finished attempt cannot be cancelled."))
        self.filtered(lambda a: a.state != "cancelled").write({"state": "cancelled"})
        for attempt in self:
            attempt._post_transition(_("Invitation withdrawn."))
        return True

    def action_reset_to_invited(self):
        """Re-open a cancelled invitation (HR). An attempt cancelled after it had started
        starts afresh: its answers are discarded (their summary stays in the chatter), the
        clock and the consent are cleared; events and recordings stay as they were."""
        self._check_access("write")
        for attempt in self:
            if attempt.state != "cancelled":
                raise UserError(_("Only a cancelled invitation can be re-opened."))
        for attempt in self:
            attempt._post_transition(attempt._reopen_message())
        started = self.filtered("started_at")
        started.sudo().answer_ids.unlink()
        started.write(dict.fromkeys(RESTART_CLEARED_FIELDS, False))
        self.write({"state": "invited"})
        return True

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
        self.write({"state": "expired", "submitted_at": fields.Datetime.now()})
        self.env["assessment.event"].sudo().create(
            [{"attempt_id": attempt.id, "kind": "expire"} for attempt in self]
        )
        time_up = Markup("<p>%s</p>") % _("Time ran out: the attempt was closed by the server.")
        unused = Markup("<p>%s</p>") % _("The invitation expired before the test was started.")
        self._message_log_batch(bodies={
            attempt.id: unused if attempt in never_started else time_up for attempt in self
        })

    # ------------------------------------------------------------------
    # Reporting helpers
    # ------------------------------------------------------------------
    def _topic_breakdown(self):
        """Per topic of this attempt: items, correct items, points and maximum."""
        self.ensure_one()
        groups = self.env["assessment.answer"].sudo()._read_group(
            [("attempt_id", "=", self.id)], ["topic_id"],
            ["__count", "is_correct:count_distinct", "points:sum", "max_points:sum"],
        )
        correct = dict(self.env["assessment.answer"].sudo()._read_group(
            [("attempt_id", "=", self.id), ("is_correct", "=", True)], ["topic_id"], ["__count"],
        ))
        return [{
            "topic": topic,
            "items": count,
            "correct": correct.get(topic, 0),
            "points": points,
            "max_points": max_points,
        } for topic, count, _distinct, points, max_points in groups]

    def _remaining_seconds(self):
        self.ensure_one()
        if self.state != "in_progress":
            return 0
        return max(0, int((self.deadline - fields.Datetime.now()).total_seconds()))

    # ------------------------------------------------------------------
    # Recordings and integrity (models/assessment_recording.py, controllers/recording.py)
    # ------------------------------------------------------------------
    recording_ids = fields.One2many(
        "assessment.recording", "attempt_id", string="Recordings", readonly=True,
        groups="tech_assessment.group_assessment_user",
    )
    recording_count = fields.Integer(compute="_compute_integrity",
                                     groups="tech_assessment.group_assessment_user")
    unrecorded_seconds = fields.Float(
        compute="_compute_integrity", string="Unrecorded (s)",
        groups="tech_assessment.group_assessment_user",
        help="Seconds of the test during which a required stream was not recorded: gaps "
             "between chunks, and between a stream's end and its restart.")
    event_counts_html = fields.Html(compute="_compute_integrity", sanitize=False,
                                    string="Events by kind",
                                    groups="tech_assessment.group_assessment_user")
    integrity_summary = fields.Html(compute="_compute_integrity", sanitize=False,
                                    groups="tech_assessment.group_assessment_user")
    recordings_html = fields.Html(compute="_compute_integrity", sanitize=False, string="Playback",
                                  groups="tech_assessment.group_assessment_user")

    def _event_counts(self):
        self.ensure_one()
        labels = dict(self.env["assessment.event"]._fields["kind"]._description_selection(self.env))
        groups = self.env["assessment.event"].sudo()._read_group(
            [("attempt_id", "=", self.id)], ["kind"], ["__count"])
        return [(labels.get(kind, kind), count) for kind, count in sorted(groups)]

    def _compute_integrity(self):
        for attempt in self:
            recordings = attempt.sudo().recording_ids
            counts = attempt._event_counts()
            unrecorded = unrecorded_seconds(attempt)
            attempt.recording_count = len(recordings)
            attempt.unrecorded_seconds = unrecorded
            attempt.event_counts_html = html_list([f"{label}: {count}" for label, count in counts]) \
                if counts else False
            required = KINDS_BY_REQUIREMENT.get(attempt.assessment_id.recording_required, ())
            facts = [_("Required recording: %s.", ", ".join(required) or _("none"))]
            for kind in required:
                streams = recordings.filtered(lambda r, k=kind: r.kind == k)
                if not streams:
                    facts.append(_("%s: nothing was received.", kind))
                    continue
                facts.append(_(
                    "%(kind)s: %(segments)s segment(s), %(chunks)s chunk(s), %(mb).1f MB, "
                    "%(duration)s recorded%(missing)s%(purged)s.",
                    kind=kind, segments=len(streams), chunks=sum(streams.mapped("chunk_count")),
                    mb=sum(streams.mapped("total_bytes")) / 1e6,
                    duration=format_seconds(sum(streams.mapped("duration_seconds"))),
                    missing=(_("; missing sequence numbers: %s", streams[-1].missing_sequences)
                             if streams[-1].missing_sequences else ""),
                    purged=_("; files deleted") if all(s.state == "purged" for s in streams) else "",
                ))
            if required and attempt.started_at:
                facts.append(_("Not recorded: %s.", format_seconds(unrecorded)))
            facts.extend(f"{label}: {count}" for label, count in counts
                         if label not in ("consent", "start"))
            facts.append(_("These are facts recorded by the browser and the server. They do not "
                           "change the score and are not by themselves evidence of misconduct."))
            attempt.integrity_summary = html_list(facts)
            players = [
                Markup("<div class='mb-3'><div class='fw-semibold'>%s</div>"
                       "<video controls='controls' preload='metadata' "
                       "style='max-width: 100%%; max-height: 360px;' src='%s'></video>"
                       "<div class='small text-muted font-monospace'>SHA-256 %s · %s bytes</div></div>")
                % (recording.display_name, recording.video_url, recording.sha256, recording.file_size)
                for recording in recordings if recording.attachment_id
            ]
            attempt.recordings_html = Markup("").join(players) if players else False

    def _recording_client_state(self):
        """What the recorder of the test page needs to resume: next sequence number per
        stream and next segment (a reload or a restart opens a new segment)."""
        self.ensure_one()
        state = {"next_seq": {}, "next_segment": {}}
        for kind, sequence in self.env["assessment.recording.chunk"].sudo()._read_group(
                [("attempt_id", "=", self.id)], ["kind"], ["sequence:max"]):
            state["next_seq"][kind] = sequence + 1
        for kind, segment in self.env["assessment.recording"].sudo()._read_group(
                [("attempt_id", "=", self.id)], ["kind"], ["segment:max"]):
            state["next_segment"][kind] = segment + 1
        return json.dumps(state)

    def _purge_recordings(self, reason, recordings=None):
        """Delete the media of the attempt's recordings (all, or `recordings`); the consent,
        the events and the recordings' metadata stay. Noted in the chatter."""
        self.ensure_one()
        recordings = (recordings or self.sudo().recording_ids).filtered(
            lambda r: r.attempt_id == self)
        purged, freed = recordings._purge_files()
        if purged:
            self._message_log(body=_(
                "Recordings deleted (%(reason)s): %(count)s file(s), %(mb).1f MB. The consent "
                "record and the proctoring events are kept.",
                reason=reason, count=len(purged), mb=freed / 1e6))
        return purged

    def action_erase_recordings(self):
        """Erase a candidate's recordings on request (assessment administrators)."""
        self._check_access("write")
        if not self.env.user.has_group("tech_assessment.group_assessment_admin"):
            raise AccessError(_("Only an assessment administrator can erase recordings."))
        for attempt in self:
            attempt._purge_recordings(reason=_("erased on request by %s", self.env.user.name))
        return True

    def action_assemble_recordings(self):
        self._check_access("write")
        self.sudo().recording_ids._assemble()
        return True

    def _recording_receipt(self):
        """What the candidate sees on the result page: streams, durations, events."""
        self.ensure_one()
        labels = dict(self.env["assessment.recording"]._fields["kind"]._description_selection(self.env))
        streams = {}
        for recording in self.sudo().recording_ids:
            entry = streams.setdefault(recording.kind, {"label": labels[recording.kind], "seconds": 0.0,
                                                        "segments": 0, "deleted": True})
            entry["seconds"] += recording.duration_seconds
            entry["segments"] += 1
            entry["deleted"] = entry["deleted"] and recording.state == "purged"
        for entry in streams.values():
            entry["duration"] = format_seconds(entry["seconds"])
        return {
            "streams": list(streams.values()),
            "events": self._event_counts(),
            "retention_days": self.assessment_id.retention_days,
        }
