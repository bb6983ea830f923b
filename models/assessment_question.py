from odoo import api, fields, models

DIFFICULTIES = [("easy", "Easy"), ("medium", "Medium"), ("hard", "Hard")]


class AssessmentQuestion(models.Model):
    _name = "assessment.question"
    _description = "Assessment Question"
    _inherit = ["mail.thread"]
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(string="Title", required=True, tracking=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", index=True, help="Leave empty to share the question with every company."
    )
    topic_id = fields.Many2one("assessment.topic", required=True, index=True, tracking=True)
    difficulty = fields.Selection(DIFFICULTIES, required=True, default="medium", tracking=True)
    scenario = fields.Html(translate=True, help="The situation the candidate reviews.")
    snippet_ids = fields.One2many("assessment.snippet", "question_id", string="Code", copy=True)
    item_ids = fields.One2many("assessment.item", "question_id", string="Items", copy=True)
    item_count = fields.Integer(compute="_compute_item_stats", store=True)
    total_points = fields.Float(compute="_compute_item_stats", store=True)
    assessment_line_ids = fields.One2many("assessment.assessment.line", "question_id")

    @api.depends("item_ids.points", "item_ids.active")
    def _compute_item_stats(self):
        for question in self:
            question.item_count = len(question.item_ids)
            question.total_points = sum(question.item_ids.mapped("points"))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_answered(self):
        self.item_ids.with_context(active_test=False)._unlink_except_answered()
