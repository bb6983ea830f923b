"""Time accommodations (extra time, no time limit, time added during the test), new attempts
and invitations sent again (issue 13, models)."""
import re
from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .test_attempt import T0, AttemptCase


@tagged("post_install", "-at_install")
class TestTimeAccommodation(AttemptCase):
    """The assessment's limit is 30 minutes."""

    def _started(self, **accommodation):
        attempt = self._new_attempt()
        attempt.write(accommodation)
        with freeze_time(T0):
            attempt._start()
        return attempt

    def test_deadline_arithmetic(self):
        cases = [
            ({}, timedelta(minutes=30)),
            ({"extra_time_percent": 25}, timedelta(minutes=37, seconds=30)),
            ({"extra_time_minutes": 10}, timedelta(minutes=40)),
            ({"extra_time_percent": 50, "extra_time_minutes": 5}, timedelta(minutes=50)),
            ({"extra_time_percent": 300, "extra_time_minutes": 1440},
             timedelta(minutes=120 + 1440)),
        ]
        for accommodation, allowed in cases:
            with self.subTest(**accommodation):
                attempt = self._started(**accommodation)
                self.assertEqual(attempt.deadline, T0 + allowed)
                with freeze_time(T0):
                    self.assertEqual(attempt._remaining_seconds(), allowed.total_seconds())

    def test_time_shown_is_the_time_allowed(self):
        attempt = self._new_attempt()
        self.assertEqual(attempt.time_allowed_display, "30 min")
        attempt.extra_time_percent = 25
        self.assertEqual(attempt.time_allowed_display, "37 min 30 s")
        attempt.write({"extra_time_percent": 0, "extra_time_minutes": 90})
        self.assertEqual(attempt.time_allowed_display, "2 h")
        attempt.no_time_limit = True
        self.assertEqual(attempt.time_allowed_display, "No time limit")

    def test_no_time_limit(self):
        attempt = self._started(no_time_limit=True, extra_time_percent=25)
        self.assertFalse(attempt.deadline)
        self.assertIsNone(attempt._remaining_seconds())
        self.assertIn("no time limit", self._messages(attempt))
        # A day later the answers are still taken and the expiry cron leaves it alone.
        with freeze_time(T0 + timedelta(days=1)):
            attempt._save_answer(self.items[0].id, self._right(self.items[0]).id)
            self.env["assessment.attempt"]._cron_expire_attempts()
            self.assertEqual(attempt.state, "in_progress")
            attempt._submit()
        self.assertEqual(attempt.state, "submitted")
        self.assertEqual(attempt.answered_count, 1)

    def test_bad_values_are_refused(self):
        attempt = self._new_attempt()
        for values in ({"extra_time_percent": 12}, {"extra_time_percent": -5},
                       {"extra_time_percent": 305}, {"extra_time_minutes": -1},
                       {"extra_time_minutes": 1441}):
            with self.subTest(**values), self.assertRaises(ValidationError):
                with self.env.cr.savepoint():
                    attempt.write(values)
        with self.assertRaises(ValidationError):
            self.candidate.extra_time_percent = 7

    def test_accommodation_is_fixed_at_the_start(self):
        attempt = self._started(extra_time_percent=10)
        with self.assertRaises(UserError):
            attempt.extra_time_percent = 50
        with self.assertRaises(UserError):
            attempt.no_time_limit = True

    def test_add_time_during_the_test(self):
        attempt = self._started(extra_time_percent=25)
        first_deadline = attempt.deadline
        with freeze_time(T0 + timedelta(minutes=10)):
            attempt.with_user(self.recruiter)._add_time(8, reason="Connection dropped")
        self.assertEqual(attempt.deadline, first_deadline + timedelta(minutes=8))
        self.assertEqual(attempt.added_minutes, 8)
        message = attempt.message_ids[0]
        self.assertEqual(message.author_id, self.recruiter.partner_id)
        self.assertIn("added 8 minutes: Connection dropped", message.body)
        self.assertTrue(message.subtype_id.internal, "the reason is an internal note")
        # Answers are taken until the new deadline, not after it (and its grace).
        with freeze_time(first_deadline + timedelta(minutes=5)):
            attempt._save_answer(self.items[0].id, self._right(self.items[0]).id)
        with freeze_time(attempt.deadline + timedelta(seconds=11)), \
                self.assertRaises(UserError):
            attempt._save_answer(self.items[1].id, self._right(self.items[1]).id)

    def test_add_time_needs_a_running_test_and_a_reason(self):
        attempt = self._new_attempt()
        with self.assertRaises(UserError):
            attempt._add_time(5, reason="Too early")
        with freeze_time(T0):
            attempt._start()
            with self.assertRaises(UserError):
                attempt._add_time(5, reason="  ")
            with self.assertRaises(UserError):
                attempt._add_time(0, reason="Nothing")
        # After the deadline and its grace the test is over: it cannot be revived.
        with freeze_time(attempt.deadline + timedelta(seconds=11)), \
                self.assertRaises(UserError):
            attempt._add_time(5, reason="Too late")

    def test_lift_the_limit_during_the_test(self):
        attempt = self._started()
        with freeze_time(T0 + timedelta(minutes=29)):
            attempt._add_time(remove_limit=True, reason="Agreed with the candidate")
        self.assertTrue(attempt.limit_lifted)
        self.assertEqual(attempt.time_allowed_display, "No time limit")
        self.assertFalse(attempt.deadline)
        with freeze_time(T0 + timedelta(hours=2)):
            attempt._save_answer(self.items[0].id, self._right(self.items[0]).id)

    def test_add_time_wizard_checks_access(self):
        attempt = self._started()
        wizard = self.env["assessment.add.time.wizard"].with_user(self.recruiter).create(
            {"attempt_id": attempt.id, "minutes": 15, "reason": "Power cut"})
        with freeze_time(T0 + timedelta(minutes=1)):
            wizard.action_add_time()
        self.assertEqual(attempt.deadline, T0 + timedelta(minutes=45))
        candidate_b = self.env["assessment.candidate"].create(
            {"name": "Bea", "email": "bea@example.com", "company_id": self.company_b.id})
        other = self.env["assessment.attempt"].create({
            "candidate_id": candidate_b.id, "assessment_id": self.assessment.id,
            "company_id": self.company_b.id})
        with freeze_time(T0):
            other._start()
        with self.assertRaises(AccessError):
            self.env["assessment.add.time.wizard"].with_user(self.recruiter).create(
                {"attempt_id": other.id, "minutes": 15, "reason": "x"}).action_add_time()

    def test_candidate_defaults_and_the_wizard(self):
        self.candidate.write({"extra_time_percent": 50, "accommodation_reason": "Dyslexia"})
        invite = self.env["assessment.invite.wizard"].with_user(self.recruiter).with_context(
            active_model="assessment.candidate", active_ids=self.candidate.ids)
        form = Form(invite)
        self.assertTrue(form.set_accommodation)
        self.assertEqual((form.extra_time_percent, form.accommodation_reason), (50, "Dyslexia"))
        form.assessment_id = self.assessment
        form.extra_time_percent = 25
        attempt = self.env["assessment.attempt"].search(form.save().action_invite()["domain"])
        self.assertEqual((attempt.extra_time_percent, attempt.accommodation_reason),
                         (25, "Dyslexia"))
        # Without the wizard's accommodation, a new invitation takes the candidate's default.
        other = self.assessment.copy({"name": "Other test", "is_published": True})
        attempts, _created = self.env["assessment.attempt"]._invite(self.candidate, other)
        self.assertEqual(attempts.extra_time_percent, 50)


