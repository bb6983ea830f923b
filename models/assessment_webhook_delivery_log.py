from odoo import fields, models


class AssessmentWebhookDeliveryLog(models.Model):
    """One try of a webhook delivery: when, the response code and the start of the answer
    (administrators only: the receiver's text may say anything)."""

    _name = "assessment.webhook.delivery.log"
    _description = "Webhook delivery try"
    _order = "id desc"

    delivery_id = fields.Many2one("assessment.webhook.delivery", required=True, index=True,
                                  ondelete="cascade")
    company_id = fields.Many2one(related="delivery_id.company_id", store=True)
    tried_at = fields.Datetime(required=True)
    try_number = fields.Integer(string="Try")
    status_code = fields.Integer(string="Response code", help="0: no HTTP answer.")
    error = fields.Char()
    response = fields.Text(string="Response (start)", groups="base.group_system")
    duration_ms = fields.Integer(string="Duration (ms)")
