from odoo import fields, models


class AssessmentAssessmentLine(models.Model):
    _name = "assessment.assessment.line"
    _description = "Assessment Question Line"
    _order = "assessment_id, sequence, id"
    _check_company_auto = True

    assessment_id = fields.Many2one(
        "assessment.assessment", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="assessment_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    question_id = fields.Many2one(
        "assessment.question", required=True, ondelete="restrict", check_company=True
    )
    topic_id = fields.Many2one(related="question_id.topic_id")
    difficulty = fields.Selection(related="question_id.difficulty")
    item_count = fields.Integer(related="question_id.item_count")
    total_points = fields.Float(related="question_id.total_points")

    _sql_constraints = [
        ("question_unique", "unique(assessment_id, question_id)",
         "A question can appear only once in an assessment."),
    ]
