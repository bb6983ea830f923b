from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .assessment_item_regrade import TRACKING


class AssessmentOption(models.Model):
    _name = "assessment.option"
    _description = "Assessment Option"
    _order = "item_id, sequence, id"
    _rec_name = "text"

    item_id = fields.Many2one("assessment.item", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="item_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    text = fields.Text(required=True, translate=True)
    is_correct = fields.Boolean(
        string="Correct", groups="tech_assessment.group_assessment_user",
    )

    # A key written on the options themselves is tracked like one written through the item
    # (assessment_item_regrade.py): history, and a note on each regraded attempt. (A new
    # option cannot have been chosen by any attempt: creating one regrades nothing.)
    def write(self, vals):
        if self.env.context.get(TRACKING) or "is_correct" not in vals:
            return super().write(vals)
        with self.item_id._tracking_key_changes():
            return super(AssessmentOption, self.with_context(**{TRACKING: True})).write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        used = self.env["assessment.answer"].sudo().search_count(
            [("item_id", "in", self.item_id.ids)], limit=1
        )
        if used:
            raise UserError(
                _("This option belongs to an item used by an attempt: archive it instead of deleting it.")
            )