@tagged("post_install", "-at_install")
class TestNewAttemptAndResend(AttemptCase):
    def test_new_attempt_keeps_the_old_one(self):
        attempt = self._new_attempt()
        attempt.extra_time_minutes = 15
        with freeze_time(T0):
            attempt._start()
            attempt._save_answer(self.items[0].id, self._right(self.items[0]).id)
            attempt._submit()
        with self.assertRaises(UserError):
            self._new_attempt().action_new_attempt()  # still open
        action = attempt.with_user(self.recruiter).action_new_attempt()
        new = self.env["assessment.attempt"].browse(action["res_id"])
        self.assertNotEqual(new, attempt)
        self.assertEqual((new.state, new.retake_of_id, new.extra_time_minutes),
                         ("invited", attempt, 15))
        self.assertTrue(new.access_token)
        self.assertEqual((attempt.state, attempt.answered_count), ("submitted", 1))
        self.assertIn("New attempt given", self._messages(attempt))
        self.assertIn("Your invitation", " ".join(filter(None, new.message_ids.mapped("subject"))))

    def test_reopened_cancelled_start_starts_cleanly(self):
        attempt = self._new_attempt()
        with freeze_time(T0):
            attempt._start()
            attempt._save_answer(self.items[0].id, self._right(self.items[0]).id)
        attempt.action_cancel()
        attempt.action_reset_to_invited()
        self.assertEqual((attempt.state, attempt.answer_ids, attempt.deadline),
                         ("invited", self.env["assessment.answer"], False))
        with freeze_time(T0 + timedelta(days=1)):
            attempt._start()
        self.assertEqual(attempt.deadline, T0 + timedelta(days=1, minutes=30))
        self.assertEqual(attempt.answered_count, 0)

    def test_resend_invitation_and_copyable_link(self):
        attempts, _created = self.env["assessment.attempt"]._invite(
            self.candidate, self.assessment, template=self.env.ref(
                "tech_assessment.mail_template_assessment_invitation"))
        attempt = attempts.with_user(self.recruiter)
        self.assertEqual(attempt.invitation_url,
                         f"{attempt.get_base_url()}/my/assessments/{attempt.id}"
                         f"?access_token={attempt.access_token}")
        sent = len(attempt.message_ids)
        attempt.action_resend_invitation()
        self.assertEqual(len(attempt.message_ids), sent + 1)
        self.assertEqual(attempt.message_ids[0].subject, attempts.message_ids[1].subject)
        attempt.sudo().action_cancel()
        self.assertFalse(attempt.invitation_url)
        with self.assertRaises(UserError):
            attempt.action_resend_invitation()

    def test_invite_from_the_assessment(self):
        action = self.assessment.with_user(self.recruiter).action_invite()
        wizard = Form(self.env[action["res_model"]].with_user(self.recruiter)
                      .with_context(**action["context"]))
        self.assertEqual(wizard.assessment_id, self.assessment)
        wizard.candidate_ids.add(self.candidate)
        wizard.save().action_invite()
        self.assertEqual((self.assessment.attempt_count, self.assessment.result_count), (1, 0))
        self.assessment.action_unpublish()
        with self.assertRaises(UserError):
            self.assessment.action_invite()


