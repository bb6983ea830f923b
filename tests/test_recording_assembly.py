"""Assembly: a segment's chunks remuxed (no re-encoding) into a file with a duration and
cues, read back with PyAV's demuxer; a restarted stream's segments on the attempt's
timeline with the gap between them; the job triggered when the attempt ends."""
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from ..models.assessment_attempt import LATE_DATA_WINDOW
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
        before = self._probe(recording.chunk_ids.sorted("sequence")[0].attachment_id)
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
        self.assertTrue(recording.chunk_ids.attachment_id, "kept until the late-data window ends")
        timeline = self.attempt.review_timeline
        self.assertEqual(timeline["tracks"][0]["segments"][0]["url"],
                         f"/web/content/{recording.attachment_id.id}")
        self.assertEqual(timeline["tracks"][0]["segments"][0]["offset"], 0)

        # after the window: the chunk files go, the file stays
        self.attempt.submitted_at = fields.Datetime.now() - LATE_DATA_WINDOW - timedelta(seconds=1)
        self._cron()
        self.assertFalse(recording.chunk_ids.attachment_id)
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
