"""The base of the recording tests: recorded assessments, a candidate, upload helpers."""
import hashlib
import os
import re

from ..tools.recording_media import probe
from ..tools.recording_storage import CHUNKS_FOLDER, S3Store, recording_store
from .common import TechAssessmentHttpCase


def webm(size, seed=0):
    """Bytes that look like a WebM chunk (the EBML magic first for the segment's head)."""
    body = hashlib.sha256(str(seed).encode()).digest() * (size // 32 + 1)
    return (b"\x1a\x45\xdf\xa3" + body)[:size]


class RecordingCase(TechAssessmentHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.assessment = cls._make_assessment("Recorded assessment", items=18,
                                              recording_required="both", retention_days=30)
        cls.webcam_only = cls._make_assessment("Webcam only", items=2, recording_required="webcam")
        cls._setup_candidates()

    def _attempt(self, assessment=None, candidate=None, start=True):
        attempt = self.env["assessment.attempt"].create({
            "candidate_id": (candidate or self.candidate).id,
            "assessment_id": (assessment or self.assessment).id,
        })
        attempt._portal_ensure_token()
        if start:
            attempt._give_consent(ip="127.0.0.1", user_agent="test",
                                          consent_hash=attempt._consent_text_hash())
            attempt._start()
        return attempt

    def _csrf(self, attempt):
        page = self.url_open(f"/my/assessments/{attempt.id}/test?access_token={attempt.access_token}")
        self.assertEqual(page.status_code, 200)
        return re.search(r'data-ta-csrf="([^"]+)"', page.text).group(1)

    def _upload(self, attempt, kind, seq, data, sha=None, content_type="video/webm;codecs=vp8",
                token=None, csrf=None, segment=1, start_ms=None, end_ms=None):
        """POST a chunk as the recorder does: the bytes as the body, the rest in the query
        string and headers (controllers/recording.py)."""
        params = {"sha256": sha or hashlib.sha256(data).hexdigest(), "segment": str(segment)}
        if start_ms is not None:
            params["start_ms"] = str(start_ms)
            params["end_ms"] = str(end_ms)
        headers = {"Content-Type": content_type,
                   "X-CSRF-Token": csrf if csrf is not None else self.csrf}
        if token is not False:
            headers["X-Access-Token"] = token or attempt.access_token
        query = "&".join(f"{key}={value}" for key, value in params.items())
        return self.url_open(f"/my/assessments/{attempt.id}/recording/{kind}/{seq}?{query}",
                             data=data, headers=headers, timeout=60)

    def _chunks(self, attempt, kind=None):
        domain = [("attempt_id", "=", attempt.id)] + ([("kind", "=", kind)] if kind else [])
        return self.env["assessment.recording.chunk"].sudo().search(domain, order="sequence")

    def _chunk_bytes(self, chunk):
        with recording_store(self.env).chunk_paths(chunk) as (path,):
            with open(path, "rb") as handle:
                return handle.read()

    def _chunk_files(self, attempt):
        """The keys of the chunk files the store keeps for the attempt, sorted."""
        store = recording_store(self.env)
        if isinstance(store, S3Store):
            root = store._chunk_object("")
            return sorted(key[len(root):] for key in store.client.keys_under(f"{root}{attempt.id}/"))
        root = os.path.join(self.env["ir.attachment"]._filestore(), CHUNKS_FOLDER)
        keys = []
        for folder, _dirs, names in os.walk(os.path.join(root, str(attempt.id))):
            keys += [os.path.relpath(os.path.join(folder, name), root) for name in names]
        return sorted(keys)

    def _file_bytes(self, attachment):
        """The bytes of a recording file, from wherever the recording store keeps them."""
        return recording_store(self.env).read_bytes(attachment)

    def _probe(self, attachment):
        """What a demuxer reads of a recording file's header (tools/recording_media.probe)."""
        with recording_store(self.env).local_paths(attachment) as (path,):
            return probe(path)
