"""Corrections of an item's answer key (or points): their history, and a note on every attempt
they regrade.

Scores stay stored computes: a key change regrades every attempt concerned at once, in batches
(assessment_answer.py, assessment_attempt.py). Around any write that can change the key (an
option's `is_correct`, options created or removed through the item, the item's points), this
layer takes the key and the scores of the attempts answering the item before, lets the write
and the regrade happen, reads the scores after, then records one history line per changed
item and logs one chatter note per attempt whose score changed. Whatever the path (the
*Change correct answer* wizard, the question form, an import, RPC), nothing is regraded
silently. Two queries read the scores, whatever the number of attempts; the notes are
created in batches of mail messages.
"""
from contextlib import contextmanager

from markupsafe import escape

from odoo import _, models
from odoo.tools import SQL, split_every

from .assessment_attempt import GRADED_STATES

# Context keys: the reason HR gave (the wizard sets it), and "already tracked" (a write on
# options made by a tracked write on their item must not be tracked a second time).
KEY_CHANGE_REASON = "tech_assessment_key_change_reason"
TRACKING = "tech_assessment_tracking_key"
MESSAGE_BATCH = 1000


class AssessmentItem(models.Model):
    # One concern of the item a file (see assessment_item.py).
    _inherit = "assessment.item"  # pylint: disable=consider-merging-classes-inherited

    def write(self, vals):
        if self.env.context.get(TRACKING) or not self._may_change_grades(vals):
            return super().write(vals)
        with self._tracking_key_changes():
            return super(AssessmentItem, self.with_context(**{TRACKING: True})).write(vals)

    @staticmethod
    def _may_change_grades(vals):
        if "points" in vals:
            return True
        for command in vals.get("option_ids") or ():
            # linking an option, creating a wrong one or writing anything but is_correct on
            # one leaves the key as it is
            if (command[0] == 4 or (command[0] == 0 and not command[2].get("is_correct"))
                    or (command[0] == 1 and "is_correct" not in command[2])):
                continue
            return True
        return False

    @contextmanager
    def _tracking_key_changes(self):
        """Wraps a write that may change these items' keys: history and regrade notes."""
        items = self.sudo().with_context(active_test=False)
        before = items._key_state()
        scores_before = self._attempt_scores()
        yield
        after = items._key_state()
        changed = items.filtered(lambda item: before[item.id] != after[item.id])
        if not changed:
            return
        scores_after = self._attempt_scores(list(scores_before))
        regraded = {attempt_id: (scores_before[attempt_id], new)
                    for attempt_id, new in scores_after.items()
                    if new[0] != scores_before[attempt_id][0]}
        reason = self.env.context.get(KEY_CHANGE_REASON) or ""
        changed._log_key_changes(before, after, regraded, reason)
        changed._log_regrades(regraded, reason)

    def _key_state(self):
        """{item id: (ids of the correct options, points)}, as the cache has them."""
        return {item.id: (tuple(item.option_ids.filtered("is_correct").ids), item.points)
                for item in self}

    def _attempt_scores(self, attempt_ids=None):
        """{attempt id: (score, max score, passed, state)} of the attempts answering these
        items (or of `attempt_ids`), as stored once every pending regrade is written."""
        self.env.flush_all()
        if attempt_ids is None:
            where = SQL("att.id IN (SELECT attempt_id FROM assessment_answer WHERE item_id = ANY(%s))",
                        self.ids)
        else:
            where = SQL("att.id = ANY(%s)", attempt_ids)
        self.env.cr.execute(SQL(
            "SELECT att.id, att.score, att.max_score, att.passed, att.state "
            "FROM assessment_attempt att WHERE %s", where))
        return {row[0]: row[1:] for row in self.env.cr.fetchall()}

    def _log_key_changes(self, before, after, regraded, reason):
        graded = [(old, new) for old, new in regraded.values() if new[3] in GRADED_STATES]
        options = self.env["assessment.option"].sudo().with_context(active_test=False)
        self.env["assessment.item.key.change"].sudo().create([{
            "item_id": item.id,
            "user_id": self.env.uid,
            "old_key": "\n".join(options.browse(before[item.id][0]).mapped("text")),
            "new_key": "\n".join(options.browse(after[item.id][0]).mapped("text")),
            "old_points": before[item.id][1],
            "new_points": after[item.id][1],
            "reason": reason or False,
            "regraded_count": len(regraded),
            "now_passed_count": sum(1 for old, new in graded if new[2] and not old[2]),
            "now_failed_count": sum(1 for old, new in graded if old[2] and not new[2]),
        } for item in self])

    def _log_regrades(self, regraded, reason):
        """One note on each attempt whose score changed: what was corrected, why, and its
        score and result before and after. Logged in batches (mail's _message_log_batch)."""
        names = "”, “".join(self.mapped("display_name"))
        bodies = {attempt_id: escape(self._regrade_note(names, reason, old, new))
                  for attempt_id, (old, new) in regraded.items()}
        Attempt = self.env["assessment.attempt"].sudo()
        for batch in split_every(MESSAGE_BATCH, sorted(bodies)):
            Attempt.browse(batch)._message_log_batch(
                bodies={attempt_id: bodies[attempt_id] for attempt_id in batch})

    def _regrade_note(self, names, reason, old, new):
        note = _("Regraded after a correction of the answer key of “%(items)s”", items=names)
        if reason:
            note = _("%(note)s (reason: %(reason)s)", note=note, reason=reason)
        # Babel reads the arguments of _(): no f-string in them
        before, after, out_of = (f"{value:g}" for value in (old[0], new[0], new[1]))
        note = _("%(note)s: score %(old)s → %(new)s out of %(max)s.", note=note,
                 old=before, new=after, max=out_of)
        if new[3] in GRADED_STATES and old[2] != new[2]:
            note = (_("%(note)s Now passed.", note=note) if new[2]
                    else _("%(note)s Now failed.", note=note))
        return note
