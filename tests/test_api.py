"""Integration API (controllers/api.py): keys, companies, cursor pages, idempotent upserts."""
import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from contextlib import closing, contextmanager
from datetime import datetime, timedelta
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.addons.tech_assessment.controllers import api_common as api_module
from odoo.addons.tech_assessment.controllers import api_pages
from odoo.service.model import retrying
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from .common import TechAssessmentHttpCase

PREFIX = "/api/tech_assessment/v1"
# Far from the real clock, so that only the rows a test stamps match `updated_since=T0`.
T0 = datetime(2031, 1, 1, 12, 0, 0, 123456)


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class ApiCaseMixin:
    """Keys, assessments and request helpers of the API tests (also used by
    test_api_input.py, test_api_fuzz.py and test_api_contract.py)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Apikeys = cls.env["res.users.apikeys"]
        cls.key_a = Apikeys.with_user(cls.recruiter)._generate("rpc", "ATS A")
        cls.key_b = Apikeys.with_user(cls.recruiter_b)._generate("rpc", "ATS B")
        cls.key_internal = Apikeys.with_user(cls.internal)._generate("rpc", "no group")
        question = cls._make_question("API question", items=2)
        cls.assessment = cls.env["assessment.assessment"].create({
            "name": "API Assessment", "recording_required": "none", "company_id": False,
            "line_ids": [(0, 0, {"question_id": question.id})],
        })
        cls.assessment.action_publish()
        cls.assessment_a = cls.assessment.copy({"name": "Company A only",
                                                "company_id": cls.company_a.id})
        cls.assessment_a.action_publish()
        cls.unpublished = cls.assessment.copy({"name": "Draft", "is_published": False})

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------
    def _call(self, method, path, key=None, body=None, headers=None, params=None, raw=None):
        headers = dict(headers or {})
        if key:
            headers["Authorization"] = f"Bearer {key}"
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        if data is not None:
            headers.setdefault("Content-Type", "application/json")
        response = self.opener.request(method, self.base_url() + PREFIX + path, data=data,
                                       headers=headers, params=params, timeout=30)
        self.assertEqual(response.headers.get("Content-Type"), "application/json; charset=utf-8")
        return response

    def _get(self, path, key, **params):
        return self._call("GET", path, key=key, params=params)

    def _put(self, path, key, body):
        return self._call("PUT", path, key=key, body=body)

    def _assert_error(self, response, status, code):
        self.assertEqual(response.status_code, status, response.text)
        error = response.json()["error"]
        self.assertEqual(error["code"], code)
        self.assertTrue(error["message"])
        for leak in ("Traceback", "psycopg2", "SELECT ", "INSERT ", "File \""):
            self.assertNotIn(leak, response.text)
        return error

    @contextmanager
    def _at(self, timestamp):
        """ORM writes in the block get ``write_date = timestamp``."""
        with patch.object(self.env.cr, "now", return_value=timestamp):
            yield
            self.env.flush_all()

    def _candidates(self, names, company):
        return self.env["assessment.candidate"].create([
            {"name": name, "email": f"{name.lower()}@example.com", "company_id": company.id}
            for name in names
        ])

    def _attempts(self, candidates):
        return self.env["assessment.attempt"].create([{
            "candidate_id": candidate.id, "assessment_id": self.assessment.id,
            "company_id": candidate.company_id.id,
        } for candidate in candidates])

    def _walk_page(self, key, kind, cursor=None, **params):
        params = {"updated_since": T0.isoformat() + "Z", **params}
        if cursor:
            params["cursor"] = cursor
        response = self._get(f"/{kind}", key, **params)
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()



@tagged("post_install", "-at_install")
class TestApi(ApiCaseMixin, TechAssessmentHttpCase):
    # ------------------------------------------------------------------
    # authentication
    # ------------------------------------------------------------------
    def test_no_key_is_401(self):
        for path in ("/attempts", "/candidates", "/candidates/greenhouse/GH-1"):
            response = self._call("GET", path)
            self._assert_error(response, 401, "unauthorized")
            self.assertIn("Bearer", response.headers["WWW-Authenticate"])
        self._assert_error(self._call("PUT", "/candidates/x/1", body={"name": "N"}),
                           401, "unauthorized")

    def test_bad_keys_are_401(self):
        bad_headers = [
            {"Authorization": "Bearer "},
            {"Authorization": "Bearer not-a-key"},
            {"Authorization": f"Bearer {self.key_a[:-1]}x"},
            {"Authorization": f"Basic {self.key_a}"},
            {"Authorization": self.key_a},
            {"Authorization": "Bearer " + "a" * 5000},
        ]
        for headers in bad_headers:
            with self.subTest(headers=headers["Authorization"][:20]):
                self._assert_error(self._call("GET", "/attempts", headers=headers),
                                   401, "unauthorized")

    def test_removed_key_and_archived_user_are_401(self):
        self.assertEqual(self._get("/attempts", self.key_b).status_code, 200)
        self.recruiter_b.active = False
        self._assert_error(self._get("/attempts", self.key_b), 401, "unauthorized")
        self.recruiter_b.active = True
        self.assertEqual(self._get("/attempts", self.key_b).status_code, 200)
        self.env["res.users.apikeys"].search([("user_id", "=", self.recruiter_b.id)])._remove()
        self._assert_error(self._get("/attempts", self.key_b), 401, "unauthorized")

    def test_user_without_assessment_access_is_403(self):
        key_portal = self.env["res.users.apikeys"].with_user(self.portal_user)._generate(
            "rpc", "portal")
        for key in (self.key_internal, key_portal):
            self._assert_error(self._get("/attempts", key), 403, "forbidden")
            self._assert_error(self._put("/candidates/x/1", key, {"name": "N"}), 403, "forbidden")
        self.assertFalse(self.env["assessment.candidate"].search([("provider", "=", "x")]))

    # ------------------------------------------------------------------
    # description, routes, errors
    # ------------------------------------------------------------------
    def test_openapi_description(self):
        # The server URL is relative: never built from the Host header (which anyone sets).
        response = self._call("GET", "/openapi.json", headers={"Host": "evil.example"})
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("evil.example", response.text)
        spec = response.json()
        self.assertTrue(spec["openapi"].startswith("3."))
        self.assertEqual(spec["servers"], [{"url": PREFIX}])
        self.assertEqual(set(spec["paths"]), {
            "/attempts", "/candidates", "/candidates/{provider}/{external_id}", "/openapi.json",
        })
        operations = set(spec["paths"]["/candidates/{provider}/{external_id}"])
        self.assertEqual(operations - {"parameters"}, {"get", "put"})
        self.assertEqual(spec["components"]["securitySchemes"]["apiKey"]["scheme"], "bearer")

    def test_unknown_routes_and_methods(self):
        self._assert_error(self._get("/nothing/here", self.key_a), 404, "not_found")
        response = self._call("DELETE", "/candidates/greenhouse/GH-1", key=self.key_a)
        self._assert_error(response, 405, "method_not_allowed")
        self.assertEqual(response.headers["Allow"], "GET, PUT")
        self._assert_error(self._call("POST", "/attempts", key=self.key_a, body={}),
                           405, "method_not_allowed")

    def test_bad_list_parameters_are_400(self):
        for params in ({"limit": "0"}, {"limit": "201"}, {"limit": "ten"}, {"limit": "-1"},
                       {"updated_since": "yesterday"}, {"updated_since": "2024-13-01"}):
            with self.subTest(params=params):
                error = self._assert_error(self._get("/attempts", self.key_a, **params),
                                           400, "invalid_parameter")
                self.assertNotIn("Traceback", error["message"])

    def test_unexpected_errors_are_logged_not_echoed(self):
        self._attempts(self._candidates(["Boom"], self.company_a))
        secret = "connection to 10.1.2.3 failed: password=hunter2 SELECT * FROM res_users"
        def boom(*_args):
            raise RuntimeError(secret)

        with patch.dict(api_pages.SERIALIZERS, attempts=boom), \
                mute_logger("odoo.addons.tech_assessment.controllers.api"):
            response = self._get("/attempts", self.key_a)
        error = self._assert_error(response, 500, "internal_error")
        self.assertNotIn("hunter2", response.text)
        self.assertNotIn("10.1.2.3", response.text)
        self.assertEqual(set(error), {"code", "message"})

    # ------------------------------------------------------------------
    # PUT /candidates/<provider>/<external_id>
    # ------------------------------------------------------------------
    def test_put_creates_once_and_retries_change_nothing(self):
        body = {"name": "Grace Hopper", "email": "grace@example.com", "phone": "+1 555 0100"}
        first = self._put("/candidates/greenhouse/GH-42", self.key_a, body)
        self.assertEqual(first.status_code, 201, first.text)
        data = first.json()
        self.assertTrue(data["created"])
        self.assertIsNone(data["invitation"])
        candidate = self.env["assessment.candidate"].browse(data["candidate"]["id"])
        self.assertEqual(
            (candidate.name, candidate.email, candidate.phone, candidate.provider,
             candidate.external_id, candidate.company_id),
            ("Grace Hopper", "grace@example.com", "+1 555 0100", "greenhouse", "GH-42",
             self.company_a),
        )
        self.assertTrue(first.headers["Location"].endswith(f"{PREFIX}/candidates/greenhouse/GH-42"))
        self.assertEqual(data["candidate"]["links"]["self"], first.headers["Location"])
        write_date = candidate.write_date

        for _retry in range(2):
            again = self._put("/candidates/greenhouse/GH-42", self.key_a, body)
            self.assertEqual(again.status_code, 200, again.text)
            self.assertFalse(again.json()["created"])
            self.assertEqual(again.json()["candidate"]["id"], candidate.id)
        key = [("provider", "=", "greenhouse"), ("external_id", "=", "GH-42")]
        self.assertEqual(self.env["assessment.candidate"].search_count(key), 1)
        self.env.invalidate_all()
        self.assertEqual(candidate.write_date, write_date, "a retry writes nothing")

        updated = self._put("/candidates/greenhouse/GH-42", self.key_a,
                            {"name": "Grace B. Hopper", "phone": None})
        self.assertEqual(updated.status_code, 200)
        self.env.invalidate_all()
        self.assertEqual((candidate.name, candidate.email, candidate.phone),
                         ("Grace B. Hopper", "grace@example.com", False))
        got = self._get("/candidates/greenhouse/GH-42", self.key_a)
        self.assertEqual(got.status_code, 200)
        self.assertEqual(got.json()["name"], "Grace B. Hopper")
        self.assertEqual(got.json()["updated_at"], candidate.write_date.isoformat() + "Z")

    def test_put_with_invitation_is_idempotent(self):
        body = {"name": "Ada", "email": "ada@example.com", "assessment_id": self.assessment.id}
        first = self._put("/candidates/lever/L-1", self.key_a, body)
        self.assertEqual(first.status_code, 201, first.text)
        data = first.json()
        self.assertTrue(data["invitation_created"])
        invitation = data["invitation"]
        self.assertEqual(invitation["state"], "invited")
        self.assertEqual(invitation["assessment"]["id"], self.assessment.id)
        self.assertIsNone(invitation["passed"])
        attempt = self.env["assessment.attempt"].browse(invitation["id"])
        self.assertIn(f"/my/assessments/{attempt.id}?access_token={attempt.access_token}",
                      invitation["links"]["invitation"])
        comment = self.env.ref("mail.mt_comment")
        mails = attempt.message_ids.filtered(lambda m: m.subtype_id == comment)
        self.assertEqual(len(mails), 1, "one invitation e-mail")

        expires = (datetime.utcnow() + timedelta(days=3)).replace(microsecond=0)
        again = self._put("/candidates/lever/L-1", self.key_a,
                          {**body, "expires_at": expires.isoformat() + "Z"})
        self.assertEqual(again.status_code, 200, again.text)
        self.assertFalse(again.json()["invitation_created"])
        self.assertEqual(again.json()["invitation"]["id"], attempt.id)
        self.env.invalidate_all()
        self.assertEqual(attempt.expires_at, expires)
        self.assertEqual(attempt.candidate_id.attempt_ids, attempt)
        mails = attempt.message_ids.filtered(lambda m: m.subtype_id == comment)
        self.assertEqual(len(mails), 1, "no second e-mail")

    def test_failed_invitation_leaves_nothing_behind(self):
        """Seed Q3: the candidate is written, then the invitation fails: both are undone."""
        body = {"name": "Orphan", "email": "orphan@example.com",
                "assessment_id": self.unpublished.id}
        response = self._put("/candidates/greenhouse/GH-ORPHAN", self.key_a, body)
        self._assert_error(response, 422, "validation_error")
        self.assertIn("Publish", response.json()["error"]["message"])
        self.assertFalse(self.env["assessment.candidate"].with_context(active_test=False).search(
            [("external_id", "=", "GH-ORPHAN")]))
        self.assertFalse(self.env["res.partner"].with_context(active_test=False).search(
            [("email", "=", "orphan@example.com")]))
        # An existing candidate's update is undone too.
        self._put("/candidates/greenhouse/GH-ORPHAN", self.key_a, {"name": "Orphan"})
        response = self._put("/candidates/greenhouse/GH-ORPHAN", self.key_a,
                             {"name": "Renamed", "assessment_id": self.unpublished.id})
        self._assert_error(response, 422, "validation_error")
        candidate = self.env["assessment.candidate"].search([("external_id", "=", "GH-ORPHAN")])
        self.assertEqual(candidate.name, "Orphan")

    def test_put_validation(self):
        cases = [
            ({"email": "a@example.com"}, None),  # a new candidate needs a name
            ({"name": ""}, "name"),
            ({"name": 42}, "name"),
            ({"name": "N", "email": "not an e-mail"}, "email"),
            ({"name": "N", "nickname": "x"}, "nickname"),
            ({"name": "N", "assessment_id": "3"}, "assessment_id"),
            ({"name": "N", "assessment_id": self.assessment.id,
              "expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
            ({"name": "N", "expires_at": "2099-01-01T00:00:00Z"}, "expires_at"),
            ({"name": "N", "company_id": self.company_b.id}, "company_id"),
            ({"name": "N", "company_id": 10**6}, "company_id"),
        ]
        for body, field in cases:
            with self.subTest(body=body):
                error = self._assert_error(self._put("/candidates/v/1", self.key_a, body),
                                           422, "validation_error")
                if field:
                    self.assertIn(field, error["details"])
        self.assertFalse(self.env["assessment.candidate"].search([("provider", "=", "v")]))
        self._assert_error(self._call("PUT", "/candidates/v/1", key=self.key_a, raw="{nope"),
                           400, "invalid_json")
        self._assert_error(self._call("PUT", "/candidates/v/1", key=self.key_a, raw="[1]"),
                           400, "invalid_json")

    def test_unknown_or_foreign_assessment_is_404(self):
        missing = self.env["assessment.assessment"].search([], order="id desc", limit=1).id + 1000
        for key, assessment_id in ((self.key_a, missing), (self.key_b, self.assessment_a.id)):
            with self.subTest(assessment_id=assessment_id):
                response = self._put("/candidates/greenhouse/GH-404", key,
                                     {"name": "N", "assessment_id": assessment_id})
                error = self._assert_error(response, 404, "not_found")
                self.assertEqual(error["message"], "No such assessment.")
        self.assertFalse(self.env["assessment.candidate"].search([("external_id", "=", "GH-404")]))

    # ------------------------------------------------------------------
    # Companies (seed Q2)
    # ------------------------------------------------------------------
    def test_company_isolation(self):
        cand_a = self._candidates(["Alice"], self.company_a)
        cand_a.write({"provider": "greenhouse", "external_id": "SHARED-1"})
        cand_b = self._candidates(["Bob"], self.company_b)
        attempt_a, attempt_b = self._attempts(cand_a | cand_b)

        companies = {self.key_a: self.company_a.id, self.key_b: self.company_b.id}

        def all_ids(key, kind):
            ids, params = [], {"limit": 200}
            while True:
                page = self._get(f"/{kind}", key, **params).json()
                ids += [item["id"] for item in page["items"]]
                self.assertEqual({item["company_id"] for item in page["items"]} - {companies[key]},
                                 set())
                params["cursor"] = page["next_cursor"]
                if not page["has_more"]:
                    return ids

        self.assertIn(attempt_a.id, all_ids(self.key_a, "attempts"))
        self.assertNotIn(attempt_b.id, all_ids(self.key_a, "attempts"))
        self.assertEqual(all_ids(self.key_b, "attempts"), [attempt_b.id])
        self.assertEqual(all_ids(self.key_b, "candidates"), [cand_b.id])
        self.assertNotIn(cand_b.id, all_ids(self.key_a, "candidates"))

        # B cannot read A's candidate, nor reach A's company with company_id.
        self._assert_error(self._get("/candidates/greenhouse/SHARED-1", self.key_b),
                           404, "not_found")
        self._assert_error(self._call("GET", "/candidates/greenhouse/SHARED-1", key=self.key_b,
                                      params={"company_id": self.company_a.id}),
                           422, "validation_error")
        self.assertEqual(self._get("/candidates/greenhouse/SHARED-1", self.key_a).json()["id"],
                         cand_a.id)
        # The same external ID in company B is another candidate, A's is untouched.
        response = self._put("/candidates/greenhouse/SHARED-1", self.key_b, {"name": "Bea"})
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.json()["candidate"]["company_id"], self.company_b.id)
        self.assertNotEqual(response.json()["candidate"]["id"], cand_a.id)
        self.assertEqual(cand_a.name, "Alice")
        # A cursor of A's walk gives B nothing of A's: the filter is applied on every page.
        page_a = self._get("/attempts", self.key_a, limit=1).json()
        page_b = self._get("/attempts", self.key_b, cursor=page_a["next_cursor"]).json()
        self.assertTrue(all(item["company_id"] == self.company_b.id for item in page_b["items"]))

    # ------------------------------------------------------------------
    # Cursor pages (seed Q1)
    # ------------------------------------------------------------------
    def test_walk_while_rows_change(self):
        """Walk 10 attempts by pages of 3 while rows change between pages.

        What is asserted, in (write_date, id) order:
        - rows of one timestamp come by id, also across a page break (a1..a6 share T0);
        - microseconds count (a7, a8 are 1 µs after T0);
        - a row updated before the walk reaches it comes once, at its new place (a5, a8);
        - a row updated after the walk passed it comes again at its new place (a2, a4),
          though its id is lower than the cursor's (seed Q1, line B);
        - otherwise no row is skipped or repeated: the keys (updated_at, id) of the walk
          strictly increase, and every row comes last with its current updated_at;
        - has_more is true exactly until the last page; a poll from the last cursor finds
          nothing, until a row changes again.
        """
        cands = self._candidates([f"W{n}" for n in range(1, 11)], self.company_b)
        with self._at(T0):
            batch = self._attempts(cands[:6])
        with self._at(T0 + timedelta(microseconds=1)):
            batch |= self._attempts(cands[6:8])
        with self._at(T0 + timedelta(seconds=1)):
            batch |= self._attempts(cands[8:])
        a = dict(enumerate(batch.sorted("id"), start=1))
        self.assertEqual(a[6].write_date, T0)

        walk, pages = [], []

        def page(cursor=None):
            data = self._walk_page(self.key_b, "attempts", cursor, limit=3)
            pages.append(data)
            walk.extend((item["updated_at"], item["id"]) for item in data["items"])
            return data["next_cursor"]

        cursor = page()
        with self._at(T0 + timedelta(seconds=2)):
            (a[2] | a[5] | a[8]).write({"expires_at": datetime(2031, 2, 1)})
        cursor = page(cursor)
        with self._at(T0 + timedelta(seconds=3)):
            a[4].write({"expires_at": datetime(2031, 2, 2)})
        cursor = page(cursor)
        cursor = page(cursor)

        ids = [record_id for _date, record_id in walk]
        expected = [a[n].id for n in (1, 2, 3, 4, 6, 7, 9, 10, 2, 5, 8, 4)]
        self.assertEqual(ids, expected)
        self.assertEqual([p["has_more"] for p in pages], [True, True, True, False])
        self.assertEqual(walk, sorted(set(walk)), "keys strictly increase")
        self.env.invalidate_all()
        last_seen = dict((record_id, date) for date, record_id in walk)
        self.assertEqual(last_seen, {r.id: r.write_date.isoformat() + "Z" for r in batch})
        self.assertEqual(walk[5], ((T0 + timedelta(microseconds=1)).isoformat() + "Z", a[7].id))

        poll = self._walk_page(self.key_b, "attempts", cursor, limit=3)
        self.assertEqual((poll["items"], poll["has_more"], poll["next_cursor"]),
                         ([], False, cursor))
        with self._at(T0 + timedelta(seconds=4)):
            a[1].write({"expires_at": datetime(2031, 2, 3)})
        poll = self._walk_page(self.key_b, "attempts", cursor, limit=3)
        self.assertEqual([item["id"] for item in poll["items"]], [a[1].id])
        self.assertFalse(poll["has_more"])

    def test_page_content(self):
        self.env["assessment.candidate"].create({
            "name": "Linus", "email": "linus@example.com", "company_id": self.company_b.id,
            "provider": "ats", "external_id": "a/b c",
        })
        candidate = self.env["assessment.candidate"].search([("external_id", "=", "a/b c")])
        attempt = self._attempts(candidate)
        page = self._get("/attempts", self.key_b, limit=200).json()
        item = next(i for i in page["items"] if i["id"] == attempt.id)
        self.assertEqual(item["state"], "invited")
        self.assertEqual(item["candidate"]["external_id"], "a/b c")
        self.assertTrue(item["links"]["candidate"].endswith("/candidates/ats/a%2Fb%20c"))
        self.assertTrue(item["links"]["backend"].endswith(
            f"/web#id={attempt.id}&model=assessment.attempt&view_type=form"))
        for field in ("score", "max_score", "percent", "passed", "invited_at", "expires_at",
                      "started_at", "submitted_at", "deadline", "updated_at", "created_at"):
            self.assertIn(field, item)
        page = self._get("/candidates", self.key_b, limit=200).json()
        item = next(i for i in page["items"] if i["id"] == candidate.id)
        self.assertEqual((item["name"], item["attempt_count"], item["active"]),
                         ("Linus", 1, True))

    def test_tampered_cursors_are_400(self):
        self._attempts(self._candidates(["C1", "C2"], self.company_b))
        cursor = self._get("/attempts", self.key_b, limit=1).json()["next_cursor"]
        payload_b64, signature_b64 = cursor.rsplit(".", 1)
        payload = json.loads(base64.urlsafe_b64decode(payload_b64 + "=" * (-len(payload_b64) % 4)))

        def dump(data):
            return json.dumps(data, separators=(",", ":"), sort_keys=True)

        def resign(data, secret="another database's secret"):
            message = repr((api_module.CURSOR_SCOPE, dump(data))).encode()
            signature = hmac.new(secret.encode(), message, hashlib.sha256).digest()
            return f"{_b64(dump(data).encode())}.{_b64(signature)}"

        moved = dict(payload, i=payload["i"] - 1)
        tampered = [
            f"{_b64(dump(moved).encode())}.{signature_b64}",
            f"{payload_b64}.{signature_b64[:-2]}AA",
            f"{payload_b64}.",
            payload_b64,
            "not a cursor",
            "%%%.%%%",
            cursor + "x",
            resign(payload),
            "x" * 600,
        ]
        for bad in tampered:
            with self.subTest(cursor=bad[:40]):
                self._assert_error(self._get("/attempts", self.key_b, cursor=bad),
                                   400, "invalid_cursor")
        # A real cursor of the other list is refused too.
        error = self._assert_error(self._get("/candidates", self.key_b, cursor=cursor),
                                   400, "invalid_cursor")
        self.assertIn("attempts", error["message"])
        self.assertEqual(self._get("/attempts", self.key_b, cursor=cursor).status_code, 200)

    # ------------------------------------------------------------------
    # Performance
    # ------------------------------------------------------------------
    def test_indexes_exist(self):
        for table in ("assessment_attempt", "assessment_candidate"):
            self.env.cr.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s",
                                [f"{table}_write_date_id_idx"])
            self.assertIn("(write_date, id)", self.env.cr.fetchone()[0])

    def test_queries_per_page_are_constant(self):
        candidates = self._candidates([f"Q{n}" for n in range(1, 31)], self.company_b)
        for n, candidate in enumerate(candidates):
            with self._at(T0 + timedelta(seconds=n)):
                self._attempts(candidate)

        def page_cost(cursor, limit):
            before = self.cr.sql_log_count
            data = self._walk_page(self.key_b, "attempts", cursor, limit=limit)
            return self.cr.sql_log_count - before, data

        self._walk_page(self.key_b, "attempts", limit=5)  # warm the caches
        costs, cursor = [], None
        for _page in range(5):
            cost, data = page_cost(cursor, 5)
            self.assertEqual(len(data["items"]), 5)
            costs.append(cost)
            cursor = data["next_cursor"]
        self.assertEqual(len(set(costs)), 1, f"queries per page: {costs}")
        self.assertLessEqual(costs[0], 20, f"queries per page: {costs}")
        cost_20, data = page_cost(None, 20)
        self.assertEqual(len(data["items"]), 20)
        self.assertEqual(cost_20, costs[0], "as many queries for 20 rows as for 5")


@tagged("post_install", "-at_install")
class TestApiConcurrentUpserts(TransactionCase):
    """Two real transactions upsert the same key at the same time (committed data: it is
    removed again afterwards). Transaction A writes first and commits while B waits on it;
    B, wrapped like every request in ``odoo.service.model.retrying``, fails with a
    serialization failure, is replayed on a fresh snapshot and updates A's row."""

    def setUp(self):
        super().setUp()
        self.admin_id = self.env.ref("base.user_admin").id
        self.company_id = self.env.ref("base.main_company").id
        self.provider = f"race-{uuid.uuid4().hex[:10]}"
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with closing(self.registry.cursor()) as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"active_test": False})
            candidates = env["assessment.candidate"].search([("provider", "=", self.provider)])
            partners = candidates.partner_id
            attempts = candidates.attempt_ids
            env["mail.mail"].search([("model", "=", "assessment.attempt"),
                                     ("res_id", "in", attempts.ids)]).unlink()
            attempts.unlink()
            candidates.unlink()
            partners.unlink()
            assessments = env["assessment.assessment"].search([("name", "=", self.provider)])
            questions = assessments.line_ids.question_id
            topics = questions.topic_id
            assessments.unlink()
            questions.unlink()
            topics.unlink()
            cr.commit()  # pylint: disable=invalid-commit

    def _upsert(self, env, name, assessment_id=None):
        Candidate = env["assessment.candidate"]
        company = env["res.company"].browse(self.company_id)
        assessment = env["assessment.assessment"].browse(assessment_id) if assessment_id else None
        candidate, created, attempt, attempt_created = Candidate._api_upsert(
            company, self.provider, "X-1", {"name": name, "email": "race@example.com"},
            assessment)
        return candidate.id, created, attempt.id if attempt else None, attempt_created

    def _race(self, assessment_id=None):
        """A upserts, B upserts and blocks on A, A commits, B is replayed. Returns both."""
        results, errors, b_pid, b_runs = {}, [], [], []
        b_started = threading.Event()

        def run_b(env_b):
            b_runs.append(1)
            return self._upsert(env_b, "Name from B", assessment_id)

        def transaction_b():
            thread = threading.current_thread()
            thread.testing, thread.dbname = True, self.env.cr.dbname
            try:
                with closing(self.registry.cursor()) as cr_b:
                    b_pid.append(cr_b._cnx.get_backend_pid())
                    b_started.set()
                    env_b = api.Environment(cr_b, self.admin_id, {})
                    with mute_logger("odoo.service.model"):
                        results["b"] = retrying(lambda: run_b(env_b), env_b)
            except Exception as exc:  # reported by the main thread
                errors.append(exc)
            finally:
                b_started.set()

        with closing(self.registry.cursor()) as cr_a:
            env_a = api.Environment(cr_a, self.admin_id, {})
            results["a"] = self._upsert(env_a, "Name from A", assessment_id)
            env_a.flush_all()
            thread_b = threading.Thread(target=transaction_b)
            thread_b.start()
            try:
                self.assertTrue(b_started.wait(10))
                self.assertFalse(errors, errors)
                a_pid = cr_a._cnx.get_backend_pid()
                deadline = time.time() + 20
                while True:  # until B waits for A's lock
                    cr_a.execute("SELECT %s = ANY(pg_blocking_pids(%s))", [a_pid, b_pid[0]])
                    if cr_a.fetchone()[0]:
                        break
                    self.assertLess(time.time(), deadline, "B never waited for A")
                    time.sleep(0.05)
                cr_a.commit()
            finally:
                cr_a.rollback()  # releases B if the test failed before the commit
                thread_b.join(60)
        self.assertFalse(thread_b.is_alive())
        self.assertFalse(errors, errors)
        self.assertEqual(len(b_runs), 2, "B failed once, then was replayed")
        return results["a"], results["b"]

    def _rows(self):
        with closing(self.registry.cursor()) as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"active_test": False})
            candidates = env["assessment.candidate"].search([("provider", "=", self.provider)])
            return [(c.id, c.name, sorted(c.attempt_ids.mapped(lambda a: (a.id, a.state))))
                    for c in candidates]

    def test_concurrent_creates_make_one_candidate(self):
        (a_id, a_created, _, _), (b_id, b_created, _, _) = self._race()
        self.assertTrue(a_created)
        self.assertFalse(b_created, "B was replayed and found A's candidate")
        self.assertEqual(a_id, b_id)
        self.assertEqual(self._rows(), [(a_id, "Name from B", [])])

    def _committed_assessment(self):
        """A published assessment of one item, committed (removed again by _cleanup)."""
        with closing(self.registry.cursor()) as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            topic = env["assessment.topic"].create({"name": self.provider})
            question = env["assessment.question"].create({
                "name": self.provider, "topic_id": topic.id, "company_id": False,
                "item_ids": [(0, 0, {"prompt": "Item", "option_ids": [
                    (0, 0, {"text": "Right", "is_correct": True}),
                    (0, 0, {"text": "Wrong", "is_correct": False})]})],
            })
            assessment = env["assessment.assessment"].create({
                "name": self.provider, "company_id": False, "is_published": True,
                "line_ids": [(0, 0, {"question_id": question.id})],
            })
            cr.commit()  # pylint: disable=invalid-commit
            return assessment.id

    def test_concurrent_invitations_make_one_attempt(self):
        assessment_id = self._committed_assessment()
        with closing(self.registry.cursor()) as cr:  # the candidate exists, committed
            self._upsert(api.Environment(cr, self.admin_id, {}), "Existing")
            cr.commit()  # pylint: disable=invalid-commit
        a, b = self._race(assessment_id)
        self.assertFalse(a[1] or b[1], "the candidate existed")
        self.assertTrue(a[3])
        self.assertFalse(b[3], "B reused A's invitation")
        self.assertEqual(a[2], b[2])
        self.assertEqual(self._rows(), [(a[0], "Name from B", [(a[2], "invited")])])
