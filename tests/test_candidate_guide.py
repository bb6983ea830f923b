"""The candidate's test on any device (issue 14): numbered items, review flags kept on the
server, honest endings, what the landing page says before anything starts, and the tours at
1366×768 and 390×844 (phone user agent) with axe-core and the overflow check on every page."""
import re
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .candidate_browser import use_candidate_browser
from .common import TOUR_TIMEOUT
from .test_portal import PortalCase

SNIPPET = """def page(records, cursor=None, limit=200):
    # line A: the cursor is the last (write_date, id) served
    domain = [("company_id", "=", env.company.id)]
    if cursor:
        domain += ["|", ("write_date", ">", cursor[0]),
                   "&", ("write_date", "=", cursor[0]), ("id", ">", cursor[1])]
    return records.search(domain, order="write_date, id", limit=limit)
"""


def _fieldset(page, item_id):
    """The HTML of one item of the test page."""
    start = page.index(f'id="ta-item-{item_id}"')
    return page[start:page.index("</fieldset>", start)]


class GuideCase(PortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # three questions of three items, each with a code block, as the candidate reads them
        questions = cls.env["assessment.question"]
        for number in (1, 2, 3):
            question = cls._make_question(f"Guide question {number}", items=3)
            cls.env["assessment.snippet"].create({
                "question_id": question.id, "caption": f"pager_{number}.py", "code": SNIPPET,
            })
            questions |= question
        cls.guide_assessment = cls.env["assessment.assessment"].create({
            "name": "Backend review", "recording_required": "none", "is_published": True,
            "time_limit": 45, "result_visibility": "score",
            "line_ids": [(0, 0, {"question_id": question.id}) for question in questions],
        })

    def _guide_attempt(self, **values):
        return self._attempt(assessment=self.guide_assessment.copy(
            dict({"is_published": True}, **values)) if values else self.guide_assessment)

    def _page(self, attempt, suffix=""):
        return self.url_open(f"/my/assessments/{attempt.id}{suffix}"
                             f"?access_token={attempt.access_token}").text


@tagged("post_install", "-at_install")
class TestReviewFlags(GuideCase):
    def test_flag_is_kept_and_changes_no_score(self):
        attempt = self._guide_attempt()
        attempt._start()
        answer = attempt.answer_ids[4]
        score_before = (attempt.score, attempt.answered_count)
        response = self._post_json(attempt, "flag", {"item_id": answer.item_id.id, "flagged": True})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), {"item_id": answer.item_id.id, "flagged": True})
        answer.invalidate_recordset()
        self.assertTrue(answer.is_flagged)
        # flagging twice is the same (a replayed request changes nothing)
        self.assertEqual(self._post_json(attempt, "flag", {"item_id": answer.item_id.id,
                                                          "flagged": True}).status_code, 200)
        attempt.invalidate_recordset()
        self.assertEqual((attempt.score, attempt.answered_count), score_before)
        self.assertEqual(attempt.answer_ids.filtered("is_flagged"), answer)
        page = self._page(attempt, "/test")
        self.assertIn(f'id="ta-item-{answer.item_id.id}"', page)
        self.assertIn("data-flagged", _fieldset(page, answer.item_id.id).split(">", 1)[0])
        self.assertEqual(self._post_json(attempt, "flag", {"item_id": answer.item_id.id,
                                                          "flagged": False}).json()["flagged"], False)
        answer.invalidate_recordset()
        self.assertFalse(answer.is_flagged)

    def test_flag_refusals(self):
        attempt = self._guide_attempt()
        item_id = self.guide_assessment.question_ids.item_ids[0].id
        self.assertEqual(self._post_json(attempt, "flag", {"item_id": item_id, "flagged": True})
                         .status_code, 409, "not started")
        attempt._start()
        for body in ({"item_id": item_id, "flagged": "yes"}, {"item_id": item_id},
                     {"item_id": "1", "flagged": True}, {"item_id": 10**30, "flagged": True}):
            self.assertEqual(self._post_json(attempt, "flag", body).status_code, 422, body)
        foreign = self.assessment.question_ids.item_ids[0].id
        self.assertEqual(self._post_json(attempt, "flag", {"item_id": foreign, "flagged": True})
                         .status_code, 422)
        self.assertEqual(self._post_json(attempt, "flag", {"item_id": item_id, "flagged": True},
                                         token="wrong").status_code, 404)
        attempt._submit()
        response = self._post_json(attempt, "flag", {"item_id": item_id, "flagged": True})
        self.assertEqual(response.status_code, 409)
        self.assertIn("submitted", response.json()["error"]["message"])
        self.assertFalse(attempt.answer_ids.filtered("is_flagged"))


