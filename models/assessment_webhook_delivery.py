"""One event for one webhook endpoint: created in the transaction of the change, sent after
its commit by a triggered cron job, retried with exponential back-off and jitter for about a
day, logged try by try, and replayable by an administrator.

The body is written once, when the event happens, and so is its `webhook-id`: every retry
and replay sends the same bytes under the same id (receivers deduplicate on it); only the
`webhook-timestamp` and the signature over both are of the try.
"""
import base64
import hashlib
import hmac
import json
import logging
import random
import time
import uuid
from datetime import timedelta

import requests

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.sql import create_index

from ..controllers import api_pages
from ..controllers.api_common import iso
from .assessment_webhook_endpoint import secret_key, url_problem

_logger = logging.getLogger(__name__)

DELIVERY_STATES = [("pending", "Pending"), ("sent", "Sent"), ("failed", "Failed")]
# Tries of one delivery: the first, then retries 15 s × 4^(n-1) later (± 25 % jitter):
# 15 s, 1 min, 4 min, 16 min, 64 min, 4.3 h, 17 h: about 23 hours in all.
MAX_TRIES = 8
FIRST_RETRY_SECONDS = 15
BACKOFF_FACTOR = 4
JITTER = 0.25
CONNECT_TIMEOUT, READ_TIMEOUT, TOTAL_TIMEOUT = 5, 10, 15
MAX_RESPONSE_BYTES = 2048
SEND_BATCH = 50
USER_AGENT = "Odoo-TechAssessment-Webhooks/1.0"
# What the events are about, and their JSON (the integration API's own serializers).
SERIALIZERS = {
    "assessment.attempt": lambda record, base_url: api_pages.attempt_json(record, base_url),
    "assessment.candidate": lambda record, base_url: api_pages.candidate_json(record, base_url),
}


def retry_delay(tries_done, rng=random):
    """Seconds before the next try, after `tries_done` failed ones (exponential, jittered)."""
    base = FIRST_RETRY_SECONDS * BACKOFF_FACTOR ** (tries_done - 1)
    return base * rng.uniform(1 - JITTER, 1 + JITTER)


