"""Integration API, its contract: static/api/openapi.json says what the server does, exactly.

- The description's rules (bounds, lengths, patterns) are the server's own constants.
- Schemathesis loads the served description and runs every operation against the test server
  with all its checks (server errors, status codes, content types, response schemas and
  headers, schema-invalid data that must be refused, schema-valid data that must be accepted,
  missing authentication, methods a path does not take, stateful sequences through the links
  it infers), with a fixed seed and bounded examples. It runs as a subprocess (its CLI, from
  the venv; see requirements-dev.txt) against this HttpCase's server, which serves it with the
  test transaction: nothing it writes stays.

Schema-valid input that the API refuses on purpose, by rules a description cannot express, is
not counted as a failure (and only that: matched by status, code and detail): a cursor this
server did not sign, a company that is not the user's, an expiry in the past or without an
assessment, a new candidate without a name, an invitation Odoo cannot send."""
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from odoo.addons.tech_assessment.controllers import api_common as api_module
from odoo.addons.tech_assessment.models.assessment_attempt_accommodation import (
    EXTRA_PERCENT_STEP,
    MAX_EXTRA_MINUTES,
    MAX_EXTRA_PERCENT,
)
from odoo.addons.tech_assessment.tools.request_input import MAX_PG_INT
from odoo.tests import tagged

from .api_case import PREFIX, ApiCaseMixin
from .common import TechAssessmentHttpCase

MAX_EXAMPLES = 40
SEED = 20240501

# Loaded by the Schemathesis CLI (SCHEMATHESIS_HOOKS): drops a "schema-valid request
# rejected" failure only when the answer is one of the business-rule refusals above.
HOOKS = '''
import json

import schemathesis

BUSINESS_MESSAGES = ("A new candidate needs a name.",
                     "Publish the assessment before inviting candidates.",
                     "These candidates have no e-mail address:")
BUSINESS_DETAILS = ({"company_id": "not one of your companies"},
                    {"expires_at": "must be in the future"},
                    {"expires_at": "only with assessment_id"})


def business_refusal(response):
    try:
        error = json.loads(response.content)["error"]
    except (ValueError, KeyError, TypeError):
        return False
    if response.status_code == 400:
        return error.get("code") == "invalid_cursor"
    if response.status_code == 422 and error.get("code") == "validation_error":
        details = error.get("details")
        if details:
            return details in BUSINESS_DETAILS
        return error.get("message", "").startswith(BUSINESS_MESSAGES)
    return False


@schemathesis.hook
def filter_failure(context, failure, case, response):
    return not (type(failure).__name__ == "RejectedPositiveData" and business_refusal(response))
'''


