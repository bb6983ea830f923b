"""*Change correct answer*: preview what a correction of an item's key does to the results
(the attempts whose score changes, the ones that now pass or fail), then apply it.

The preview writes nothing but its own lines: one query computes every attempt's new score
and result from the answers as stored (see _regrade_rows). *Confirm* checks that the preview
still holds (a new result since, or a change by someone else, asks for a new preview), then
writes the key: the stored computes regrade every attempt at once, and the item's history and
the attempts' chatter say what happened (assessment_item_regrade.py).
"""
import hashlib

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..models.assessment_attempt import GRADED_STATES
from ..models.assessment_item_regrade import KEY_CHANGE_REASON


class AssessmentKeyChangeWizard(models.TransientModel):
    _name = "assessment.key.change.wizard"
    _description = "Change the Correct Answer of an Item"

    item_id = fields.Many2one("assessment.item", required=True, readonly=True, ondelete="cascade")
    question_id = fields.Many2one(related="item_id.question_id")
    current_key = fields.Char(compute="_compute_current_key", string="Correct now")
    new_option_id = fields.Many2one(
        "assessment.option", string="New correct option", ondelete="cascade",
        domain="[('item_id', '=', item_id), ('is_correct', '=', False)]",
    )
    reason = fields.Text(help="Why the key changes: kept in the item's history and written on "
                         "every attempt it regrades.")
    state = fields.Selection([("draft", "Choose"), ("preview", "Preview")], default="draft",
                             required=True, readonly=True)
    previewed_option_id = fields.Many2one("assessment.option", readonly=True, ondelete="cascade")
    preview_digest = fields.Char(readonly=True)
    line_ids = fields.One2many("assessment.key.change.wizard.line", "wizard_id", readonly=True)
    changed_count = fields.Integer(readonly=True, string="Scores that change")
    now_passed_count = fields.Integer(readonly=True, string="Now pass")
    now_failed_count = fields.Integer(readonly=True, string="Now fail")
    other_companies_count = fields.Integer(
        readonly=True, string="In other companies",
        help="Attempts of companies you do not work in that this shared item also regrades.")

    @api.depends("item_id")
    def _compute_current_key(self):
        for wizard in self:
            options = wizard.item_id.option_ids.filtered("is_correct")
            wizard.current_key = ", ".join(options.mapped("text"))

    @api.onchange("new_option_id")
    def _onchange_new_option_id(self):
        if self.new_option_id != self.previewed_option_id:
            self.state = "draft"

    def _check_access(self):
        # An RPC endpoint: the caller must own this wizard and may change this item's key.
        self.check_access_rights("write")
        self.check_access_rule("write")
        self.item_id.check_access_rights("write")
        self.item_id.check_access_rule("write")

    def action_preview(self):
        self.ensure_one()
        self._check_access()
        self._check_new_option()
        rows = self._regrade_rows()
        mine = [row for row in rows if row[1] in self.env.companies.ids]
        self.line_ids.unlink()
        self.write({
            "state": "preview",
            "previewed_option_id": self.new_option_id.id,
            "preview_digest": self._digest(rows),
            "changed_count": len(rows),
            "now_passed_count": sum(1 for row in rows if self._change(row) == "to_pass"),
            "now_failed_count": sum(1 for row in rows if self._change(row) == "to_fail"),
            "other_companies_count": len(rows) - len(mine),
            "line_ids": [(0, 0, {
                "attempt_id": row[0], "old_score": row[3], "new_score": row[4],
                "max_score": row[5], "old_passed": row[6], "new_passed": row[7],
                "change": self._change(row),
            }) for row in mine],
        })
        return self._reopen()

    def action_confirm(self):
        self.ensure_one()
        self._check_access()
        if self.item_id.option_ids.filtered("is_correct") == self.new_option_id:
            return self._done(_("The answer key already has this option: nothing to change."))
        if self.state != "preview" or self.previewed_option_id != self.new_option_id:
            raise UserError(_("Preview the regrade of this change before confirming it."))
        if not (self.reason or "").strip():
            raise UserError(_("Say why the key changes: the reason goes on every regraded attempt."))
        self._check_new_option()
        if self._digest(self._regrade_rows()) != self.preview_digest:
            raise UserError(_("Results changed since the preview (an attempt was graded, or "
                              "someone changed this item): preview again."))
        options = self.item_id.with_context(active_test=False).option_ids
        self.item_id.with_context(**{KEY_CHANGE_REASON: self.reason.strip()}).write({
            "option_ids": [(1, option.id, {"is_correct": option == self.new_option_id})
                           for option in options
                           if option.is_correct != (option == self.new_option_id)],
        })
        return self._done(_("Answer key changed: %(count)s attempts regraded.",
                            count=self.changed_count))

    def _check_new_option(self):
        option = self.new_option_id
        if not option or option.item_id != self.item_id or not option.active:
            raise UserError(_("Choose the new correct option among this item's options."))
        if option.is_correct:
            raise UserError(_("This option is already the correct one."))

    def _regrade_rows(self):
        """Every attempt whose score changes if the new option becomes the only correct one:
        (attempt, company, state, old score, new score, max score, old passed, new passed),
        from the stored answers, in one query and without writing anything. The new result
        follows the assessment's rule as the attempt's own compute does (_compute_scores)."""
        self.env.flush_all()
        self.env.cr.execute(SQL(
            """
            WITH moved AS (
                SELECT ans.attempt_id,
                       CASE WHEN ans.option_id = %(key)s THEN ans.max_points ELSE 0 END
                           - ans.points AS delta,
                       COALESCE(ans.option_id = %(key)s, FALSE) AS now_correct
                  FROM assessment_answer ans
                 WHERE ans.item_id = %(item)s
            ), changed AS (
                SELECT * FROM moved WHERE delta <> 0
            ), wrong_elsewhere AS (
                SELECT ans.attempt_id, COUNT(*) FILTER (WHERE NOT ans.is_correct) AS wrong
                  FROM assessment_answer ans
                  JOIN changed ON changed.attempt_id = ans.attempt_id
                 WHERE ans.item_id <> %(item)s
                 GROUP BY ans.attempt_id
            )
            SELECT att.id, att.company_id, att.state, att.score, att.score + changed.delta,
                   att.max_score, att.passed,
                   CASE WHEN asm.pass_rule = 'all_correct'
                        THEN changed.now_correct AND COALESCE(wrong_elsewhere.wrong, 0) = 0
                        ELSE (CASE WHEN att.max_score > 0
                                   THEN 100.0::float8 * (att.score + changed.delta) / att.max_score
                                   ELSE 0 END) >= asm.pass_threshold
                   END
              FROM changed
              JOIN assessment_attempt att ON att.id = changed.attempt_id
              JOIN assessment_assessment asm ON asm.id = att.assessment_id
              LEFT JOIN wrong_elsewhere ON wrong_elsewhere.attempt_id = att.id
             ORDER BY att.id
            """, key=self.new_option_id.id, item=self.item_id.id))
        return self.env.cr.fetchall()

    @staticmethod
    def _change(row):
        if row[2] not in GRADED_STATES or row[6] == row[7]:
            return "none"
        return "to_pass" if row[7] else "to_fail"

    @staticmethod
    def _digest(rows):
        text = ";".join(f"{row[0]}:{row[4]!r}:{row[7]}" for row in rows)
        return hashlib.sha256(text.encode()).hexdigest()

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "name": _("Change correct answer"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def _done(self, message):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"message": message, "type": "success", "sticky": False,
                       "next": {"type": "ir.actions.act_window_close"}},
        }
