"""Webcam and screen recordings of an attempt: numbered chunks streamed to the filestore,
assembled in order into one playable file per stream segment, purged after retention.

A *segment* is what one MediaRecorder produced: its first chunk carries the WebM header, so
the chunks of a segment concatenated in sequence order are a valid file. A stream that
stopped and was shared again starts a new segment (and a new file); sequence numbers keep
growing per attempt and stream kind, so a gap in them is a fact (a chunk that never arrived).

Bytes are never held in memory: uploads are copied block by block (hashing on the way) into
a temporary file of the filestore, then renamed to their content address, and the
attachment row is pointed at it directly (no base64, no `raw`).
"""
import logging

from odoo import _, api, fields, models

from ..tools.recording_files import create_file_attachment, stream_to_filestore
from .assessment_attempt import FINISHED_STATES, LATE_DATA_WINDOW

_logger = logging.getLogger(__name__)

RECORDING_KINDS = [("webcam", "Webcam"), ("screen", "Screen")]
KINDS_BY_REQUIREMENT = {
    "none": (),
    "webcam": ("webcam",),
    "screen": ("screen",),
    "both": ("webcam", "screen"),
}
PURGE_BATCH_SIZE = 200
ASSEMBLY_BATCH_SIZE = 20


class AssessmentRecording(models.Model):
    _name = "assessment.recording"
    _description = "Assessment Recording"
    _order = "attempt_id, kind, segment, id"
    _check_company_auto = True

    attempt_id = fields.Many2one(
        "assessment.attempt", required=True, index=True, ondelete="cascade", readonly=True,
    )
    company_id = fields.Many2one(related="attempt_id.company_id", store=True, index=True)
    kind = fields.Selection(RECORDING_KINDS, required=True, readonly=True)
    segment = fields.Integer(
        default=1, required=True, readonly=True,
        help="1 for the first recording of this stream, then one more at each restart.",
    )
    state = fields.Selection(
        [("recording", "Receiving chunks"), ("assembled", "Assembled"), ("purged", "Deleted")],
        default="recording", required=True, readonly=True,
    )
    mimetype = fields.Char(readonly=True)
    chunk_ids = fields.One2many("assessment.recording.chunk", "recording_id", readonly=True)
    chunk_count = fields.Integer(readonly=True)
    total_bytes = fields.Integer(string="Bytes received", readonly=True)
    started_at = fields.Datetime(readonly=True, help="Start of the first chunk (browser clock).")
    ended_at = fields.Datetime(readonly=True, help="End of the last chunk (browser clock).")
    duration_seconds = fields.Float(compute="_compute_duration_seconds", string="Duration (s)")
    missing_sequences = fields.Char(readonly=True, help="Sequence numbers that never arrived.")
    attachment_id = fields.Many2one("ir.attachment", string="File", readonly=True, ondelete="set null")
    file_size = fields.Integer(string="File bytes", readonly=True)
    sha256 = fields.Char(string="File SHA-256", readonly=True)
    assembled_at = fields.Datetime(readonly=True)
    purged_at = fields.Datetime(readonly=True)

    _sql_constraints = [
        ("attempt_kind_segment_unique", "UNIQUE(attempt_id, kind, segment)",
         "A stream segment is recorded once per attempt."),
    ]

    @api.depends("started_at", "ended_at")
    def _compute_duration_seconds(self):
        for recording in self:
            if recording.started_at and recording.ended_at:
                recording.duration_seconds = (recording.ended_at - recording.started_at).total_seconds()
            else:
                recording.duration_seconds = 0.0

    @api.depends("attempt_id", "kind", "segment")
    def _compute_display_name(self):
        labels = dict(RECORDING_KINDS)
        for recording in self:
            recording.display_name = (
                f"{recording.attempt_id.name} – {labels.get(recording.kind)} #{recording.segment}")

    # ------------------------------------------------------------------
    # Ingest (assessment.recording.chunk._ingest)
    # ------------------------------------------------------------------
    @api.model
    def _for_segment(self, attempt, kind, segment):
        """The recording of that segment of the attempt's stream, created on its first chunk."""
        recording = self.search([("attempt_id", "=", attempt.id), ("kind", "=", kind),
                                 ("segment", "=", segment)], limit=1)
        return recording or self.create({"attempt_id": attempt.id, "kind": kind, "segment": segment})

    def _register_chunk(self, chunk):
        """Update the running totals with one new chunk (a couple of queries)."""
        self.ensure_one()
        values = {
            "chunk_count": self.chunk_count + 1,
            "total_bytes": self.total_bytes + chunk.size,
        }
        if chunk.start_time and (not self.started_at or chunk.start_time < self.started_at):
            values["started_at"] = chunk.start_time
        if chunk.end_time and (not self.ended_at or chunk.end_time > self.ended_at):
            values["ended_at"] = chunk.end_time
        if not self.mimetype:
            values["mimetype"] = chunk.mimetype
        if self.state == "assembled":
            values["state"] = "recording"  # a late chunk: the file must be rebuilt
        self.write(values)

    # ------------------------------------------------------------------
    # Assembly
    # ------------------------------------------------------------------
    def _assemble(self, drop_chunks=False):
        """Concatenate the chunks in sequence order into one attachment per segment.

        A missing sequence number is written down, not an error. With `drop_chunks`, the
        chunk files are deleted once the whole file is stored (their hashes stay)."""
        Attachment = self.env["ir.attachment"].sudo()
        for recording in self.sudo():
            if recording.state == "purged":
                continue
            chunks = recording.chunk_ids.filtered("attachment_id").sorted("sequence")
            if not chunks:
                continue
            handles = []
            try:
                for chunk in chunks:
                    handles.append(open(Attachment._full_path(chunk.attachment_id.store_fname), "rb"))
                stored = stream_to_filestore(self.env, handles)
            finally:
                for handle in handles:
                    handle.close()
            old = recording.attachment_id
            extension = "mp4" if (recording.mimetype or "").endswith("mp4") else "webm"
            attachment = create_file_attachment(self.env, stored, {
                "name": f"attempt-{recording.attempt_id.id}-{recording.kind}-{recording.segment}.{extension}",
                "mimetype": recording.mimetype or "video/webm",
                "res_model": recording._name,
                "res_id": recording.id,
                "company_id": recording.company_id.id,
            })
            recording.write({
                "attachment_id": attachment.id,
                "file_size": stored[3],
                "sha256": stored[2],
                "state": "assembled",
                "assembled_at": fields.Datetime.now(),
                "missing_sequences": recording._missing_sequences(),
            })
            old.unlink()
            if drop_chunks:
                chunks.attachment_id.unlink()

    def _missing_sequences(self):
        """Sequence numbers absent between the stream's first and last chunk (all segments)."""
        self.ensure_one()
        sequences = self.env["assessment.recording.chunk"].sudo().search([
            ("attempt_id", "=", self.attempt_id.id), ("kind", "=", self.kind),
        ]).mapped("sequence")
        if not sequences:
            return False
        present = set(sequences)
        missing = [seq for seq in range(min(sequences), max(sequences) + 1) if seq not in present]
        text = ", ".join(map(str, missing[:50])) + (" …" if len(missing) > 50 else "")
        return text or False

    def action_assemble(self):
        """*Assemble now* (HR): only for who may change the attempts of these recordings."""
        self.check_access_rights("read")
        self.check_access_rule("read")
        self.attempt_id._check_access("write")
        self._assemble()
        return True

    @api.model
    def _cron_assemble_recordings(self, batch_size=ASSEMBLY_BATCH_SIZE):
        """Assemble, for good, the streams of attempts closed longer than the flush window."""
        closed_before = fields.Datetime.now() - LATE_DATA_WINDOW
        recordings = self.sudo().search([
            ("state", "=", "recording"),
            ("attempt_id.state", "in", FINISHED_STATES),
            ("attempt_id.submitted_at", "<", closed_before),
        ], limit=batch_size, order="id")
        recordings._assemble(drop_chunks=True)
        if len(recordings) == batch_size:
            self.env.ref("tech_assessment.ir_cron_assemble_recordings")._trigger()
        return len(recordings)

    # ------------------------------------------------------------------
    # Retention
    # ------------------------------------------------------------------
    def _purge_files(self):
        """Delete the media (assembled files and chunks); keep the rows: times, sizes, hashes."""
        recordings = self.sudo().filtered(lambda r: r.state != "purged")
        files = recordings.attachment_id | recordings.chunk_ids.attachment_id
        freed = sum(files.mapped("file_size"))
        files.unlink()
        recordings.write({"state": "purged", "purged_at": fields.Datetime.now()})
        return recordings, freed

    @api.model
    def _cron_purge_recordings(self, batch_size=PURGE_BATCH_SIZE):
        """Delete the recordings older than their assessment's retention, in batches."""
        now = fields.Datetime.now()
        self.env.flush_all()
        self.env.cr.execute("""
            SELECT r.id
              FROM assessment_recording r
              JOIN assessment_attempt t ON t.id = r.attempt_id
              JOIN assessment_assessment a ON a.id = t.assessment_id
             WHERE r.state != 'purged'
               AND COALESCE(r.started_at, r.create_date) < %s - make_interval(days => a.retention_days)
             ORDER BY r.id
             LIMIT %s
        """, (now, batch_size))
        recordings = self.sudo().browse([row[0] for row in self.env.cr.fetchall()])
        if not recordings:
            return 0
        for attempt in recordings.attempt_id:
            attempt._purge_recordings(
                reason=_("retention period of %s days elapsed", attempt.assessment_id.retention_days),
                recordings=recordings.filtered(lambda r, a=attempt: r.attempt_id == a),
            )
        if len(recordings) == batch_size:
            self.env.ref("tech_assessment.ir_cron_purge_recordings")._trigger()
        return len(recordings)
