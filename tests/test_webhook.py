"""Outbound webhooks: a real local receiver verifies every message with the
`standardwebhooks` library; events once per change, the same id across retries, back-off after
500s, nothing after 410 Gone, nothing for a rolled-back transaction."""
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from ..controllers.api_pages import attempt_json, candidate_json
from ..models.assessment_webhook_delivery import MAX_TRIES, retry_delay
from .common import TechAssessmentCase
from .webhook_receiver import WebhookReceiver


@tagged("post_install", "-at_install")
class TestWebhooks(TechAssessmentCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.receiver = WebhookReceiver().start()
        cls.addClassCleanup(cls.receiver.stop)
        cls.assessment = cls._make_assessment("Webhook assessment", items=2)
        cls.endpoint = cls.env["assessment.webhook.endpoint"].create(
            {"name": "ATS", "url": cls.receiver.url, "company_id": cls.company_a.id})
        cls.candidate = cls.env["assessment.candidate"].create({
            "name": "Wendy Hook", "email": "wendy@example.com", "company_id": cls.company_a.id,
            "provider": "ats", "external_id": "W-1"})
        cls.Delivery = cls.env["assessment.webhook.delivery"]

    def setUp(self):
        super().setUp()
        self.receiver.reset(self.endpoint.secret)

    def _send_all(self, rounds=1):
        """Run the sender `rounds` times, each time with every pending retry made due."""
        for _round in range(rounds):
            self.Delivery.search([("state", "=", "pending")]).write(
                {"next_try_at": fields.Datetime.now() - timedelta(seconds=1)})
            self.Delivery._send_due()

    def _invite(self):
        attempts, _created = self.env["assessment.attempt"]._invite(self.candidate,
                                                                    self.assessment)
        return attempts

    def test_each_event_once_signed_with_the_api_json(self):
        attempt = self._invite()
        attempt._start()
        item = attempt.answer_ids[0].item_id
        attempt._save_answer(item.id, item.option_ids.filtered(lambda o: not o.is_correct).id)
        attempt._submit()
        attempt._submit()  # a second hand-in changes nothing: no second event
        self.candidate.write({"phone": "+32 2 555 01 01"})
        self.candidate.write({"phone": "+32 2 555 01 01", "name": "Wendy Hook"})  # unchanged name
        item.write({"option_ids": [(1, option.id, {"is_correct": not option.is_correct})
                                   for option in item.option_ids]})
        self.assertFalse(self.receiver.received, "nothing is sent inside the transaction")
        self._send_all()
        received = self.receiver.received
        self.assertTrue(all(verified for _id, _body, verified, _headers in received),
                        "standardwebhooks verifies every signature")
        types = [body["type"] for _id, body, _verified, _headers in received]
        self.assertEqual(sorted(types), sorted([
            "attempt.invited", "attempt.started", "attempt.ended", "attempt.regraded",
            "candidate.updated"]))
        self.assertEqual(len({webhook_id for webhook_id, *_rest in received}), len(received),
                         "one webhook-id per event")
        by_type = {body["type"]: body for _id, body, _verified, _headers in received}
        ended = by_type["attempt.ended"]["data"]
        self.assertEqual(ended["state"], "submitted")
        self.assertEqual(ended["score"], 0.0)
        self.assertIs(ended["passed"], False)
        regraded = by_type["attempt.regraded"]["data"]
        self.assertEqual(regraded["score"], 1.0, "the score after the correction")
        self.assertIs(regraded["passed"], attempt.passed)
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        # The API's own shapes: the same keys as its serializers give.
        self.assertEqual(set(regraded), set(attempt_json(attempt, base_url)))
        self.assertEqual(set(by_type["candidate.updated"]["data"]),
                         set(candidate_json(self.candidate, base_url)))
        self.assertEqual(by_type["candidate.updated"]["data"]["external_id"], "W-1")
        self.assertEqual(self.Delivery.search_count([("state", "=", "sent")]), 5)
        self._send_all()
        self.assertEqual(len(self.receiver.received), 5, "a delivered event is not sent again")

    def test_expiry_is_an_ended_event(self):
        attempt = self._invite()
        attempt._start()
        now = fields.Datetime.now()
        attempt.sudo().write({"started_at": now - timedelta(hours=1),
                              "deadline": now - timedelta(minutes=5)})
        self.env["assessment.attempt"]._cron_expire_attempts()
        self._send_all()
        ended = [body for _id, body, _v, _h in self.receiver.received
                 if body["type"] == "attempt.ended"]
        self.assertEqual(len(ended), 1)
        self.assertEqual(ended[0]["data"]["state"], "expired")
        self.assertIs(ended[0]["data"]["passed"], False)

    def test_retries_after_500_with_the_same_id_and_backoff(self):
        self.receiver.statuses = [500, 503, 200]
        self._invite()
        delivery = self.Delivery.search([("event_type", "=", "attempt.invited")])
        self.Delivery._send_due()
        self.assertEqual(delivery.state, "pending")
        self.assertEqual(delivery.last_status_code, 500)
        first_retry = (delivery.next_try_at - fields.Datetime.now()).total_seconds()
        self.assertTrue(retry_delay(1, _Fixed(0.0)) - 2 <= first_retry
                        <= retry_delay(1, _Fixed(1.0)) + 1, first_retry)
        self.Delivery._send_due()
        self.assertEqual(len(self.receiver.received), 1, "not due yet: not sent again")
        self._send_all(rounds=3)
        ids = [webhook_id for webhook_id, *_rest in self.receiver.received]
        self.assertEqual(len(ids), 3)
        self.assertEqual(set(ids), {delivery.webhook_id}, "the same webhook-id on every try")
        bodies = {str(body) for _id, body, _verified, _headers in self.receiver.received}
        self.assertEqual(len(bodies), 1, "the same body on every try")
        self.assertEqual(delivery.state, "sent")
        self.assertEqual(delivery.log_ids.sorted("try_number").mapped("status_code"),
                         [500, 503, 200])
        self.assertIn("answer 500", delivery.log_ids.filtered(
            lambda log: log.status_code == 500).response)
        # exponential: each wait about BACKOFF_FACTOR times the one before
        waits = [retry_delay(n, _Fixed(0.5)) for n in range(1, MAX_TRIES)]
        self.assertTrue(all(later > 3 * earlier for earlier, later in zip(waits, waits[1:], strict=False)))
        self.assertTrue(20 * 3600 < sum(waits) < 26 * 3600, "about a day of retries")

    def test_no_more_after_410_gone(self):
        self.receiver.statuses = [410]
        self._invite()
        self._send_all(rounds=3)
        self.assertEqual(len(self.receiver.received), 1)
        self.assertFalse(self.endpoint.active, "410 Gone disables the endpoint")
        self.assertIn("410", self.endpoint.disabled_reason)
        delivery = self.Delivery.search([("endpoint_id", "=", self.endpoint.id)])
        self.assertEqual(delivery.state, "failed")
        self.candidate.write({"phone": "+1 555 0100"})
        self._send_all(rounds=2)
        self.assertEqual(len(self.receiver.received), 1, "a disabled endpoint gets nothing")

    def test_gives_up_after_a_day_and_disables(self):
        self.receiver.statuses = [500] * MAX_TRIES
        self._invite()
        self._send_all(rounds=MAX_TRIES + 2)
        self.assertEqual(len(self.receiver.received), MAX_TRIES)
        delivery = self.Delivery.search([("endpoint_id", "=", self.endpoint.id)])
        self.assertEqual(delivery.state, "failed")
        self.assertFalse(self.endpoint.active)
        # replayed by an administrator once the receiver works again: same id, same body
        self.endpoint.active = True
        self.assertFalse(self.endpoint.disabled_reason)
        delivery.action_replay()
        self._send_all()
        self.assertEqual(delivery.state, "sent")
        self.assertEqual({webhook_id for webhook_id, *_rest in self.receiver.received},
                         {delivery.webhook_id})

    def test_nothing_sent_for_a_rolled_back_transaction(self):
        triggers = self.env["ir.cron.trigger"].search_count([])
        with self.assertRaises(_UserTransactionFailed), self.env.cr.savepoint():
            self._invite()
            self.candidate.write({"phone": "+1 555 0199"})
            raise _UserTransactionFailed()
        self.assertFalse(self.Delivery.search([]), "the deliveries went with the transaction")
        self.assertEqual(self.env["ir.cron.trigger"].search_count([]), triggers)
        self.assertEqual(self.Delivery._send_due(), 0)
        self.assertFalse(self.receiver.received)

    def test_other_company_and_unsubscribed_events_are_not_sent(self):
        self.endpoint.on_attempt_started = False
        candidate_b = self.env["assessment.candidate"].create(
            {"name": "Bea", "email": "bea@example.com", "company_id": self.company_b.id})
        assessment_b = self._make_assessment("B's test", company=self.company_b)
        attempt_b, _created = self.env["assessment.attempt"]._invite(candidate_b, assessment_b)
        attempt = self._invite()
        attempt._start()
        self._send_all()
        self.assertEqual([body["data"]["id"] for _id, body, _v, _h in self.receiver.received],
                         [attempt.id], "company A's invitation only (no start, no company B)")
        self.assertNotEqual(attempt_b.company_id, self.endpoint.company_id)

    def test_urls_secrets_and_access(self):
        Endpoint = self.env["assessment.webhook.endpoint"]
        for url in ("ftp://example.com/x", "javascript:alert(1)", "http:///nohost",
                    "https://user:pw@example.com/", "https://example.com/a b",
                    "https://example.com:99999/", "https://exa\x00mple.com/"):
            with self.subTest(url=url), self.assertRaises(ValidationError):
                Endpoint.create({"name": "Bad", "url": url})
        with self.assertRaises(ValidationError):
            Endpoint.create({"name": "Bad", "url": "https://example.com/", "secret": "whsec_abc"})
        self.assertTrue(self.endpoint.secret.startswith("whsec_"))
        self._invite()
        self._send_all()
        for user in (self.recruiter, self.manager, self.portal_user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.Delivery.with_user(user).search([]).mapped("payload")
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.endpoint.with_user(user).read(["secret"])


class _UserTransactionFailed(Exception):
    """The user's transaction fails after its changes."""


class _Fixed:
    """A random source that always draws the same fraction of the range."""

    def __init__(self, fraction):
        self.fraction = fraction

    def uniform(self, low, high):
        return low + (high - low) * self.fraction
