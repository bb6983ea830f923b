"""Live progress of running attempts, for HR's list and form: time left, last activity and the
proctoring flags still open. Computed for a whole page of attempts in two queries; the
candidate's autosave pays nothing for it (the attempt form re-reads it while open, see
static/src/backend/live_refresh.js)."""
from odoo import _, api, fields, models
from odoo.tools import SQL

from .assessment_event import EVENT_KINDS

# A flag and the event that closes it: a flag is open while its closing event has not come.
FLAG_PAIRS = {
    "tab_hidden": "tab_visible",
    "window_blur": "window_focus",
    "stream_ended": "stream_restarted",
    "offline": "online",
}
# Flags that stay what they are once raised.
STANDING_FLAGS = ("fullscreen_exit", "paste", "upload_error")


class AssessmentAttempt(models.Model):
    # One layer of the attempt a file, on purpose (see assessment_attempt.py).
    _inherit = "assessment.attempt"  # pylint: disable=consider-merging-classes-inherited

    time_left_display = fields.Char(compute="_compute_time_left", string="Time left")
    last_activity_at = fields.Datetime(
        compute="_compute_live_progress", string="Last activity",
        groups="tech_assessment.group_assessment_user",
        help="The candidate's last answer or proctoring event.")
    flag_count = fields.Integer(
        compute="_compute_live_progress", string="Flags",
        groups="tech_assessment.group_assessment_user",
        help="Proctoring events worth a look: tab hidden, focus lost, full screen left, "
             "paste, recording stopped or failing, connection lost.")
    open_flags = fields.Char(
        compute="_compute_live_progress", string="Open flags",
        groups="tech_assessment.group_assessment_user",
        help="What is still the case now: a hidden tab, a lost focus, a stopped recording, "
             "a lost connection.")

    @api.depends("state", "deadline")
    def _compute_time_left(self):
        for attempt in self:
            if attempt.state != "in_progress":
                attempt.time_left_display = False
            elif not attempt.deadline:
                attempt.time_left_display = _("No time limit")
            else:
                attempt.time_left_display = self._format_duration(
                    attempt._remaining_seconds())

    def _compute_live_progress(self):
        attempts = self.filtered("id")
        activity, counts, open_kinds = attempts._read_live_progress()
        labels = dict(EVENT_KINDS)
        for attempt in self:
            attempt.last_activity_at = activity.get(attempt.id, False)
            attempt.flag_count = counts.get(attempt.id, 0)
            kinds = open_kinds.get(attempt.id, [])
            attempt.open_flags = ", ".join(labels[kind] for kind in kinds) or False

    def _read_live_progress(self):
        """``({id: last activity}, {id: flag count}, {id: [open flag kinds]})`` of these
        attempts, in two queries (HR's page of a list is read at once)."""
        if not self:
            return {}, {}, {}
        flag_kinds = (*FLAG_PAIRS, *STANDING_FLAGS)
        self.env["assessment.event"].flush_model(["attempt_id", "kind", "server_time"])
        self.env["assessment.answer"].flush_model(["attempt_id", "answered_at"])
        self.env.cr.execute(SQL("""
            SELECT a.id,
                   GREATEST((SELECT max(answered_at) FROM assessment_answer
                              WHERE attempt_id = a.id),
                            (SELECT max(server_time) FROM assessment_event
                              WHERE attempt_id = a.id)),
                   (SELECT count(*) FROM assessment_event
                     WHERE attempt_id = a.id AND kind IN %s)
              FROM assessment_attempt a WHERE a.id IN %s
        """, flag_kinds, tuple(self.ids)))
        activity, counts = {}, {}
        for attempt_id, last, count in self.env.cr.fetchall():
            activity[attempt_id], counts[attempt_id] = last, count
        # The last event of each pair, per attempt: a flag whose pair ends on it is open.
        pair_of = {kind: flag for flag, closing in FLAG_PAIRS.items()
                   for kind in (flag, closing)}
        self.env.cr.execute(SQL("""
            SELECT DISTINCT ON (attempt_id, pair) attempt_id, kind
              FROM (SELECT attempt_id, kind, server_time, id,
                           CASE %s END AS pair
                      FROM assessment_event
                     WHERE attempt_id IN %s AND kind IN %s) AS paired
          ORDER BY attempt_id, pair, server_time DESC, id DESC
        """, SQL(" ").join(SQL("WHEN kind = %s THEN %s", kind, flag)
                           for kind, flag in pair_of.items()),
            tuple(self.ids), tuple(pair_of)))
        open_kinds = {}
        for attempt_id, kind in self.env.cr.fetchall():
            if kind in FLAG_PAIRS:
                open_kinds.setdefault(attempt_id, []).append(kind)
        return activity, counts, open_kinds
