"""Recording in a real Chromium with fake camera and screen: consent, start without
navigation, chunks uploaded, a stopped stream restarted, submit; the files assemble into
seekable files, and a recruiter reviews them in the player (review_player_tour.js)."""
import os

from odoo.tests import new_test_user, tagged

from ..tools.recording_media import probe
from ..tools.recording_storage import recording_store
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
        with recording_store(self.env).chunk_paths(chunks) as paths:
            for chunk, path in zip(chunks, paths, strict=True):
                self.assertTrue(os.path.isfile(path))
                self.assertEqual(os.path.getsize(path), chunk.size)
        recordings = attempt.sudo().recording_ids
        self.assertEqual(sorted(set(recordings.mapped("kind"))), ["screen", "webcam"])
        self.assertGreaterEqual(len(recordings.filtered(lambda r: r.kind == "webcam")), 2, "restarted")
        self.env["assessment.recording"]._cron_assemble_recordings()
        for recording in recordings:
            head = self._file_bytes(recording.attachment_id)[:4]
            self.assertEqual(head, b"\x1a\x45\xdf\xa3", "a WebM file")
            self.assertTrue(recording.duration_seconds > 0)
            self.assertTrue(recording.seekable, recording.remux_error)
            media = probe(recording.attachment_id._full_path(recording.attachment_id.store_fname))
            self.assertGreater(media["duration"], 1, recording.display_name)
            self.assertAlmostEqual(media["duration"], recording.media_seconds, delta=0.1)
        self.assertTrue(attempt.consent_at)
        # start_tour logs in with the login as password
        new_test_user(self.env, login="ta_reviewer", password="ta_reviewer",
                      groups="tech_assessment.group_assessment_user",
                      company_id=self.company_a.id, company_ids=[(6, 0, self.company_a.ids)])
        self.start_tour(f"/web#id={attempt.id}&model=assessment.attempt&view_type=form",
                        "tech_assessment_review_player", login="ta_reviewer", timeout=TOUR_TIMEOUT)
