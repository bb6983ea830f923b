"""Parsers are total: generated bodies, headers, query strings and path segments thrown at
every candidate route never get a 5xx, and a refusal (4xx) leaves the stored data as it was.

Hypothesis generates the inputs (seeded: `derandomize=True`, no example database), mixing
valid and invalid access tokens so that the checks behind authorization are reached too.
"""
import json
import re
from urllib.parse import quote, urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.tests import tagged

from .common import TechAssessmentHttpCase

FUZZ = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))
FUZZ_SMALL = settings(FUZZ, max_examples=60)
JSON_ROUTES = ["answer", "status", "events", "submit", "recording/state"]

# Every kind of text that has broken a parser somewhere: NUL, lone surrogates, non-ASCII
# digits, huge numbers, whitespace, very long text.
NASTY_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "\x00", "\ud800", "²", "٣", "1e309", "-1", "0", " 1", "9" * 5000,
                     "é" * 10, "null", "[]", "{}", "NaN", "Infinity", "0001-01-01T00:00:00+14:00",
                     "9999-12-31T23:59:59-14:00", "%00", "../../etc/passwd"]),
)
NUMBERS = st.one_of(st.integers(), st.integers(min_value=2**31 - 2, max_value=2**70),
                    st.floats(allow_nan=True, allow_infinity=True), st.booleans())
JSON_LEAVES = st.one_of(st.none(), NUMBERS, NASTY_TEXT)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(NASTY_TEXT, children, max_size=4)),
    max_leaves=12,
)
EVENT = st.one_of(JSON_VALUES, st.fixed_dictionaries(
    {"kind": st.one_of(st.sampled_from(["tab_hidden", "paste", "submit", "consent", "upload_resumed",
                                        "recording_storage"]), JSON_VALUES)},
    optional={"detail": JSON_VALUES, "at": JSON_VALUES}))
BODY_FIELDS = st.fixed_dictionaries({}, optional={
    "item_id": JSON_VALUES, "option_id": JSON_VALUES, "access_token": JSON_VALUES,
    "events": st.one_of(JSON_VALUES, st.lists(EVENT, max_size=5)),
})


def _deep(depth):
    return ("[" * depth + "]" * depth).encode()


RAW_BODIES = st.one_of(
    st.binary(max_size=200),
    st.builds(_deep, st.integers(min_value=30, max_value=8000)),
    st.builds(lambda d: ('{"events": ' + "[" * d + "]" * d + "}").encode(),
              st.integers(min_value=30, max_value=5000)),
    st.just(b'{"item_id": 1, "item_id": "\\ud800"}'),
)


def _header_value(raw):
    # what HTTP can carry in a header: no CR or LF, no leading white space
    return raw.replace(b"\r", b"").replace(b"\n", b"").lstrip()


HEADER_VALUES = st.one_of(st.binary(max_size=60).map(_header_value),
                          NASTY_TEXT.map(lambda t: _header_value(t.encode("utf-8", "surrogatepass")[:200])))