@tagged("post_install", "-at_install")
class TestTestPage(GuideCase):
    def test_items_are_numbered_and_saved_marks_come_back(self):
        attempt = self._guide_attempt()
        attempt._start()
        answers = attempt.answer_ids.sorted("sequence")
        attempt._save_answer(answers[3].item_id.id, answers[3]._option_order_ids()[1])
        page = self._page(attempt, "/test")
        self.assertEqual(re.findall(r"o_ta_item_number[^>]*>Q(\d) · (\d) of (\d)", page),
                         [(str(q), str(p), "3") for q in (1, 2, 3) for p in (1, 2, 3)])
        self.assertIn("(item 4 of 9)", page)
        # the item answered before the reload shows as saved, the others do not
        self.assertEqual(page.count('data-state="saved"'), 1)
        self.assertIn('data-state="saved"', _fieldset(page, answers[3].item_id.id))
        # the navigator: one button per item, the answered one marked
        self.assertEqual(page.count('class="o_ta_nav_item btn btn-sm"'), 9)
        self.assertEqual(len(re.findall(r'o_ta_nav_item[^>]*data-answered="1"', page)), 1)
        self.assertIn('<html lang="en-US"', page)
        self.assertIn("pager_2.py", page)

    def test_landing_says_what_is_logged_and_offers_practice(self):
        attempt = self._guide_attempt()
        landing = self._page(attempt)
        for fragment in ("What is logged in every test", "tab is hidden", "paste into the page",
                         "connection drops", "not recorded", "Try the controls first",
                         "warned 5 minutes and 1 minute before the end"):
            self.assertIn(fragment, landing)
        self.assertNotIn("o_ta_system_check", landing, "nothing to check without recording")
        no_practice = self._page(self._guide_attempt(practice_item=False))
        self.assertNotIn("Try the controls first", no_practice)
        # the practice item writes nothing: starting creates the real answers only
        attempt._start()
        self.assertEqual(len(attempt.answer_ids), 9)

    def test_recorded_landing_checks_the_device_first(self):
        attempt = self._guide_attempt(recording_required="both")
        landing = self._page(attempt)
        check = landing.index("o_ta_system_check")
        self.assertLess(check, landing.index("The rules"))
        self.assertLess(check, landing.index('id="ta_consent"'))
        for fragment in ("desktop or laptop computer", "Chrome, Edge or Firefox",
                         "Phones and tablets cannot share their screen", 'data-check="screen"',
                         'data-check="camera"', "Test my camera", "recording stops"):
            self.assertIn(fragment, landing)