@tagged("post_install", "-at_install")
class TestRolesInTheForms(AttemptCase):
    """A recruiter is not offered what would end in an Access Error."""

    def _buttons(self, user, model):
        arch = self.env[model].with_user(user).get_views([(False, "form")])["views"]["form"]
        return set(re.findall(r'<button[^>]*\bname="([^"]+)"', arch["arch"]))

    def test_publish_is_for_administrators(self):
        recruiter_buttons = self._buttons(self.recruiter, "assessment.assessment")
        self.assertFalse({"action_publish", "action_unpublish"} & recruiter_buttons)
        self.assertIn("action_invite", recruiter_buttons)
        self.assertLessEqual({"action_publish", "action_unpublish"},
                             self._buttons(self.manager, "assessment.assessment"))
        with self.assertRaises(AccessError):
            self.assessment.with_user(self.recruiter).action_unpublish()


@tagged("post_install", "-at_install")
class TestInvitationEmail(AttemptCase):
    def test_one_call_to_action_and_what_the_candidate_needs(self):
        self.candidate.partner_id.tz = "Europe/Brussels"
        recorded = self.assessment.copy({"name": "Recorded", "is_published": True,
                                         "recording_required": "both"})
        attempts, _created = self.env["assessment.attempt"].with_user(self.recruiter)._invite(
            self.candidate, recorded, expires_at=T0 + timedelta(days=3650),
            template=self.env.ref("tech_assessment.mail_template_assessment_invitation"),
            accommodation={"extra_time_percent": 50})
        mail = self.env["mail.mail"].sudo().search(
            [("model", "=", "assessment.attempt"), ("res_id", "=", attempts.id)])
        self.assertEqual(len(mail), 1)
        body = mail.body_html
        self.assertEqual(body.count("access_token="), 1, "one link: no second Odoo button")
        for fragment in ("45 min", "2 questions", "4 items", "desktop or laptop computer",
                         "a camera", "share your screen", "time zone: Europe/Brussels",
                         "ta_recruiter@example.com"):
            self.assertIn(fragment, body)


@tagged("post_install", "-at_install")
class TestChatterAuthors(AttemptCase):
    def test_candidate_actions_are_the_candidates(self):
        attempt = self._new_attempt()
        public = self.env.ref("base.public_user")
        with freeze_time(T0):
            attempt.with_user(public).sudo()._start()  # as the link's visitor does
            attempt.with_user(public).sudo()._submit()
        authors = attempt.message_ids.filtered(
            lambda m: "Test started" in m.body or "Test submitted" in m.body).author_id
        self.assertEqual(authors, self.candidate.partner_id)
        attempt.with_user(self.recruiter).action_new_attempt()
        self.assertEqual(attempt.message_ids[0].author_id, self.recruiter.partner_id)


