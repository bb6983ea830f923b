"""Recording in a real Chromium with fake camera and screen: consent, start without
navigation, chunks uploaded, a stopped stream restarted, submit; the files assemble."""
import os

from odoo.tests import tagged

from .common import TOUR_TIMEOUT
from .recording_browser import use_fake_media
from .recording_case import RecordingCase


@tagged("post_install", "-at_install")
class TestRecordingTour(RecordingCase):
    def setUp(self):
        super().setUp()
        use_fake_media(self)

    def test_record_with_fake_devices(self):
        attempt = self._attempt(start=False)
        self.start_tour(f"/my/assessments/{attempt.id}", "tech_assessment_recording", login="ta_candidate",
                        timeout=TOUR_TIMEOUT)
        attempt.invalidate_recordset()
        self.assertEqual(attempt.state, "submitted")
        kinds = attempt.event_ids.mapped("kind")
        self.assertIn("stream_ended", kinds)
        self.assertIn("stream_restarted", kinds)
        chunks = self._chunks(attempt)
        for kind in ("webcam", "screen"):
            self.assertGreaterEqual(len(chunks.filtered(lambda c, k=kind: c.kind == k)), 2, kind)
        for chunk in chunks:
            path = chunk.attachment_id._full_path(chunk.attachment_id.store_fname)
            self.assertTrue(os.path.isfile(path))
            self.assertEqual(os.path.getsize(path), chunk.size)
        recordings = attempt.sudo().recording_ids
        self.assertEqual(sorted(set(recordings.mapped("kind"))), ["screen", "webcam"])
        self.assertGreaterEqual(len(recordings.filtered(lambda r: r.kind == "webcam")), 2, "restarted")
        recordings._assemble()
        for recording in recordings:
            head = self._file_bytes(recording.attachment_id)[:4]
            self.assertEqual(head, b"\x1a\x45\xdf\xa3", "a WebM file")
            self.assertTrue(recording.duration_seconds > 0)
        self.assertTrue(attempt.consent_at)
