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
