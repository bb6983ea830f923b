"""Outbound webhooks: where an applicant-tracking system wants to be told of changes.

An administrator registers an endpoint (URL, secret, events). Every change of an event it
subscribes to creates an `assessment.webhook.delivery` in the transaction of the change; a
cron job sends it after the commit (assessment_webhook_delivery.py). Messages are signed per
the Standard Webhooks specification (https://www.standardwebhooks.com), with the endpoint's
secret, so that receivers can verify them with any of its libraries.
"""
import base64
import binascii
import secrets
from urllib.parse import urlsplit

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
# The Standard Webhooks specification asks for a secret of 24 to 64 bytes.
SECRET_MIN_BYTES, SECRET_MAX_BYTES = 24, 64
MAX_URL_LENGTH = 2048
# event type -> the endpoint's field that subscribes to it
EVENT_FIELDS = {
    "attempt.invited": "on_attempt_invited",
    "attempt.started": "on_attempt_started",
    "attempt.ended": "on_attempt_ended",
    "attempt.regraded": "on_attempt_regraded",
    "candidate.updated": "on_candidate_updated",
}


def new_secret():
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret):
    """The HMAC key of a `whsec_<base64>` secret; raises ValueError when it is not one."""
    if not secret or not secret.startswith(SECRET_PREFIX):
        raise ValueError("no whsec_ prefix")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX):], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not base64") from None
    if not SECRET_MIN_BYTES <= len(key) <= SECRET_MAX_BYTES:
        raise ValueError("bad length")
    return key


def url_problem(url):
    """Why `url` cannot be a webhook endpoint, or None. Only absolute http(s) URLs with a host
    and without credentials (they would be sent, and shown, with every delivery)."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        return _("The URL is missing or longer than %s characters.", MAX_URL_LENGTH)
    if any(ord(char) <= 0x20 or ord(char) == 0x7f for char in url):
        return _("The URL contains spaces or control characters.")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError on a port out of range)
    except ValueError:
        return _("The URL is not valid.")
    if parts.scheme not in ("http", "https"):
        return _("The URL must start with https:// (or http://).")
    if not parts.hostname:
        return _("The URL has no host name.")
    if parts.username or parts.password:
        return _("Put no user name or password in the URL: receivers verify the signature.")
    return None


class AssessmentWebhookEndpoint(models.Model):
    _name = "assessment.webhook.endpoint"
    _description = "Webhook endpoint"
    _inherit = ["mail.thread"]
    _order = "name, id"

    name = fields.Char(required=True, tracking=True)
    url = fields.Char(string="URL", required=True, tracking=True,
                      help="Where the events are POSTed, as JSON signed per Standard Webhooks.")
    secret = fields.Char(
        required=True, copy=False, default=lambda self: new_secret(),
        help="Receivers verify the signature with it (whsec_ followed by base64).")
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company,
        help="Only the events of this company are sent.")
    on_attempt_invited = fields.Boolean(string="attempt.invited", default=True,
                                        help="A candidate was invited (or re-invited).")
    on_attempt_started = fields.Boolean(string="attempt.started", default=True,
                                        help="The candidate started the test.")
    on_attempt_ended = fields.Boolean(
        string="attempt.ended", default=True,
        help="The test was submitted or expired: with the score and the verdict.")
    on_attempt_regraded = fields.Boolean(
        string="attempt.regraded", default=True,
        help="A correction of the answer key changed the score of a finished attempt.")
    on_candidate_updated = fields.Boolean(string="candidate.updated", default=True,
                                          help="A candidate's details changed.")
    delivery_ids = fields.One2many("assessment.webhook.delivery", "endpoint_id",
                                   string="Deliveries")
    delivery_count = fields.Integer(compute="_compute_delivery_count")
    last_success_at = fields.Datetime(string="Last success", readonly=True, copy=False)
    disabled_reason = fields.Char(string="Disabled because", readonly=True, copy=False,
                                  help="Why the server disabled the endpoint.")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_url_value(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_url_value(vals)
        if vals.get("active"):
            vals = {**vals, "disabled_reason": False}
        return super().write(vals)

    @api.model
    def _check_url_value(self, vals):
        # Before the database sees it (a NUL would be an SQL error, not a message).
        if "url" in vals:
            problem = url_problem(vals["url"])
            if problem:
                raise ValidationError(problem)

    @api.constrains("secret")
    def _check_secret(self):
        for endpoint in self:
            try:
                secret_key(endpoint.secret)
            except ValueError:
                raise ValidationError(_(
                    "The secret must be whsec_ followed by %(min)s to %(max)s bytes in base64.",
                    min=SECRET_MIN_BYTES, max=SECRET_MAX_BYTES)) from None

    def _compute_delivery_count(self):
        counts = dict(self.env["assessment.webhook.delivery"]._read_group(
            [("endpoint_id", "in", self.ids)], ["endpoint_id"], ["__count"]))
        for endpoint in self:
            endpoint.delivery_count = counts.get(endpoint, 0)

    def action_rotate_secret(self):
        """A new secret (the receiver must be given it: messages are signed with it at once)."""
        self.check_access_rights("write")
        self.check_access_rule("write")
        for endpoint in self:
            endpoint.secret = new_secret()
            endpoint.message_post(body=_("Secret rotated."))
        return True

    def action_send_ping(self):
        """Queue a `ping` event, to check the receiver (it goes through the queue like any)."""
        self.check_access_rights("write")
        self.check_access_rule("write")
        for endpoint in self:
            if not endpoint.active:
                raise UserError(_("Enable the endpoint before sending it a test event."))
        self.env["assessment.webhook.delivery"]._enqueue_for(
            self, "ping", [{"message": "Test event from Odoo Technical Assessments"}])
        return self.action_open_deliveries()

    def action_open_deliveries(self):
        self.ensure_one()
        self.check_access_rights("read")
        self.check_access_rule("read")
        return {
            "type": "ir.actions.act_window",
            "name": _("Deliveries to %s", self.name),
            "res_model": "assessment.webhook.delivery",
            "view_mode": "tree,kanban,form",
            "domain": [("endpoint_id", "=", self.id)],
        }

    @api.model
    def _subscribed(self, event_type, companies):
        """The active endpoints of `companies` subscribed to `event_type` (one query)."""
        fname = EVENT_FIELDS.get(event_type)
        domain = [("company_id", "in", companies.ids)]
        if fname:
            domain.append((fname, "=", True))
        return self.sudo().search(domain)

    def _disable(self, reason):
        self.sudo().write({"active": False, "disabled_reason": reason})
        for endpoint in self:
            endpoint.sudo().message_post(body=_("Disabled by the server: %s", reason))
