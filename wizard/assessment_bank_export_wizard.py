"""*Export questions*: the selected questions of the bank, or an assessment with its
questions and pools, as a Markdown bank (to edit, keep in git, import elsewhere) or as Moodle
XML (single-choice items)."""
import base64

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..tools import bank_moodle

EXPORT_FORMATS = [("markdown", "Markdown (tech_assessment)"), ("moodle_xml", "Moodle XML")]


class AssessmentBankExportWizard(models.TransientModel):
    _name = "assessment.bank.export.wizard"
    _description = "Export Questions"

    question_ids = fields.Many2many("assessment.question", string="Questions", readonly=True)
    assessment_id = fields.Many2one("assessment.assessment", readonly=True)
    file_format = fields.Selection(EXPORT_FORMATS, string="Format", default="markdown",
                                   required=True)
    data = fields.Binary(string="File", readonly=True, attachment=False)
    filename = fields.Char(readonly=True)

    @api.model
    def _open_for(self, questions, assessment=None):
        questions.check_access_rights("read")
        questions.check_access_rule("read")
        wizard = self.create({"question_ids": [(6, 0, questions.ids)],
                              "assessment_id": assessment.id if assessment else False})
        wizard._render()
        return {"type": "ir.actions.act_window", "res_model": self._name, "res_id": wizard.id,
                "view_mode": "form", "target": "new", "name": _("Export questions")}

    def action_render(self):
        """*Export again* in the format chosen."""
        self._check_access()
        self._render()
        return {"type": "ir.actions.act_window", "res_model": self._name, "res_id": self.id,
                "view_mode": "form", "target": "new", "name": _("Export questions")}

    def _check_access(self):
        """Public methods are RPC endpoints: a wizard is its creator's, and its questions must
        still be readable by them (the many2many alone would hide the others silently)."""
        self.check_access_rights("write")
        self.check_access_rule("write")
        wizards_sudo = self.sudo()
        if any(wizard.create_uid != self.env.user for wizard in wizards_sudo):
            raise AccessError(_("This export belongs to another user."))
        questions = wizards_sudo.question_ids.with_env(self.env)
        questions.check_access_rights("read")
        questions.check_access_rule("read")

    def _render(self):
        for wizard in self:
            questions = wizard.question_ids
            if not questions:
                raise UserError(_("Select the questions to export."))
            Io = self.env["assessment.bank.io"]
            stem = Io._safe_filename(wizard.assessment_id.name or "questions")
            if wizard.file_format == "moodle_xml":
                Io._ensure_keys(questions)
                text = bank_moodle.write_moodle_xml(
                    [Io._question_data(question) for question in questions])
                filename = f"{stem}.xml"
            else:
                text = Io._export_markdown(questions, wizard.assessment_id or None)
                filename = f"{stem}.md"
            wizard.data = base64.b64encode(text.encode("utf-8"))
            wizard.filename = filename