@tagged("post_install", "-at_install")
class TestCandidateRoutesAreTotal(TechAssessmentHttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.assessment = cls._make_assessment("Fuzz assessment", items=3,
                                              recording_required="webcam")
        cls.candidate = cls.env["assessment.candidate"].create(
            {"name": "Fuzzy", "email": "fuzzy@example.com"})

    def setUp(self):
        super().setUp()
        self.attempt = self._started_attempt()

    def _started_attempt(self):
        attempt = self.env["assessment.attempt"].create(
            {"candidate_id": self.candidate.id, "assessment_id": self.assessment.id})
        attempt._portal_ensure_token()
        attempt._give_consent(consent_hash=attempt._consent_text_hash())
        attempt._start()
        return attempt

    def _csrf(self):
        """The CSRF token of the test page, as the recorder sends it (once per test)."""
        if not getattr(self, "_csrf_token", None):
            page = self._request("GET", f"/my/assessments/{self.attempt.id}/test",
                                 headers={}, params={"access_token": self.attempt.access_token})
            page = self._request("GET", f"/my/assessments/{self.attempt.id}/test")
            self._csrf_token = re.search(r'data-ta-csrf="([^"]+)"', page.text).group(1)
        return self._csrf_token

    def _stored(self, attempt):
        self.env.invalidate_all()
        return (attempt.state, attempt.write_date, attempt.answered_count,
                tuple(attempt.answer_ids.mapped("option_id").ids),
                self.env["assessment.event"].search_count([("attempt_id", "=", attempt.id)]),
                self.env["assessment.recording.chunk"].search_count([("attempt_id", "=", attempt.id)]),
                len(attempt.message_ids))

    def _check(self, response, before, attempt, what):
        self.assertLess(response.status_code, 500, f"{what}: {response.text[:300]}")
        if response.status_code >= 400:
            self.assertEqual(self._stored(attempt), before, f"{what}: a refusal changed data")
            if response.headers.get("Content-Type", "").startswith("application/json"):
                self.assertTrue(response.json()["error"]["message"])

    def _token(self, use_valid, attempt):
        return attempt.access_token.encode() if use_valid else None

    def _request(self, method, path, **kwargs):
        return self.opener.request(method, self.base_url() + path, timeout=60,
                                   allow_redirects=False, **kwargs)

    # ------------------------------------------------------------------ JSON routes
    @FUZZ
    @given(route=st.sampled_from(JSON_ROUTES), body=BODY_FIELDS,
           valid_token=st.booleans(), header=HEADER_VALUES)
    def test_json_routes_with_generated_objects(self, route, body, valid_token, header):
        attempt = self._started_attempt() if route == "submit" else self.attempt
        token = self._token(valid_token, attempt) or header
        before = self._stored(attempt)
        response = self._request(
            "POST", f"/my/assessments/{attempt.id}/{route}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "X-Access-Token": token})
        self._check(response, before, attempt, f"{route} {body!r}")

    @FUZZ_SMALL
    @given(route=st.sampled_from(JSON_ROUTES), raw=RAW_BODIES,
           content_type=st.sampled_from([b"application/json", b"text/plain",
                                         b"application/json; charset=latin-1"]))
    def test_json_routes_with_raw_bytes(self, route, raw, content_type):
        before = self._stored(self.attempt)
        response = self._request(
            "POST", f"/my/assessments/{self.attempt.id}/{route}", data=raw,
            headers={"Content-Type": content_type, "X-Access-Token": self.attempt.access_token})
        self._check(response, before, self.attempt, f"{route} {raw[:80]!r}")

    # ------------------------------------------------------------------ pages and forms
    @FUZZ
    @given(suffix=st.sampled_from(["", "/test", "/result", "/start", "/contest"]),
           params=st.dictionaries(st.sampled_from(["access_token", "error", "consent", "self",
                                                   "consent_hash", "message", "x"]),
                                  NASTY_TEXT, max_size=3),
           method=st.sampled_from(["GET", "POST"]), valid_token=st.booleans())
    def test_pages_with_generated_query_and_form(self, suffix, params, method, valid_token):
        before = self._stored(self.attempt)
        url = f"/my/assessments/{self.attempt.id}{suffix}"
        encoded = {key: value.encode("utf-8", "surrogatepass") for key, value in params.items()}
        if valid_token:
            encoded["access_token"] = self.attempt.access_token
        if method == "GET":
            response = self._request("GET", f"{url}?{urlencode(encoded)}")
        else:
            response = self._request("POST", url, data=encoded)
        self._check(response, before, self.attempt, f"{method} {suffix} {params!r}")

    @FUZZ_SMALL
    @given(segment=NASTY_TEXT, tail=st.sampled_from(["", "/test", "/answer", "/recording/webcam/1"]))
    def test_generated_path_segments(self, segment, tail):
        path = "/my/assessments/" + quote(segment.encode("utf-8", "surrogatepass"), safe="") + tail
        response = self._request("GET", path)
        self.assertLess(response.status_code, 500, path)

    @FUZZ_SMALL
    @given(fields=st.dictionaries(st.sampled_from(["sha256", "segment", "start_ms", "end_ms",
                                                   "access_token", "csrf_token"]),
                                  NASTY_TEXT, max_size=6),
           kind=st.sampled_from(["webcam", "screen", "x"]),
           seq=st.sampled_from(["0", "1", "99999999999999999999", "٣"]),
           mimetype=st.sampled_from(["video/webm", "text/plain", "vidéo/webm"]))
    def test_chunk_upload_with_generated_fields(self, kind, seq, fields, mimetype):
        # the fields go in the query string, the bytes in the body (controllers/recording.py)
        params = {key: value.encode("utf-8", "surrogatepass") for key, value in fields.items()}
        before = self._stored(self.attempt)
        response = self._request(
            "POST", f"/my/assessments/{self.attempt.id}/recording/{kind}/{quote(seq)}?{urlencode(params)}",
            data=b"\x1a\x45\xdf\xa3" + b"x" * 100,
            headers={"X-Access-Token": self.attempt.access_token,
                     "X-CSRF-Token": self._csrf(),
                     "Content-Type": mimetype.encode().decode("latin-1")})
        self._check(response, before, self.attempt, f"chunk {kind}/{seq} {fields!r}")
