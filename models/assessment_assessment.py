from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

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

    @api.depends("line_ids.question_id.item_count", "line_ids.question_id.total_points")
    def _compute_counts(self):
        for assessment in self:
            questions = assessment.line_ids.question_id
            assessment.question_count = len(questions)
            assessment.item_count = sum(questions.mapped("item_count"))
            assessment.total_points = sum(questions.mapped("total_points"))

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

    @api.depends("question_count", "item_count", "total_points")
    def _compute_summary(self):
        for assessment in self:
            points = f"{assessment.total_points:g}"
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

    @api.depends("line_ids.question_id")
    def _compute_preview_html(self):
        for assessment in self:
            assessment.preview_html = self.env["ir.qweb"]._render(
                "tech_assessment.assessment_questions_preview",
                {"assessment": assessment, "questions": assessment.question_ids},
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
            "domain": [("id", "in", self.line_ids.question_id.ids)],
        }
