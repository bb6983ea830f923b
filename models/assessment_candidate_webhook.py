from odoo import models

# The candidate's fields in the API's JSON (controllers/api_pages.py, candidate_json) that a
# write can change: a change of any of them is a `candidate.updated` event.
WEBHOOK_FIELDS = {"name", "email", "phone", "provider", "external_id", "company_id", "active",
                  "extra_time_percent", "extra_time_minutes", "no_time_limit"}


class AssessmentCandidate(models.Model):
    _inherit = "assessment.candidate"  # pylint: disable=consider-merging-classes-inherited

    def write(self, vals):
        watched = sorted(WEBHOOK_FIELDS & set(vals))
        if not watched:
            return super().write(vals)
        before = {candidate.id: candidate._webhook_values(watched) for candidate in self}
        result = super().write(vals)
        changed = self.filtered(lambda c: c._webhook_values(watched) != before[c.id])
        self.env["assessment.webhook.delivery"]._enqueue("candidate.updated", changed)
        return result

    def _webhook_values(self, fnames):
        return [self[fname] for fname in fnames]
