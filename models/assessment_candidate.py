from odoo import _, api, fields, models


class AssessmentCandidate(models.Model):
    _name = "assessment.candidate"
    _description = "Assessment Candidate"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "last_activity desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    email = fields.Char(tracking=True)
    phone = fields.Char()
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one(
        "res.partner", string="Contact", index=True, ondelete="restrict",
        help="The contact that receives invitations and, with portal access, signs in.",
    )
    provider = fields.Char(help="The system the candidate comes from, e.g. greenhouse.")
    external_id = fields.Char(string="External ID", help="The candidate's id in that system.")
    attempt_ids = fields.One2many("assessment.attempt", "candidate_id", string="Attempts")
    attempt_count = fields.Integer(compute="_compute_attempt_stats", store=True)
    best_attempt_id = fields.Many2one(
        "assessment.attempt", compute="_compute_attempt_stats", store=True, string="Best attempt"
    )
    best_percent = fields.Float(
        compute="_compute_attempt_stats", store=True, string="Best score (%)",
        group_operator="max",
    )
    passed_any = fields.Boolean(compute="_compute_attempt_stats", store=True, string="Passed")
    last_activity = fields.Datetime(compute="_compute_attempt_stats", store=True)

    _sql_constraints = [
        ("external_id_unique", "unique(company_id, provider, external_id)",
         "Another candidate of this company already has this external ID for this provider."),
    ]

    @api.depends("attempt_ids.state", "attempt_ids.percent", "attempt_ids.passed",
                 "attempt_ids.write_date")
    def _compute_attempt_stats(self):
        for candidate in self:
            attempts = candidate.attempt_ids
            finished = attempts.filtered(lambda a: a.state in ("submitted", "expired"))
            best = max(finished, key=lambda a: (a.percent, a.id), default=finished)
            candidate.attempt_count = len(attempts)
            candidate.best_attempt_id = best
            candidate.best_percent = best.percent if best else 0.0
            candidate.passed_any = any(finished.mapped("passed"))
            candidate.last_activity = max(attempts.mapped("write_date"), default=False)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get("partner_id"):
                vals["partner_id"] = self.env["res.partner"].create({
                    "name": vals.get("name"),
                    "email": vals.get("email"),
                    "phone": vals.get("phone"),
                }).id
        return super().create(vals_list)

    def action_open_attempts(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Attempts of %s", self.name),
            "res_model": "assessment.attempt",
            "view_mode": "tree,form",
            "domain": [("candidate_id", "=", self.id)],
            "context": {"default_candidate_id": self.id},
        }

    def action_invite(self):
        return {
            "type": "ir.actions.act_window",
            "name": _("Invite to an assessment"),
            "res_model": "assessment.invite.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_candidate_ids": self.ids},
        }