def sign(secret, msg_id, timestamp, body):
    """`v1,<base64 HMAC-SHA256 of "id.timestamp.body">` (Standard Webhooks)."""
    digest = hmac.new(secret_key(secret), f"{msg_id}.{timestamp}.".encode() + body,
                      hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


class AssessmentWebhookDelivery(models.Model):
    _name = "assessment.webhook.delivery"
    _description = "Webhook delivery"
    _order = "id desc"
    _rec_name = "event_type"

    endpoint_id = fields.Many2one("assessment.webhook.endpoint", required=True, index=True,
                                  ondelete="cascade", readonly=True)
    company_id = fields.Many2one(related="endpoint_id.company_id", store=True, index=True)
    event_type = fields.Char(string="Event", required=True, readonly=True)
    webhook_id = fields.Char(string="Webhook ID", required=True, readonly=True, index=True,
                             help="The webhook-id header: the same on every try of this event.")
    res_model = fields.Char(string="Model", readonly=True)
    res_id = fields.Integer(string="Record ID", readonly=True)
    subject = fields.Char(readonly=True, help="The record the event is about, when it happened.")
    payload = fields.Text(required=True, readonly=True, help="The JSON body, as sent.")
    state = fields.Selection(DELIVERY_STATES, default="pending", required=True, readonly=True)
    try_count = fields.Integer(string="Tries", readonly=True)
    next_try_at = fields.Datetime(string="Next try", readonly=True)
    sent_at = fields.Datetime(string="Delivered at", readonly=True)
    last_status_code = fields.Integer(string="Last response code", readonly=True)
    last_error = fields.Char(string="Last error", readonly=True)
    log_ids = fields.One2many("assessment.webhook.delivery.log", "delivery_id", string="Try log",
                              readonly=True)

    _sql_constraints = [
        ("webhook_id_unique", "unique(endpoint_id, webhook_id)",
         "An event is delivered once per endpoint."),
    ]

    def init(self):
        # The sender looks for pending deliveries that are due.
        create_index(self.env.cr, "assessment_webhook_delivery_due_idx", self._table,
                     ["next_try_at", "id"], where="state = 'pending'")

    # ------------------------------------------------------------------
    # Events: in the transaction of the change
    # ------------------------------------------------------------------
    @api.model
    def _enqueue(self, event_type, records):
        """One delivery of `event_type` per record of `records` (attempts or candidates) and
        subscribed endpoint of its company. Nothing is sent here: the cron job sends after
        the commit, and a rolled-back transaction takes its deliveries with it."""
        if not records:
            return self.browse()
        endpoints = self.env["assessment.webhook.endpoint"]._subscribed(
            event_type, records.sudo().company_id)
        if not endpoints:
            return self.browse()
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        serialize = SERIALIZERS[records._name]
        now = fields.Datetime.now()
        values = []
        for record in records.sudo():
            body = json.dumps({"type": event_type, "timestamp": iso(now),
                               "data": serialize(record, base_url)},
                              ensure_ascii=False, separators=(",", ":"))
            webhook_id = f"msg_{uuid.uuid4().hex}"
            for endpoint in endpoints.filtered(lambda e, r=record: e.company_id == r.company_id):
                values.append(self._values(endpoint, event_type, webhook_id, body, record, now))
        return self._create_and_trigger(values)

    @api.model
    def _enqueue_for(self, endpoints, event_type, data_list):
        """Deliveries of `event_type` with free-form data (the test `ping`) to `endpoints`."""
        now = fields.Datetime.now()
        values = []
        for data in data_list:
            body = json.dumps({"type": event_type, "timestamp": iso(now), "data": data},
                              ensure_ascii=False, separators=(",", ":"))
            webhook_id = f"msg_{uuid.uuid4().hex}"
            values += [self._values(endpoint, event_type, webhook_id, body, None, now)
                       for endpoint in endpoints]
        return self._create_and_trigger(values)

    @api.model
    def _values(self, endpoint, event_type, webhook_id, body, record, now):
        return {
            "endpoint_id": endpoint.id, "event_type": event_type, "webhook_id": webhook_id,
            "payload": body, "next_try_at": now,
            "res_model": record._name if record else False,
            "res_id": record.id if record else False,
            "subject": record.display_name if record else False,
        }

    @api.model
    def _create_and_trigger(self, values):
        if not values:
            return self.browse()
        deliveries = self.sudo().create(values)
        # ir.cron's trigger row belongs to this transaction and the cron runner is woken
        # after its commit (ir.cron._notifydb is a post-commit hook).
        self._sender_cron()._trigger()
        return deliveries

    def _sender_cron(self):
        return self.env.ref("tech_assessment.ir_cron_send_webhooks").sudo()

    # ------------------------------------------------------------------
    # Sending: the cron job, after the commit
    # ------------------------------------------------------------------
    @api.model
    def _cron_send_due(self):
        self._send_due(commit=True)

    @api.model
    def _send_due(self, limit=SEND_BATCH, commit=False):
        """Send the deliveries that are due, oldest first; returns how many were tried.
        The cron job commits after each one (`commit`), so that a crash never sends a
        delivered event again, and schedules itself for what is left."""
        self.flush_model(["state", "next_try_at"])
        self.env.cr.execute(SQL(
            "SELECT id FROM assessment_webhook_delivery WHERE state = 'pending' "
            "AND next_try_at <= %s ORDER BY next_try_at, id LIMIT %s FOR UPDATE SKIP LOCKED",
            fields.Datetime.now(), limit))
        due = self.sudo().browse([row[0] for row in self.env.cr.fetchall()])
        for delivery in due:
            delivery._try_send()
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
        self._schedule_next(more_due=len(due) == limit)
        return len(due)

    @api.model
    def _schedule_next(self, more_due):
        if more_due:
            self._sender_cron()._trigger()
            return
        upcoming = self.sudo().search([("state", "=", "pending")], order="next_try_at",
                                      limit=1)
        if upcoming:
            self._sender_cron()._trigger(at=upcoming.next_try_at)

    def _try_send(self):
        """One try of this delivery; its outcome is logged, and decides what comes next."""
        self.ensure_one()
        if self.state != "pending":
            return  # settled meanwhile (its endpoint was disabled by the try before)
        endpoint = self.endpoint_id
        if not endpoint.active:
            self.write({"state": "failed", "next_try_at": False,
                        "last_error": _("The endpoint is disabled.")})
            return
        outcome = self._post(endpoint)
        now = fields.Datetime.now()
        tries = self.try_count + 1
        self.env["assessment.webhook.delivery.log"].sudo().create({
            "delivery_id": self.id, "tried_at": now, "try_number": tries, **outcome})
        values = {"try_count": tries, "last_status_code": outcome["status_code"],
                  "last_error": outcome["error"]}
        status = outcome["status_code"]
        if 200 <= status < 300:
            self.write({**values, "state": "sent", "sent_at": now, "next_try_at": False})
            endpoint.sudo().last_success_at = now
        elif status == 410:
            self.write({**values, "state": "failed", "next_try_at": False})
            endpoint._disable(_("the receiver answered 410 Gone."))
            self._fail_pending_of(endpoint)
        elif tries >= MAX_TRIES:
            self.write({**values, "state": "failed", "next_try_at": False})
            if not endpoint.last_success_at or endpoint.last_success_at < self.create_date:
                endpoint._disable(_("no delivery succeeded during a whole day of retries."))
                self._fail_pending_of(endpoint)
        else:
            values["next_try_at"] = now + timedelta(seconds=retry_delay(tries))
            self.write(values)
            self._sender_cron()._trigger(at=values["next_try_at"])

    def _fail_pending_of(self, endpoint):
        self.search([("endpoint_id", "=", endpoint.id), ("state", "=", "pending")]).write({
            "state": "failed", "next_try_at": False,
            "last_error": _("The endpoint was disabled."),
        })

    def _post(self, endpoint):
        """POST the body, signed; never follows redirects, reads a bounded answer within a
        bounded time. Returns the log's values (status_code 0: no HTTP answer)."""
        problem = url_problem(endpoint.url)
        if problem:
            return {"status_code": 0, "error": problem, "response": False, "duration_ms": 0}
        body = self.payload.encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "webhook-id": self.webhook_id,
            "webhook-timestamp": timestamp,
            "webhook-signature": sign(endpoint.secret, self.webhook_id, timestamp, body),
        }
        started = time.monotonic()
        status, error, response_text = 0, False, False
        try:
            with requests.post(endpoint.url, data=body, headers=headers, stream=True,
                               timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
                               allow_redirects=False) as response:
                status = response.status_code
                response_text = self._read_bounded(response, started)
        except requests.RequestException as exc:
            # The class of the error only: its text may quote the receiver.
            error = _("No answer: %s", type(exc).__name__)
            _logger.info("webhook %s to endpoint %s: %s", self.webhook_id, endpoint.id,
                         type(exc).__name__)
        if status and not 200 <= status < 300:
            error = _("HTTP %s", status)
        return {"status_code": status, "error": error, "response": response_text,
                "duration_ms": int((time.monotonic() - started) * 1000)}

    @staticmethod
    def _read_bounded(response, started):
        data = b""
        for chunk in response.iter_content(512):
            data += chunk
            if len(data) >= MAX_RESPONSE_BYTES or time.monotonic() - started > TOTAL_TIMEOUT:
                break
        return data[:MAX_RESPONSE_BYTES].decode("utf-8", "replace") or False

    # ------------------------------------------------------------------
    # Backend
    # ------------------------------------------------------------------
    def action_replay(self):
        """Send these events again, as they were (same body, same webhook-id)."""
        self.check_access_rights("write")
        self.check_access_rule("write")
        disabled = self.endpoint_id.filtered(lambda e: not e.active)
        if disabled:
            raise UserError(_("Enable the endpoint first: %s", ", ".join(disabled.mapped("name"))))
        self.write({"state": "pending", "try_count": 0, "next_try_at": fields.Datetime.now(),
                    "last_error": False})
        self._sender_cron()._trigger()
        return True
