"""Time accommodations seen by the candidate's pages and done by a recruiter in the backend
(issue 13): the running page's status carries the deadline HR moved, the landing page states
the time the candidate has, and a recruiter's tour from the assessment to the candidate's link.
"""
from datetime import datetime, timedelta

from odoo import fields
from odoo.tests import new_test_user, tagged

from .common import TOUR_TIMEOUT
from .test_portal import PortalCase


@tagged("post_install", "-at_install")
class TestAccommodationPages(PortalCase):
    def _shift(self, attempt, seconds):
        """Move the attempt's clock `seconds` into the past (as if that time had gone by)."""
        attempt.write({"started_at": attempt.started_at - timedelta(seconds=seconds),
                       "deadline": attempt.deadline - timedelta(seconds=seconds)})

    def test_status_carries_the_deadline_hr_moved(self):
        attempt = self._attempt()
        attempt._start()
        answers = attempt.answer_ids
        self._shift(attempt, (attempt.deadline - fields.Datetime.now()).total_seconds() - 20)
        status = self._post_json(attempt, "status").json()
        self.assertLessEqual(status["remaining_seconds"], 20)
        attempt.with_user(self.recruiter)._add_time(10, reason="Connection dropped")
        status = self._post_json(attempt, "status").json()
        self.assertGreater(status["remaining_seconds"], 10 * 60)
        self.assertLessEqual(status["remaining_seconds"], 10 * 60 + 20)
        # A minute later the first deadline and its grace are past: answers are still taken.
        self._shift(attempt, 60)
        body = {"item_id": answers[0].item_id.id, "option_id": answers[0]._option_order_ids()[0]}
        response = self._post_json(attempt, "answer", body)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["answered"], 1)
        # Past the new deadline and its grace, they are not.
        self._shift(attempt, 10 * 60)
        body = {"item_id": answers[1].item_id.id, "option_id": answers[1]._option_order_ids()[0]}
        self.assertEqual(self._post_json(attempt, "answer", body).status_code, 409)

    def test_no_time_limit_over_http(self):
        attempt = self._attempt()
        attempt._start()
        attempt._add_time(remove_limit=True, reason="Agreed")
        status = self._post_json(attempt, "status").json()
        self.assertIsNone(status["remaining_seconds"])
        self.assertEqual(status["state"], "in_progress")
        page = self.url_open(f"/my/assessments/{attempt.id}/test?access_token="
                             f"{attempt.access_token}")
        self.assertEqual(page.status_code, 200)
        self.assertNotIn("data-remaining", page.text)

    def test_landing_states_the_time_the_candidate_has(self):
        attempt = self._attempt()
        attempt.write({"extra_time_percent": 25, "extra_time_minutes": 5,
                       "accommodation_reason": "Medical certificate on file",
                       "expires_at": datetime(2030, 1, 1, 12, 0)})
        self.candidate.partner_id.tz = "Europe/Brussels"
        page = self.url_open(f"/my/assessments/{attempt.id}?access_token={attempt.access_token}")
        self.assertEqual(page.status_code, 200)
        # 45 min × 1.25 + 5 min
        self.assertIn("1 h 1 min 15 s", page.text)
        self.assertNotIn("Medical certificate", page.text)
        self.assertNotIn("45 min", page.text)
        # The date in the candidate's zone, the zone named (12:00 UTC is 13:00 in Brussels).
        self.assertIn("Jan 1, 2030, 1:00:00", page.text)
        self.assertIn("(time zone: Europe/Brussels)", page.text)


@tagged("post_install", "-at_install")
class TestRecruiterTour(PortalCase):
    def test_recruiter_invites_with_extra_time_and_opens_the_link(self):
        new_test_user(self.env, login="ta_tour_recruiter", password="ta_tour_recruiter",
                      groups="tech_assessment.group_assessment_user")
        assessment = self._make_assessment("Tour assessment", items=2, time_limit=30)
        self.start_tour(f"/web#id={assessment.id}&model=assessment.assessment&view_type=form",
                        "tech_assessment_recruiter_extra_time", login="ta_tour_recruiter",
                        timeout=TOUR_TIMEOUT)
        attempt = self.env["assessment.attempt"].search([("assessment_id", "=", assessment.id)])
        self.assertEqual((attempt.candidate_id, attempt.extra_time_percent, attempt.state),
                         (self.candidate, 25, "invited"))
        self.assertEqual(attempt.accommodation_reason, "Agreed accessibility adjustment")
        self.assertIn("37 min 30 s", attempt.message_ids.filtered("subject")[-1].body)

    def test_recruiter_sees_a_running_test_progress_live(self):
        new_test_user(self.env, login="ta_live_recruiter", password="ta_live_recruiter",
                      groups="tech_assessment.group_assessment_user")
        attempt = self._attempt()
        attempt._start()
        self.start_tour(f"/web#id={attempt.id}&model=assessment.attempt&view_type=form",
                        "tech_assessment_recruiter_live", login="ta_live_recruiter",
                        timeout=TOUR_TIMEOUT)
        self.assertEqual(attempt.answered_count, 1)
