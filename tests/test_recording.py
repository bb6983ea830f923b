"""Recording: chunk upload and its refusals, assembly, unrecorded seconds, retention,
erasure, isolation, the candidate's receipt (the browser run: test_recording_tour.py)."""
import hashlib
import io
import os
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from ..tools.recording_storage import recording_store
from .common import csrf_from_page
from .recording_case import RecordingCase, webm


@tagged("post_install", "-at_install")
class TestChunkUpload(RecordingCase):
    def setUp(self):
        super().setUp()
        self.attempt = self._attempt()
        self.csrf = self._csrf(self.attempt)

    def assertRefused(self, response, status, fragment=None):
        self.assertEqual(response.status_code, status, response.text[:500])
        if fragment:
            self.assertIn(fragment, response.json()["error"]["message"])

    def test_chunk_is_stored_in_the_filestore(self):
        data = webm(300_000)
        response = self._upload(self.attempt, "webcam", 0, data)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), {"stored": True, "replay": False, "sequence": 0, "size": 300_000})
        chunk = self._chunks(self.attempt)
        self.assertEqual(len(chunk), 1)
        self.assertEqual(chunk.sha256, hashlib.sha256(data).hexdigest())
        self.assertFalse(chunk.attachment_id, "a working file: no attachment row per chunk")
        self.assertEqual(chunk.store_key, f"{self.attempt.id}/webcam-1/0000000-{chunk.sha256[:16]}")
        self.assertEqual((chunk.size, chunk.mimetype), (300_000, "video/webm"))
        self.assertEqual(self._chunk_bytes(chunk), data)
        recording = chunk.recording_id
        self.assertEqual((recording.kind, recording.segment, recording.chunk_count, recording.total_bytes),
                         ("webcam", 1, 1, 300_000))
        self.assertEqual(recording.company_id, self.attempt.company_id)

    def test_replay_of_the_same_chunk_is_idempotent(self):
        data = webm(50_000)
        first = self._upload(self.attempt, "screen", 3, data)
        second = self._upload(self.attempt, "screen", 3, data)
        self.assertEqual((first.status_code, second.status_code), (200, 200))
        self.assertEqual(second.json()["replay"], True)
        self.assertEqual(second.json()["stored"], False)
        self.assertEqual(len(self._chunks(self.attempt)), 1)
        self.assertEqual(self._chunks(self.attempt).recording_id.chunk_count, 1)
        self.assertEqual(self._chunk_files(self.attempt), [self._chunks(self.attempt).store_key])

    def test_same_sequence_other_content_is_409(self):
        self.assertEqual(self._upload(self.attempt, "webcam", 0, webm(1000, 1)).status_code, 200)
        self.assertRefused(self._upload(self.attempt, "webcam", 0, webm(1000, 2)), 409, "already received")
        self.assertEqual(self._chunks(self.attempt).sha256, hashlib.sha256(webm(1000, 1)).hexdigest())
        self.assertEqual(self._chunk_files(self.attempt), [self._chunks(self.attempt).store_key],
                         "the refused bytes are not kept")
        # the same number on the other stream is another chunk
        self.assertEqual(self._upload(self.attempt, "screen", 0, webm(1000, 2)).status_code, 200)

    def test_declared_hash_must_match_the_bytes(self):
        data = webm(10_000)
        self.assertRefused(self._upload(self.attempt, "webcam", 0, data, sha="0" * 64), 422, "SHA-256")
        self.assertRefused(self._upload(self.attempt, "webcam", 0, data, sha="not-a-hash"), 422)
        self.assertFalse(self._chunks(self.attempt))
        self.assertEqual(self._chunk_files(self.attempt), [], "nothing of the refused bytes is kept")

    def test_oversized_chunk_is_413(self):
        response = self._upload(self.attempt, "webcam", 0, b"\0" * (26 * 1024 * 1024))
        self.assertEqual(response.status_code, 413)
        self.assertFalse(self._chunks(self.attempt))

    def test_chunk_without_content_length(self):
        """A body sent in chunked transfer encoding (no Content-Length): stored the same way,
        and refused the same way when its bytes do not match the declared hash."""
        data = webm(200_000, 7)

        def pieces():
            yield from (data[i:i + 65_536] for i in range(0, len(data), 65_536))
        response = self._upload(self.attempt, "webcam", 0, pieces(), sha=hashlib.sha256(data).hexdigest())
        self.assertEqual(response.status_code, 200, response.text)
        chunk = self._chunks(self.attempt)
        self.assertEqual((chunk.size, self._chunk_bytes(chunk)), (len(data), data))
        response = self._upload(self.attempt, "webcam", 1, pieces(), sha="0" * 64)
        self.assertRefused(response, 422, "SHA-256")
        self.assertEqual(self._chunk_files(self.attempt), [chunk.store_key])

    def test_wrong_content_type_is_415(self):
        for content_type in ("text/plain", "image/png", "application/octet-stream", "video/x-matroska"):
            response = self._upload(self.attempt, "webcam", 0, webm(1000), content_type=content_type)
            self.assertRefused(response, 415)
        self.assertFalse(self._chunks(self.attempt))
        response = self._upload(self.attempt, "webcam", 0, webm(1000), content_type="video/mp4")
        self.assertEqual(response.status_code, 200)

    def test_attempt_not_the_callers_is_404(self):
        theirs = self._attempt(candidate=self.other_candidate)
        data = webm(1000)
        # this browser opened self.attempt's link (setUp): theirs is not granted to it
        self.assertRefused(self._upload(theirs, "webcam", 0, data, token="forged"), 404)
        self.assertRefused(self._upload(theirs, "webcam", 0, data, token=False), 404)
        self.assertRefused(self._upload(theirs, "webcam", 0, data, token=self.attempt.access_token), 404)
        self.assertRefused(self._upload(theirs, "webcam", 0, data, token="\u00e9t\u00e9"), 404)
        self.authenticate("ta_candidate", "ta_candidate")
        csrf = self._csrf(self.attempt)
        self.assertRefused(self._upload(theirs, "webcam", 0, data, token=False, csrf=csrf), 404)
        # the owner, logged in, needs no token
        response = self._upload(self.attempt, "webcam", 0, data, token=False, csrf=csrf)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(self._chunks(theirs))

    def test_csrf_token_is_required(self):
        response = self._upload(self.attempt, "webcam", 0, webm(1000), csrf="")
        self.assertEqual(response.status_code, 400)
        response = self._upload(self.attempt, "webcam", 0, webm(1000), csrf="\u00e9t\u00e9o9999999999")
        self.assertEqual(response.status_code, 400)
        response = self._upload(self.attempt, "webcam", 0, webm(1000), csrf="forged0123o9999999999")
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self._chunks(self.attempt))

    def test_not_started_and_closed_attempts_are_409(self):
        invited = self._attempt(start=False)
        self.assertRefused(self._upload(invited, "webcam", 0, webm(1000)), 409, "not started")
        self.attempt.action_submit()
        # the last chunks are flushed right after submit: accepted for a short while
        self.assertEqual(self._upload(self.attempt, "webcam", 0, webm(1000)).status_code, 200)
        self.attempt.submitted_at = fields.Datetime.now() - timedelta(seconds=200)
        self.assertRefused(self._upload(self.attempt, "webcam", 1, webm(1000, 1)), 409, "closed")

    def test_stream_not_required_is_422(self):
        webcam_only = self._attempt(assessment=self.webcam_only)
        self.assertRefused(self._upload(webcam_only, "screen", 0, webm(1000)), 422)
        self.assertRefused(self._upload(webcam_only, "audio", 0, webm(1000)), 422)
        self.assertEqual(self._upload(webcam_only, "webcam", 0, webm(1000)).status_code, 200)

    def test_ingest_queries_per_chunk(self):
        """The steady state of a test day: a chunk added to its segment costs a fixed, small
        number of queries (the first of a segment creates the recording: a few more)."""
        Chunk = self.env["assessment.recording.chunk"].sudo()
        store = recording_store(self.env)
        bodies = [webm(1000, seq) for seq in range(3)]

        def ingest(seq):
            data = bodies[seq]

            def read_body(folder, sequence, sha256, max_bytes):
                return store.put_chunk(io.BytesIO(data), folder, sequence, sha256, max_bytes, len(data))
            return Chunk._ingest(self.attempt, "webcam", seq, 1, read_body=read_body,
                                 mimetype="video/webm", sha256=hashlib.sha256(data).hexdigest())
        ingest(0)
        Chunk.env.invalidate_all()
        # the attempt; what its assessment records and the segment's recording; the chunk's
        # statement (its row, and the recording's totals)
        with self.assertQueryCount(3):
            ingest(1)
            Chunk.flush_model()

    def test_three_chunks_assembled_in_order(self):
        parts = [webm(120_000, 0), webm(80_000, 1)[4:], webm(50_001, 2)[4:]]
        for seq in (2, 0, 1):  # arrival order differs from the sequence
            self.assertEqual(self._upload(self.attempt, "webcam", seq, parts[seq]).status_code, 200)
        recording = self._chunks(self.attempt).recording_id
        self.assertEqual(recording.chunk_count, 3)
        recording._assemble()
        whole = b"".join(parts)
        self.assertEqual(recording.state, "assembled")
        self.assertEqual(recording.file_size, len(whole))
        self.assertEqual(recording.sha256, hashlib.sha256(whole).hexdigest())
        self.assertEqual(self._file_bytes(recording.attachment_id), whole)
        self.assertEqual(recording.attachment_id.res_model, "assessment.recording")
        self.assertFalse(recording.missing_sequences)
        self.assertIn(f"/web/content/{recording.attachment_id.id}", str(self.attempt.integrity_html))

    def test_a_gap_is_a_fact_not_an_error(self):
        for seq in (0, 1, 3):
            self.assertEqual(self._upload(self.attempt, "screen", seq, webm(1000, seq)).status_code, 200)
        recording = self._chunks(self.attempt).recording_id
        recording._assemble()
        self.assertEqual(recording.missing_sequences, "2")
        self.assertEqual(recording.file_size, 3000)

    def test_restart_opens_a_new_segment_and_a_new_file(self):
        self.assertEqual(self._upload(self.attempt, "screen", 0, webm(1000, 0)).status_code, 200)
        self.assertEqual(self._upload(self.attempt, "screen", 1, webm(1000, 1), segment=2).status_code, 200)
        recordings = self._chunks(self.attempt).recording_id
        self.assertEqual(recordings.mapped("segment"), [1, 2])
        recordings._assemble()
        self.assertEqual(len(recordings.attachment_id), 2)
        state = self.attempt._recording_client_state()
        self.assertEqual(state, {"next_seq": {"screen": 2}, "next_segment": {"screen": 3}})

    def test_unrecorded_seconds(self):
        now = fields.Datetime.now()
        attempt = self._attempt(assessment=self.webcam_only)
        attempt.write({"started_at": now - timedelta(seconds=60), "deadline": now + timedelta(minutes=30)})
        base = (now - timedelta(seconds=60)).timestamp() * 1000
        # covered: [0, 20] and [30, 60] seconds: 10 s missing, plus a 0.5 s jitter that is not a gap
        for seq, (start, end) in enumerate([(0, 10), (10.5, 20), (30, 45), (45, 60)]):
            response = self._upload(attempt, "webcam", seq, webm(1000, seq),
                                    start_ms=base + start * 1000, end_ms=base + end * 1000)
            self.assertEqual(response.status_code, 200, response.text)
        attempt.invalidate_recordset()
        self.assertAlmostEqual(attempt.unrecorded_seconds, 10, delta=3)
        self.assertIn("Not recorded", str(attempt.integrity_html))
        # the both-streams assessment: the screen never came, so nothing is fully recorded
        self.attempt.write({"started_at": now - timedelta(seconds=60)})
        self._upload(self.attempt, "webcam", 0, webm(1000), start_ms=base, end_ms=base + 60_000)
        self.assertAlmostEqual(self.attempt.unrecorded_seconds, 60, delta=3)
        self.assertIn("screen: nothing was received", str(self.attempt.integrity_html))


