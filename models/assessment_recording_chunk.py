from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools.concurrency import replay_on_unique_violation
from ..tools.recording_storage import recording_store
from .assessment_recording import RECORDING_KINDS

MAX_CHUNK_BYTES = 25 * 1024 * 1024
# A chunk covers a few seconds; a longer span claimed by the browser is cut to this.
MAX_CHUNK_SPAN = timedelta(minutes=5)
# A chunk received this long after the end of the time it covers did not come with the live
# upload: it waited in the browser's queue (network outage, reload, crash, submitted with
# uploads pending). Live, a 4-second chunk arrives a second or two after its end, or after
# the other stream's chunk; the page's own retries of a short glitch (1 + 2 + 5 s) and a
# slow connection stay within this; a browser clock a few seconds off does too.
LATE_CHUNK_SECONDS = 30


class AssessmentRecordingChunk(models.Model):
    _name = "assessment.recording.chunk"
    _description = "Assessment Recording Chunk"
    _order = "recording_id, sequence"
    _check_company_auto = True

    recording_id = fields.Many2one(
        "assessment.recording", required=True, index=True, ondelete="cascade", readonly=True,
    )
    attempt_id = fields.Many2one("assessment.attempt", required=True, ondelete="cascade", readonly=True)
    company_id = fields.Many2one(related="recording_id.company_id", store=True, index=True)
    kind = fields.Selection(RECORDING_KINDS, required=True, readonly=True)
    sequence = fields.Integer(required=True, readonly=True)
    sha256 = fields.Char(required=True, readonly=True)
    size = fields.Integer(readonly=True)
    mimetype = fields.Char(readonly=True)
    start_time = fields.Datetime(readonly=True)
    end_time = fields.Datetime(readonly=True)
    received_at = fields.Datetime(default=fields.Datetime.now, readonly=True,
                                  help="When the server received the chunk (server clock).")
    late_seconds = fields.Float(
        string="Late (s)", readonly=True,
        help="Seconds between the end of the time the chunk covers (browser clock) and its "
             "receipt by the server. More than 30 s: it waited in the browser's upload queue.")
    attachment_id = fields.Many2one("ir.attachment", readonly=True, ondelete="set null")

    _sql_constraints = [
        ("attempt_kind_sequence_unique", "UNIQUE(attempt_id, kind, sequence)",
         "A chunk's sequence number is stored once per stream."),
    ]

    @api.model
    def _ingest(self, attempt, kind, sequence, segment, read_body, mimetype, sha256,
                start_time=None, end_time=None):
        """Store the chunk `sequence` of the attempt's `kind` stream, or recognise its replay.

        `read_body(max_bytes)` reads the request's body into the filestore (once per
        request, even when Odoo replays the request) and returns (store_fname, sha1, sha256,
        size); it is called only once the attempt is known to take the chunk. `sha256` is
        the hash the browser declared. The same sequence number with the same bytes is an
        idempotent replay: nothing is stored twice. Raises UserError (not started, closed,
        sequence already stored with other bytes), ValidationError (stream not recorded,
        bytes that do not match the hash) and ChunkTooLarge.

        :return: dict(stored, replay, sequence, size)
        """
        if kind not in attempt._required_kinds():
            raise ValidationError(_("This assessment does not record the %s.", kind))
        # A chunk the server has is acknowledged as such even after the late-data window:
        # the browser that missed the first answer then forgets it, and writes nothing.
        existing = self._of_stream(attempt, kind, sequence)
        if existing:
            return existing._replayed(read_body, sha256)
        attempt._check_accepts_late_data()
        stored = read_body(MAX_CHUNK_BYTES)
        if stored[2] != sha256:
            recording_store(self.env).discard(stored)
            raise ValidationError(_("The chunk's bytes do not match its SHA-256: resend it."))
        # The same chunk sent twice at once, or two chunks opening one segment at once: the
        # loser cannot see the winner's row in its snapshot. It is replayed (the body read
        # once is reused), then finds the row: an idempotent replay, or the segment to add to.
        with replay_on_unique_violation(
                self.env.cr, "assessment_recording_chunk_attempt_kind_sequence_unique",
                "assessment_recording_attempt_kind_segment_unique"):
            recording = self.env["assessment.recording"]._for_segment(attempt, kind, segment)
            chunk = self._create_from_file(recording, sequence, sha256, stored, mimetype,
                                           *self._span(attempt, start_time, end_time))
            recording._register_chunk(chunk)
            self.flush_model()  # the unique index speaks here, inside the savepoint
        return {"stored": True, "replay": False, "sequence": sequence, "size": chunk.size}

    @api.model
    def _of_stream(self, attempt, kind, sequence):
        return self.search([("attempt_id", "=", attempt.id), ("kind", "=", kind),
                            ("sequence", "=", sequence)], limit=1)

    def _replayed(self, read_body, sha256):
        """The same sequence number again: the same bytes are a replay, others a conflict."""
        self.ensure_one()
        if sha256 != self.sha256:
            raise UserError(_("Chunk %s was already received with other content.", self.sequence))
        stored = read_body(MAX_CHUNK_BYTES)
        # in the filestore, the same bytes are the same file: discarding keeps it
        recording_store(self.env).discard(stored)
        if stored[2] != sha256:
            raise ValidationError(_("The chunk's bytes do not match its SHA-256: resend it."))
        return {"stored": False, "replay": True, "sequence": self.sequence, "size": self.size}

    @api.model
    def _span(self, attempt, start_time, end_time):
        """The span a chunk covers by the browser's clock, kept within the attempt."""
        now = fields.Datetime.now()
        low = attempt.started_at - timedelta(minutes=1)
        high = now + timedelta(seconds=5)
        end = min(max(end_time or now, low), high)
        start = min(max(start_time or end, low, end - MAX_CHUNK_SPAN), end)
        return start, end

    @api.model
    def _create_from_file(self, recording, sequence, sha256, stored, mimetype, start_time, end_time):
        attempt = recording.attempt_id
        received_at = fields.Datetime.now()
        attachment = recording_store(self.env).attach(stored, {
            "name": f"attempt-{attempt.id}-{recording.kind}-{sequence:06d}.{mimetype.split('/')[1]}",
            "mimetype": mimetype,
            "res_model": self._name,
            "company_id": attempt.company_id.id,
        })
        chunk = self.create({
            "recording_id": recording.id, "attempt_id": attempt.id, "kind": recording.kind,
            "sequence": sequence, "sha256": sha256, "size": stored[3], "mimetype": mimetype,
            "start_time": start_time, "end_time": end_time, "attachment_id": attachment.id,
            "received_at": received_at,
            "late_seconds": max(0.0, (received_at - end_time).total_seconds()),
        })
        # the attachment was made a moment ago by the store, as superuser: pointing it at
        # its chunk is one UPDATE, not the ORM write and its access checks
        self.env.cr.execute("UPDATE ir_attachment SET res_id = %s WHERE id = %s", (chunk.id, attachment.id))
        attachment.invalidate_recordset(["res_id"])
        return chunk
