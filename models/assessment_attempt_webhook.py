"""The attempt's events for the outside world: each transition calls `_on_event`, which
queues the webhooks of the subscribed endpoints (assessment_webhook_delivery.py). Other
modules extend `_on_event` (the Recruitment bridge posts the result on the applicant).

The hooks wrap the transitions of assessment_attempt.py without changing them."""
from odoo import api, models

from .assessment_attempt import GRADED_STATES


class AssessmentAttempt(models.Model):
    # One layer of the attempt a file (see assessment_attempt.py).
    _inherit = "assessment.attempt"  # pylint: disable=consider-merging-classes-inherited

    def _on_event(self, event_type):
        """`event_type` (attempt.invited, .started, .ended, .regraded) happened to these
        attempts, in this transaction."""
        self.env["assessment.webhook.delivery"]._enqueue(event_type, self)

    @api.model
    def _invite(self, candidates, assessment, *args, **kwargs):
        # The one path of every invitation (wizard, API, a new attempt): new ones only, a
        # reused open invitation was reported when it was made.
        attempts, created = super()._invite(candidates, assessment, *args, **kwargs)
        created._on_event("attempt.invited")
        return attempts, created

    def _start(self):
        was_running = self.state == "in_progress"
        result = super()._start()
        if not was_running and self.state == "in_progress":
            self._on_event("attempt.started")
        return result

    def _submit(self, end_reason="submitted"):
        # Late ones expire inside (`_expire` reports them).
        open_ids = set(self.filtered(lambda a: a.state not in GRADED_STATES).ids)
        result = super()._submit(end_reason=end_reason)
        self.filtered(lambda a: a.id in open_ids and a.state == "submitted") \
            ._on_event("attempt.ended")
        return result

    def _expire(self):
        result = super()._expire()
        self._on_event("attempt.ended")
        return result

    def _reopen(self):
        result = super()._reopen()
        self._on_event("attempt.invited")
        return result
