from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools.recording_storage import ChunkHashMismatch, chunk_folder, recording_store
from .assessment_recording import KINDS_BY_REQUIREMENT, RECORDING_KINDS

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
    store_key = fields.Char(
        readonly=True, copy=False,
        help="Where the chunk's bytes are in the recording store, until its stream segment is "
             "assembled for good (then only its hash and size stay).")
    attachment_id = fields.Many2one(
        "ir.attachment", readonly=True, ondelete="set null",
        help="The file of a chunk received before chunks had their own folder in the store.")

    # what _ingest reads of the attempt: the upload route reads only these columns
    INGEST_ATTEMPT_FIELDS = ("assessment_id", "company_id", "state", "started_at", "submitted_at")

    _sql_constraints = [
        ("attempt_kind_sequence_unique", "UNIQUE(attempt_id, kind, sequence)",
         "A chunk's sequence number is stored once per stream."),
    ]

    @api.model
    def _ingest(self, attempt, kind, sequence, segment, read_body, mimetype, sha256,
                start_time=None, end_time=None):
        """Store the chunk `sequence` of the attempt's `kind` stream, or recognise its replay.

        `read_body(folder, sequence, sha256, max_bytes)` reads the request's body into the
        recording store (once per request, even when Odoo replays the request) and returns
        (key, sha256, size); ChunkHashMismatch when the bytes do not match the `sha256` the
        browser declared. The same sequence number with the same bytes is an idempotent
        replay: nothing is stored twice. Raises UserError (not started, closed, sequence
        already stored with other bytes), ValidationError (stream not recorded, bytes that do
        not match the hash) and ChunkTooLarge.

        This is the request a recorded test day is made of (two per candidate every 4 s), so
        it is written for its cost: after the attempt is authorized, one query reads what the
        assessment records and finds the segment's recording, and one statement inserts the
        chunk's row and adds it to the recording's totals (a conflict on the sequence number
        is the replay). Two chunks of one segment at once, or the same chunk twice at once:
        the loser's statement waits for the winner and fails to serialize, and Odoo replays
        its request, body included.

        :return: dict(stored, replay, sequence, size)
        """
        required, recording, state = self._stream_of(attempt, kind, segment)
        if kind not in KINDS_BY_REQUIREMENT.get(required, ()):
            raise ValidationError(_("This assessment does not record the %s.", kind))
        try:
            attempt._check_accepts_late_data()
        except UserError:
            # A chunk the server has is acknowledged as such even after the late-data window:
            # the browser that missed the first answer then forgets it. Nothing is read.
            existing = self._of_stream(attempt, kind, sequence)
            if not existing:
                raise
            return existing._acknowledged(sha256)
        try:
            stored = read_body(chunk_folder(attempt.id, kind, segment), sequence, sha256, MAX_CHUNK_BYTES)
        except ChunkHashMismatch:
            raise ValidationError(_("The chunk's bytes do not match its SHA-256: resend it.")) from None
        if not recording:
            recording, state = self.env["assessment.recording"]._create_segment(attempt, kind, segment)
        start, end = self._span(attempt, start_time, end_time)
        if not self._insert_and_count(recording, attempt, kind, sequence, stored, mimetype, start, end):
            return self._replayed(attempt, kind, sequence, stored)
        if state == "assembled":
            recording._rebuild_later()  # a late chunk: the file must be rebuilt
        return {"stored": True, "replay": False, "sequence": sequence, "size": stored[2]}

    @api.model
    def _stream_of(self, attempt, kind, segment):
        """(recording_required of the attempt's assessment, the segment's recording or an
        empty recordset, its state): one query, not two reads of whole rows."""
        self.env["assessment.assessment"].flush_model(["recording_required"])
        self.env["assessment.recording"].flush_model(["attempt_id", "kind", "segment", "state"])
        self.env.cr.execute("""
            SELECT assessment.recording_required, recording.id, recording.state
              FROM assessment_assessment AS assessment
              LEFT JOIN assessment_recording AS recording
                ON recording.attempt_id = %s AND recording.kind = %s AND recording.segment = %s
             WHERE assessment.id = %s
        """, (attempt.id, kind, segment, attempt.assessment_id.id))
        required, recording_id, state = self.env.cr.fetchone()
        return required, self.env["assessment.recording"].browse(recording_id), state

    @api.model
    def _insert_and_count(self, recording, attempt, kind, sequence, stored, mimetype, start, end):
        """Insert the chunk's row and add it to its recording's totals, in one statement;
        False when the sequence number is already stored (nothing written)."""
        key, sha256, size = stored
        now = fields.Datetime.now()
        self.flush_model()
        recording.flush_recordset()
        # a literal query and a dict of parameters: no SQL() composition on the hot path
        self.env.cr.execute("""
            WITH chunk AS (
                INSERT INTO assessment_recording_chunk (
                    recording_id, attempt_id, company_id, kind, sequence, sha256, size, mimetype,
                    start_time, end_time, received_at, late_seconds, store_key,
                    create_uid, create_date, write_uid, write_date)
                VALUES (%(recording)s, %(attempt)s, %(company)s, %(kind)s, %(sequence)s, %(sha256)s,
                        %(size)s, %(mimetype)s, %(start)s, %(end)s, %(now)s, %(late)s, %(key)s,
                        %(uid)s, %(now)s, %(uid)s, %(now)s)
                ON CONFLICT ON CONSTRAINT assessment_recording_chunk_attempt_kind_sequence_unique
                DO NOTHING
                RETURNING id, size, start_time, end_time, mimetype
            )
            UPDATE assessment_recording AS recording
               SET chunk_count = COALESCE(recording.chunk_count, 0) + 1,
                   total_bytes = COALESCE(recording.total_bytes, 0) + chunk.size,
                   started_at = LEAST(recording.started_at, chunk.start_time),
                   ended_at = GREATEST(recording.ended_at, chunk.end_time),
                   mimetype = COALESCE(recording.mimetype, chunk.mimetype),
                   state = CASE WHEN recording.state = 'assembled' THEN 'recording' ELSE recording.state END,
                   write_uid = %(uid)s, write_date = %(now)s
              FROM chunk
             WHERE recording.id = %(recording)s
         RETURNING chunk.id
        """, {"recording": recording.id, "attempt": attempt.id, "company": attempt.company_id.id,
              "kind": kind, "sequence": sequence, "sha256": sha256, "size": size, "mimetype": mimetype,
              "start": start, "end": end, "now": now, "late": max(0.0, (now - end).total_seconds()),
              "key": key, "uid": self.env.uid})
        inserted = self.env.cr.fetchone()
        recording.invalidate_recordset()
        self.invalidate_model()
        return bool(inserted)

    @api.model
    def _of_stream(self, attempt, kind, sequence):
        return self.search([("attempt_id", "=", attempt.id), ("kind", "=", kind),
                            ("sequence", "=", sequence)], limit=1, order="id")

    @api.model
    def _replayed(self, attempt, kind, sequence, stored):
        """The sequence number is stored: the same bytes are a replay, others a conflict."""
        existing = self._of_stream(attempt, kind, sequence)
        if existing.store_key != stored[0]:
            # the bytes received now are under a key no row references
            recording_store(self.env).discard_chunk(stored[0])
        return existing._acknowledged(stored[1])

    def _acknowledged(self, sha256):
        """The answer to a chunk sent again: a replay with the same hash, else a conflict."""
        self.ensure_one()
        if sha256 != self.sha256:
            raise UserError(_("Chunk %s was already received with other content.", self.sequence))
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
