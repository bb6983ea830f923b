from odoo import api, fields, models

from ..tools.code_highlight import LANGUAGES, render_code_html


class AssessmentSnippet(models.Model):
    _name = "assessment.snippet"
    _description = "Assessment Code Snippet"
    _order = "question_id, sequence, id"

    question_id = fields.Many2one(
        "assessment.question", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="question_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    caption = fields.Char(help='Shown above the code, e.g. "deploy.yml".')
    language = fields.Selection(LANGUAGES, required=True, default="python")
    code = fields.Text(required=True)
    code_html = fields.Html(
        compute="_compute_code_html", store=True, sanitize=False, string="Preview",
        help="The code highlighted by Pygments, line numbers and marked lines included.",
    )

    @api.depends("code", "language")
    def _compute_code_html(self):
        for snippet in self:
            snippet.code_html = render_code_html(snippet.code or "", snippet.language)
