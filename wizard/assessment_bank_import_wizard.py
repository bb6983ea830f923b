"""*Import questions*: upload a file or a zip, see what will be created, updated or left
unchanged (by external key) or every error with its line, then import; nothing is written
unless the whole upload is valid."""
import base64

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

FILE_FORMATS = [
    ("auto", "From the file name"),
    ("markdown", "Markdown (tech_assessment)"),
    ("gift", "GIFT (Moodle)"),
    ("aiken", "Aiken (Moodle)"),
]


class AssessmentBankImportWizard(models.TransientModel):
    _name = "assessment.bank.import.wizard"
    _description = "Import Questions"

    upload = fields.Binary(string="File", required=True,
                           help="A Markdown bank (.md), GIFT (.gift), Aiken (.txt) or a zip.")
    filename = fields.Char()
    file_format = fields.Selection(FILE_FORMATS, string="Format", default="auto", required=True)
    topic_id = fields.Many2one(
        "assessment.topic",
        help="The topic of GIFT and Aiken questions (a GIFT $CATEGORY line overrides it).")
    company_id = fields.Many2one(
        "res.company", domain=lambda self: [("id", "in", self.env.companies.ids)],
        help="Leave empty to share the imported questions with every company.")
    state = fields.Selection([("upload", "Upload"), ("preview", "Preview"), ("done", "Done")],
                             default="upload", required=True)
    preview_html = fields.Html(sanitize=False, readonly=True)
    has_errors = fields.Boolean(readonly=True)

    @api.model
    def default_get(self, fields_list):
        self.env["assessment.bank.io"]._check_import_rights()
        return super().default_get(fields_list)

    def _check_access(self):
        self.env["assessment.bank.io"]._check_import_rights()
        self.check_access_rights("write")
        self.check_access_rule("write")
        if any(wizard.create_uid != self.env.user for wizard in self.sudo()):
            raise AccessError(_("This import belongs to another user."))

    def _prepare(self):
        self.ensure_one()
        if not self.upload:
            raise UserError(_("Choose a file to import."))
        data = self.with_context(bin_size=False).upload
        return self.env["assessment.bank.io"]._prepare_import(
            self.filename or "upload", base64.b64decode(data), self.file_format,
            self.company_id, self.topic_id.name or "")

    def action_preview(self):
        self._check_access()
        plan, errors = self._prepare()
        self.write({"state": "preview", "has_errors": bool(errors),
                    "preview_html": self._errors_html(errors) if errors
                    else self._plan_html(plan)})
        return self._reopen()

    def action_import(self):
        self._check_access()
        self.ensure_one()
        plan, errors = self._prepare()  # read again: the preview is not trusted
        if errors:
            self.write({"state": "preview", "has_errors": True,
                        "preview_html": self._errors_html(errors)})
            return self._reopen()
        Io = self.env["assessment.bank.io"]
        with self.env.cr.savepoint():
            Io._apply(plan, self.company_id)
        counts = Io._counts(plan)
        self.write({"state": "done", "preview_html": Markup("<p>%s</p>") % _(
            "Imported: %(create)s created, %(update)s updated, %(unchanged)s unchanged.",
            **counts)})
        return self._reopen()

    def action_back(self):
        self._check_access()
        self.write({"state": "upload", "preview_html": False, "has_errors": False})
        return self._reopen()

    def _reopen(self):
        return {"type": "ir.actions.act_window", "res_model": self._name, "res_id": self.id,
                "view_mode": "form", "target": "new", "name": _("Import questions")}

    @staticmethod
    def _errors_html(errors):
        rows = Markup("").join(
            Markup("<tr><td>%s</td><td class='text-end'>%s</td><td>%s</td></tr>")
            % (file, line or "–", message) for file, line, message in errors)
        return Markup(
            "<p class='text-danger'>%s</p><table class='table table-sm'><thead><tr>"
            "<th>%s</th><th class='text-end'>%s</th><th>%s</th></tr></thead>"
            "<tbody>%s</tbody></table>") % (
            _("Nothing will be imported: correct these %s error(s) and upload the file again.",
              len(errors)), _("File"), _("Line"), _("Error"), rows)

    @staticmethod
    def _plan_html(plan):
        labels = {"create": _("Create"), "update": _("Update"), "unchanged": _("Unchanged"),
                  "topic": _("Topic"), "question": _("Question"), "assessment": _("Assessment")}
        rows = Markup("").join(
            Markup("<tr><td>%s</td><td>%s</td><td><code>%s</code></td><td>%s</td></tr>")
            % (labels[action], labels[kind], key, name)
            for kind, key, name, action, _payload in plan)
        counts = {}
        for _kind, _key, _name, action, _payload in plan:
            counts[action] = counts.get(action, 0) + 1
        summary = _("%(create)s to create, %(update)s to update, %(unchanged)s unchanged.",
                    create=counts.get("create", 0), update=counts.get("update", 0),
                    unchanged=counts.get("unchanged", 0))
        return Markup(
            "<p>%s</p><table class='table table-sm'><thead><tr><th>%s</th><th>%s</th>"
            "<th>%s</th><th>%s</th></tr></thead><tbody>%s</tbody></table>") % (
            summary, _("Action"), _("What"), _("Key"), _("Name"), rows)
