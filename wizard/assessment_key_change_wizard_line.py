"""One attempt of a regrade preview: its score and result now and after the key change."""
from odoo import api, fields, models

CHANGES = [("none", "Same result"), ("to_pass", "Fail → pass"), ("to_fail", "Pass → fail")]


class AssessmentKeyChangeWizardLine(models.TransientModel):
    _name = "assessment.key.change.wizard.line"
    _description = "Regrade Preview Line"
    _order = "change desc, attempt_id"

    wizard_id = fields.Many2one("assessment.key.change.wizard", required=True, ondelete="cascade",
                                index=True)
    attempt_id = fields.Many2one("assessment.attempt", required=True, readonly=True,
                                 ondelete="cascade")
    candidate_id = fields.Many2one(related="attempt_id.candidate_id")
    state = fields.Selection(related="attempt_id.state")
    old_score = fields.Float(readonly=True, string="Score now")
    new_score = fields.Float(readonly=True, string="Score after")
    max_score = fields.Float(readonly=True, string="Out of")
    old_percent = fields.Float(compute="_compute_percents", string="Now (%)")
    new_percent = fields.Float(compute="_compute_percents", string="After (%)")
    old_passed = fields.Boolean(readonly=True, string="Passed now")
    new_passed = fields.Boolean(readonly=True, string="Passed after")
    change = fields.Selection(CHANGES, readonly=True, required=True, default="none",
                              string="Result")

    @api.depends("old_score", "new_score", "max_score")
    def _compute_percents(self):
        for line in self:
            scale = 100.0 / line.max_score if line.max_score else 0.0
            line.old_percent = round(line.old_score * scale, 2)
            line.new_percent = round(line.new_score * scale, 2)
