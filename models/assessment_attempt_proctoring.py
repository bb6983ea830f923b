"""The proctoring layer of an attempt: consent to the recording, proctoring events, the
recordings with their integrity facts, retention and the candidate's receipt.

It extends `assessment.attempt` in place. Its other parts: the recording and chunk models
(assessment_recording.py, assessment_recording_chunk.py), controllers/recording.py,
static/src/js/assessment_recorder.js, views/assessment_recording_views.xml (backend),
views/assessment_attempt_integrity_templates.xml and views/portal_recording_templates.xml.
"""
import hashlib

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..tools.recording_coverage import late_runs, unrecorded_seconds
from ..tools.recording_storage import chunk_folder, recording_store
from ..tools.recording_timeline import build_timeline
from .assessment_attempt import GRADED_STATES, LATE_DATA_WINDOW
from .assessment_recording import KINDS_BY_REQUIREMENT
from .assessment_recording_chunk import LATE_CHUNK_SECONDS

# The integrity section lists this many runs of late chunks, then says how many more.
LATE_RUNS_SHOWN = 20


class AssessmentAttempt(models.Model):
    # One layer of the attempt a file, on purpose (see the module docstring).
    _inherit = "assessment.attempt"  # pylint: disable=consider-merging-classes-inherited

    # Consent, as given on the landing page.
    consent_at = fields.Datetime(readonly=True, copy=False)
    consent_ip = fields.Char(string="Consent IP", readonly=True, copy=False)
    consent_user_agent = fields.Char(readonly=True, copy=False)
    consent_version = fields.Integer(readonly=True, copy=False)
    consent_hash = fields.Char(readonly=True, copy=False, help="SHA-256 of the consent text shown.")
    is_recorded = fields.Boolean(related="assessment_id.is_recorded")
    recording_ids = fields.One2many(
        "assessment.recording", "attempt_id", string="Recordings", readonly=True,
        groups="tech_assessment.group_assessment_user",
    )
    recording_count = fields.Integer(compute="_compute_recording_facts",
                                     groups="tech_assessment.group_assessment_user")
    unrecorded_seconds = fields.Float(
        compute="_compute_recording_facts", string="Unrecorded (s)",
        groups="tech_assessment.group_assessment_user",
        help="Seconds of the test during which a required stream was not recorded: gaps "
             "between chunks, and between a stream's end and its restart.")
    review_timeline = fields.Json(
        compute="_compute_review_timeline", string="Review",
        groups="tech_assessment.group_assessment_user",
        help="The recordings of the attempt on one timeline, with its events and gaps "
             "(the review player).")
    integrity_html = fields.Html(
        compute="_compute_integrity_html", sanitize=False, string="Integrity",
        groups="tech_assessment.group_assessment_user",
        help="The facts recorded by the browser and the server, and the recordings to play.")

    # ------------------------------------------------------------------
    # Consent and events
    # ------------------------------------------------------------------
    def _give_consent(self, ip=None, user_agent=None, consent_hash=None):
        """Store the candidate's consent to what the assessment records."""
        self.ensure_one()
        if self.state != "invited":
            raise UserError(_("Consent is given before the test starts."))
        version = self.assessment_id.consent_version
        self.sudo().write({
            "consent_at": fields.Datetime.now(),
            "consent_ip": ip,
            "consent_user_agent": (user_agent or "")[:512],
            "consent_version": version,
            "consent_hash": consent_hash,
        })
        self._log_event("consent", f"version {version}")
        self._post_transition(_("Consent given (consent text version %s).", version))

    def _consent_text_hash(self):
        """SHA-256 of the consent text as the candidate reads it (in their language)."""
        self.ensure_one()
        text = self.assessment_id.with_context(lang=self.partner_id.lang).consent_text or ""
        return hashlib.sha256(str(text).encode()).hexdigest()

    def _log_event(self, kind, detail=None, client_time=None):
        return self.env["assessment.event"].sudo().create({
            "attempt_id": self.id, "kind": kind, "detail": detail, "client_time": client_time,
        })

    def _check_accepts_late_data(self):
        """Events and chunks come from a started attempt, or a closed one within the window."""
        self.ensure_one()
        if self.state == "invited" or not self.started_at:
            raise UserError(_("The test has not started."))
        closed_at = self.submitted_at
        if self.state == "cancelled" or (self.state != "in_progress" and (
                not closed_at or fields.Datetime.now() - closed_at > LATE_DATA_WINDOW)):
            raise UserError(_("This attempt is closed."))

    def _log_client_events(self, events):
        """Store the events the candidate's browser reported (dicts of kind, detail and
        client_time, already checked by the caller). Returns how many."""
        self.ensure_one()
        self._check_accepts_late_data()
        self.env["assessment.event"].sudo().create([dict(event, attempt_id=self.id) for event in events])
        return len(events)

    # ------------------------------------------------------------------
    # Recordings and integrity facts
    # ------------------------------------------------------------------
    def _required_kinds(self):
        return KINDS_BY_REQUIREMENT.get(self.assessment_id.recording_required, ())

    def _unrecorded_seconds(self):
        """Seconds of the attempt during which a required stream was not being recorded."""
        self.ensure_one()
        kinds = self._required_kinds()
        if not kinds or not self.started_at:
            return 0.0
        now = fields.Datetime.now()
        end = self.submitted_at or min(now, self.deadline or now)
        chunks = self.env["assessment.recording.chunk"].sudo().search_read(
            [("attempt_id", "=", self.id), ("start_time", "!=", False), ("end_time", "!=", False)],
            ["kind", "start_time", "end_time"])
        intervals = {kind: [(c["start_time"].timestamp(), c["end_time"].timestamp())
                            for c in chunks if c["kind"] == kind] for kind in kinds}
        return unrecorded_seconds(self.started_at.timestamp(), end.timestamp(), intervals)

    def _compute_recording_facts(self):
        for attempt in self:
            attempt.recording_count = len(attempt.sudo().recording_ids)
            attempt.unrecorded_seconds = attempt._unrecorded_seconds()

    def _event_counts(self):
        """[(label, count)] of the attempt's events, by kind."""
        self.ensure_one()
        labels = dict(self.env["assessment.event"]._fields["kind"]._description_selection(self.env))
        groups = self.env["assessment.event"].sudo()._read_group(
            [("attempt_id", "=", self.id)], ["kind"], ["__count"])
        return [(labels.get(kind, kind), count) for kind, count in sorted(groups)]

    def _stream_facts(self):
        """Per required stream: its label and recordings (segments), or no recordings."""
        self.ensure_one()
        labels = dict(self.env["assessment.recording"]._fields["kind"]._description_selection(self.env))
        recordings = self.sudo().recording_ids
        return [{"kind": kind, "label": labels[kind],
                 "recordings": recordings.filtered(lambda r, k=kind: r.kind == k)}
                for kind in self._required_kinds()]

    def _late_chunk_facts(self):
        """The chunks that reached the server late (LATE_CHUNK_SECONDS after the end of the
        time they cover: they waited in the browser's queue), in runs per stream segment."""
        self.ensure_one()
        chunks_sudo = self.env["assessment.recording.chunk"].sudo().search(
            [("attempt_id", "=", self.id), ("late_seconds", ">", LATE_CHUNK_SECONDS)],
            order="kind, sequence")
        runs = late_runs([{
            "kind": chunk.kind, "segment": chunk.recording_id.segment, "sequence": chunk.sequence,
            "end_time": chunk.end_time, "received_at": chunk.received_at,
            "late_seconds": chunk.late_seconds,
        } for chunk in chunks_sudo])
        closed_at = self.submitted_at
        return {
            "count": len(chunks_sudo),
            "max_late": max(chunks_sudo.mapped("late_seconds"), default=0.0),
            "after_end": len(chunks_sudo.filtered(
                lambda chunk: closed_at and chunk.received_at > closed_at)),
            "threshold": LATE_CHUNK_SECONDS,
            "runs": runs[:LATE_RUNS_SHOWN],
            "more_runs": max(0, len(runs) - LATE_RUNS_SHOWN),
        }

    @api.depends("state", "recording_ids", "event_ids")
    def _compute_integrity_html(self):
        for attempt in self:
            attempt.integrity_html = self.env["ir.qweb"]._render(
                "tech_assessment.attempt_integrity", {
                    "attempt": attempt,
                    "streams": attempt._stream_facts(),
                    "unrecorded_seconds": attempt._unrecorded_seconds(),
                    "event_counts": attempt._event_counts(),
                    "late": attempt._late_chunk_facts(),
                    "playable": attempt.sudo().recording_ids.filtered("attachment_id"),
                })

    @api.depends("state", "recording_ids.state", "event_ids")
    def _compute_review_timeline(self):
        for attempt in self:
            attempt.review_timeline = attempt._review_timeline()

    def _review_timeline(self, focus=0.0):
        """The player's timeline (tools/recording_timeline.py), or False when nothing was
        recorded. Times are seconds after the start of the attempt."""
        self.ensure_one()
        kinds = self._required_kinds()
        if not kinds or not self.started_at:
            return False
        origin = self.started_at
        end = self.submitted_at or min(fields.Datetime.now(), self.deadline or fields.Datetime.now())
        labels = dict(self.env["assessment.recording"]._fields["kind"]._description_selection(self.env))
        playable = self.sudo().recording_ids.filtered(
            lambda r: r.attachment_id and r.state != "purged")
        tracks = [{"kind": kind, "label": labels[kind], "segments": [{
            "id": recording.id,
            "segment": recording.segment,
            "url": f"/web/content/{recording.attachment_id.id}",
            "offset": round(recording.offset_seconds, 3),
            "duration": round(recording.media_seconds or recording.duration_seconds, 3),
            "seekable": recording.seekable,
        } for recording in playable.filtered(lambda r, k=kind: r.kind == k).sorted("offset_seconds")]}
            for kind in kinds]
        event_labels = dict(self.env["assessment.event"]._fields["kind"]._description_selection(self.env))
        events = [{
            "at": round((event.server_time - origin).total_seconds(), 3),
            "kind": event.kind, "label": event_labels.get(event.kind, event.kind),
            "detail": event.detail or "",
        } for event in self.sudo().event_ids]
        return build_timeline((end - origin).total_seconds(), tracks, events, focus)

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
        return state

    def _recording_receipt(self):
        """What the candidate sees on the result page: streams, seconds, events."""
        self.ensure_one()
        streams = []
        for stream in self._stream_facts():
            recordings = stream["recordings"]
            if recordings:
                streams.append({
                    "label": stream["label"],
                    "seconds": sum(recordings.mapped("duration_seconds")),
                    "segments": len(recordings),
                    "deleted": all(r.state == "purged" for r in recordings),
                })
        return {"streams": streams, "events": self._event_counts(),
                "retention_days": self.assessment_id.retention_days}

    # ------------------------------------------------------------------
    # HR actions and retention
    # ------------------------------------------------------------------
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

    def unlink(self):
        """The recordings' files go with the attempt: their rows are deleted by the database
        (ondelete cascade), which would leave the files behind. Dropped once the attempts
        are deleted (their access checked), the folders once that is committed."""
        recordings = self.sudo().recording_ids
        files = recordings.attachment_id | recordings.chunk_ids.attachment_id
        # the attempt's whole folder: with any segment whose first upload was rolled back
        folders = [chunk_folder(attempt.id) for attempt in self]
        result = super().unlink()
        store = recording_store(self.env)
        store.drop(files)
        store.drop_chunk_folders(folders)
        return result

    def action_assemble_recordings(self):
        """*Assemble recordings* (HR): for who may change these attempts."""
        self._check_access("write")
        self._assemble_recordings()
        return True

    def _submit(self, end_reason="submitted"):
        ending = self.filtered(lambda attempt: attempt.state == "in_progress")
        result = super()._submit(end_reason=end_reason)
        self.env["assessment.recording"]._schedule_assembly(
            ending.filtered(lambda attempt: attempt.state in GRADED_STATES))
        return result

    def _expire(self):
        ending = self.filtered(lambda attempt: attempt.state == "in_progress")
        result = super()._expire()
        self.env["assessment.recording"]._schedule_assembly(ending)
        return result

    def _assemble_recordings(self):
        recordings_sudo = self.sudo().recording_ids
        recordings_sudo._assemble()
