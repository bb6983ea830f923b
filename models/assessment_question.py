import base64

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from .assessment_attempt import GRADED_STATES

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
    external_key = fields.Char(
        copy=False, index=True,
        help="Stable key of the question in exported files: importing a file again updates "
             "the question with this key instead of creating another one.",
    )
    exposure_cap = fields.Integer(
        string="Exposure cap",
        help="Draws stop picking this question once this many attempts, of any assessment, "
             "were shown it (0: no cap). Assessments that ask it as a fixed question still do.",
    )
    exposure_count = fields.Integer(
        compute="_compute_exposure", string="Exposure",
        help="Attempts that were shown this question (every assessment, your companies).",
    )
    is_retired = fields.Boolean(compute="_compute_exposure", string="Retired from draws")
    graded_answer_count = fields.Integer(compute="_compute_exposure", string="Answers graded")
    facility = fields.Float(
        compute="_compute_exposure", string="Facility (%)",
        help="Points scored on this question's items as a share of their maximum, over every "
             "graded attempt of every assessment: how easy it is.",
    )

    def init(self):
        # One key per company (shared questions: company 0): imports look questions up by it.
        self.env.cr.execute(SQL(
            "CREATE UNIQUE INDEX IF NOT EXISTS assessment_question_company_external_key_uniq"
            " ON assessment_question (COALESCE(company_id, 0), external_key)"
            " WHERE external_key IS NOT NULL"))

    def _compute_exposure(self):
        Answer = self.env["assessment.answer"]
        shown = dict(Answer._read_group(
            [("question_id", "in", self.ids)], ["question_id"], ["attempt_id:count_distinct"]))
        graded = {question: (count, points, max_points) for question, count, points, max_points
                  in Answer._read_group(
                      [("question_id", "in", self.ids), ("attempt_id.state", "in", GRADED_STATES)],
                      ["question_id"], ["__count", "points:sum", "max_points:sum"])}
        for question in self:
            count, points, max_points = graded.get(question, (0, 0.0, 0.0))
            question.exposure_count = shown.get(question, 0)
            question.is_retired = bool(question.exposure_cap) \
                and question.exposure_count >= question.exposure_cap
            question.graded_answer_count = count
            question.facility = 100.0 * points / max_points if max_points else 0.0

    @api.depends("item_ids.points", "item_ids.active")
    def _compute_item_stats(self):
        for question in self:
            question.item_count = len(question.item_ids)
            question.total_points = sum(question.item_ids.mapped("points"))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_answered(self):
        self.item_ids.with_context(active_test=False)._unlink_except_answered()

    def action_export_bank(self):
        """*Export* from the bank list: the selected questions as a file."""
        return self.env["assessment.bank.export.wizard"]._open_for(self)

    @api.model
    def import_bank(self, filename, content_base64, file_format="auto", company_id=False,
                    topic=""):
        """RPC and shell entry point (administrators only): import one file or zip given in
        base64. Returns the counts of what was created, updated and left unchanged."""
        Io = self.env["assessment.bank.io"]
        Io._check_import_rights()
        if not isinstance(filename, str) or not isinstance(content_base64, (str, bytes)) \
                or file_format not in ("auto", "markdown", "gift", "aiken") \
                or not isinstance(topic or "", str) \
                or (company_id and (not isinstance(company_id, int) or isinstance(company_id, bool))):
            raise UserError(_("import_bank(filename, content in base64, file_format = auto, "
                              "markdown, gift or aiken, company_id, topic name)"))
        company = self.env["res.company"].browse(company_id or [])
        if company and company not in self.env.companies:
            raise AccessError(_("You cannot import into this company."))
        try:
            data = base64.b64decode(content_base64 or b"", validate=True)
        except (ValueError, TypeError) as exc:
            raise UserError(_("The content is not valid base64.")) from exc
        plan = Io._import(filename or "upload", data, file_format, company, topic or "")
        return Io._counts(plan)
