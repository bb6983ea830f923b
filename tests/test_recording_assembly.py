"""Assembly: a segment's chunks remuxed (no re-encoding) into a file with a duration and
cues, read back with PyAV's demuxer; a restarted stream's segments on the attempt's
timeline with the gap between them; the job triggered when the attempt ends."""
import io
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from ..models.assessment_attempt import LATE_DATA_WINDOW
from ..tools.recording_media import probe
from ..tools.recording_storage import S3Store, recording_store
from .media_samples import cut, live_webm
from .recording_case import RecordingCase, webm


@tagged("post_install", "-at_install")
class TestRecordingAssembly(RecordingCase):
    def setUp(self):
        super().setUp()
        self.attempt = self._attempt(assessment=self.webcam_only)
        self.origin = fields.Datetime.now() - timedelta(seconds=60)
        self.attempt.write({"started_at": self.origin})
        self.csrf = self._csrf(self.attempt)
        self.seq = 0

    def _record(self, seconds, at, segment=1, parts=4):
        """Upload a live WebM of `seconds` recorded `at` seconds after the start."""
        chunks = cut(live_webm(seconds, seed=segment), parts)
        step = seconds / len(chunks)
        base = self.origin.timestamp() * 1000
        for index, data in enumerate(chunks):
            response = self._upload(self.attempt, "webcam", self.seq, data, segment=segment,
                                    start_ms=base + (at + index * step) * 1000,
                                    end_ms=base + (at + (index + 1) * step) * 1000)
            self.assertEqual(response.status_code, 200, response.text)
            self.seq += 1

    def _cron(self):
        return self.env["assessment.recording"]._cron_assemble_recordings()

    def _triggers(self):
        cron = self.env.ref("tech_assessment.ir_cron_assemble_recordings")
        return self.env["ir.cron.trigger"].sudo().search([("cron_id", "=", cron.id)])

    def test_single_segment_becomes_seekable_when_the_attempt_ends(self):
        self._record(12, at=0)
        recording = self.attempt.sudo().recording_ids
        with recording_store(self.env).chunk_paths(recording.chunk_ids.sorted("sequence")[:1]) as (path,):
            before = probe(path)
        self.assertIsNone(before["duration"], "MediaRecorder's live WebM has no duration")
        triggers = self._triggers()
        self.attempt._submit()
        new = self._triggers() - triggers
        at = sorted(new.mapped("call_at"))
        self.assertEqual(len(at), 2, "now, and after the late-data window")
        self.assertLessEqual(at[0], fields.Datetime.now())
        self.assertGreaterEqual(at[1], self.attempt.submitted_at + LATE_DATA_WINDOW)
        self.assertEqual(recording.state, "recording", "not assembled inside the submit")

        self.assertEqual(self._cron(), 1)
        self.assertEqual((recording.state, recording.seekable, recording.remux_error),
                         ("assembled", True, False))
        media = self._probe(recording.attachment_id)
        self.assertAlmostEqual(media["duration"], 12, delta=0.5)
        self.assertAlmostEqual(recording.media_seconds, 12, delta=0.5)
        self.assertGreaterEqual(media["cues"]["video"], 3, "a cue per keyframe cluster (every 2 s)")
        self.assertTrue(all(recording.chunk_ids.mapped("store_key")), "kept until the late-data window ends")
        self.assertEqual(self._chunk_files(self.attempt), sorted(recording.chunk_ids.mapped("store_key")))
        timeline = self.attempt.review_timeline
        self.assertEqual(timeline["tracks"][0]["segments"][0]["url"],
                         f"/web/content/{recording.attachment_id.id}")
        self.assertEqual(timeline["tracks"][0]["segments"][0]["offset"], 0)

        # after the window: the chunk files go, the file stays
        self.attempt.submitted_at = fields.Datetime.now() - LATE_DATA_WINDOW - timedelta(seconds=1)
        self._cron()
        self.env.cr.postcommit.run()
        self.assertFalse(any(recording.chunk_ids.mapped("store_key")))
        self.assertEqual(self._chunk_files(self.attempt), [], "the chunk files are gone")
        self.assertEqual(recording.chunk_count, len(recording.chunk_ids), "the rows and their hashes stay")
        self.assertEqual(recording.state, "assembled")
        self.assertTrue(recording.attachment_id.exists())

    def test_restarted_stream_keeps_its_place_and_its_gap(self):
        self._record(8, at=0, segment=1)
        self._record(10, at=20, segment=2)
        self.attempt._submit()
        self._cron()
        first, second = self.attempt.sudo().recording_ids.sorted("segment")
        for recording, seconds in ((first, 8), (second, 10)):
            self.assertTrue(recording.seekable)
            media = self._probe(recording.attachment_id)
            self.assertAlmostEqual(media["duration"], seconds, delta=0.5)
            self.assertGreaterEqual(media["cues"]["video"], 2)
        self.assertAlmostEqual(first.offset_seconds, 0, delta=0.01)
        self.assertAlmostEqual(second.offset_seconds, 20, delta=0.01)
        track = self.attempt.review_timeline["tracks"][0]
        self.assertEqual([s["id"] for s in track["segments"]], [first.id, second.id])
        (gap_start, gap_end), *after = track["gaps"]
        self.assertAlmostEqual(gap_start, 8, delta=0.5)
        self.assertAlmostEqual(gap_end, 20, delta=0.01)
        self.assertEqual(len(after), 1, "and from the end of segment 2 to the submit")
        self.assertAlmostEqual(after[0][0], 30, delta=0.5)

    def test_late_chunk_rebuilds_the_file(self):
        self._record(6, at=0, parts=3)
        self.attempt._submit()
        self._cron()
        recording = self.attempt.sudo().recording_ids
        first_file = recording.attachment_id
        triggers = self._triggers()
        self._upload(self.attempt, "webcam", 10, webm(500, 9))
        self.assertEqual(recording.state, "recording")
        self.assertEqual(len(self._triggers() - triggers), 1, "the job is asked to run again")
        self._cron()
        self.assertEqual(recording.state, "assembled")
        self.assertFalse(first_file.exists())
        self.assertEqual(recording.missing_sequences, "3, 4, 5, 6, 7, 8, 9")

    def test_bytes_that_are_not_media_are_kept_as_received(self):
        parts = [webm(3000, 0), webm(2000, 1)]
        for seq, data in enumerate(parts):
            self._upload(self.attempt, "webcam", seq, data)
        recording = self.attempt.sudo().recording_ids
        recording._assemble()
        self.assertFalse(recording.seekable)
        self.assertTrue(recording.remux_error)
        self.assertEqual(self._file_bytes(recording.attachment_id), b"".join(parts))

    def test_chunks_kept_as_attachments_before_are_assembled_and_dropped(self):
        """A database whose chunks were stored as attachments (before chunks had their own
        folder) assembles them the same way; dropping them deletes those attachments, and
        the folder takes with it any file an aborted upload left there."""
        parts = [webm(3000, 0), webm(2000, 1)]
        for seq, data in enumerate(parts):
            self._upload(self.attempt, "webcam", seq, data)
        recording = self.attempt.sudo().recording_ids
        old = recording.chunk_ids.sorted("sequence")[0]
        store = recording_store(self.env)
        self._leave_stray_chunk(store, f"{recording._chunk_folder()}/0000009-aborted")
        store.discard_chunk(old.store_key)
        legacy = store.attach(store.put_stream(io.BytesIO(parts[0]), length=len(parts[0])), {
            "name": "legacy chunk", "res_model": old._name, "res_id": old.id})
        old.write({"store_key": False, "attachment_id": legacy.id})
        self.assertEqual(len(self._chunk_files(self.attempt)), 2, "the second chunk and the stray file")
        recording._assemble(drop_chunks=True)
        self.assertEqual(self._file_bytes(recording.attachment_id), b"".join(parts))
        self.env.cr.postcommit.run()
        self.assertFalse(legacy.exists())
        self.assertEqual(self._chunk_files(self.attempt), [])

    def _leave_stray_chunk(self, store, key):
        if isinstance(store, S3Store):
            store.client.put(store._chunk_object(key), [b"aborted"], 7)
        else:
            with open(store._chunk_path(key), "wb") as handle:
                handle.write(b"aborted")
