"""Keys, data and request helpers of the API tests (not a test module)."""
import base64
import json
from contextlib import contextmanager
from datetime import datetime
from unittest.mock import patch

PREFIX = "/api/tech_assessment/v1"
# Long before the real clock: the lists serve the rows stamped before their commit horizon
# (about now), and the rows of company B that a test walks are the ones it stamps.
T0 = datetime(2001, 1, 1, 12, 0, 0, 123456)


def b64url(data):
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