@tagged("post_install", "-at_install")
class TestRetentionAndErasure(RecordingCase):
    def setUp(self):
        super().setUp()
        self.attempt = self._attempt()
        self.csrf = self._csrf(self.attempt)
        for kind in ("webcam", "screen"):
            for seq in range(2):
                self.assertEqual(self._upload(self.attempt, kind, seq, webm(2000, seq)).status_code, 200)
        self.attempt.action_submit()
        self.recordings = self.attempt.sudo().recording_ids

    def _files(self):
        """The assembled files' attachments and the chunk files left for the attempt (once
        what waits for the commit has run)."""
        self.env.cr.postcommit.run()
        return self.recordings.attachment_id.exists().ids + self._chunk_files(self.attempt)

    def test_assembly_cron_at_the_end_then_after_the_flush_window(self):
        self.assertEqual(self.env["assessment.recording"]._cron_assemble_recordings(), 2)
        self.assertEqual(set(self.recordings.mapped("state")), {"assembled"})
        self.assertTrue(all(self.recordings.chunk_ids.mapped("store_key")), "late chunks may still come")
        self.assertEqual(len(self._chunk_files(self.attempt)), 4)
        self.attempt.submitted_at = fields.Datetime.now() - timedelta(minutes=5)
        self.assertEqual(self.env["assessment.recording"]._cron_assemble_recordings(), 0)
        self.assertFalse(any(self.recordings.chunk_ids.mapped("store_key")))
        self.assertEqual(self._files(), self.recordings.attachment_id.ids,
                         "the chunk files go once assembled")
        self.assertEqual(self.recordings.mapped("file_size"), [4000, 4000])

    def test_retention_cron_purges_old_recordings_only(self):
        recent = self._attempt()
        self.csrf = self._csrf(recent)
        self._upload(recent, "webcam", 0, webm(2000))
        old_start = fields.Datetime.now() - timedelta(days=31)
        self.recordings.write({"started_at": old_start})
        self.recordings._assemble()
        consent_at, events = self.attempt.consent_at, self.attempt.event_ids
        self.assertTrue(self._files())
        self.assertEqual(self.env["assessment.recording"]._cron_purge_recordings(), 2)
        self.assertFalse(self._files())
        self.assertEqual(set(self.recordings.mapped("state")), {"purged"})
        self.assertEqual(self.attempt.consent_at, consent_at)
        self.assertEqual(self.attempt.event_ids, events)
        self.assertTrue(self.recordings.chunk_ids, "the chunks' times and hashes stay")
        self.assertIn("Recordings deleted", self.attempt.message_ids[0].body)
        self.assertIn("retention", self.attempt.message_ids[0].body)
        self.assertEqual(recent.sudo().recording_ids.state, "recording")
        self.assertTrue(recent.sudo().recording_ids.chunk_ids.store_key)
        self.assertEqual(self._chunk_files(recent), [recent.sudo().recording_ids.chunk_ids.store_key])
        # a longer retention keeps them
        self.assertEqual(self.env["assessment.recording"]._cron_purge_recordings(), 0)

    def test_retention_follows_the_assessment(self):
        self.assessment.retention_days = 60
        self.recordings.write({"started_at": fields.Datetime.now() - timedelta(days=31)})
        self.assertEqual(self.env["assessment.recording"]._cron_purge_recordings(), 0)
        self.assessment.retention_days = 30

    def test_deleting_the_attempt_deletes_its_files(self):
        self.recordings._assemble()
        files = self.recordings.attachment_id
        self.assertTrue(self._files())
        # a segment whose first upload was rolled back: a file, no recording row
        store = recording_store(self.env)
        os.makedirs(store._chunk_path(f"{self.attempt.id}/webcam-9"))
        with open(store._chunk_path(f"{self.attempt.id}/webcam-9/0000042-aborted"), "wb") as handle:
            handle.write(b"aborted")
        self.attempt.with_user(self.manager).unlink()
        self.assertFalse(files.exists())
        self.env.cr.postcommit.run()
        self.assertEqual(self._chunk_files(self.attempt), [])

    def test_erasure_by_an_administrator_only(self):
        with self.assertRaises(UserError):  # AccessError is a UserError
            self.attempt.with_user(self.recruiter).action_erase_recordings()
        self.assertTrue(self._files())
        self.attempt.with_user(self.manager).action_erase_recordings()
        self.assertFalse(self._files())
        self.assertIn("erased on request", self.attempt.message_ids[0].body)
        self.assertIn(self.manager.name, self.attempt.message_ids[0].body)


