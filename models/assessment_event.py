from odoo import fields, models

EVENT_KINDS = [
    ("consent", "Consent given"),
    ("start", "Test started"),
    ("resume", "Page reloaded"),
    ("tab_hidden", "Tab hidden"),
    ("tab_visible", "Tab visible again"),
    ("window_blur", "Window lost focus"),
    ("window_focus", "Window focused again"),
    ("fullscreen_exit", "Left full screen"),
    ("paste", "Pasted into the page"),
    ("stream_ended", "Recording stream ended"),
    ("stream_restarted", "Recording stream restarted"),
    ("upload_error", "Recording upload failed"),
    ("upload_resumed", "Queued recordings resumed"),
    ("recording_storage", "Browser storage low or unavailable"),
    ("offline", "Connection lost"),
    ("online", "Connection back"),
    ("submit", "Test submitted"),
    ("expire", "Time ran out"),
]
# What the candidate's browser may report; the others are written by the server.
CLIENT_EVENT_KINDS = {
    "resume", "tab_hidden", "tab_visible", "window_blur", "window_focus", "fullscreen_exit",
    "paste", "stream_ended", "stream_restarted", "upload_error", "upload_resumed",
    "recording_storage", "offline", "online",
}


class AssessmentEvent(models.Model):
    _name = "assessment.event"
    _description = "Assessment Proctoring Event"
    _order = "attempt_id, server_time, id"

    attempt_id = fields.Many2one(
        "assessment.attempt", required=True, ondelete="cascade", index=False, readonly=True
    )
    company_id = fields.Many2one(related="attempt_id.company_id", store=True, index=True)
    kind = fields.Selection(EVENT_KINDS, required=True, readonly=True)
    server_time = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True)
    client_time = fields.Datetime(readonly=True, help="When the candidate's browser saw it.")
    detail = fields.Char(readonly=True)

    def init(self):
        self.env.cr.execute("""
            CREATE INDEX IF NOT EXISTS assessment_event_attempt_time_idx
                ON assessment_event (attempt_id, server_time)
        """)
