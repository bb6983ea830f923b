from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError


class AssessmentItem(models.Model):
    _name = "assessment.item"
    _description = "Assessment Item"
    _order = "question_id, sequence, id"

    question_id = fields.Many2one(
        "assessment.question", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="question_id.company_id", store=True)
    topic_id = fields.Many2one(related="question_id.topic_id", store=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    prompt = fields.Text(required=True, translate=True)
    option_ids = fields.One2many("assessment.option", "item_id", string="Options", copy=True)
    explanation = fields.Html(
        translate=True, groups="tech_assessment.group_assessment_user",
        help="Why the correct option is correct. Never shown to candidates unless the "
        "assessment reveals answers after submission.",
    )
    points = fields.Float(default=1.0, required=True)
    correction_note = fields.Text(
        groups="tech_assessment.group_assessment_user",
        help="What was corrected in this item and why (for HR; never shown to candidates).",
    )
    key_change_ids = fields.One2many(
        "assessment.item.key.change", "item_id", string="Answer key history", readonly=True,
        groups="tech_assessment.group_assessment_user",
    )
    is_answered = fields.Boolean(
        compute="_compute_is_answered", groups="tech_assessment.group_assessment_user",
        help="Used by an attempt: its key is changed with a regrade preview.",
    )

    _sql_constraints = [
        ("points_positive", "CHECK(points > 0)", "An item must be worth more than 0 points."),
    ]

    @api.constrains("option_ids", "active")
    def _check_options(self):
        """Single-choice items: two options at least, exactly one of them correct."""
        for item in self.sudo().filtered("active"):
            options = item.option_ids
            if len(options) < 2:
                raise ValidationError(
                    _("Item “%(item)s” needs at least two options.", item=item.display_name)
                )
            if len(options.filtered("is_correct")) != 1:
                raise ValidationError(
                    _("Item “%(item)s” needs exactly one correct option.", item=item.display_name)
                )

    def _compute_is_answered(self):
        groups = self.env["assessment.answer"].sudo()._read_group(
            [("item_id", "in", self.ids)], ["item_id"], ["__count"])
        answered = {item.id for item, _count in groups}
        for item in self:
            item.is_answered = item.id in answered

    def action_change_key(self):
        """*Change correct answer*: the wizard that previews the regrade, then applies it."""
        self.ensure_one()
        self.check_access_rights("write")
        self.check_access_rule("write")
        return {
            "type": "ir.actions.act_window",
            "name": _("Change correct answer"),
            "res_model": "assessment.key.change.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_item_id": self.id},
        }

    @api.depends("prompt", "question_id.name")
    def _compute_display_name(self):
        for item in self:
            prompt = (item.prompt or "").splitlines()[0] if item.prompt else ""
            item.display_name = prompt if len(prompt) <= 80 else prompt[:77] + "..."

    @api.ondelete(at_uninstall=False)
    def _unlink_except_answered(self):
        answered = self.env["assessment.answer"].sudo().search_count(
            [("item_id", "in", self.ids)], limit=1
        )
        if answered:
            raise UserError(_("This item was used by an attempt: archive it instead of deleting it."))
