"""Integration API (controllers/api.py): keys, errors, companies, idempotent upserts."""
from datetime import datetime, timedelta
from unittest.mock import patch

from odoo.addons.tech_assessment.controllers import api_pages
from odoo.tests import tagged
from odoo.tools import mute_logger

from .api_case import PREFIX, T0, ApiCaseMixin
from .common import TechAssessmentHttpCase


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
        with self._at(T0):  # before the list's commit horizon: the page serializes it
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
        with self._at(T0):  # before the lists' commit horizon: the walks below serve them
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
        self.assertTrue(page_a["items"] and page_a["next_cursor"])
        page_b = self._get("/attempts", self.key_b, cursor=page_a["next_cursor"]).json()
        self.assertTrue(all(item["company_id"] == self.company_b.id for item in page_b["items"]))
