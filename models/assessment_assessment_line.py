"""A line of an assessment: a fixed question, or a draw of N questions from a pool (a topic,
optionally one difficulty). Draws are made when an attempt starts (assessment_attempt_draw.py)
and frozen on its answer lines."""
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .assessment_question import DIFFICULTIES

LINE_TYPES = [("question", "Fixed question"), ("draw", "Draw from a pool")]


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
    line_type = fields.Selection(LINE_TYPES, string="Type", required=True, default="question")
    question_id = fields.Many2one(
        "assessment.question", ondelete="restrict", check_company=True
    )
    draw_topic_id = fields.Many2one(
        "assessment.topic", string="Pool topic", ondelete="restrict",
        help="Each attempt draws its questions from this topic's questions.",
    )
    draw_difficulty = fields.Selection(
        DIFFICULTIES, string="Pool difficulty", help="Leave empty to draw from every difficulty."
    )
    draw_count = fields.Integer(string="Questions drawn", default=1)
    pool_count = fields.Integer(
        compute="_compute_pool_count", string="Pool",
        help="Questions the draw can choose from now (retired questions excluded).",
    )
    topic_id = fields.Many2one("assessment.topic", compute="_compute_line_figures")
    difficulty = fields.Selection(DIFFICULTIES, compute="_compute_line_figures")
    item_count = fields.Integer(compute="_compute_line_figures")
    total_points = fields.Float(compute="_compute_line_figures")
    description = fields.Char(compute="_compute_line_figures", string="Question or draw")

    _sql_constraints = [
        ("question_unique", "unique(assessment_id, question_id)",
         "A question can appear only once in an assessment."),
        ("draw_count_positive", "CHECK(line_type != 'draw' OR draw_count > 0)",
         "A draw picks at least one question."),
    ]

    @api.constrains("line_type", "question_id", "draw_topic_id")
    def _check_line_type(self):
        for line in self:
            if line.line_type == "question" and not line.question_id:
                raise ValidationError(_("A fixed line needs a question."))
            if line.line_type == "draw" and not line.draw_topic_id:
                raise ValidationError(_("A draw needs the topic of its pool."))
            if line.line_type == "draw" and line.question_id:
                raise ValidationError(_("A draw has no fixed question."))

    @api.constrains("line_type", "draw_count", "draw_topic_id", "draw_difficulty")
    def _check_published_pools(self):
        self.assessment_id.filtered("is_published")._check_pools()

    @api.onchange("line_type")
    def _onchange_line_type(self):
        if self.line_type == "draw":
            self.question_id = False
        else:
            self.draw_topic_id = False

    @api.depends("line_type", "draw_topic_id", "draw_difficulty", "assessment_id.company_id",
                 "assessment_id.line_ids.question_id")
    def _compute_pool_count(self):
        for line in self:
            line.pool_count = len(line._pool_ids()) if line.line_type == "draw" else 0

    @api.depends("line_type", "question_id.item_count", "question_id.total_points",
                 "question_id.topic_id", "question_id.difficulty", "question_id.name",
                 "draw_count", "draw_topic_id", "draw_difficulty", "pool_count")
    def _compute_line_figures(self):
        for line in self:
            if line.line_type == "draw":
                items, points = line._pool_form()
                line.topic_id = line.draw_topic_id
                line.difficulty = line.draw_difficulty
                line.item_count = line.draw_count * (items[0] if items else 0)
                line.total_points = line.draw_count * (points[0] if points else 0.0)
                line.description = _("%(count)s drawn from %(pool)s", count=line.draw_count,
                                     pool=line.pool_count)
            else:
                question = line.question_id
                line.topic_id = question.topic_id
                line.difficulty = question.difficulty
                line.item_count = question.item_count
                line.total_points = question.total_points
                line.description = question.name

    def _pool_domain(self):
        """Questions this draw may pick: its topic (and difficulty), active, of the
        assessment's company or shared, and not fixed elsewhere in the assessment."""
        self.ensure_one()
        assessment = self.assessment_id
        company_ids = [False, assessment.company_id.id] if assessment.company_id else [False]
        fixed = assessment.line_ids.filtered(lambda line: line.line_type == "question")
        domain = [("topic_id", "=", self.draw_topic_id.id), ("company_id", "in", company_ids),
                  ("item_count", ">", 0), ("id", "not in", fixed.question_id.ids)]
        if self.draw_difficulty:
            domain.append(("difficulty", "=", self.draw_difficulty))
        return domain

    def _pool_ids(self, exclude_retired=True):
        """Ids of the pool's questions, in id order (the draw's order before its shuffle)."""
        self.ensure_one()
        if not self.draw_topic_id:
            return []
        Question = self.env["assessment.question"].sudo()
        ids = Question._search(self._pool_domain(), order="id")
        ids = list(ids)
        if exclude_retired:
            retired = self.assessment_id._retired_question_ids(ids)
            ids = [qid for qid in ids if qid not in retired]
        return ids

    def _pool_form(self):
        """The distinct item counts and point totals of the pool's questions (one each when
        every candidate gets a form of the same size)."""
        self.ensure_one()
        questions = self.env["assessment.question"].sudo().browse(self._pool_ids())
        return (sorted(set(questions.mapped("item_count"))),
                sorted(set(questions.mapped("total_points"))))

    def _pool_label(self):
        self.ensure_one()
        label = self.draw_topic_id.name or ""
        if self.draw_difficulty:
            difficulty = dict(self._fields["draw_difficulty"]._description_selection(self.env))
            label = f"{label} ({difficulty[self.draw_difficulty].lower()})"
        return label
