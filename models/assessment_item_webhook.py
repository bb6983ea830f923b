from odoo import models

from .assessment_attempt import GRADED_STATES


class AssessmentItem(models.Model):
    """A correction of the answer key that changes the score of finished attempts is an
    `attempt.regraded` event for each (running ones report their score when they end)."""

    _inherit = "assessment.item"  # pylint: disable=consider-merging-classes-inherited

    def _log_regrades(self, regraded, reason):
        result = super()._log_regrades(regraded, reason)
        attempts = self.env["assessment.attempt"].sudo().browse(list(regraded))
        attempts.filtered(lambda a: a.state in GRADED_STATES)._on_event("attempt.regraded")
        return result
