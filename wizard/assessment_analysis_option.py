"""Distractor analysis: one option of an analysed item (or "no answer")."""
from odoo import _, api, fields, models


class AssessmentAnalysisOption(models.TransientModel):
    _name = "assessment.analysis.option"
    _description = "Item Analysis: Option"
    _order = "analysis_item_id, sequence, id"

    analysis_item_id = fields.Many2one("assessment.analysis.item", required=True,
                                       ondelete="cascade", index=True)
    option_id = fields.Many2one("assessment.option", readonly=True, ondelete="cascade",
                                string="Answer option")
    sequence = fields.Integer(readonly=True)
    name = fields.Char(compute="_compute_name", string="Option")
    is_key = fields.Boolean(readonly=True, string="Correct")
    chosen_count = fields.Integer(readonly=True, string="Chosen")
    chosen_percent = fields.Float(readonly=True, string="Chosen (%)")
    top_count = fields.Integer(readonly=True, string="Top third")
    top_percent = fields.Float(readonly=True, string="Top third (%)")
    bottom_count = fields.Integer(readonly=True, string="Bottom third")
    bottom_percent = fields.Float(readonly=True, string="Bottom third (%)")
    beats_key = fields.Boolean(readonly=True, string="Beats the key",
                               help="Chosen more often than the correct option by the top third.")

    @api.depends("option_id.text")
    def _compute_name(self):
        for line in self:
            line.name = line.option_id.text if line.option_id else _("(no answer)")