@tagged("post_install", "-at_install")
class TestHonestEndings(GuideCase):
    def _ending(self, attempt):
        page = self._page(attempt, "/result")
        return re.search(r'data-ending="(\w+)"', page).group(1), page

    def test_each_ending_says_what_happened(self):
        submitted = self._guide_attempt()
        submitted._start()
        self.assertEqual(self._post_json(submitted, "submit").status_code, 200)
        ended_by_hr = self._guide_attempt()
        ended_by_hr._start()
        ended_by_hr.with_user(self.recruiter).action_submit()
        time_up = self._guide_attempt()
        time_up._start()
        time_up.write({"started_at": fields.Datetime.now() - timedelta(hours=1),
                       "deadline": fields.Datetime.now() - timedelta(minutes=5)})
        unused = self._guide_attempt()
        unused.expires_at = fields.Datetime.now() - timedelta(days=1)
        self.env["assessment.attempt"]._cron_expire_attempts()
        cancelled = self._guide_attempt()
        cancelled._start()
        cancelled.with_user(self.recruiter).action_cancel()
        withdrawn = self._guide_attempt()
        withdrawn.with_user(self.recruiter).action_cancel()

        expected = {
            submitted: ("submitted", "submitted", "You submitted your answers"),
            ended_by_hr: ("ended_by_hr", "submitted", "The hiring team ended your test"),
            time_up: ("time_up", "expired", "Time ran out"),
            unused: ("not_started", "expired", "expired before the test was started"),
            cancelled: ("cancelled", "cancelled", "cancelled this test"),
        }
        for attempt, (reason, state, text) in expected.items():
            attempt.invalidate_recordset()
            self.assertEqual((attempt.end_reason, attempt.state), (reason, state))
            ending, page = self._ending(attempt)
            self.assertEqual(ending, reason)
            self.assertIn(text, page)
            verdict_shown = "Not passed" in page or ">Passed<" in page
            self.assertEqual(verdict_shown, reason in ("submitted", "ended_by_hr", "time_up"), reason)
            self.assertIn("This test was not recorded", page)
            self.assertNotIn("No recording was received", page)
        # an invitation withdrawn before the start has no result page: its landing says it
        response = self.url_open(f"/my/assessments/{withdrawn.id}/result"
                                 f"?access_token={withdrawn.access_token}")
        self.assertIn("withdrawn by the hiring team", response.text)
        self.assertNotIn("data-ending", response.text)
        # the candidate's landing of a test cancelled after its start leads to its ending
        self.assertIn('data-ending="cancelled"', self._page(cancelled))

    def test_reopened_attempt_forgets_its_ending(self):
        attempt = self._guide_attempt()
        attempt._start()
        attempt.with_user(self.recruiter).action_cancel()
        self.assertEqual(attempt.end_reason, "cancelled")
        attempt.with_user(self.recruiter).action_reset_to_invited()
        self.assertEqual((attempt.state, attempt.end_reason), ("invited", False))


class CandidateTourCase(GuideCase):
    phone = False

    def setUp(self):
        super().setUp()
        use_candidate_browser(self, phone=self.phone)

    def _run_guided_tour(self):
        attempt = self._guide_attempt()
        self.start_tour(f"/my/assessments/{attempt.id}", "tech_assessment_guided_test",
                        login="ta_candidate", timeout=TOUR_TIMEOUT)
        attempt.invalidate_recordset()
        answers = attempt.answer_ids.sorted("sequence")
        self.assertEqual((attempt.state, attempt.end_reason), ("submitted", "submitted"))
        self.assertEqual(answers.filtered("option_id"), answers[0] | answers[-1])
        self.assertEqual(answers.filtered("is_flagged"), answers[1])
        self.assertIn("resume", attempt.event_ids.mapped("kind"))


@tagged("post_install", "-at_install")
class TestGuidedTestDesktop(CandidateTourCase):
    def test_guided_test_at_1366(self):
        self._run_guided_tour()


@tagged("post_install", "-at_install")
class TestGuidedTestPhone(CandidateTourCase):
    phone = True
    browser_size = "390,844"
    touch_enabled = True

    def test_guided_test_on_a_phone(self):
        self._run_guided_tour()

    def test_time_warning_on_a_phone(self):
        attempt = self._guide_attempt()
        attempt._start()
        now = fields.Datetime.now()
        attempt.write({"started_at": now - timedelta(minutes=40),
                       "deadline": now + timedelta(minutes=5, seconds=8)})
        self.start_tour(f"/my/assessments/{attempt.id}/test", "tech_assessment_time_warning",
                        login="ta_candidate", timeout=TOUR_TIMEOUT)
        attempt.invalidate_recordset()
        self.assertEqual(attempt.state, "in_progress")


@tagged("post_install", "-at_install")
class TestNoScreenSharing(GuideCase):
    browser_size = "390,844"
    touch_enabled = True

    def setUp(self):
        super().setUp()
        use_candidate_browser(self, phone=True, screen_sharing=False)

    def test_a_phone_learns_it_at_the_system_check(self):
        attempt = self._guide_attempt(recording_required="both")
        self.start_tour(f"/my/assessments/{attempt.id}", "tech_assessment_no_screen_sharing",
                        login="ta_candidate", timeout=TOUR_TIMEOUT)
        attempt.invalidate_recordset()
        self.assertEqual(attempt.state, "invited")
        self.assertFalse(attempt.consent_at)
