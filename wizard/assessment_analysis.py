"""Item analysis of an assessment (Moodle's quiz statistics): the test's reliability and, in
assessment.analysis.item, each item's facility, discrimination and distractors.

A transient report: HR opens it from the assessment, it is computed then (a few queries,
whatever the number of attempts: tools/item_statistics.py) over the graded attempts that the
user may read (record rules applied, so a shared assessment is analysed per company), and
it can be computed again for the first attempt of each candidate or for all attempts.
"""
from odoo import _, api, fields, models

from ..models.assessment_attempt import GRADED_STATES
from ..tools import item_statistics

SCOPES = [("first", "First attempt per candidate"), ("all", "All graded attempts")]
# Below this many attempts the figures are marked unreliable: the standard error of a
# correlation near 0 is about 1 / sqrt(s - 3), 0.19 at 30 attempts (19 points of the
# discrimination index), enough to tell a negative or useless item from a good one (> 30),
# not to rank items finely. HR can change it (system parameter MIN_ATTEMPTS_PARAM).
DEFAULT_MIN_ATTEMPTS = 30
MIN_ATTEMPTS_PARAM = "tech_assessment.item_analysis_min_attempts"


class AssessmentAnalysis(models.TransientModel):
    _name = "assessment.analysis"
    _description = "Item Analysis of an Assessment"
    _rec_name = "assessment_id"

    assessment_id = fields.Many2one("assessment.assessment", required=True, readonly=True,
                                    ondelete="cascade")
    scope = fields.Selection(SCOPES, required=True, default="first", readonly=True)
    computed_at = fields.Datetime(readonly=True)
    companies = fields.Char(readonly=True, string="Attempts of",
                            help="The companies whose attempts were analysed (yours).")
    min_attempts = fields.Integer(readonly=True, string="Reliable from",
                                  help="Number of attempts below which figures are unreliable.")
    reliable = fields.Boolean(compute="_compute_reliable")
    attempt_count = fields.Integer(readonly=True, string="Attempts")
    item_count = fields.Integer(readonly=True, string="Items")
    mean_score = fields.Float(readonly=True, string="Mean score")
    max_score = fields.Float(readonly=True, string="Out of")
    mean_percent = fields.Float(readonly=True, string="Mean score (%)")
    score_sd = fields.Float(readonly=True, string="SD of scores")
    has_alpha = fields.Boolean(readonly=True)
    alpha = fields.Float(readonly=True, string="Cronbach's alpha (%)",
                         help="Coefficient of internal consistency: how consistently the items "
                         "measure the same ability. 75 % or more is good for a test that decides.")
    error_ratio = fields.Float(readonly=True, string="Error ratio (%)",
                               help="100 × √(1 − alpha): the share of the scores' spread that "
                               "is measurement error.")
    standard_error = fields.Float(readonly=True, string="Standard error (points)",
                                  help="Standard error of measurement: about two scores in "
                                  "three lie within this many points of the candidate's true "
                                  "score.")
    item_ids = fields.One2many("assessment.analysis.item", "analysis_id", readonly=True)
    mixed_forms = fields.Boolean(
        readonly=True, string="Different questions per candidate",
        help="The assessment draws questions from pools: each item's figures count the "
             "attempts that were shown it, and the test's reliability (alpha) is not computed, "
             "as the candidates did not take the same test.")
    flagged_count = fields.Integer(compute="_compute_flagged_count", string="Items to review")

    @api.depends("attempt_count", "min_attempts")
    def _compute_reliable(self):
        for analysis in self:
            analysis.reliable = analysis.attempt_count >= analysis.min_attempts

    @api.depends("item_ids.needs_review")
    def _compute_flagged_count(self):
        for analysis in self:
            analysis.flagged_count = len(analysis.item_ids.filtered("needs_review"))

    def _check_access(self):
        # Public methods are RPC endpoints: only the user who computed a report may use it.
        self.check_access_rights("write")
        self.check_access_rule("write")

    def action_show_first_attempts(self):
        self._check_access()
        return self._recompute("first")

    def action_show_all_attempts(self):
        self._check_access()
        return self._recompute("all")

    def action_refresh(self):
        self._check_access()
        return self._recompute(self.scope)

    def _recompute(self, scope):
        self.ensure_one()
        self.write({"scope": scope})
        self._compute_figures()
        return self._action_open()

    def _action_open(self):
        return {
            "type": "ir.actions.act_window",
            "name": _("Item analysis"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }

    @api.model
    def _min_attempts(self):
        value = self.env["ir.config_parameter"].sudo().get_param(MIN_ATTEMPTS_PARAM)
        try:
            return max(2, int(value)) if value else DEFAULT_MIN_ATTEMPTS
        except ValueError:
            return DEFAULT_MIN_ATTEMPTS

    def _attempts_query(self):
        """The graded attempts of the assessment that the user may read (record rules of
        the user's companies included), as a subquery of their ids."""
        domain = [("assessment_id", "=", self.assessment_id.id),
                  ("state", "in", GRADED_STATES), ("started_at", "!=", False)]
        return self.env["assessment.attempt"]._search(domain).subselect()

    def _compute_figures(self):
        """(Re)compute the report: three aggregate queries, then one row an item and option."""
        self.ensure_one()
        self.env.flush_all()  # the queries read answers and attempts as stored
        attempts = self._attempts_query()
        every = self.scope == "all"
        cr = self.env.cr
        cr.execute(item_statistics.item_aggregates_sql(attempts, every))
        items = cr.fetchall()
        cr.execute(item_statistics.choice_counts_sql(attempts, every))
        choices = cr.fetchall()
        cr.execute(item_statistics.totals_sql(attempts, every))
        totals = cr.fetchone()
        self.item_ids.unlink()
        self.write(self._header_values(items, totals))
        Item = self.env["assessment.analysis.item"]
        Item.create(Item._values_from(self, items, choices))

    def _header_values(self, items, totals):
        count, mean_total, sd_total, var_total, mean_max = totals
        sum_variances = sum(row[4] for row in items) if all(row[4] is not None for row in items) else None
        mixed = len({row[1] for row in items}) > 1
        if mixed:  # alpha needs every attempt to answer every item
            sum_variances = None
        figures = item_statistics.reliability_figures(len(items), sum_variances, sd_total, var_total)
        return {
            "computed_at": fields.Datetime.now(),
            "companies": ", ".join(self.env.companies.mapped("name")),
            "min_attempts": self._min_attempts(),
            "attempt_count": count,
            "item_count": len(items),
            "mixed_forms": mixed,
            "mean_score": mean_total or 0.0,
            "max_score": mean_max or 0.0,
            "mean_percent": 100.0 * mean_total / mean_max if mean_max else 0.0,
            "score_sd": sd_total or 0.0,
            "has_alpha": figures["alpha"] is not None,
            "alpha": figures["alpha"] or 0.0,
            "error_ratio": figures["error_ratio"] or 0.0,
            "standard_error": figures["standard_error"] or 0.0,
        }
