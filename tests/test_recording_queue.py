"""The server side of the browser's durable upload queue: the window after the end of an
attempt during which the server still takes its chunks and events (the result page finishes
the queue in it), the numbering a reloaded recorder resumes from, the queue's events, and
what HR sees of the chunks that arrived late. The browser side: test_recording_queue_tour.py."""
import json
import time
from datetime import datetime, timedelta

from odoo import fields
from odoo.tests import tagged

from ..models.assessment_attempt import LATE_DATA_WINDOW
from ..models.assessment_recording_chunk import LATE_CHUNK_SECONDS
from ..tools.recording_coverage import late_runs
from .recording_case import RecordingCase, webm


def _ms(moment):
    return int(moment.timestamp() * 1000)


@tagged("post_install", "-at_install")
class TestRecordingQueueServer(RecordingCase):
    def setUp(self):
        super().setUp()
        self.attempt = self._attempt()
        self.csrf = self._csrf(self.attempt)

    def _event(self, attempt, kind="upload_resumed"):
        return self.url_open(
            f"/my/assessments/{attempt.id}/events",
            data=json.dumps({"access_token": attempt.access_token,
                             "events": [{"kind": kind, "detail": "3 chunk(s) queued", "at": 1}]}),
            headers={"Content-Type": "application/json"})

    def _ended(self, attempt, seconds_ago):
        attempt.submitted_at = fields.Datetime.now() - timedelta(seconds=seconds_ago)
        attempt.flush_recordset()

    def test_late_window_is_enforced_on_the_server(self):
        window = LATE_DATA_WINDOW.total_seconds()
        self.assertEqual(self._upload(self.attempt, "webcam", 0, webm(1000, 0)).status_code, 200)
        self.attempt.action_submit()
        # just inside the window: the result page's chunks and events are taken
        self._ended(self.attempt, window - 10)
        response = self._upload(self.attempt, "webcam", 1, webm(1000, 1))
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["stored"], True)
        self.assertEqual(self._event(self.attempt).status_code, 200)
        # just outside: refused, nothing stored, no file
        self._ended(self.attempt, window + 10)
        files = self._chunk_files(self.attempt)
        response = self._upload(self.attempt, "webcam", 2, webm(1000, 2))
        self.assertEqual(response.status_code, 409)
        self.assertIn("closed", response.json()["error"]["message"])
        self.assertEqual(self._event(self.attempt).status_code, 409)
        self.assertEqual(self._chunks(self.attempt).mapped("sequence"), [0, 1])
        self.assertEqual(self._chunk_files(self.attempt), files)
        self.assertEqual(len(self.attempt.event_ids.filtered(lambda e: e.kind == "upload_resumed")), 1)
        # a chunk the server has is still acknowledged (the browser may have missed the
        # answer and send it again): a replay, nothing written; other bytes stay a conflict
        response = self._upload(self.attempt, "webcam", 1, webm(1000, 1))
        self.assertEqual((response.status_code, response.json()["replay"]), (200, True))
        self.assertEqual(self._upload(self.attempt, "webcam", 1, webm(1000, 9)).status_code, 409)
        self.assertEqual(self._chunk_files(self.attempt), files)

    def test_late_window_of_expired_and_cancelled_attempts(self):
        expired = self._attempt()
        expired._expire()
        self.assertEqual(self._upload(expired, "webcam", 0, webm(1000)).status_code, 200)
        self._ended(expired, LATE_DATA_WINDOW.total_seconds() + 1)
        self.assertEqual(self._upload(expired, "webcam", 1, webm(1000, 1)).status_code, 409)
        cancelled = self._attempt()
        cancelled.action_cancel()
        self.assertEqual(self._upload(cancelled, "webcam", 0, webm(1000)).status_code, 409)
        self.assertEqual(self._event(cancelled).status_code, 409)
        self.assertEqual(self._chunks(expired).mapped("sequence"), [0])
        self.assertFalse(self._chunks(cancelled))

    def test_late_chunks_are_shown_to_hr(self):
        now = fields.Datetime.now()
        self.attempt.started_at = now - timedelta(minutes=20)
        self.attempt.flush_recordset()
        spans = {
            0: (now - timedelta(seconds=14), now - timedelta(seconds=10)),  # 10 s: live
            1: (now - timedelta(seconds=608), now - timedelta(seconds=604)),  # queued...
            2: (now - timedelta(seconds=604), now - timedelta(seconds=600)),
            3: (now - timedelta(seconds=600), now - timedelta(seconds=596)),
            5: (now - timedelta(seconds=49), now - timedelta(seconds=45)),  # after a lost #4
        }
        for seq, (start, end) in spans.items():
            response = self._upload(self.attempt, "screen", seq, webm(1000, seq), start_ms=_ms(start),
                                    end_ms=_ms(end), segment=1 if seq < 5 else 2)
            self.assertEqual(response.status_code, 200, response.text)
        chunks = self._chunks(self.attempt)
        late = {chunk.sequence: chunk.late_seconds for chunk in chunks}
        self.assertLess(late[0], LATE_CHUNK_SECONDS)
        for seq in (1, 2, 3):
            self.assertGreaterEqual(late[seq], 596)
            self.assertLess(late[seq], 620)
        self.assertGreaterEqual(late[5], 45)
        for chunk in chunks:
            self.assertGreaterEqual(chunk.received_at, now)
        # a late chunk after the end of the test (the result page)
        self.attempt.action_submit()
        time.sleep(1)  # received after submitted_at, to the second
        moment = fields.Datetime.now() - timedelta(seconds=40)
        response = self._upload(self.attempt, "webcam", 0, webm(1000, 7), start_ms=_ms(moment) - 4000,
                                end_ms=_ms(moment))
        self.assertEqual(response.status_code, 200, response.text)

        html = " ".join(str(self.attempt.with_user(self.recruiter).integrity_html).split())
        self.assertIn(f"Arrived late: 5 chunk(s) reached the server more than {LATE_CHUNK_SECONDS} s", html)
        self.assertIn("1 of them after the test ended", html)
        self.assertIn("o_ta_late_chunks", html)
        self.assertIn("<td>#1–#3 (3)</td>", html)
        self.assertIn("<td>#5</td>", html)
        self.assertIn("10 min", html, "how late, as a duration")
        facts = self.attempt._late_chunk_facts()
        self.assertEqual((facts["count"], facts["after_end"]), (5, 1))
        self.assertEqual([(run["kind"], run["segment"], run["first"], run["last"]) for run in facts["runs"]],
                         [("screen", 1, 1, 3), ("screen", 2, 5, 5), ("webcam", 1, 0, 0)])

    def test_queue_events_are_taken_from_the_browser(self):
        for kind in ("upload_resumed", "recording_storage"):
            self.assertEqual(self._event(self.attempt, kind).status_code, 200)
        kinds = self.attempt.event_ids.mapped("kind")
        self.assertIn("upload_resumed", kinds)
        self.assertIn("recording_storage", kinds)
        html = str(self.attempt.with_user(self.recruiter).integrity_html)
        self.assertIn("Queued recordings resumed: 1", html)
        self.assertIn("Browser storage low or unavailable: 1", html)

    def test_numbering_is_asked_again_after_a_reload(self):
        def state(attempt, token=None):
            return self.url_open(
                f"/my/assessments/{attempt.id}/recording/state",
                data=json.dumps({"access_token": token or attempt.access_token}),
                headers={"Content-Type": "application/json"})

        self.assertEqual(state(self.attempt).json(), {"next_seq": {}, "next_segment": {}})
        for kind, seq, segment in (("webcam", 0, 1), ("webcam", 1, 1), ("screen", 0, 2)):
            self.assertEqual(self._upload(self.attempt, kind, seq, webm(500, seq), segment=segment)
                             .status_code, 200)
        self.assertEqual(state(self.attempt).json(), {"next_seq": {"webcam": 2, "screen": 1},
                                                      "next_segment": {"webcam": 2, "screen": 3}})
        theirs = self._attempt(candidate=self.other_candidate)
        self.assertEqual(state(theirs, token=self.attempt.access_token).status_code, 404)

    def test_late_runs_group_consecutive_chunks_of_a_segment(self):
        t = datetime(2030, 1, 1, 10, 0, 0)

        def chunk(kind, segment, sequence, late):
            return {"kind": kind, "segment": segment, "sequence": sequence, "late_seconds": late,
                    "end_time": t + timedelta(seconds=4 * sequence),
                    "received_at": t + timedelta(seconds=4 * sequence + late)}

        runs = late_runs([chunk("screen", 1, 3, 90), chunk("screen", 1, 4, 86), chunk("screen", 1, 5, 82),
                          chunk("screen", 1, 7, 40), chunk("screen", 2, 8, 38), chunk("webcam", 2, 9, 35)])
        self.assertEqual([(r["kind"], r["segment"], r["first"], r["last"], r["count"]) for r in runs], [
            ("screen", 1, 3, 5, 3), ("screen", 1, 7, 7, 1), ("screen", 2, 8, 8, 1), ("webcam", 2, 9, 9, 1)])
        first = runs[0]
        self.assertEqual((first["min_late"], first["max_late"]), (82, 90))
        self.assertEqual(first["covered_until"], t + timedelta(seconds=20))
        self.assertEqual((first["received_from"], first["received_to"]),
                         (t + timedelta(seconds=102), t + timedelta(seconds=102)))
        self.assertEqual(late_runs([]), [])
