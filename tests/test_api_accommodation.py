"""Integration API: a candidate's time accommodation, stored as the default of their
invitations and applied to the invitation sent with it (issue 13)."""
import json

from odoo.tests import tagged

from .common import TechAssessmentHttpCase
from .test_api_input import ApiInputMixin


@tagged("post_install", "-at_install")
class TestApiAccommodation(ApiInputMixin, TechAssessmentHttpCase):
    """The API assessment's limit is 45 minutes."""

    def _upsert(self, external_id, body):
        response = self._put(f"/candidates/ats/{external_id}", self.key_a, body)
        self.assertIn(response.status_code, (200, 201), response.text)
        return response.json()

    def test_accommodation_with_the_invitation(self):
        data = self._upsert("ACC-1", {
            "name": "Robin", "email": "robin@example.com", "assessment_id": self.assessment.id,
            "extra_time_percent": 25, "accommodation_reason": "Medical certificate on file"})
        self.assertEqual((data["candidate"]["extra_time_percent"],
                          data["candidate"]["no_time_limit"]), (25, False))
        invitation = data["invitation"]
        self.assertEqual((invitation["extra_time_percent"], invitation["extra_time_minutes"],
                          invitation["time_allowed_seconds"]), (25, 0, 45 * 60 * 125 // 100))
        self.assertNotIn("Medical certificate", json.dumps(data), "the reason stays in Odoo")
        attempt = self.env["assessment.attempt"].browse(invitation["id"])
        self.assertEqual(attempt.accommodation_reason, "Medical certificate on file")
        # Sent again with more: the open invitation (not started) takes it, not a new one.
        data = self._upsert("ACC-1", {"assessment_id": self.assessment.id,
                                      "extra_time_minutes": 10})
        self.assertFalse(data["invitation_created"])
        self.assertEqual(data["invitation"]["id"], attempt.id)
        self.assertEqual(data["invitation"]["time_allowed_seconds"], 45 * 75 + 10 * 60)
        # Once started, the time is fixed: the call succeeds and changes the candidate only.
        attempt._start()
        data = self._upsert("ACC-1", {"assessment_id": self.assessment.id,
                                      "no_time_limit": True})
        self.assertTrue(data["candidate"]["no_time_limit"])
        self.assertFalse(data["invitation"]["no_time_limit"])
        self.assertEqual(data["invitation"]["time_allowed_seconds"], 45 * 75 + 10 * 60)

    def test_no_time_limit_and_the_lists(self):
        data = self._upsert("ACC-2", {"name": "Sam", "email": "sam@example.com",
                                      "assessment_id": self.assessment.id,
                                      "no_time_limit": True})
        self.assertIsNone(data["invitation"]["time_allowed_seconds"])
        self.assertTrue(data["invitation"]["no_time_limit"])
        # Without assessment_id, only the candidate's default changes.
        data = self._upsert("ACC-2", {"no_time_limit": False, "extra_time_percent": 50})
        self.assertIsNone(data["invitation"])
        self.assertEqual(data["candidate"]["extra_time_percent"], 50)

    def test_bad_accommodations_are_422(self):
        before = self._stored()
        cases = {
            "extra_time_percent": [12, -5, 305, 25.0, True, "25", None],
            "extra_time_minutes": [-1, 1441, 1.5, False, "10"],
            "no_time_limit": [1, "yes", None],
            "accommodation_reason": ["x" * 257, "a\x00b", 5, True],
        }
        for field, values in cases.items():
            for value in values:
                with self.subTest(field=field, value=value):
                    response = self._put("/candidates/ats/ACC-3", self.key_a,
                                         {"name": "Lee", field: value})
                    self._assert_refused(response, 422, "validation_error", before, field)
