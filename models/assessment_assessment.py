from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from .assessment_attempt import GRADED_STATES

PASS_RULES = [("all_correct", "Every item correct"), ("threshold", "Score threshold")]
RECORDING_MODES = [
    ("none", "No recording"),
    ("webcam", "Webcam"),
    ("screen", "Screen"),
    ("both", "Webcam & screen"),
]
RESULT_VISIBILITY = [
    ("none", "Nothing (HR follows up)"),
    ("pass_fail", "Passed or not"),
    ("score", "Score and pass/fail"),
]
# Plain text: the consent is an Html field that HR edits; no markup is built here.
DEFAULT_CONSENT = (
    "This assessment records you while you take it (what is recorded is shown above), so "
    "that the hiring team can check the test was taken fairly. Recordings are kept for the number of "
    "days shown on this page, then deleted automatically. Only the recruiters of the company "
    "that invited you can see them. You can ask for them to be erased at any time."
)


class AssessmentAssessment(models.Model):
    _name = "assessment.assessment"
    _description = "Assessment"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(string="Title", required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    color = fields.Integer()
    company_id = fields.Many2one(
        "res.company", index=True, default=lambda self: self.env.company,
        help="Leave empty to share the assessment with every company.",
    )
    description = fields.Html(translate=True)
    line_ids = fields.One2many(
        "assessment.assessment.line", "assessment_id", string="Questions", copy=True
    )
    question_ids = fields.Many2many(
        "assessment.question", compute="_compute_question_ids",
        help="The questions in the order of the assessment.",
    )
    time_limit = fields.Integer(
        string="Time limit (minutes)", default=45, required=True, tracking=True
    )
    pass_rule = fields.Selection(PASS_RULES, default="all_correct", required=True, tracking=True)
    pass_threshold = fields.Float(
        string="Pass threshold (%)", default=70.0, tracking=True,
        help="With the threshold rule, the minimum percentage of points to pass.",
    )
    recording_required = fields.Selection(
        RECORDING_MODES, string="Recording", default="none", required=True, tracking=True
    )
    is_recorded = fields.Boolean(compute="_compute_recording_flags")
    records_webcam = fields.Boolean(compute="_compute_recording_flags")
    records_screen = fields.Boolean(compute="_compute_recording_flags")
    consent_text = fields.Html(translate=True, default=DEFAULT_CONSENT)
    consent_version = fields.Integer(
        default=1, readonly=True, copy=False,
        help="Goes up each time the consent text changes; attempts store the version shown.",
    )
    result_visibility = fields.Selection(
        RESULT_VISIBILITY, string="Candidate sees", default="pass_fail", required=True
    )
    reveal_answers = fields.Boolean(
        help="After submission, show the candidate the correct options and explanations."
    )
    shuffle_options = fields.Boolean(
        string="Shuffle options", default=True,
        help="Each attempt gets its own order of options, fixed when it starts.",
    )
    practice_item = fields.Boolean(
        string="Practice item", default=True,
        help="Before the clock starts, the candidate may try the test's controls (choosing, "
             "flagging, the navigator) on a sample item. Nothing of it is scored, stored or "
             "shown to HR.",
    )
    retention_days = fields.Integer(
        string="Keep recordings (days)", default=30, required=True,
        help="Recordings older than this are deleted; consent records and events are kept.",
    )
    is_published = fields.Boolean(
        string="Published", copy=False, tracking=True,
        help="Only published assessments can be sent to candidates.",
    )
    question_count = fields.Integer(compute="_compute_counts", store=True, string="Questions #")
    item_count = fields.Integer(compute="_compute_counts", store=True, string="Items")
    total_points = fields.Float(compute="_compute_counts", store=True)
    summary = fields.Char(compute="_compute_summary")
    external_key = fields.Char(
        copy=False, index=True,
        help="Stable key of the assessment in exported files: importing a file again updates "
             "this assessment instead of creating another one.",
    )
    exposure_cap = fields.Integer(
        string="Exposure cap",
        help="Draws of this assessment stop picking a question once this many of its attempts "
             "were shown it (0: no cap). Fixed questions are always asked.",
    )
    has_draws = fields.Boolean(compute="_compute_forms")
    forms_vary = fields.Boolean(
        compute="_compute_forms",
        help="Candidates may get different numbers of items or points: each attempt's percent "
             "is computed over its own maximum.",
    )
    pool_size = fields.Integer(compute="_compute_forms", string="Questions to draw from")
    attempt_count = fields.Integer(compute="_compute_attempt_counts", string="Attempts #")
    result_count = fields.Integer(compute="_compute_attempt_counts", string="Results #")
    preview_html = fields.Html(compute="_compute_preview_html", sanitize=False)

    _sql_constraints = [
        ("time_limit_range", "CHECK(time_limit BETWEEN 1 AND 600)",
         "The time limit must be between 1 and 600 minutes."),
        ("pass_threshold_range", "CHECK(pass_threshold BETWEEN 0 AND 100)",
         "The pass threshold must be between 0 and 100 percent."),
        ("retention_days_positive", "CHECK(retention_days > 0)",
         "Recordings must be kept at least one day."),
    ]

    @api.depends("line_ids.sequence", "line_ids.question_id")
    def _compute_question_ids(self):
        for assessment in self:
            assessment.question_ids = assessment.line_ids.sorted().question_id

    # A draw counts with the size of its pool's questions when the line is saved (every
    # candidate's form has that size unless forms_vary says otherwise).
    @api.depends("line_ids.question_id.item_count", "line_ids.question_id.total_points",
                 "line_ids.line_type", "line_ids.draw_count", "line_ids.draw_topic_id",
                 "line_ids.draw_difficulty")
    def _compute_counts(self):
        for assessment in self:
            lines = assessment.line_ids
            fixed = lines.filtered(lambda line: line.line_type == "question")
            draws = lines - fixed
            assessment.question_count = len(fixed) + sum(draws.mapped("draw_count"))
            assessment.item_count = sum(lines.mapped("item_count"))
            assessment.total_points = sum(lines.mapped("total_points"))

    @api.depends("line_ids.line_type", "line_ids.pool_count", "line_ids.draw_count")
    def _compute_forms(self):
        for assessment in self:
            draws = assessment.line_ids.filtered(lambda line: line.line_type == "draw")
            assessment.has_draws = bool(draws)
            assessment.forms_vary = any(
                len(items) > 1 or len(points) > 1
                for items, points in (line._pool_form() for line in draws))
            pool = set(assessment.line_ids.question_id.ids)
            for line in draws:
                pool.update(line._pool_ids())
            assessment.pool_size = len(pool)

    def _compute_attempt_counts(self):
        groups = self.env["assessment.attempt"]._read_group(
            [("assessment_id", "in", self.ids)], ["assessment_id", "state"], ["__count"])
        counts = {}
        for assessment, state, count in groups:
            total, graded = counts.get(assessment.id, (0, 0))
            counts[assessment.id] = (total + count,
                                     graded + (count if state in GRADED_STATES else 0))
        for assessment in self:
            assessment.attempt_count, assessment.result_count = counts.get(assessment.id, (0, 0))

    @api.depends("question_count", "item_count", "total_points", "has_draws", "pool_size",
                 "forms_vary")
    def _compute_summary(self):
        for assessment in self:
            points = f"{assessment.total_points:g}"
            if assessment.has_draws:
                assessment.summary = _(
                    "%(questions)s questions drawn from %(pool)s · %(items)s items · "
                    "%(points)s points",
                    questions=assessment.question_count, pool=assessment.pool_size,
                    items=assessment.item_count, points=points,
                )
                if assessment.forms_vary:
                    assessment.summary += _(" · forms differ: percent per attempt")
                continue
            assessment.summary = _(
                "%(questions)s questions · %(items)s items · %(points)s points",
                questions=assessment.question_count,
                items=assessment.item_count,
                points=points,
            )

    @api.depends("recording_required")
    def _compute_recording_flags(self):
        for assessment in self:
            mode = assessment.recording_required
            assessment.is_recorded = mode != "none"
            assessment.records_webcam = mode in ("webcam", "both")
            assessment.records_screen = mode in ("screen", "both")

    @api.depends("line_ids.question_id", "line_ids.line_type", "line_ids.draw_count",
                 "line_ids.draw_topic_id", "line_ids.draw_difficulty")
    def _compute_preview_html(self):
        for assessment in self:
            assessment.preview_html = self.env["ir.qweb"]._render(
                "tech_assessment.assessment_questions_preview",
                {"assessment": assessment, "questions": assessment.question_ids,
                 "draws": assessment.line_ids.filtered(lambda line: line.line_type == "draw")},
            )

    @api.constrains("is_published", "line_ids")
    def _check_publishable(self):
        for assessment in self.filtered("is_published"):
            if not assessment.line_ids:
                raise ValidationError(
                    _("Assessment “%s” needs at least one question before it can be published.",
                      assessment.name)
                )
            assessment.line_ids.question_id.item_ids._check_options()
        self.filtered("is_published")._check_pools()

    def _check_pools(self):
        """Every draw can be made: its pool holds enough questions, and draws of one topic
        together do not ask for more than their pools hold (the draw at start takes the
        draws with a difficulty first, so these two conditions are enough)."""
        for assessment in self:
            draws = assessment.line_ids.filtered(lambda line: line.line_type == "draw")
            for line in draws:
                pool = line._pool_ids()
                if len(pool) < line.draw_count:
                    raise ValidationError(_(
                        "“%(assessment)s” draws %(count)s questions from %(pool)s, whose pool "
                        "holds only %(size)s question(s) (retired ones excluded): lower the "
                        "number drawn or add questions to the bank.",
                        assessment=assessment.name, count=line.draw_count,
                        pool=line._pool_label(), size=len(pool)))
            for topic in draws.draw_topic_id:
                same = draws.filtered(lambda line, topic=topic: line.draw_topic_id == topic)
                union = set().union(*(line._pool_ids() for line in same))
                wanted = sum(same.mapped("draw_count"))
                if len(union) < wanted:
                    raise ValidationError(_(
                        "“%(assessment)s” draws %(count)s questions of %(topic)s in all, but "
                        "its pools hold only %(size)s: lower the numbers drawn.",
                        assessment=assessment.name, count=wanted, topic=topic.name,
                        size=len(union)))

    def _exposures(self, question_ids):
        """{question id: (attempts shown it, attempts of this assessment shown it, cap of the
        question)} from the frozen answer lines, in one query."""
        if not question_ids:
            return {}
        self.env["assessment.answer"].flush_model(["question_id", "attempt_id", "assessment_id"])
        self.env["assessment.question"].flush_model(["exposure_cap"])
        self.env.cr.execute(SQL(
            """
            SELECT q.id, COALESCE(e.shown, 0), COALESCE(e.shown_here, 0), q.exposure_cap
              FROM assessment_question q
              LEFT JOIN (SELECT question_id, COUNT(DISTINCT attempt_id) AS shown,
                                COUNT(DISTINCT attempt_id)
                                    FILTER (WHERE assessment_id = %(assessment)s) AS shown_here
                           FROM assessment_answer
                          WHERE question_id = ANY(%(ids)s)
                          GROUP BY question_id) e ON e.question_id = q.id
             WHERE q.id = ANY(%(ids)s)
            """, assessment=self.id or 0, ids=list(question_ids)))
        return {row[0]: row[1:] for row in self.env.cr.fetchall()}

    def _retired_question_ids(self, question_ids, exposures=None):
        """The questions whose exposure reached their own cap or this assessment's cap."""
        self.ensure_one()
        exposures = self._exposures(question_ids) if exposures is None else exposures
        cap = self.exposure_cap
        return {
            qid for qid, (shown, shown_here, own_cap) in exposures.items()
            if (own_cap and shown >= own_cap) or (cap and shown_here >= cap)
        }

    def write(self, vals):
        if "consent_text" in vals:
            for assessment in self:
                super(AssessmentAssessment, assessment).write(
                    {"consent_version": assessment.consent_version + 1}
                )
        return super().write(vals)

    def action_publish(self):
        self.write({"is_published": True})

    def action_unpublish(self):
        self.write({"is_published": False})

    def action_invite(self):
        """*Invite candidates* from the assessment: the wizard, with this assessment."""
        self.ensure_one()
        self.check_access_rights("read")
        self.check_access_rule("read")
        if not self.is_published:
            raise UserError(_("Publish the assessment before inviting candidates."))
        return {
            "type": "ir.actions.act_window",
            "name": _("Invite candidates"),
            "res_model": "assessment.invite.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"active_model": self._name, "active_id": self.id,
                        "active_ids": self.ids},
        }

    def action_open_attempts(self, graded_only=False):
        """The smart buttons: this assessment's attempts (or its results)."""
        self.ensure_one()
        self.check_access_rights("read")
        self.check_access_rule("read")
        domain = [("assessment_id", "=", self.id)]
        if graded_only:
            domain.append(("is_graded", "=", True))
        return {
            "type": "ir.actions.act_window",
            "name": _("Results") if graded_only else _("Attempts"),
            "res_model": "assessment.attempt",
            "view_mode": "tree,form,pivot,graph",
            "domain": domain,
            "context": {"default_assessment_id": self.id},
        }

    def action_open_results(self):
        return self.action_open_attempts(graded_only=True)

    def action_open_item_analysis(self):
        """*Item analysis*: the statistics of this assessment's items over its results."""
        self.ensure_one()
        self.check_access_rights("read")
        self.check_access_rule("read")
        analysis = self.env["assessment.analysis"].create({"assessment_id": self.id})
        analysis._compute_figures()
        return analysis._action_open()

    def _bank_question_ids(self):
        """The fixed questions and every question of the pools."""
        ids = set(self.line_ids.question_id.ids)
        for line in self.line_ids.filtered(lambda line: line.line_type == "draw"):
            ids.update(line._pool_ids(exclude_retired=False))
        return list(ids)

    def action_export_bank(self):
        """*Export*: the assessment, its fixed questions and its pools' questions, as a file."""
        self.ensure_one()
        self.check_access_rights("read")
        self.check_access_rule("read")
        questions = self.env["assessment.question"].browse(self._bank_question_ids())
        return self.env["assessment.bank.export.wizard"]._open_for(questions, self)

    def action_open_questions(self):
        self.ensure_one()
        self.check_access_rights("read")
        self.check_access_rule("read")
        if not self.line_ids:
            raise UserError(_("This assessment has no questions yet."))
        return {
            "type": "ir.actions.act_window",
            "name": _("Questions"),
            "res_model": "assessment.question",
            "view_mode": "tree,form",
            "domain": [("id", "in", self._bank_question_ids())],
        }
