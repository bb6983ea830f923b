"""The recorder's durable upload queue in a real Chromium with fake camera and screen, the
uploads blocked through the DevTools protocol (recording_browser.py), checked on the
server: every chunk the page had queued arrives, with its hash, and every sequence number
of every segment is there, without a gap in the coverage of a segment.

The tours: static/tests/tours/recording_queue_tour.js."""
import hashlib

from odoo.tests import tagged

from ..tools.recording_coverage import GAP_TOLERANCE_SECONDS
from .common import TOUR_TIMEOUT
from .recording_browser import BrowserControl, use_fake_media
from .recording_case import RecordingCase

FOREIGN_SEQ = 900000  # the tour's entries of another user and of another attempt


@tagged("post_install", "-at_install")
class TestRecordingQueueTour(RecordingCase):
    def setUp(self):
        super().setUp()
        use_fake_media(self)

    def _run(self, tour, **control):
        browser = BrowserControl(self, **control)
        attempt = self._attempt(start=False)
        self.last_chunk_id = self.env["assessment.recording.chunk"].sudo().search(
            [], order="id desc", limit=1).id or 0
        self.start_tour(f"/my/assessments/{attempt.id}", tour, login="ta_candidate", timeout=TOUR_TIMEOUT)
        attempt.invalidate_recordset()
        self.assertEqual(attempt.state, "submitted")
        return attempt, browser

    def assertComplete(self, attempt):
        """Every sequence number of each stream from 0, each chunk's file matching its
        SHA-256, and within each segment chunks that follow each other without a gap."""
        chunks = self._chunks(attempt)
        for kind in ("webcam", "screen"):
            stream = chunks.filtered(lambda c, k=kind: c.kind == k).sorted("sequence")
            self.assertTrue(stream, kind)
            self.assertEqual(stream.mapped("sequence"), list(range(len(stream))), f"{kind}: a gap")
            for chunk in stream:
                data = self._chunk_bytes(chunk)
                self.assertEqual(hashlib.sha256(data).hexdigest(), chunk.sha256)
                self.assertEqual(len(data), chunk.size)
            for before, after in zip(stream, stream[1:], strict=False):
                if before.recording_id == after.recording_id:
                    gap = (after.start_time - before.end_time).total_seconds()
                    self.assertLessEqual(abs(gap), GAP_TOLERANCE_SECONDS,
                                         f"{kind} #{after.sequence}: {gap} s after #{before.sequence}")
            self.assertFalse(stream.recording_id[0]._missing_sequences())
        self.assertFalse(self.env["assessment.recording.chunk"].sudo().search_count(
            [("attempt_id", "!=", attempt.id), ("id", ">", self.last_chunk_id)]),
            "nothing was sent for another attempt")
        self.assertFalse(chunks.filtered(lambda c: c.sequence >= FOREIGN_SEQ),
                         "another token's queue was not sent with this page's token")
        return chunks

    def assertArrived(self, chunks, reported):
        """The chunks the page reported queued are on the server, with the same hash."""
        by_key = {(chunk.kind, chunk.sequence): chunk for chunk in chunks}
        for entry in reported:
            chunk = by_key.get((entry["kind"], entry["seq"]))
            self.assertTrue(chunk, f"{entry['kind']} #{entry['seq']} never arrived")
            self.assertEqual(chunk.sha256, entry["sha256"])
            self.assertEqual((chunk.size, chunk.recording_id.segment), (entry["size"], entry["segment"]))
        return [by_key[(entry["kind"], entry["seq"])] for entry in reported]

    def test_queue_survives_a_reload_and_an_outage(self):
        attempt, browser = self._run("tech_assessment_recording_queue", block_uploads=True)
        self.assertEqual(browser.commands.count("unblock"), 1)
        chunks = self.assertComplete(attempt)
        queued = browser.report("before_reload")["chunks"]
        self.assertTrue({"webcam", "screen"} <= {entry["kind"] for entry in queued})
        late = self.assertArrived(chunks, queued)
        # sent after the reload, when the network came back: not with the live upload
        for chunk in late:
            self.assertEqual(chunk.recording_id.segment, 1)
            self.assertGreater(chunk.late_seconds, 5, f"{chunk.kind} #{chunk.sequence}")
        for kind in ("webcam", "screen"):
            segments = chunks.filtered(lambda c, k=kind: c.kind == k).recording_id
            self.assertGreaterEqual(len(segments), 2, "the reloaded page records a new segment")
        self.assertEqual(browser.report("final")["foreign"], 2)
        kinds = attempt.event_ids.mapped("kind")
        self.assertIn("upload_resumed", kinds)
        self.assertIn("upload_error", kinds)

    def test_queue_is_finished_by_the_result_page(self):
        attempt, browser = self._run("tech_assessment_recording_result_queue", block_uploads=True)
        chunks = self.assertComplete(attempt)
        waiting = browser.report("result_waiting")["chunks"]
        for chunk in self.assertArrived(chunks, waiting):
            self.assertGreaterEqual(chunk.received_at, attempt.submitted_at,
                                    "sent by the result page, after the test was submitted")
        self.assertEqual(len(chunks), len(waiting), "uploads were blocked until the result page")
        resumed = attempt.event_ids.filtered(lambda e: e.kind == "upload_resumed")
        self.assertTrue(resumed)
        self.assertGreaterEqual(resumed[-1].server_time, attempt.submitted_at)

    def test_browser_that_cannot_keep_the_queue_says_so(self):
        attempt, _browser = self._run("tech_assessment_recording_storage_full", quota_bytes=1)
        storage = attempt.event_ids.filtered(lambda e: e.kind == "recording_storage")
        self.assertTrue(storage.filtered(lambda e: e.detail.startswith("failed")), storage.mapped("detail"))
        self.assertComplete(attempt)
