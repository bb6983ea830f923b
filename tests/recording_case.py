"""The base of the recording tests: recorded assessments, a candidate, upload helpers."""
import hashlib
import re

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
        fields_ = {
            "csrf_token": csrf if csrf is not None else self.csrf,
            "sha256": sha or hashlib.sha256(data).hexdigest(),
            "segment": str(segment),
        }
        if token is not False:
            fields_["access_token"] = token or attempt.access_token
        if start_ms is not None:
            fields_["start_ms"] = str(start_ms)
            fields_["end_ms"] = str(end_ms)
        return self.url_open(f"/my/assessments/{attempt.id}/recording/{kind}/{seq}", data=fields_,
                             files={"chunk": (f"{kind}-{seq}.webm", data, content_type)}, timeout=60)

    def _chunks(self, attempt, kind=None):
        domain = [("attempt_id", "=", attempt.id)] + ([("kind", "=", kind)] if kind else [])
        return self.env["assessment.recording.chunk"].sudo().search(domain, order="sequence")

    def _file_bytes(self, attachment):
        with open(attachment._full_path(attachment.store_fname), "rb") as handle:
            return handle.read()
