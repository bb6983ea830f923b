from odoo import api, fields, models
from odoo.tools.sql import create_index


class AssessmentAnswer(models.Model):
    _name = "assessment.answer"
    _description = "Assessment Answer"
    _order = "attempt_id, sequence, id"

    attempt_id = fields.Many2one(
        "assessment.attempt", required=True, ondelete="cascade", index=False
    )
    company_id = fields.Many2one(related="attempt_id.company_id", store=True, index=True)
    assessment_id = fields.Many2one(related="attempt_id.assessment_id", store=True)
    item_id = fields.Many2one("assessment.item", required=True, ondelete="restrict", index=True)
    question_id = fields.Many2one(related="item_id.question_id", store=True)
    topic_id = fields.Many2one(related="item_id.topic_id", store=True)
    sequence = fields.Integer(help="Position of the item in the attempt, frozen at start.")
    option_order = fields.Char(
        required=True, help="Ids of the item's options in the order shown, frozen at start."
    )
    option_id = fields.Many2one("assessment.option", string="Chosen option", ondelete="restrict")
    answered_at = fields.Datetime()
    is_flagged = fields.Boolean(
        string="Flagged by the candidate",
        help="The candidate's own mark to come back to this item before submitting; not a "
             "proctoring flag.")
    # No field-level group: portal and public users have no access to answers at all (ACL),
    # and a grouped field is left out of prefetching, which costs autosave a query.
    is_correct = fields.Boolean(compute="_compute_grade", store=True)
    max_points = fields.Float(related="item_id.points", store=True, string="Item points")
    points = fields.Float(compute="_compute_grade", store=True)
    correct_rate = fields.Float(
        compute="_compute_grade", store=True, group_operator="avg", string="Correct rate (%)",
        help="100 when correct, 0 otherwise: its average is the share of correct answers.",
    )

    _sql_constraints = [
        ("attempt_item_unique", "unique(attempt_id, item_id)",
         "An attempt answers each item once."),
    ]

    def init(self):
        # Exposure of questions (draws at start, the bank list) counts attempts per question.
        create_index(self.env.cr, "assessment_answer_question_attempt_idx", self._table,
                     ["question_id", "attempt_id"])

    @api.depends("option_id.is_correct", "max_points")
    def _compute_grade(self):
        for answer in self:
            correct = bool(answer.option_id.sudo().is_correct)
            answer.is_correct = correct
            answer.points = answer.max_points if correct else 0.0
            answer.correct_rate = 100.0 if correct else 0.0

    def _option_order_ids(self):
        self.ensure_one()
        return [int(option_id) for option_id in self.option_order.split(",") if option_id]
