"""The result of an attempt, as HR reads it (per topic) and as the candidate may see it."""
from odoo import models
from odoo.tools import SQL

from .assessment_attempt import GRADED_STATES

# Results whose average is over graded attempts only (their group_operator is avg).
GRADED_AVERAGES = ("score", "percent", "pass_rate")


class AssessmentAttempt(models.Model):
    # One layer of the attempt a file (see assessment_attempt.py).
    _inherit = "assessment.attempt"  # pylint: disable=consider-merging-classes-inherited

    def _read_group_select(self, aggregate_spec, query):
        """Averages of results count the graded attempts only: an invitation not taken yet
        (0 %) or a test still running would drag the pass rate and the mean score of every
        pivot, graph and grouped list down. The rows keep their live values."""
        fname, _sep, func = aggregate_spec.partition(":")
        if func == "avg" and fname in GRADED_AVERAGES:
            column = self._field_to_sql(self._table, fname, query)
            state = self._field_to_sql(self._table, "state", query)
            return SQL("AVG(CASE WHEN %s IN %s THEN %s END)", state, GRADED_STATES, column), \
                [fname, "state"]
        return super()._read_group_select(aggregate_spec, query)

    def _topic_breakdown(self):
        """Per topic of this attempt: items, correct items, points and maximum."""
        self.ensure_one()
        groups = self.env["assessment.answer"].sudo()._read_group(
            [("attempt_id", "=", self.id)], ["topic_id"],
            ["__count", "is_correct:count_distinct", "points:sum", "max_points:sum"],
        )
        correct = dict(self.env["assessment.answer"].sudo()._read_group(
            [("attempt_id", "=", self.id), ("is_correct", "=", True)], ["topic_id"], ["__count"],
        ))
        return [{
            "topic": topic,
            "items": count,
            "correct": correct.get(topic, 0),
            "points": points,
            "max_points": max_points,
        } for topic, count, _distinct, points, max_points in groups]

    def _candidate_result(self):
        """What the candidate may see of a finished attempt, as the assessment says: the
        verdict, the score, and the answer key with explanations. Nothing before the end,
        nothing of a withdrawn attempt."""
        self.ensure_one()
        visibility = self.assessment_id.result_visibility
        # an invitation that expired unused is "expired" too: it has no verdict to show
        graded = self.state in GRADED_STATES and bool(self.started_at)
        return {
            "ending": self._candidate_ending(),
            "show_passed": graded and visibility in ("pass_fail", "score"),
            "show_score": graded and visibility == "score",
            "review": self._answer_review() if graded and self.assessment_id.reveal_answers else [],
        }

    def _has_candidate_result_page(self):
        """Graded attempts have a result page; so has a test HR cancelled after its start (it
        says so, without a verdict). An invitation withdrawn before the start has none."""
        self.ensure_one()
        return self.state in GRADED_STATES or (self.state == "cancelled" and bool(self.started_at))

    def _candidate_ending(self):
        """How the test ended, for the result page: an `end_reason` (attempts closed before
        the field existed are read from their state)."""
        self.ensure_one()
        if self.end_reason:
            return self.end_reason
        return {"submitted": "submitted", "cancelled": "cancelled"}.get(
            self.state, "time_up" if self.started_at else "not_started")

    def _answer_review(self):
        return [{
            "prompt": answer.item_id.prompt,
            "chosen": answer.option_id.text,
            "correct": answer.is_correct,
            "right_option": answer.item_id.option_ids.filtered("is_correct")[:1].text,
            "explanation": answer.item_id.explanation,
        } for answer in self.sudo().answer_ids.sorted("sequence")]
