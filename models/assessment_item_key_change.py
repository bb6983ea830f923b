"""The history of an item's answer key: who changed it, when, from what to what, why, and
what the regrade did. Written by the model only (assessment_item_regrade.py), never edited."""
from odoo import fields, models


class AssessmentItemKeyChange(models.Model):
    _name = "assessment.item.key.change"
    _description = "Answer Key Change"
    _order = "date desc, id desc"
    _rec_name = "item_id"

    item_id = fields.Many2one("assessment.item", required=True, readonly=True, index=True,
                              ondelete="cascade")
    question_id = fields.Many2one(related="item_id.question_id")
    company_id = fields.Many2one(related="item_id.company_id", store=True)
    date = fields.Datetime(default=fields.Datetime.now, required=True, readonly=True,
                           string="Changed on")
    user_id = fields.Many2one("res.users", required=True, readonly=True, string="Changed by",
                              ondelete="restrict")
    old_key = fields.Text(readonly=True, string="Correct before")
    new_key = fields.Text(readonly=True, string="Correct after")
    old_points = fields.Float(readonly=True, string="Points before")
    new_points = fields.Float(readonly=True, string="Points after")
    reason = fields.Text(readonly=True)
    regraded_count = fields.Integer(readonly=True, string="Scores changed",
                                    help="Attempts whose score this change moved.")
    now_passed_count = fields.Integer(readonly=True, string="Now passed",
                                      help="Finished attempts that failed and now pass.")
    now_failed_count = fields.Integer(readonly=True, string="Now failed",
                                      help="Finished attempts that passed and now fail.")
