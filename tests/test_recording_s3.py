"""The recording store in an S3-compatible bucket (tools/recording_storage.py), against a
real server (SeaweedFS, tests/s3_server.py): the chunk upload tests (replay, tampering,
size limits, refusals) and the assembly tests run again with the bucket as the store, then
what is the bucket's own: objects, presigned playback, deletion."""
import hashlib

import requests

from odoo.tests import tagged

from ..tools.recording_storage import OBJECT_ROUTE, S3_PARAM_PREFIX, STORAGE_PARAM, S3Store, recording_store
from . import test_recording, test_recording_assembly
from .recording_case import webm
from .s3_server import ACCESS_KEY, BUCKET, SECRET_KEY, s3_server

# the modules, not the classes, are imported: pytest would collect (and run) the classes
# again in this module otherwise


class S3StoreMixin:
    """Point the recording store at the test run's bucket for the test."""

    def setUp(self):
        super().setUp()
        self.s3 = s3_server()
        params = self.env["ir.config_parameter"].sudo()
        params.set_param(STORAGE_PARAM, "s3")
        for name, value in (("endpoint", self.s3.endpoint), ("bucket", BUCKET),
                            ("access_key", ACCESS_KEY), ("secret_key", SECRET_KEY)):
            params.set_param(S3_PARAM_PREFIX + name, value)
        self.assertIsInstance(recording_store(self.env), S3Store)

    def _key(self, attachment):
        key = S3Store.key_of(attachment)
        self.assertTrue(key, f"{attachment.name} is not in the bucket")
        return key


@tagged("post_install", "-at_install")
class TestChunkUploadS3(S3StoreMixin, test_recording.TestChunkUpload):
    def test_chunk_is_stored_in_the_filestore(self):
        """(In the bucket, here.) The chunk is an object under its segment's prefix."""
        data = webm(300_000)
        response = self._upload(self.attempt, "webcam", 0, data)
        self.assertEqual(response.status_code, 200, response.text)
        chunk = self._chunks(self.attempt)
        self.assertFalse(chunk.attachment_id)
        object_key = f"{self.env.cr.dbname}/chunks/{self.attempt.id}/webcam-1/0000000-{chunk.sha256[:16]}"
        self.assertTrue(self.s3.client.exists(object_key))
        self.assertEqual(self._chunk_bytes(chunk), data)
        self.assertEqual(self._chunk_files(self.attempt), [chunk.store_key])

    def test_tampered_chunk_leaves_no_object(self):
        before = self._objects()
        data = webm(20_000)
        response = self._upload(self.attempt, "webcam", 0, data, sha=hashlib.sha256(b"other").hexdigest())
        self.assertEqual(response.status_code, 422)
        self.assertEqual(self._objects(), before, "the bucket refused the bytes: no object")

    def _objects(self):
        status, body = self.s3.client._call("GET", "", query={"list-type": "2"})
        self.assertEqual(status, 200)
        return body.count(b"<Key>")


@tagged("post_install", "-at_install")
class TestRecordingAssemblyS3(S3StoreMixin, test_recording_assembly.TestRecordingAssembly):
    def test_playback_is_served_by_the_bucket(self):
        self._record(6, at=0, parts=3)
        self.attempt._submit()
        self._cron()
        recording = self.attempt.sudo().recording_ids
        attachment = recording.attachment_id
        key = self._key(attachment)
        self.assertTrue(attachment.url.startswith(OBJECT_ROUTE))
        self.authenticate("ta_recruiter", "ta_recruiter-pass")
        first = self.url_open(f"/web/content/{attachment.id}", allow_redirects=False)
        self.assertIn(first.status_code, (301, 302, 303))
        second = self.url_open(first.headers["Location"], allow_redirects=False)
        self.assertEqual(second.status_code, 302)
        presigned = second.headers["Location"]
        self.assertTrue(presigned.startswith(self.s3.endpoint), presigned)
        ranged = requests.get(presigned, headers={"Range": "bytes=0-3"}, timeout=30)
        self.assertEqual((ranged.status_code, ranged.content), (206, b"\x1a\x45\xdf\xa3"))
        # another company's recruiter gets no redirect
        self.authenticate("ta_recruiter_b", "ta_recruiter_b-pass")
        self.assertEqual(self.url_open(first.headers["Location"], allow_redirects=False).status_code, 404)
        # retention: the objects go once the purge is committed
        self.assertTrue(self._chunk_files(self.attempt))
        recording._purge_files()
        self.env.cr.postcommit.run()
        self.assertFalse(self.s3.client.exists(key))
        self.assertEqual(self._chunk_files(self.attempt), [], "the chunks' objects went too")