@tagged("post_install", "-at_install")
class TestLiveProgress(AttemptCase):
    def _events(self, attempt, *kinds):
        self.env["assessment.event"].create([
            {"attempt_id": attempt.id, "kind": kind, "server_time": T0 + timedelta(seconds=n)}
            for n, kind in enumerate(kinds, start=1)])

    def test_time_left_activity_and_open_flags(self):
        attempt = self._new_attempt()
        self.assertFalse(attempt.time_left_display)
        with freeze_time(T0):
            attempt._start()
        with freeze_time(T0 + timedelta(minutes=2)):
            attempt._save_answer(self.items[0].id, self._right(self.items[0]).id)
        self._events(attempt, "tab_hidden", "tab_visible", "stream_ended", "window_blur",
                     "window_focus", "paste", "offline")
        attempt.invalidate_recordset()
        with freeze_time(T0 + timedelta(minutes=10)):
            self.assertEqual(attempt.time_left_display, "20 min")
        self.assertEqual(attempt.last_activity_at, T0 + timedelta(minutes=2))
        self.assertEqual(attempt.flag_count, 5)
        self.assertEqual(attempt.open_flags, "Connection lost, Recording stream ended")
        self._events(attempt, *["online"] * 8, "stream_restarted")
        attempt.invalidate_recordset()
        self.assertFalse(attempt.open_flags)
        self.assertEqual(attempt.last_activity_at, T0 + timedelta(minutes=2))

    def test_a_page_of_attempts_costs_two_queries(self):
        def read(count):
            candidates = self.env["assessment.candidate"].create(
                [{"name": f"C{n}", "email": f"c{n}@example.com"} for n in range(count)])
            attempts = self.env["assessment.attempt"].create(
                [{"candidate_id": c.id, "assessment_id": self.assessment.id} for c in candidates])
            for attempt in attempts:
                self._events(attempt, "tab_hidden", "offline")
            self.env.flush_all()
            self.env.invalidate_all()
            with self.assertQueryCount(2):
                attempts._read_live_progress()
        read(3)
        read(30)


@tagged("post_install", "-at_install")
class TestNumbersThatDoNotMislead(AttemptCase):
    def test_candidate_result_in_words(self):
        candidate = self.env["assessment.candidate"].create(
            {"name": "Noor", "email": "noor@example.com"})
        self.assertEqual(candidate.result_summary, "not invited")
        attempt = self._new_attempt(candidate)
        candidate.invalidate_recordset()
        self.assertEqual(candidate.result_summary, "invited, not started")
        with freeze_time(T0):
            attempt._start()
        candidate.invalidate_recordset()
        self.assertEqual(candidate.result_summary, "taking the test")
        with freeze_time(T0):
            for item in self.items:
                attempt._save_answer(item.id, self._right(item).id)
            attempt._submit()
        candidate.invalidate_recordset()
        self.assertEqual(candidate.result_summary, "best 100.00 % · passed")
        self.assertEqual((self.assessment.attempt_count, self.assessment.result_count), (1, 1))

    def test_averages_count_graded_attempts_only(self):
        graded = self._new_attempt()
        with freeze_time(T0):
            graded._start()
            for item in self.items:
                graded._save_answer(item.id, self._right(item).id)
            graded._submit()
        running = self._new_attempt(self.env["assessment.candidate"].create(
            {"name": "Running", "email": "running@example.com"}))
        with freeze_time(T0):
            running._start()
            running._save_answer(self.items[0].id, self._right(self.items[0]).id)
        self._new_attempt(self.env["assessment.candidate"].create(
            {"name": "Invited", "email": "invited@example.com"}))
        self.assertEqual(running.percent, 25.0, "the running test keeps its live score")
        [(percent, pass_rate, count)] = self.env["assessment.attempt"]._read_group(
            [("assessment_id", "=", self.assessment.id)], [],
            ["percent:avg", "pass_rate:avg", "__count"])
        self.assertEqual((percent, pass_rate, count), (100.0, 100.0, 3))
        groups = self.env["assessment.attempt"].read_group(
            [("assessment_id", "=", self.assessment.id)], ["percent:avg"], ["state"])
        self.assertEqual({g["state"]: g["percent"] for g in groups},
                         {"submitted": 100.0, "in_progress": False, "invited": False})
