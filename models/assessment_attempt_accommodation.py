"""Time accommodations of an attempt (Moodle's user overrides, HackerRank's extra time).

Before the start, HR gives an invitation extra time, as a percentage of the assessment's
limit (steps of 5) and/or extra minutes, or no time limit at all (WCAG 2.2.1: a limit that can
be turned off). The deadline is fixed at the start:

    deadline = start + limit × (1 + percent / 100) + minutes        (none: no time limit)

During the test, HR can add minutes (a technical problem) or lift the limit: the deadline
moves, the candidate's page reads it at its next re-sync, and the chatter keeps who did what
and why. The reason is HR's only: it is never shown to the candidate.
"""
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .assessment_attempt import ANSWER_GRACE

MAX_EXTRA_PERCENT = 300
EXTRA_PERCENT_STEP = 5
MAX_EXTRA_MINUTES = 24 * 60
# What may be set on an invitation (and, as defaults, on a candidate).
ACCOMMODATION_FIELDS = ("extra_time_percent", "extra_time_minutes", "no_time_limit",
                        "accommodation_reason")


def allowed_seconds(limit_minutes, percent, minutes):
    """The time a candidate has, in whole seconds: limit × (1 + percent/100) + minutes."""
    return round(limit_minutes * 60 * (100 + percent) / 100) + minutes * 60


class AssessmentAttempt(models.Model):
    # One layer of the attempt a file, on purpose (see assessment_attempt.py).
    _inherit = "assessment.attempt"  # pylint: disable=consider-merging-classes-inherited

    extra_time_percent = fields.Integer(
        string="Extra time (%)", tracking=True, copy=False,
        help="More time, as a percentage of the assessment's time limit (steps of 5).")
    extra_time_minutes = fields.Integer(string="Extra minutes", tracking=True, copy=False)
    no_time_limit = fields.Boolean(
        string="No time limit", tracking=True, copy=False,
        help="The candidate may take as long as they need (WCAG 2.2.1).")
    accommodation_reason = fields.Char(
        string="Reason for the accommodation", copy=False,
        groups="tech_assessment.group_assessment_user",
        help="Kept for HR; never shown to the candidate.")
    limit_lifted = fields.Boolean(
        string="Time limit lifted", readonly=True, copy=False,
        help="HR lifted the time limit during the test.")
    added_minutes = fields.Integer(
        string="Minutes added during the test", readonly=True, copy=False)
    time_allowed_display = fields.Char(
        compute="_compute_time_allowed", string="Time allowed",
        help="The time the candidate has, accommodations included.")

    @api.model
    def _check_accommodation(self, percent, minutes):
        """The rule of the forms, the wizard and the API alike."""
        if not 0 <= percent <= MAX_EXTRA_PERCENT or percent % EXTRA_PERCENT_STEP:
            raise ValidationError(_("Extra time is a percentage from 0 to %(max)s, in steps of "
                                    "%(step)s.", max=MAX_EXTRA_PERCENT, step=EXTRA_PERCENT_STEP))
        if not 0 <= minutes <= MAX_EXTRA_MINUTES:
            raise ValidationError(_("Extra minutes go from 0 to %s.", MAX_EXTRA_MINUTES))

    @api.model
    def _format_duration(self, seconds):
        """'56 min 15 s', '1 h 30 min', '45 min': what a candidate reads."""
        hours, rest = divmod(int(seconds), 3600)
        minutes, secs = divmod(rest, 60)
        parts = []
        if hours:
            parts.append(_("%s h", hours))
        if minutes or (hours and secs):
            parts.append(_("%s min", minutes))
        if secs or not parts:
            parts.append(_("%s s", secs))
        return " ".join(parts)

    @api.depends("assessment_id.time_limit", "extra_time_percent", "extra_time_minutes",
                 "no_time_limit", "limit_lifted", "started_at", "deadline")
    def _compute_time_allowed(self):
        for attempt in self:
            if attempt.no_time_limit or attempt.limit_lifted:
                attempt.time_allowed_display = _("No time limit")
            elif attempt.started_at and attempt.deadline:
                seconds = (attempt.deadline - attempt.started_at).total_seconds()
                attempt.time_allowed_display = self._format_duration(seconds)
            else:
                attempt.time_allowed_display = self._format_duration(attempt._allowed_seconds())

    @api.constrains("extra_time_percent", "extra_time_minutes")
    def _check_extra_time(self):
        for attempt in self:
            self._check_accommodation(attempt.extra_time_percent, attempt.extra_time_minutes)

    def write(self, vals):
        # (_add_time moves the deadline of a running test, not these fields.)
        if any(field in vals for field in ACCOMMODATION_FIELDS[:3]) \
                and any(attempt.state != "invited" for attempt in self):
            raise UserError(_("The time of a test is set before it starts; add time to a "
                              "running test with Add time."))
        return super().write(vals)

    def _allowed_seconds(self):
        """Seconds from the start to the deadline; None without a time limit."""
        self.ensure_one()
        if self.no_time_limit:
            return None
        return allowed_seconds(self.assessment_id.time_limit, self.extra_time_percent,
                               self.extra_time_minutes)

    def _deadline_from(self, start):
        seconds = self._allowed_seconds()
        return start + timedelta(seconds=seconds) if seconds is not None else False

    def _remaining_seconds(self):
        """Seconds left to a running test, None when it has no time limit."""
        self.ensure_one()
        if self.state == "in_progress" and not self.deadline:
            return None
        return super()._remaining_seconds()

    def _add_time(self, minutes=0, remove_limit=False, reason=""):
        """HR gives a running test more time (or lifts its limit), with a reason for the
        chatter. A request replayed after a serialization failure redoes it on the fresh
        row: the minutes are added once."""
        self.ensure_one()
        self._lock_for_transition()
        if not reason or not reason.strip():
            raise UserError(_("Say why the time is added: the reason is kept in the chatter."))
        if self.state != "in_progress":
            raise UserError(_("Only a test in progress can be given more time; before the "
                              "start, set the extra time on the invitation."))
        if self.deadline and fields.Datetime.now() > self.deadline + ANSWER_GRACE:
            raise UserError(_("The time of this test ran out at %s (UTC): it can no longer be "
                              "extended. Give the candidate a new attempt instead.", self.deadline))
        if remove_limit:
            self.write({"limit_lifted": True, "deadline": False})
            self._post_transition(_("%(user)s lifted the time limit: %(reason)s",
                                    user=self.env.user.name, reason=reason.strip()))
            return
        if not 0 < minutes <= MAX_EXTRA_MINUTES:
            raise UserError(_("Add from 1 to %s minutes.", MAX_EXTRA_MINUTES))
        if not self.deadline:
            raise UserError(_("This test has no time limit."))
        self.write({
            "deadline": self.deadline + timedelta(minutes=minutes),
            "added_minutes": self.added_minutes + minutes,
        })
        self._post_transition(_(
            "%(user)s added %(minutes)s minutes: %(reason)s. New deadline: %(deadline)s (UTC).",
            user=self.env.user.name, minutes=minutes, reason=reason.strip(),
            deadline=self.deadline))