@tagged("post_install", "-at_install")
class TestApiContract(ApiCaseMixin, TechAssessmentHttpCase):

    def _spec(self):
        response = self._call("GET", "/openapi.json")
        self.assertEqual(response.status_code, 200)
        return response.json()

    def test_description_states_the_server_rules(self):
        spec = self._spec()
        components = spec["components"]
        params = components["parameters"]
        body = components["schemas"]["CandidateInput"]
        self.assertEqual(spec["servers"], [{"url": PREFIX}])
        scheme = components["securitySchemes"]["apiKey"]
        self.assertEqual((scheme["type"], scheme["scheme"]), ("http", "bearer"))
        self.assertEqual(spec["security"], [{"apiKey": []}])
        self.assertEqual(params["limit"]["schema"], {
            "type": "integer", "minimum": 1, "maximum": api_module.MAX_LIMIT,
            "default": api_module.DEFAULT_LIMIT,
        })
        self.assertEqual(params["cursor"]["schema"]["pattern"], api_module.CURSOR_PATTERN)
        self.assertEqual(params["cursor"]["schema"]["maxLength"], api_module.MAX_CURSOR_LENGTH)
        for schema in (params["updated_since"]["schema"], body["properties"]["expires_at"]):
            self.assertEqual((schema["format"], schema["pattern"]),
                             ("date-time", api_module.DATETIME_PATTERN))
        for name, max_length in (("provider", api_module.MAX_PROVIDER_LENGTH),
                                 ("external_id", api_module.MAX_EXTERNAL_ID_LENGTH)):
            self.assertEqual(params[name]["schema"], {
                "type": "string", "minLength": 1, "maxLength": max_length,
                "pattern": api_module.PATH_SEGMENT_PATTERN,
            })
        ids = [params["company_id"]["schema"], body["properties"]["company_id"],
               body["properties"]["assessment_id"]]
        for schema in ids:
            self.assertEqual((schema["type"], schema["minimum"], schema["maximum"]),
                             ("integer", 1, MAX_PG_INT))
        self.assertIs(body["additionalProperties"], False)
        self.assertEqual(set(body["properties"]), api_module.CANDIDATE_FIELDS)
        for field, pattern, max_length in (
            ("name", api_module.NAME_PATTERN, api_module.MAX_NAME_LENGTH),
            ("email", api_module.EMAIL_PATTERN, api_module.MAX_EMAIL_LENGTH),
            ("phone", api_module.PHONE_PATTERN, api_module.MAX_PHONE_LENGTH),
        ):
            self.assertEqual((body["properties"][field]["pattern"],
                              body["properties"][field]["maxLength"]), (pattern, max_length))
        accommodation = body["properties"]
        self.assertEqual(
            (accommodation["extra_time_percent"]["maximum"],
             accommodation["extra_time_percent"]["multipleOf"],
             accommodation["extra_time_minutes"]["maximum"],
             accommodation["accommodation_reason"]["maxLength"],
             accommodation["accommodation_reason"]["pattern"]),
            (MAX_EXTRA_PERCENT, EXTRA_PERCENT_STEP, MAX_EXTRA_MINUTES,
             api_module.MAX_REASON_LENGTH, api_module.REASON_PATTERN))
        self.assertIn(f"at most {api_module.MAX_BODY} bytes",
                      spec["paths"]["/candidates/{provider}/{external_id}"]["put"]["description"])
        # Every authenticated operation documents its refusals with the error schema.
        for path, operations in spec["paths"].items():
            for method, operation in operations.items():
                if method == "parameters":
                    continue
                statuses = set(operation["responses"])
                self.assertIn("500", statuses, f"{method} {path}")
                if operation.get("security") != []:
                    self.assertLessEqual({"400", "401", "403"}, statuses, f"{method} {path}")

    def test_schemathesis_finds_nothing(self):
        st_cli = Path(sys.executable).with_name("st")
        self.assertTrue(st_cli.exists(), "Schemathesis is not installed: run `make setup`")
        key = self.env["res.users.apikeys"].with_user(self.recruiter)._generate(
            None, "Schemathesis")
        # The server thread works in this test's transaction: give it our writes.
        self.env.flush_all()
        self.env.invalidate_all()
        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp, "ta_contract_hooks.py").write_text(HOOKS)
            env = {**os.environ, "SCHEMATHESIS_HOOKS": "ta_contract_hooks", "PYTHONPATH": tmp,
                   "NO_COLOR": "1"}
            base = self.base_url() + PREFIX
            command = [
                str(st_cli), "run", f"{base}/openapi.json", "--url", base,
                "--header", f"Authorization: Bearer {key}",
                "--checks", "all",
                # Also the operation that serves the description (left out by default).
                "--include-path-regex", ".",
                "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED),
                "--workers", "1", "--request-timeout", "60",
                "--generation-database", "none", "--no-color",
            ]
            result = subprocess.run(command, cwd=tmp, env=env, capture_output=True, text=True,
                                    timeout=600, check=False)
        output = result.stdout + result.stderr
        self.assertEqual(result.returncode, 0, output[-30000:])
        self.assertIn("5 selected / 5 total", output, output[-5000:])
        self.assertIn("No issues found", output, output[-5000:])
