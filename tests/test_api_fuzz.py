"""Integration API under Hypothesis: generated headers, query strings, path segments and bodies
(any code point: NUL, lone surrogates, non-ASCII; huge numbers, deep nesting, oversized and
non-UTF-8 bodies) at every route. Whatever comes in: never a 5xx, a JSON answer, a JSON error
``{"error": {"code", "message"}}`` with a documented code on a 4xx, and nothing stored when the
request is refused.

Derandomized (the same examples every run) and without an example database, so that a run
depends only on the code; 200 examples per route."""
import json
import re
from datetime import datetime, timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from odoo.addons.tech_assessment.controllers import api as api_routes
from odoo.addons.tech_assessment.controllers import api_common as api_module
from odoo.tests import BaseCase, tagged
from odoo.tools import email_normalize

from .api_case import PREFIX
from .common import TechAssessmentHttpCase
from .test_api_input import ApiInputMixin, encode_query, encode_segment

FUZZ = settings(
    derandomize=True, database=None, deadline=None, max_examples=200, print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much, HealthCheck.large_base_example],
)
ERROR_CODES = set(api_routes._openapi_spec()["components"]["schemas"]["Error"]["properties"]
                  ["error"]["properties"]["code"]["enum"])

# Any code point: NUL, control characters, lone surrogates, private use, astral planes...
ANY_CHAR = st.characters(exclude_categories=())


def any_text(**kwargs):
    return st.text(ANY_CHAR, **kwargs)


# Values that broke, or could break, a parser: Unicode digits, numbers int() refuses or
# PostgreSQL cannot hold, dates that overflow once moved to UTC, NUL, lone surrogates...
NASTY = st.sampled_from([
    "", " ", "\x00", "\ud800", "\udfff", "a\x00b", "²", "٣", "１", "1" * 5000, "9" * 19,
    str(2**31), str(2**63), "-1", "0", "1", "200", "201", "1e3", "+1", " 1", "1.0", "0x1",
    "NaN", "null", "true", "[]", "{}", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00",
    "9999-12-31T23:59:59.999999Z", "0001-01-01T00:00:00Z", "2024-05-01T12:00:00Z",
    "2024-05-01T12:00:00", "2024-02-30T00:00:00Z", "2024-05-01", "é" * 300, "😀", "\ufffd",
    "%00", "../..", "a.b", "eyJ9.AAAA", "x" * 600,
])
QUERY_VALUE = st.one_of(NASTY, NASTY, any_text(max_size=40),
                        st.integers(-2**70, 2**70).map(str), st.integers(0, 300).map(str))
SEGMENT = st.one_of(NASTY.filter(bool), any_text(min_size=1, max_size=300),
                    st.from_regex(r"[A-Za-z0-9_-]{1,20}", fullmatch=True))

JSON_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                        st.sampled_from([10**40, -(10**40), 2**31, 2**31 - 1, 0, -1]),
                        st.floats(), any_text(max_size=40), NASTY)
JSON_VALUE = st.recursive(
    JSON_SCALAR,
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(any_text(max_size=10), children, max_size=3),
    max_leaves=8,
)
OFFSET = st.sampled_from(["Z", "z", "+00:00", "-00:00", "+14:00", "-12:00", "+05:30", ""])
DATETIME_TEXT = st.builds(lambda moment, offset: moment.isoformat() + offset,
                          st.datetimes(min_value=datetime(1, 1, 1),
                                       max_value=datetime(9999, 12, 31, 23, 59, 59)),
                          OFFSET)
FUTURE_TEXT = st.builds(lambda days, offset: (datetime.utcnow() + timedelta(days=days))
                        .isoformat() + offset, st.integers(-3, 3650), OFFSET)


# Per parameter, its nasty values and near misses; any other parameter name, any value.
UNICODE_DIGITS = st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=5)
HUGE_NUMBER = st.integers(4290, 6000).map(lambda digits: "1" * digits)
QUERY_NAME = any_text(min_size=1, max_size=12).filter(
    lambda name: name not in {"limit", "cursor", "updated_since", "company_id"})
QUERY = st.builds(
    lambda known, other: {**other, **known},
    st.fixed_dictionaries({}, optional={
        "limit": st.one_of(QUERY_VALUE, UNICODE_DIGITS, HUGE_NUMBER,
                           st.integers(1, api_module.MAX_LIMIT).map(str)),
        "cursor": st.one_of(QUERY_VALUE, st.from_regex(r"[A-Za-z0-9_-]{1,40}\.[A-Za-z0-9_-]{1,60}",
                                                       fullmatch=True)),
        "updated_since": st.one_of(QUERY_VALUE, DATETIME_TEXT, DATETIME_TEXT),
        "company_id": st.one_of(QUERY_VALUE, UNICODE_DIGITS, HUGE_NUMBER),
    }),
    st.dictionaries(QUERY_NAME, QUERY_VALUE, max_size=2),
)


