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
import hashlib
import logging
import os
import tempfile
from datetime import timedelta

from markupsafe import Markup, escape

from odoo import _, api, fields, models

_logger = logging.getLogger(__name__)

RECORDING_KINDS = [("webcam", "Webcam"), ("screen", "Screen")]
KINDS_BY_REQUIREMENT = {
    "none": (),
    "webcam": ("webcam",),
    "screen": ("screen",),
    "both": ("webcam", "screen"),
}
COPY_BLOCK = 256 * 1024
# Chunks closer than this are contiguous: the recorder's timeslices jitter a little.
GAP_TOLERANCE_SECONDS = 1.0
PURGE_BATCH_SIZE = 200
ASSEMBLY_BATCH_SIZE = 20
# Chunks may arrive this long after the attempt closed (the last ones are flushed at submit).
RECORDING_FLUSH_WINDOW = timedelta(seconds=120)


class ChunkTooLarge(Exception):
    pass


def stream_to_filestore(env, sources, max_bytes=None):
    """Copy the file objects `sources`, in order, into the filestore, block by block.

    Returns (store_fname, sha1, sha256, size). The file is content-addressed like Odoo's
    own attachments and marked for the garbage collector until a row references it."""
    attachments = env["ir.attachment"].sudo()
    tmp_dir = attachments._full_path("tech_assessment_tmp")
    os.makedirs(tmp_dir, exist_ok=True)
    sha1, sha256, size = hashlib.sha1(), hashlib.sha256(), 0
    fd, tmp_path = tempfile.mkstemp(dir=tmp_dir)
    try:
        with os.fdopen(fd, "wb") as out:
            for source in sources:
                while True:
                    block = source.read(COPY_BLOCK)
                    if not block:
                        break
                    size += len(block)
                    if max_bytes is not None and size > max_bytes:
                        raise ChunkTooLarge()
                    sha1.update(block)
                    sha256.update(block)
                    out.write(block)
        checksum = sha1.hexdigest()
        fname = f"{checksum[:2]}/{checksum}"
        full_path = attachments._full_path(fname)
        os.makedirs(os.path.dirname(full_path), exist_ok=True)
        if os.path.exists(full_path):
            os.unlink(tmp_path)  # same content already stored: share it
        else:
            os.replace(tmp_path, full_path)
        # if the transaction aborts, the collector removes the unreferenced file
        attachments._mark_for_gc(fname)
    except BaseException:
        if os.path.exists(tmp_path):
            os.unlink(tmp_path)
        raise
    return fname, checksum, sha256.hexdigest(), size


def create_file_attachment(env, stored, values):
    """An ir.attachment pointing at a file `stream_to_filestore` wrote."""
    fname, checksum, _sha256, size = stored
    attachments = env["ir.attachment"].sudo()
    if attachments._storage() != "file":
        # database storage configured: no way around loading the bytes once
        with open(attachments._full_path(fname), "rb") as handle:
            return attachments.create(dict(values, raw=handle.read()))
    attachment = attachments.create(dict(values, type="binary"))
    # create() ignores store_fname/checksum/file_size: set them directly
    env.cr.execute(
        "UPDATE ir_attachment SET store_fname = %s, checksum = %s, file_size = %s WHERE id = %s",
        (fname, checksum, size, attachment.id),
    )
    attachment.invalidate_recordset(["store_fname", "checksum", "file_size", "datas", "raw"])
    return attachment


def merge_intervals(intervals, tolerance=0.0):
    merged = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1] + tolerance:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def intersect_intervals(first, second):
    result, i, j = [], 0, 0
    while i < len(first) and j < len(second):
        start, end = max(first[i][0], second[j][0]), min(first[i][1], second[j][1])
        if start < end:
            result.append([start, end])
        if first[i][1] < second[j][1]:
            i += 1
        else:
            j += 1
    return result


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
    video_url = fields.Char(compute="_compute_video_url")

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

    @api.depends("attachment_id")
    def _compute_video_url(self):
        for recording in self:
            recording.video_url = (f"/web/content/{recording.attachment_id.id}"
                                   if recording.attachment_id else False)

    @api.depends("attempt_id", "kind", "segment")
    def _compute_display_name(self):
        labels = dict(RECORDING_KINDS)
        for recording in self:
            recording.display_name = (
                f"{recording.attempt_id.name} – {labels.get(recording.kind)} #{recording.segment}")

    # ------------------------------------------------------------------
    # Ingest
    # ------------------------------------------------------------------
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
        self._assemble()
        return True

    @api.model
    def _cron_assemble_recordings(self, batch_size=ASSEMBLY_BATCH_SIZE):
        """Assemble, for good, the streams of attempts closed longer than the flush window."""
        closed_before = fields.Datetime.now() - RECORDING_FLUSH_WINDOW
        recordings = self.sudo().search([
            ("state", "=", "recording"),
            ("attempt_id.state", "in", ("submitted", "expired", "cancelled")),
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
    received_at = fields.Datetime(default=fields.Datetime.now, readonly=True)
    attachment_id = fields.Many2one("ir.attachment", readonly=True, ondelete="set null")

    _sql_constraints = [
        ("attempt_kind_sequence_unique", "UNIQUE(attempt_id, kind, sequence)",
         "A chunk's sequence number is stored once per stream."),
    ]


class AssessmentAttemptRecordingHelpers(models.AbstractModel):
    """Interval arithmetic for the unrecorded seconds, kept apart from the attempt."""
    _name = "assessment.recording.coverage"
    _description = "Assessment Recording Coverage"

    @api.model
    def _unrecorded_seconds(self, attempt):
        """Seconds of the attempt during which a required stream was not being recorded."""
        kinds = KINDS_BY_REQUIREMENT.get(attempt.assessment_id.recording_required, ())
        if not kinds or not attempt.started_at:
            return 0.0
        end = attempt.submitted_at or min(fields.Datetime.now(), attempt.deadline or fields.Datetime.now())
        window = [[attempt.started_at.timestamp(), end.timestamp()]]
        if window[0][1] <= window[0][0]:
            return 0.0
        covered = window
        chunks = self.env["assessment.recording.chunk"].sudo().search_read(
            [("attempt_id", "=", attempt.id)], ["kind", "start_time", "end_time"])
        for kind in kinds:
            intervals = [(c["start_time"].timestamp(), c["end_time"].timestamp())
                         for c in chunks if c["kind"] == kind and c["start_time"] and c["end_time"]]
            covered = intersect_intervals(covered, merge_intervals(intervals, GAP_TOLERANCE_SECONDS))
        total = window[0][1] - window[0][0]
        return round(max(0.0, total - sum(e - s for s, e in covered)), 1)


def format_seconds(seconds):
    seconds = int(round(seconds or 0))
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


def html_list(lines):
    return Markup("<ul class='mb-0'>%s</ul>") % Markup("").join(
        Markup("<li>%s</li>") % escape(line) for line in lines)
