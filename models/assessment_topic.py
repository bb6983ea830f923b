from odoo import fields, models


class AssessmentTopic(models.Model):
    _name = "assessment.topic"
    _description = "Assessment Topic"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    description = fields.Text(translate=True)
    color = fields.Integer()
    active = fields.Boolean(default=True)
    question_ids = fields.One2many("assessment.question", "topic_id", string="Questions")
    question_count = fields.Integer(compute="_compute_question_count")

    _sql_constraints = [
        ("name_unique", "unique(name)", "A topic with this name already exists."),
    ]

    def _compute_question_count(self):
        counts = dict(
            self.env["assessment.question"]._read_group(
                [("topic_id", "in", self.ids)], ["topic_id"], ["__count"]
            )
        )
        for topic in self:
            topic.question_count = counts.get(topic, 0)
