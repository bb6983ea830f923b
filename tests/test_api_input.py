"""Integration API, bad input (issue 11): every malformed value is a 4xx JSON error that says
what is wrong, never a 500, and changes nothing stored. Also: the body survives Odoo's replay of
a request, the description never comes from the Host header."""
import json
from unittest.mock import patch
from urllib.parse import quote

import odoo.service.model
from odoo.addons.tech_assessment.controllers import api_common as api_module
from odoo.addons.tech_assessment.tools.concurrency import replay_transaction
from odoo.addons.tech_assessment.tools.request_input import MAX_PG_INT
from odoo.tests import tagged

from .api_case import PREFIX, ApiCaseMixin
from .common import TechAssessmentHttpCase


def encode_segment(text):
    """A path segment as a client sends it: UTF-8 (a lone surrogate as the invalid bytes it
    becomes), percent-encoded; dots encoded too, so that no client normalizes them away."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="").replace(".", "%2E")


def encode_query(params):
    return "&".join(f"{encode_segment(name)}={encode_segment(value)}"
                    for name, value in params.items())


class ApiInputMixin(ApiCaseMixin):
    """Raw requests, and what is stored (to show a refused request changed nothing)."""

    def _raw(self, method, path, key=None, headers=None, data=None, query=None):
        """``path`` and ``query`` (a dict) are sent as given, UTF-8 and percent-encoded."""
        headers = dict(headers or {})
        if key:
            headers["Authorization"] = f"Bearer {key}"
        url = self.base_url() + PREFIX + path + (f"?{encode_query(query)}" if query else "")
        response = self.opener.request(method, url, data=data, headers=headers, timeout=60,
                                       allow_redirects=False)
        self.assertEqual(response.headers.get("Content-Type"), "application/json; charset=utf-8",
                         response.text[:300])
        return response

    def _stored(self):
        """A fingerprint of what an API call could change: candidates, their partners,
        attempts and messages (invitation e-mails), counted and with their last write."""
        self.env.flush_all()
        self.env.cr.execute("""
            SELECT (SELECT count(*) FROM assessment_candidate),
                   (SELECT max(write_date) FROM assessment_candidate),
                   (SELECT count(*) FROM assessment_attempt),
                   (SELECT max(write_date) FROM assessment_attempt),
                   (SELECT count(*) FROM res_partner),
                   (SELECT count(*) FROM mail_message)
        """)
        return self.env.cr.fetchone()

    def _assert_refused(self, response, status, code, before, field=None):
        """A ``status`` JSON error ``code`` (with ``details[field]`` if given), nothing
        stored."""
        error = self._assert_error(response, status, code)
        if field:
            self.assertIn(field, error.get("details", {}), response.text)
        self.assertEqual(self._stored(), before, "a refused request changed nothing")
        return error


@tagged("post_install", "-at_install")
class TestApiInput(ApiInputMixin, TechAssessmentHttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.existing = cls.env["assessment.candidate"].create({
            "name": "Existing", "email": "existing@example.com", "company_id": cls.company_a.id,
            "provider": "ats", "external_id": "E-1",
        })

    # ------------------------------------------------------------------
    # Lists: limit, updated_since, cursor
    # ------------------------------------------------------------------
    def test_bad_limit_is_400(self):
        before = self._stored()
        for limit in ("²", "٣", "1" * 5000, "9" * 19, "0", "201", "", "-1", "+5", " 5", "5 ",
                      "1e2", "5.0", "0x10", "\x00", "\ud800"):
            for path in ("/attempts", "/candidates"):
                with self.subTest(path=path, limit=limit[:20]):
                    response = self._raw("GET", path, self.key_a, query={"limit": limit})
                    self._assert_refused(response, 400, "invalid_parameter", before, "limit")
        self.assertEqual(self._raw("GET", "/attempts", self.key_a,
                                   query={"limit": "200"}).status_code, 200)

    def test_bad_updated_since_is_400(self):
        before = self._stored()
        for value in (
            "",  # empty is not a date-time (a generated client would have sent nothing)
            "0001-01-01T00:00:00+01:00",  # year 0 once in UTC: OverflowError before
            "9999-12-31T23:59:59-01:00",  # year 10000 once in UTC
            "2024-05-01T12:00:00",  # no offset: not RFC 3339
            "2024-05-01", "2024-05-01 12:00:00Z", "20240501T120000Z", "2024-02-30T00:00:00Z",
            "2024-05-01T12:00:00Z\x00", "2024-05-01T12:00:00+00:00" + "0" * 100, "yesterday",
            "²⁰²⁴-05-01T12:00:00Z", "\ud800",
        ):
            with self.subTest(updated_since=value[:30]):
                response = self._raw("GET", "/attempts", self.key_a,
                                     query={"updated_since": value})
                self._assert_refused(response, 400, "invalid_parameter", before, "updated_since")
        for value in ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z",
                      "2024-05-01t12:00:00.5+02:00"):
            with self.subTest(updated_since=value):
                response = self._raw("GET", "/candidates", self.key_a,
                                     query={"updated_since": value})
                self.assertEqual(response.status_code, 200, response.text)

    def test_bad_cursor_is_400(self):
        before = self._stored()
        for cursor in ("", "\x00", "é.é", "\ud800.x", "a" * 600, "a.b", "a.b.c", "=.=",
                       "eyJpIjoxfQ.AAAA"):
            with self.subTest(cursor=cursor[:20]):
                response = self._raw("GET", "/candidates", self.key_a, query={"cursor": cursor})
                self._assert_refused(response, 400, "invalid_cursor", before)

    # ------------------------------------------------------------------
    # GET /candidates/<provider>/<external_id>
    # ------------------------------------------------------------------
    def test_bad_company_id_in_query(self):
        before = self._stored()
        for value in ("²", "", "0", "-1", "1.0", "2147483648", "9" * 5000, "\x00", "one"):
            with self.subTest(company_id=value[:20]):
                response = self._raw("GET", "/candidates/ats/E-1", self.key_a,
                                     query={"company_id": value})
                self._assert_refused(response, 400, "invalid_parameter", before, "company_id")
        # A well-formed id of a company that is not the user's
        response = self._raw("GET", "/candidates/ats/E-1", self.key_a,
                             query={"company_id": str(MAX_PG_INT)})
        self._assert_refused(response, 422, "validation_error", before, "company_id")
        response = self._raw("GET", "/candidates/ats/E-1", self.key_a,
                             query={"company_id": str(self.company_a.id)})
        self.assertEqual(response.json()["id"], self.existing.id)

    def test_bad_path_segments(self):
        """NUL cannot be stored; a lone surrogate arrives as bytes that are not UTF-8 (which
        Werkzeug would turn into U+FFFD, silently); a segment may be too long."""
        before = self._stored()
        cases = [
            ("a\x00", "E-1", "provider"), ("ats", "\x00", "external_id"),
            ("\ud800", "E-1", "provider"), ("ats", "x\udfffy", "external_id"),
            ("p" * 65, "E-1", "provider"), ("ats", "e" * 256, "external_id"),
        ]
        for provider, external_id, field in cases:
            path = f"/candidates/{encode_segment(provider)}/{encode_segment(external_id)}"
            with self.subTest(provider=provider[:10], external_id=external_id[:10]):
                self._assert_refused(self._raw("GET", path, self.key_a),
                                     400, "invalid_parameter", before, field)
                self._assert_refused(self._raw("PUT", path, self.key_a,
                                               data=json.dumps({"name": "N"}),
                                               headers={"Content-Type": "application/json"}),
                                     400, "invalid_parameter", before, field)
        # At the limits, and non-ASCII but valid UTF-8 (U+FFFD itself included): fine.
        for provider, external_id in (("p" * 64, "e" * 255), ("ätś", "\ufffd-✓-😀")):
            path = f"/candidates/{encode_segment(provider)}/{encode_segment(external_id)}"
            response = self._raw("PUT", path, self.key_a, data=json.dumps({"name": "Edge"}),
                                 headers={"Content-Type": "application/json"})
            self.assertEqual(response.status_code, 201, response.text)
            self.assertEqual((response.json()["candidate"]["provider"],
                              response.json()["candidate"]["external_id"]),
                             (provider, external_id))
            self.assertEqual(self._raw("GET", path, self.key_a).json()["external_id"],
                             external_id)

    # ------------------------------------------------------------------
    # PUT body
    # ------------------------------------------------------------------
    def _put_raw(self, data, content_type="application/json", path="/candidates/ats/NEW-1",
                 headers=None):
        return self._raw("PUT", path, self.key_a, data=data,
                         headers={"Content-Type": content_type, **(headers or {})})

    def test_body_that_is_not_a_json_object_is_400(self):
        before = self._stored()
        for data in (
            b'{"name": "\xff"}',  # not UTF-8
            b'\xef\xbb\xbf{"name": "BOM"}', b"", b"null", b"[]", b'"text"', b"{nope",
            b"[" * 30000 + b"]" * 30000,  # a RecursionError (500) before
            b'{"a": ' * 33 + b"1" + b"}" * 33,
            b'{"assessment_id": 1' + b"0" * 5000 + b"}",  # int() of > 4300 digits
            b'{"name": "N"} {"name": "M"}',
        ):
            with self.subTest(data=data[:30]):
                self._assert_refused(self._put_raw(data), 400, "invalid_json", before)
        # 32 levels are fine (then the unknown field is the problem)
        data = b'{"a": ' + b"[" * 31 + b"]" * 31 + b"}"
        self._assert_refused(self._put_raw(data), 422, "validation_error", before, "a")

    def test_content_type_length_and_size(self):
        before = self._stored()
        body = json.dumps({"name": "Typed"})
        for content_type in ("text/plain", "application/x-www-form-urlencoded",
                             "multipart/form-data; boundary=x", "application/json; charset=latin-1",
                             "application/jsonx", ""):
            with self.subTest(content_type=content_type):
                self._assert_refused(self._put_raw(body, content_type), 415,
                                     "unsupported_media_type", before)
        # A form body is parsed by Odoo before the route: still a JSON 415, not an HTML page
        self._assert_refused(self._put_raw("x=" + "a" * 70000,
                                           "application/x-www-form-urlencoded"),
                             415, "unsupported_media_type", before)
        # Chunked (no Content-Length): refused before anything is read
        self._assert_refused(self._put_raw(iter([body.encode()])), 411, "length_required", before)
        # 64 KiB is the limit: one byte more is a JSON 413
        head = b'{"name": "Big"'
        exact = head + b" " * (api_module.MAX_BODY - len(head) - 1) + b"}"
        self.assertEqual(len(exact), api_module.MAX_BODY)
        self._assert_refused(self._put_raw(exact + b" "), 413, "payload_too_large", before)
        response = self._put_raw(exact, "Application/JSON; charset=UTF-8")
        self.assertEqual(response.status_code, 201, response.text)

    def test_bad_fields_are_422_with_details(self):
        before = self._stored()
        long = "x" * 257
        cases = [
            ("name", ["", "   ", "\u3000\t", "x\x00y", "\ud800", long, 42, None, True, ["N"]]),
            ("email", ["a\x00@example.com", "\ud800@example.com", "Grace <g@example.com>",
                       " g@example.com", "g@example", "g@@example.com", "g@example.com,h@x.co",
                       "é@example.com", "a" * 250 + "@x.co", 1, True, {}]),
            ("phone", ["\x00", "+1\udfff", "9" * 65, 5, False, []]),
            ("company_id", ["²", "1", 2**31, 2**64, 0, -1, None, True, 1.0, 1.5]),
            ("assessment_id", ["²", "3", 2**31, 10**30, 0, -1, True, 1.0]),
            ("expires_at", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00",
                            "2099-01-01T00:00:00", "2099-01-01", "", "tomorrow", 4102444800]),
        ]
        for field, values in cases:
            for value in values:
                body = {"name": "Valid", field: value}
                if field == "expires_at":
                    body["assessment_id"] = self.assessment.id
                with self.subTest(field=field, value=value):
                    response = self._put_raw(json.dumps(body))
                    error = self._assert_refused(response, 422, "validation_error", before,
                                                 field)
                    self.assertEqual(list(error["details"]), [field])
        # NaN and Infinity are not JSON (Python's json would read them): the body is refused
        for constant in ("NaN", "Infinity", "-Infinity"):
            response = self._put_raw('{"name": "Valid", "phone": ' + constant + '}')
            self._assert_refused(response, 400, "invalid_json", before)
        # Unknown fields, whatever their name (a lone surrogate included)
        response = self._put_raw(json.dumps({"name": "N", "\ud800": 1, "x" * 100: 2}))
        error = self._assert_refused(response, 422, "validation_error", before)
        self.assertEqual(set(error["details"].values()), {"unknown field"})

    def test_valid_edge_values_are_stored(self):
        body = {"name": "  \u3000Ünïcødé 😀\u3000 ", "email": "o'hara+tag@sub.example-1.com",
                "phone": " +32 (0)2 555 01 01 ", "company_id": self.company_a.id,
                "assessment_id": None, "expires_at": None}
        response = self._put_raw(json.dumps(body))
        self.assertEqual(response.status_code, 201, response.text)
        data = response.json()["candidate"]
        self.assertEqual((data["name"], data["email"], data["phone"]),
                         ("Ünïcødé 😀", "o'hara+tag@sub.example-1.com", "+32 (0)2 555 01 01"))
        # "" and null clear e-mail and phone
        response = self._put_raw(json.dumps({"email": "", "phone": None}))
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual((response.json()["candidate"]["email"],
                          response.json()["candidate"]["phone"]), (None, None))

    # ------------------------------------------------------------------
    # Authorization header
    # ------------------------------------------------------------------
    def test_bad_bearer_tokens_are_401(self):
        before = self._stored()
        for value in (
            b"Bearer a\x00b", b"Bearer \x00", f"Bearer {self.key_a}\x00".encode(),
            "Bearer é".encode("latin-1"), "Bearer ключ".encode(),
            f"Bearer {self.key_a}é".encode("latin-1"), b"Bearer \x7f", b"Bearer a\tb",
        ):
            for method, path in (("GET", "/attempts"), ("GET", "/candidates/ats/E-1"),
                                 ("PUT", "/candidates/ats/E-1")):
                with self.subTest(value=value, method=method, path=path):
                    response = self._raw(method, path, headers={
                        "Authorization": value, "Content-Type": "application/json",
                    }, data=json.dumps({"name": "Changed"}) if method == "PUT" else None)
                    self._assert_refused(response, 401, "unauthorized", before)
                    self.assertIn("Bearer", response.headers["WWW-Authenticate"])

    # ------------------------------------------------------------------
    # Methods
    # ------------------------------------------------------------------
    def test_other_methods_are_405_with_allow(self):
        before = self._stored()
        for method, path, allow in (("OPTIONS", "/attempts", "GET"),
                                    ("POST", "/candidates", "GET"),
                                    ("PATCH", "/candidates/ats/E-1", "GET, PUT"),
                                    ("OPTIONS", "/candidates/ats/E-1", "GET, PUT"),
                                    ("PUT", "/openapi.json", "GET")):
            with self.subTest(method=method, path=path):
                response = self._raw(method, path, self.key_a)
                self._assert_refused(response, 405, "method_not_allowed", before)
                self.assertEqual(response.headers["Allow"], allow)
        # HEAD goes with GET
        response = self.opener.head(self.base_url() + PREFIX + "/candidates/ats/E-1",
                                    headers={"Authorization": f"Bearer {self.key_a}"})
        self.assertEqual(response.status_code, 200)

    def test_query_parameter_named_self(self):
        """Odoo passes query parameters to the controller method as keyword arguments, and
        ``self=`` collided with the method's own ``self`` (a 500 on every type="http" route):
        models/ir_http.py drops it."""
        response = self._raw("GET", "/attempts", self.key_a, query={"self": "1"})
        self.assertEqual(response.status_code, 200)
        page = self.url_open("/my/assessments/1?self=1", allow_redirects=False)
        self.assertLess(page.status_code, 500)

    # ------------------------------------------------------------------
    # Odoo's replay of a request (serialization failure)
    # ------------------------------------------------------------------
    def test_put_is_replayed_with_its_body(self):
        """A concurrent PUT fails once with a serialization failure and Odoo runs the whole
        request again (odoo.service.model.retrying): the replay must read the same body
        (it read an empty one before: 400 invalid_json instead of the README's 200/201)."""
        Candidate = type(self.env["assessment.candidate"])
        upsert, calls = Candidate._api_upsert, []

        def fails_once(candidates, *args, **kwargs):
            calls.append(args)
            result = upsert(candidates, *args, **kwargs)
            if len(calls) == 1:  # after its writes, as a concurrent transaction would
                replay_transaction(candidates.env.cr, "test of the replay")
            return result

        body = {"name": "Replayed", "email": "replayed@example.com",
                "assessment_id": self.assessment.id}
        with patch.object(Candidate, "_api_upsert", fails_once), \
                patch.object(odoo.service.model, "random", wraps=odoo.service.model.random) \
                as random:
            random.uniform.return_value = 0  # no back-off sleep
            response = self._put_raw(json.dumps(body), path="/candidates/ats/REPLAY")
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(len(calls), 2, "run once, then replayed")
        self.assertEqual(calls[0], calls[1], "the replay saw the same values")
        candidates = self.env["assessment.candidate"].search([("external_id", "=", "REPLAY")])
        self.assertEqual(len(candidates), 1)
        self.assertEqual(len(candidates.attempt_ids), 1, "the first run's invitation is gone")
        self.assertEqual(response.json()["candidate"]["id"], candidates.id)
