"""Webcam and screen recordings of an attempt: numbered chunks streamed to the filestore,
assembled in order into one seekable file per stream segment, purged after retention.

A *segment* is what one MediaRecorder produced: its first chunk carries the WebM header, so
the chunks of a segment concatenated in sequence order are a valid file. A stream that
stopped and was shared again starts a new segment (and a new file); sequence numbers keep
growing per attempt and stream kind, so a gap in them is a fact (a chunk that never arrived).

Bytes are never held in memory: a chunk is copied block by block from the request (hashed on
the way) into its segment's folder of the recording store (tools/recording_storage.py), and
its row points at it; the assembled file is an attachment pointed at its file directly (no
base64, no `raw`).

Assembly remuxes a segment's chunks without re-encoding (tools/recording_media.py) into a
file with a duration and cues, so that a player seeks in it. It runs in the assembly job,
triggered when the attempt ends (`_schedule_assembly`), again when a late chunk arrives, and
for good once the late-data window has passed (then the chunk files go). Each segment keeps
its place on the attempt's timeline (`offset_seconds`): the player leaves the time between
segments (a stream stopped, the page reloaded) as a gap.
"""
import logging
import os
from datetime import timedelta

from odoo import _, api, fields, models

from ..tools.concurrency import replay_on_unique_violation
from ..tools.recording_files import filestore_temp_path
from ..tools.recording_media import ConcatenatedFiles, RemuxError, remux
from ..tools.recording_storage import chunk_folder, recording_store
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
# a 45-minute stream remuxes in seconds; a few per run keep a run well within the cron's
# time limit, and a full batch triggers the next run at once
ASSEMBLY_BATCH_SIZE = 6
# the final assembly runs this long after the late-data window, when the last chunk is in
ASSEMBLY_FINAL_DELAY = timedelta(seconds=10)
# a late chunk rarely comes alone (the browser's queue is being emptied): rebuild a bit later
LATE_CHUNK_BATCHING = timedelta(seconds=15)


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
    seekable = fields.Boolean(
        readonly=True,
        help="The file was remuxed: it has a duration and cues, a player can seek in it. "
             "Otherwise it is the chunks as received (see the remux error).")
    media_seconds = fields.Float(string="File duration (s)", readonly=True,
                                 help="The duration written in the file by the remux.")
    remux_error = fields.Char(readonly=True, help="Why the chunks could not be remuxed.")
    review_timeline = fields.Json(
        compute="_compute_review_timeline", string="Review",
        help="The attempt's review player, opened at this segment.")
    offset_seconds = fields.Float(
        compute="_compute_offset_seconds", string="Starts at (s)",
        help="Where the segment starts on the attempt's timeline (seconds after its start).")
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

    @api.depends("started_at", "attempt_id.started_at")
    def _compute_offset_seconds(self):
        for recording in self:
            origin = recording.attempt_id.started_at
            recording.offset_seconds = max(0.0, (recording.started_at - origin).total_seconds()) \
                if recording.started_at and origin else 0.0

    @api.depends("attempt_id", "state", "offset_seconds")
    def _compute_review_timeline(self):
        for recording in self:
            recording.review_timeline = recording.attempt_id.sudo()._review_timeline(
                focus=recording.offset_seconds)

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
    def _create_segment(self, attempt, kind, segment):
        """(recording, state) of a stream segment's first chunk."""
        # two first chunks of one segment at once: the loser replays, and finds the row
        with replay_on_unique_violation(self.env.cr, "assessment_recording_attempt_kind_segment_unique"):
            recording = self.create({"attempt_id": attempt.id, "kind": kind, "segment": segment,
                                     "chunk_count": 0, "total_bytes": 0})
            recording.flush_recordset()
        return recording, recording.state

    def _rebuild_later(self):
        """A chunk came after the segment was assembled: assemble it again soon (late chunks
        come in bursts, when a browser's queue is emptied)."""
        self.env.ref("tech_assessment.ir_cron_assemble_recordings").sudo()._trigger(
            fields.Datetime.now() + LATE_CHUNK_BATCHING)

    def _chunk_folder(self):
        self.ensure_one()
        return chunk_folder(self.attempt_id.id, self.kind, self.segment)

    def _chunks_with_files(self):
        return self.chunk_ids.filtered(lambda chunk: chunk.store_key or chunk.attachment_id)

    def _drop_chunk_files(self):
        """Delete the chunk files of these recordings (their rows, hashes and sizes stay)."""
        chunks = self.sudo().chunk_ids
        store = recording_store(self.env)
        store.drop(chunks.attachment_id)
        store.drop_chunk_folders([recording._chunk_folder() for recording in self])
        chunks.filtered("store_key").write({"store_key": False})

    # ------------------------------------------------------------------
    # Assembly
    # ------------------------------------------------------------------
    def _assemble(self, drop_chunks=False):
        """Remux the chunks, in sequence order, into one seekable file per segment.

        Chunks FFmpeg cannot read (not a media stream) are concatenated as received, and the
        reason is kept. A missing sequence number is written down, not an error. With
        `drop_chunks`, the chunk files are deleted once the whole file is stored (their
        hashes stay)."""
        store = recording_store(self.env)
        for recording in self.sudo():
            if recording.state == "purged":
                continue
            chunks = recording._chunks_with_files().sorted("sequence")
            if not chunks:
                continue
            with store.chunk_paths(chunks) as paths:
                stored, media_seconds, error = recording._remux_into_store(store, paths)
            old = recording.attachment_id
            extension = "mp4" if (recording.mimetype or "").endswith("mp4") else "webm"
            attachment = store.attach(stored, {
                "name": f"attempt-{recording.attempt_id.id}-{recording.kind}-{recording.segment}.{extension}",
                "mimetype": (recording.mimetype or "video/webm").split(";")[0],
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
                "seekable": not error,
                "media_seconds": media_seconds,
                "remux_error": error,
            })
            store.drop(old)
            if drop_chunks:
                recording._drop_chunk_files()

    def _remux_into_store(self, store, paths):
        """(stored, seconds, error): the remuxed file, or the chunks as they are and why."""
        self.ensure_one()
        container = "mp4" if (self.mimetype or "").endswith("mp4") else "webm"
        tmp_path = filestore_temp_path(self.env)
        try:
            seconds = remux(paths, tmp_path, container)
            return store.put_file(tmp_path), seconds, False
        except RemuxError as error:
            _logger.info("%s: not remuxed (%s), chunks concatenated", self.display_name, error)
            reason = str(error)[:200]
        finally:
            if os.path.exists(tmp_path):
                os.unlink(tmp_path)
        source = ConcatenatedFiles(paths)
        try:
            stored = store.put_stream(source, length=sum(os.path.getsize(path) for path in paths))
        finally:
            source.close()
        return stored, self.duration_seconds, reason

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
    def _schedule_assembly(self, attempts):
        """Ask the assembly job to run now for attempts that just ended, and once more after
        their late-data window, to assemble for good."""
        recorded = attempts.filtered("is_recorded")
        if not recorded:
            return
        cron = self.env.ref("tech_assessment.ir_cron_assemble_recordings").sudo()
        closed = [attempt.submitted_at for attempt in recorded if attempt.submitted_at]
        cron._trigger([fields.Datetime.now()] + [
            closed_at + LATE_DATA_WINDOW + ASSEMBLY_FINAL_DELAY for closed_at in closed])

    @api.model
    def _cron_assemble_recordings(self, batch_size=ASSEMBLY_BATCH_SIZE):
        """Assemble the streams of ended attempts: at once (playable, seekable), again when a
        late chunk came, and for good past the late-data window (the chunk files go)."""
        closed_before = fields.Datetime.now() - LATE_DATA_WINDOW
        finished = [("attempt_id.state", "in", FINISHED_STATES)]
        recordings = self.sudo().search(finished + [("state", "=", "recording")],
                                        limit=batch_size, order="id")
        final = recordings.filtered(lambda r: r.attempt_id.submitted_at
                                    and r.attempt_id.submitted_at < closed_before)
        final._assemble(drop_chunks=True)
        (recordings - final)._assemble()
        # assembled early, and the window is over without a late chunk: drop the chunk files
        done = self.sudo().search(finished + [
            ("state", "=", "assembled"), ("attempt_id.submitted_at", "<", closed_before),
            "|", ("chunk_ids.store_key", "!=", False), ("chunk_ids.attachment_id", "!=", False),
        ], limit=batch_size, order="id")
        done._drop_chunk_files()
        if len(recordings) == batch_size or len(done) == batch_size:
            self.env.ref("tech_assessment.ir_cron_assemble_recordings")._trigger()
        return len(recordings)

    # ------------------------------------------------------------------
    # Retention
    # ------------------------------------------------------------------
    def _purge_files(self):
        """Delete the media (assembled files and chunks); keep the rows: times, sizes, hashes."""
        recordings = self.sudo().filtered(lambda r: r.state != "purged")
        files = recordings.attachment_id | recordings.chunk_ids.attachment_id
        freed = (sum(files.mapped("file_size"))
                 + sum(recordings.chunk_ids.filtered("store_key").mapped("size")))
        recording_store(self.env).drop(recordings.attachment_id)
        recordings._drop_chunk_files()
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