def header_bytes(text):
    """A header value as a client sends it: Latin-1 if it can, else UTF-8 (mojibake for the
    server), a lone surrogate as its invalid bytes."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def mostly(usual, other):
    """``usual`` three times out of four, else ``other`` (one_of does not weigh its branches
    evenly: this does)."""
    return st.builds(lambda pick_usual, usual, other: usual if pick_usual else other,
                     st.sampled_from([True, True, True, False]), usual, other)


# Header text a client can send (no CR or LF; requests refuses a leading space).
HEADER_TEXT = any_text(max_size=60).map(lambda text: re.sub("[\r\n]", "", text).lstrip())


@tagged("post_install", "-at_install")
class TestApiFuzz(ApiInputMixin, TechAssessmentHttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["assessment.candidate"].create({
            "name": "Fuzzed", "email": "fuzzed@example.com", "company_id": cls.company_a.id,
            "provider": "ats", "external_id": "F-1",
        })

    def _authorization(self):
        """Mostly the valid key (to reach the checks behind it), else anything."""
        key = self.key_a
        return mostly(st.just(f"Bearer {key}"), st.one_of(
            st.builds(lambda text: f"Bearer {key}{text}", HEADER_TEXT),
            st.builds(lambda text: f"Bearer {text}", HEADER_TEXT),
            st.builds(lambda scheme, text: f"{scheme} {text}",
                      st.sampled_from(["bearer", "BEARER", "Basic", "Token", ""]), HEADER_TEXT),
            HEADER_TEXT, st.none(),
        ))

    def _body(self):
        """Mostly a candidate, each field mostly valid (by the API's own patterns) and else
        anything; or any JSON, any bytes, deep nesting, a huge number, an oversized body."""
        company_ids = [self.company_a.id, self.company_b.id]
        assessment_ids = [self.assessment.id, self.assessment_a.id, self.unpublished.id, None]
        valid = {
            "name": st.from_regex(api_module.NAME_PATTERN, fullmatch=True)
            .filter(lambda name: len(name) <= api_module.MAX_NAME_LENGTH),
            "email": st.from_regex(api_module.EMAIL_PATTERN, fullmatch=True)
            .filter(lambda email: len(email) <= api_module.MAX_EMAIL_LENGTH),
            "phone": st.from_regex(api_module.PHONE_PATTERN, fullmatch=True)
            .filter(lambda phone: len(phone) <= api_module.MAX_PHONE_LENGTH) | st.none(),
            "company_id": st.sampled_from(company_ids),
            "assessment_id": st.sampled_from(assessment_ids),
            "expires_at": FUTURE_TEXT | st.none(),
        }
        anything = {
            "name": any_text(max_size=300),
            "email": st.one_of(st.emails(), any_text(max_size=60)),
            "phone": any_text(max_size=70),
            "company_id": st.integers(-2**70, 2**70),
            "assessment_id": st.integers(-2**70, 2**70),
            "expires_at": DATETIME_TEXT,
        }
        candidate = st.fixed_dictionaries({}, optional={
            name: mostly(valid[name], st.one_of(anything[name], NASTY, JSON_VALUE))
            for name in valid
        }) | st.fixed_dictionaries({"name": valid["name"]}, optional={"unknown": JSON_VALUE})
        return mostly(
            candidate.map(lambda body: json.dumps(body).encode()),
            st.one_of(
                candidate.map(lambda body: json.dumps(body, ensure_ascii=False)
                              .encode("utf-8", "surrogatepass")),  # raw lone surrogates
                JSON_VALUE.map(lambda value: json.dumps(value).encode()),
                st.binary(max_size=100),
                st.integers(1, 32000).map(lambda depth: b"[" * depth + b"]" * depth),
                st.integers(1, 3000).map(lambda depth: b'{"a":' * depth + b"1" + b"}" * depth),
                st.integers(1, 6000).map(
                    lambda digits: b'{"assessment_id": 1' + b"0" * digits + b"}"),
                st.integers(60000, 70000).map(lambda size: b'{"name": "' + b"x" * size + b'"}'),
            ),
        )

    def _request(self, method, path, query=None, authorization=None, body=None,
                 content_type=None):
        """Send it, check the answer and, for a refusal, that nothing changed."""
        headers = {}
        if authorization is not None:
            headers["Authorization"] = authorization
        if content_type is not None:
            headers["Content-Type"] = content_type
        for name, value in list(headers.items()):
            # requests sends no header value that starts with a space; nor do we, then.
            value = (header_bytes(value) if isinstance(value, str) else value) \
                .lstrip(b" \t\x0b\x0c")
            if value or name == "Content-Type":
                headers[name] = value
            else:
                del headers[name]
        url = self.base_url() + PREFIX + path + (f"?{encode_query(query)}" if query else "")
        before = self._stored()
        response = self.opener.request(method, url, data=body, headers=headers, timeout=60,
                                       allow_redirects=False)
        what = f"{method} {url[:300]} body={(body or b'')[:200]!r} -> {response.status_code}"
        event(f"{response.status_code} {response.headers.get('Content-Type', '')[:16]}")
        self.assertLess(response.status_code, 500, f"{what}: {response.text[:500]}")
        self.assertEqual(response.headers.get("Content-Type"), "application/json; charset=utf-8",
                         what)
        if method == "HEAD":
            return response
        data = response.json()
        if response.status_code >= 400:
            error = data["error"]
            self.assertIn(error["code"], ERROR_CODES, what)
            self.assertIsInstance(error["message"], str, what)
            self.assertTrue(error["message"], what)
            self.assertNotIn("Traceback", response.text, what)
            self.assertEqual(self._stored(), before, f"{what}: a refusal changed nothing")
        return response

    def test_fuzz_lists(self):
        @FUZZ
        @given(path=st.sampled_from(["/attempts", "/candidates"]), query=QUERY,
               authorization=self._authorization())
        def check(path, query, authorization):
            self._request("GET", path, query, authorization)

        check()

    def test_fuzz_get_candidate(self):
        @FUZZ
        @given(provider=mostly(st.just("ats"), SEGMENT),
               external_id=mostly(st.sampled_from(["F-1", "none"]), SEGMENT),
               query=QUERY, authorization=self._authorization())
        def check(provider, external_id, query, authorization):
            path = f"/candidates/{encode_segment(provider)}/{encode_segment(external_id)}"
            self._request("GET", path, query, authorization)

        check()

    def test_fuzz_put_candidate(self):
        key_segment = st.from_regex(r"[A-Za-z0-9_-]{1,12}", fullmatch=True)
        @FUZZ
        @given(provider=mostly(st.just("ats"), SEGMENT),
               external_id=mostly(key_segment, SEGMENT),
               body=self._body(), authorization=self._authorization(),
               content_type=mostly(st.just("application/json"), st.one_of(
                   st.sampled_from(["application/json; charset=utf-8", "text/plain",
                                    "application/x-www-form-urlencoded", "multipart/form-data",
                                    "application/json; charset=utf-16", ""]),
                   HEADER_TEXT.map(header_bytes))))
        def check(provider, external_id, body, authorization, content_type):
            path = f"/candidates/{encode_segment(provider)}/{encode_segment(external_id)}"
            self._request("PUT", path, {}, authorization, body, content_type)

        check()

    def test_fuzz_other_routes_and_methods(self):
        """The description, unknown paths under the prefix, and methods routes do not take."""
        @FUZZ
        @given(method=st.sampled_from(["GET", "HEAD", "PUT", "POST", "DELETE", "PATCH",
                                       "OPTIONS", "TRACE"]),
               segments=st.one_of(
                   st.sampled_from([["openapi.json"], ["attempts"], ["candidates"],
                                    ["candidates", "ats", "F-1"], [], ["candidates", "ats"]]),
                   st.lists(SEGMENT, max_size=4)),
               query=QUERY, authorization=self._authorization(),
               body=st.one_of(st.none(), st.binary(max_size=50)))
        def check(method, segments, query, authorization, body):
            path = "".join(f"/{encode_segment(segment)}" for segment in segments)
            content_type = "application/json" if body is not None else None
            self._request(method, path, query, authorization, body, content_type)

        check()


class TestApiPatterns(BaseCase):
    """The patterns the API checks (and documents) against what the rest of Odoo does."""

    @FUZZ
    @given(st.from_regex(api_module.EMAIL_PATTERN, fullmatch=True))
    def test_accepted_emails_are_odoo_emails(self, email):
        # What the API accepts, Odoo keeps as is (but for case) and can send to.
        self.assertEqual(email_normalize(email) or "", email.lower())
