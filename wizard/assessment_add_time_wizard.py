from odoo import api, fields, models


class AssessmentAddTimeWizard(models.TransientModel):
    _name = "assessment.add.time.wizard"
    _description = "Give a running test more time"

    attempt_id = fields.Many2one("assessment.attempt", required=True, readonly=True,
                                 ondelete="cascade")
    deadline = fields.Datetime(related="attempt_id.deadline", string="Current deadline")
    minutes = fields.Integer(string="Minutes to add", default=10)
    remove_limit = fields.Boolean(string="Lift the time limit",
                                  help="The candidate may take as long as they need.")
    reason = fields.Char(required=True, help="Kept in the attempt's chatter, for HR only.")

    @api.model
    def default_get(self, fields_list):
        self.check_access_rights("create")
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") == "assessment.attempt":
            values.setdefault("attempt_id", self.env.context.get("active_id"))
        return values

    def action_add_time(self):
        self.ensure_one()
        attempt = self.attempt_id
        attempt._check_access("write")
        attempt._add_time(minutes=self.minutes, remove_limit=self.remove_limit,
                          reason=self.reason)
        return {"type": "ir.actions.act_window_close"}