@tagged("post_install", "-at_install")
class TestRecordingIsolation(RecordingCase):
    def setUp(self):
        super().setUp()
        self.attempt = self._attempt()
        self.csrf = self._csrf(self.attempt)
        self._upload(self.attempt, "webcam", 0, webm(2000))
        self.recording = self.attempt.sudo().recording_ids
        self.recording._assemble()

    def test_company_rules(self):
        Recording, Chunk, Event = (self.env[m] for m in (
            "assessment.recording", "assessment.recording.chunk", "assessment.event"))
        self.assertIn(self.recording, Recording.with_user(self.recruiter).search([]))
        self.assertTrue(Chunk.with_user(self.recruiter).search([("attempt_id", "=", self.attempt.id)]))
        self.assertFalse(Recording.with_user(self.recruiter_b).search([]))
        self.assertFalse(Chunk.with_user(self.recruiter_b).search([]))
        self.assertFalse(Event.with_user(self.recruiter_b).search([("attempt_id", "=", self.attempt.id)]))
        with self.assertRaises(AccessError):
            Recording.with_user(self.recruiter_b).browse(self.recording.id).read(["sha256"])
        with self.assertRaises(AccessError):
            self.recording.attachment_id.with_user(self.recruiter_b).read(["datas"])
        self.recording.attachment_id.with_user(self.recruiter).read(["datas"])

    def test_portal_and_public_have_no_access(self):
        for user in (self.portal_user, self.candidate_user):
            for model in ("assessment.recording", "assessment.recording.chunk", "assessment.event"):
                with self.assertRaises(AccessError):
                    self.env[model].with_user(user).search([])
            with self.assertRaises(AccessError):
                self.recording.attachment_id.with_user(user).read(["datas"])
        url = f"/web/content/{self.recording.attachment_id.id}"
        self.assertIn(self.url_open(url).status_code, (403, 404))
        self.authenticate("ta_candidate", "ta_candidate")
        self.assertIn(self.url_open(url).status_code, (403, 404))
        self.authenticate("ta_recruiter", "ta_recruiter-pass")
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, webm(2000))
        self.authenticate("ta_recruiter_b", "ta_recruiter_b-pass")
        self.assertIn(self.url_open(url).status_code, (403, 404))

    def test_backend_form_shows_the_review(self):
        attempt = self.attempt.with_user(self.recruiter)
        segments = attempt.review_timeline["tracks"][0]["segments"]
        self.assertEqual(segments[0]["url"], f"/web/content/{self.recording.attachment_id.id}")
        # the recording's form shows the same player, opened where the recording starts
        own = self.recording.with_user(self.recruiter).review_timeline
        self.assertEqual(own["tracks"], attempt.review_timeline["tracks"])
        self.assertEqual(own["focus"], round(self.recording.offset_seconds, 3))
        self.assertIn(f"/web/content/{self.recording.attachment_id.id}", str(attempt.integrity_html))
        self.assertIn("do not change the score", str(attempt.integrity_html))
        score = self.attempt.score
        self.env["assessment.event"].sudo().create({"attempt_id": self.attempt.id, "kind": "paste"})
        self.attempt.invalidate_recordset()
        self.assertEqual(self.attempt.score, score, "flags never change the score")
        self.assertIn("Pasted into the page: 1", str(attempt.integrity_html))

    def test_receipt_and_contest(self):
        self.env["assessment.event"].sudo().create({"attempt_id": self.attempt.id, "kind": "tab_hidden"})
        self.attempt.action_submit()
        url = f"/my/assessments/{self.attempt.id}/result?access_token={self.attempt.access_token}"
        page = self.url_open(url).text
        self.assertIn("What was recorded", page)
        self.assertIn("Webcam", page)
        self.assertIn("Tab hidden: 1", page)
        csrf = csrf_from_page(page)
        response = self.url_open(f"/my/assessments/{self.attempt.id}/contest", data={
            "csrf_token": csrf, "access_token": self.attempt.access_token,
            "message": "My cat <b>closed</b> the laptop",
        })
        self.assertEqual(response.status_code, 200)
        self.assertIn("Your message was sent", response.text)
        message = self.attempt.message_ids[0]
        self.assertIn("contests", message.body)
        self.assertIn("&lt;b&gt;closed", message.body)
        self.assertEqual(message.author_id, self.candidate.partner_id)
        # an attempt this browser holds no link to: its own token posts nothing there
        other = self._attempt(candidate=self.other_candidate)
        other._submit()
        response = self.url_open(f"/my/assessments/{other.id}/contest", data={
            "csrf_token": csrf, "access_token": self.attempt.access_token, "message": "forged"})
        self.assertEqual(response.status_code, 404)
        self.assertFalse(other.message_ids.filtered(lambda m: "forged" in (m.body or "")))
