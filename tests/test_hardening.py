"""Regression tests of the adversarial review's findings (issue 11), one class a finding.

Finding 1 (the key through public model methods) is tested in test_rpc_surface.py, finding
2 and the races of finding 4 with real concurrent requests in test_concurrency.py.
"""
import json
import logging
import re
from urllib.parse import urlparse

import requests

from odoo.tests import tagged

from .common import TechAssessmentHttpCase, csrf_from_page


class HardeningCase(TechAssessmentHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.assessment = cls._make_assessment("Hardening assessment", result_visibility="score",
                                              reveal_answers=True)
        cls.recorded = cls.assessment.copy({"name": "Hardening recorded", "is_published": True,
                                            "recording_required": "webcam"})
        cls.candidate = cls.env["assessment.candidate"].create(
            {"name": "Hardy", "email": "hardy@example.com"})

    def _attempt(self, assessment=None, start=False):
        attempt = self.env["assessment.attempt"].create(
            {"candidate_id": self.candidate.id, "assessment_id": (assessment or self.assessment).id})
        attempt._portal_ensure_token()
        if start:
            if attempt.assessment_id.recording_required != "none":
                attempt._give_consent(consent_hash=attempt._consent_text_hash())
            attempt._start()
        return attempt

    def _get(self, path, **kwargs):
        return self.opener.get(self.base_url() + path, timeout=60, **kwargs)

    def _post(self, path, **kwargs):
        return self.opener.post(self.base_url() + path, timeout=60, **kwargs)


@tagged("post_install", "-at_install")
class TestCancelledAttemptShowsNoResult(HardeningCase):
    """Finding 3: a withdrawn attempt shows no verdict and no answer key. (Since issue 14 a
    test cancelled after its start has a result page that says so; an invitation withdrawn
    before the start has none: test_candidate_guide.py.)"""

    def test_result_page_of_a_cancelled_attempt(self):
        attempt = self._attempt(start=True)
        answer = attempt.answer_ids[0]
        attempt._save_answer(answer.item_id.id, answer._option_order_ids()[1])  # wrong
        attempt.action_cancel()
        self.assertEqual(attempt.state, "cancelled")
        result = self._get(f"/my/assessments/{attempt.id}/result",
                           params={"access_token": attempt.access_token})
        self.assertEqual(result.status_code, 200)
        self.assertTrue(result.url.endswith(f"/my/assessments/{attempt.id}/result"), result.url)
        self.assertIn('data-ending="cancelled"', result.text)
        self.assertIn("cancelled this test: it has no result", result.text)
        for secret in ("Passed", "Not passed", "Correct answer", "correct</span>", "Right",
                       answer.item_id.explanation or "no explanation"):
            self.assertNotIn(secret, result.text)
        self.assertNotIn("o_ta_start_form", result.text, "a withdrawn invitation cannot be started")


@tagged("post_install", "-at_install")
class TestLifecycle(HardeningCase):
    """Finding 4: an invitation re-opened after it had started can be started again."""

    def test_reopened_after_start_starts_afresh(self):
        attempt = self._attempt(assessment=self.recorded, start=True)
        first_deadline = attempt.deadline
        answer = attempt.answer_ids[0]
        attempt._save_answer(answer.item_id.id, answer._option_order_ids()[0])
        attempt.action_cancel()
        attempt.action_reset_to_invited()
        self.assertEqual(attempt.state, "invited")
        self.assertFalse(attempt.answer_ids, "the cancelled start's answers are discarded")
        self.assertFalse(attempt.started_at or attempt.deadline or attempt.consent_at)
        self.assertIn("1 / 2 items answered", attempt.message_ids[0].body,
                      "the chatter keeps what was discarded")
        # the candidate starts again through the page, consent included
        landing = self._get(f"/my/assessments/{attempt.id}",
                            params={"access_token": attempt.access_token})
        consent_hash = re.search(r'name="consent_hash" value="([0-9a-f]+)"', landing.text).group(1)
        response = self._post(f"/my/assessments/{attempt.id}/start", data={
            "csrf_token": csrf_from_page(landing.text), "consent": "1",
            "consent_hash": consent_hash})
        self.assertEqual(response.status_code, 200, response.text[:500])
        self.assertIn("o_ta_test", response.text)
        attempt.invalidate_recordset()
        self.assertEqual(attempt.state, "in_progress")
        self.assertEqual(len(attempt.answer_ids), 2)
        self.assertFalse(attempt.answer_ids.option_id)
        self.assertGreaterEqual(attempt.deadline, first_deadline)
        self.assertTrue(attempt.consent_at)


@tagged("post_install", "-at_install")
class TestBadInputIsRefused(HardeningCase):
    """Finding 5: bad input on candidate routes is a 4xx with a message, never a 500."""

    def setUp(self):
        super().setUp()
        self.attempt = self._attempt(start=True)

    def _json(self, route, body=None, raw=None, token=None, attempt=None):
        attempt = attempt or self.attempt
        return self._post(f"/my/assessments/{attempt.id}/{route}",
                          data=raw if raw is not None else json.dumps(body or {}),
                          headers={"Content-Type": "application/json",
                                   "X-Access-Token": token or attempt.access_token})

    def test_non_ascii_tokens_do_not_match(self):
        path = f"/my/assessments/{self.attempt.id}"
        for token in ("é", "\u00e9" * 32, "\U0001f600", "²"):
            for suffix in ("", "/test", "/result"):
                self.assertEqual(self._get(path + suffix, params={"access_token": token},
                                           allow_redirects=False).status_code, 404, token)
            self.assertEqual(self._json("status", token=token.encode("utf-8")).status_code, 404)
            reply = self._json("status", {"access_token": token},
                               token=b"\xff\xfe-not-the-token")
            self.assertEqual(reply.status_code, 404)
            self.assertEqual(self._json("status", {"access_token": ["a", "list"]},
                                        token=b"x").status_code, 404)

    def test_consent_hash_with_non_ascii_is_a_409_page(self):
        attempt = self._attempt(assessment=self.recorded)
        landing = self._get(f"/my/assessments/{attempt.id}",
                            params={"access_token": attempt.access_token})
        response = self._post(f"/my/assessments/{attempt.id}/start", data={
            "csrf_token": csrf_from_page(landing.text), "consent": "1",
            "consent_hash": "é" * 64})
        self.assertEqual(response.status_code, 409)
        self.assertIn("consent text changed", response.text)
        self.assertEqual(attempt.state, "invited")

    def test_deep_json_is_400(self):
        for route in ("answer", "status", "events", "submit"):
            for raw in ("[" * 5000 + "]" * 5000, '{"events": ' + "[" * 3000 + "]" * 3000 + "}",
                        '{"a": ' * 2000 + "1" + "}" * 2000):
                response = self._json(route, raw=raw)
                self.assertEqual(response.status_code, 400, (route, response.text[:200]))
                self.assertIn("JSON object", response.json()["error"]["message"])
        self.assertEqual(self.attempt.state, "in_progress")

    def test_events_of_the_wrong_shape_are_422(self):
        for event in ({"kind": ["tab_hidden"]}, {"kind": {"a": 1}}, {"kind": None},
                      {"kind": "paste", "detail": "a\x00b"}, {"kind": "paste", "detail": "\ud800"},
                      {"kind": "paste", "detail": ["x"]}, {"kind": "paste", "at": 1e300},
                      {"kind": "paste", "at": "1700000000000"}, {"kind": "paste", "at": True},
                      "paste", ["paste"]):
            response = self._json("events", {"events": [event]})
            self.assertEqual(response.status_code, 422, (event, response.text[:200]))
            self.assertTrue(response.json()["error"]["message"])
        self.assertFalse(self.attempt.event_ids.filtered(lambda e: e.kind == "paste"))
        response = self._json("events", {"events": [{"kind": "paste", "detail": "ok é"}]})
        self.assertEqual(response.status_code, 200)

    def test_answer_ids_beyond_postgresql_integers_are_422(self):
        for body in ({"item_id": 2**31, "option_id": None}, {"item_id": 2**80, "option_id": 1},
                     {"item_id": self.attempt.answer_ids[0].item_id.id, "option_id": 2**63},
                     {"item_id": 1.0, "option_id": None}, {"item_id": True, "option_id": None}):
            response = self._json("answer", body)
            self.assertEqual(response.status_code, 422, (body, response.text[:200]))

    def test_contest_with_nul_is_400(self):
        self.attempt._submit()
        page = self._get(f"/my/assessments/{self.attempt.id}/result",
                         params={"access_token": self.attempt.access_token})
        response = self._post(f"/my/assessments/{self.attempt.id}/contest", data={
            "csrf_token": csrf_from_page(page.text), "message": "a\x00b"})
        self.assertEqual(response.status_code, 400)


@tagged("post_install", "-at_install")
class TestTokensStayOutOfUrlsAndLogs(HardeningCase):
    """Finding 6: the link's token leaves the URL after the first visit, and is masked in
    the access log; the landing page shows no text from the query string."""

    def test_first_visit_moves_the_token_into_the_session(self):
        attempt = self._attempt()
        path = f"/my/assessments/{attempt.id}"
        first = self._get(path, params={"access_token": attempt.access_token},
                          allow_redirects=False)
        self.assertEqual(first.status_code, 303)
        self.assertEqual(urlparse(first.headers["Location"]).path, path)
        self.assertNotIn("access_token", first.headers["Location"])
        landing = self._get(path)
        self.assertEqual(landing.status_code, 200, "the session holds the grant")
        self.assertNotIn(attempt.access_token, landing.text, "no token in the landing page")
        other_browser = requests.get(self.base_url() + path, timeout=60, allow_redirects=False)
        self.assertEqual(other_browser.status_code, 404)

    def test_access_log_masks_tokens(self):
        record = logging.LogRecord(
            "werkzeug", logging.INFO, __file__, 1, '%s - - [%s] "%s" %s %s',
            ("127.0.0.1", "now", "GET /my/assessments/7/test?access_token=0123abcd-ef&x=1 HTTP/1.1",
             200, "-"), None)
        for handler_filter in logging.getLogger("werkzeug").filters:
            handler_filter.filter(record)
        self.assertNotIn("0123abcd", record.getMessage())
        self.assertIn("access_token=***&x=1", record.getMessage())

    def test_error_parameter_is_not_shown(self):
        attempt = self._attempt()
        self._get(f"/my/assessments/{attempt.id}", params={"access_token": attempt.access_token})
        page = self._get(f"/my/assessments/{attempt.id}",
                         params={"error": "Your account is suspended: call +1 555"})
        self.assertEqual(page.status_code, 200)
        self.assertNotIn("suspended", page.text)
