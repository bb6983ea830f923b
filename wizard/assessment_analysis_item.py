"""One item of an item analysis: Moodle's figures and the flags HR can act on."""
from collections import defaultdict

from odoo import _, fields, models

from ..tools import item_statistics

# An item is flagged for review when (Moodle's report leaves the judgement to the reader;
# these are the usual thresholds): its discrimination index is negative (the candidates who
# do well elsewhere get it wrong more often), its discriminative efficiency is under 15 %, nobody
# or everybody gets it right, or a distractor is chosen more often by the top third of
# candidates (by rest score) than the correct option.
LOW_EFFICIENCY = 15.0


class AssessmentAnalysisItem(models.TransientModel):
    _name = "assessment.analysis.item"
    _description = "Item Analysis: Item"
    _order = "analysis_id, position, id"
    _rec_name = "label"

    analysis_id = fields.Many2one("assessment.analysis", required=True, ondelete="cascade",
                                  index=True)
    item_id = fields.Many2one("assessment.item", required=True, readonly=True, ondelete="cascade")
    question_id = fields.Many2one(related="item_id.question_id")
    topic_id = fields.Many2one(related="item_id.topic_id")
    position = fields.Integer(readonly=True)
    label = fields.Char(readonly=True, string="#", help="Question and item, in the assessment's order.")
    attempt_count = fields.Integer(readonly=True, string="Attempts")
    reliable = fields.Boolean(readonly=True,
                              help="Enough attempts for the figures to be trusted.")
    max_mark = fields.Float(readonly=True, string="Points")
    correct_count = fields.Integer(readonly=True, string="Right")
    unanswered_count = fields.Integer(readonly=True, string="Unanswered")
    facility = fields.Float(readonly=True, string="Facility (%)", group_operator="avg",
                            help="Mean mark as a percentage of the item's points: how easy it is.")
    has_sd = fields.Boolean(readonly=True)
    sd = fields.Float(readonly=True, string="SD (points)", group_operator=None,
                      help="Standard deviation of the item's marks.")
    has_discrimination = fields.Boolean(readonly=True)
    discrimination_index = fields.Float(
        readonly=True, string="Discrimination index", group_operator="avg",
        help="Correlation (×100) between the item and the rest of the test: high when the "
        "candidates who do well elsewhere get it right. Negative: something is wrong with it.")
    has_efficiency = fields.Boolean(readonly=True)
    discriminative_efficiency = fields.Float(
        readonly=True, string="Discriminative efficiency (%)", group_operator="avg",
        help="The discrimination index as a share of the best these marks could reach.")
    top_group_size = fields.Integer(readonly=True, string="Attempts per third")
    flag_negative = fields.Boolean(readonly=True, string="Negative discrimination")
    flag_low_efficiency = fields.Boolean(readonly=True, string="Low efficiency")
    flag_nobody_right = fields.Boolean(readonly=True, string="Nobody right")
    flag_everybody_right = fields.Boolean(readonly=True, string="Everybody right")
    flag_distractor = fields.Boolean(readonly=True, string="Distractor beats the key",
                                     help="A wrong option is chosen more often than the correct "
                                     "one by the top third of candidates.")
    needs_review = fields.Boolean(readonly=True)
    review_reasons = fields.Char(readonly=True, string="Why review")
    option_ids = fields.One2many("assessment.analysis.option", "analysis_item_id", readonly=True,
                                 string="Distractor analysis")

    def action_change_key(self):
        """From a flagged item, straight to the key correction (with its regrade preview)."""
        self.ensure_one()
        self.check_access_rights("read")
        self.check_access_rule("read")
        return self.item_id.action_change_key()

    def _values_from(self, analysis, items, choices):
        """Create values of the report's items from the aggregate rows of item_statistics."""
        counts = defaultdict(dict)
        for item_id, option_id, chosen, top, bottom in choices:
            counts[item_id][option_id] = (chosen, top, bottom)
        positions = self._positions(analysis.assessment_id, [row[0] for row in items])
        records = self.env["assessment.item"].with_context(active_test=False).browse(
            [row[0] for row in items])
        records.option_ids.mapped("is_correct")  # one read of every option
        by_id = {item.id: item for item in records}
        min_attempts = analysis.min_attempts
        values = []
        for row in items:
            item = by_id[row[0]]
            position, label = positions.get(item.id, (len(positions) + 1, "–"))
            values.append({
                "analysis_id": analysis.id, "item_id": item.id, "position": position,
                "label": label, **self._figures(row, min_attempts),
                **self._distractors(item, row[1], counts[item.id]),
            })
        for vals in values:
            vals.update(self._flags(vals))
        return sorted(values, key=lambda vals: vals["position"])

    def _positions(self, assessment, item_ids=()):
        """{item id: (order, "Q2.1")} in the assessment's order of questions and items. The
        items of a draw's questions (candidates saw different ones) come at the draw's place,
        labelled by the draw's question numbers and the question's title."""
        positions = {}
        number = 1
        drawn = self.env["assessment.item"].with_context(active_test=False).browse(
            [item_id for item_id in item_ids])
        for line in assessment.line_ids.sorted():
            if line.line_type == "question":
                for i_number, item in enumerate(line.question_id.item_ids.sorted("sequence"),
                                                start=1):
                    positions[item.id] = (len(positions) + 1, f"Q{number}.{i_number}")
                number += 1
                continue
            last = number + line.draw_count - 1
            span = f"Q{number}" if last == number else f"Q{number}–{last}"
            pool = drawn.filtered(lambda item, line=line: item.id not in positions
                                  and item.question_id.topic_id == line.draw_topic_id
                                  and (not line.draw_difficulty
                                       or item.question_id.difficulty == line.draw_difficulty))
            for item in pool.sorted(lambda item: (item.question_id.id, item.sequence, item.id)):
                siblings = item.question_id.with_context(active_test=False).item_ids.sorted(
                    "sequence").ids
                number_in_question = siblings.index(item.id) + 1
                positions[item.id] = (len(positions) + 1,
                                      f"{span} · {item.question_id.name}.{number_in_question}")
            number = last + 1
        return positions

    def _figures(self, row, min_attempts):
        _item, count, mean_x, max_mark, var_x, var_rest, cov, cov_max, correct, unanswered = row
        figures = item_statistics.item_figures(mean_x, max_mark, var_x, var_rest, cov, cov_max)
        return {
            "attempt_count": count, "reliable": count >= min_attempts, "max_mark": max_mark,
            "correct_count": correct, "unanswered_count": unanswered,
            "facility": figures["facility"] or 0.0,
            **{f"has_{key}": figures[name] is not None for key, name in (
                ("sd", "sd"), ("discrimination", "discrimination_index"),
                ("efficiency", "discriminative_efficiency"))},
            **{name: figures[name] or 0.0
               for name in ("sd", "discrimination_index", "discriminative_efficiency")},
        }

    def _distractors(self, item, count, chosen):
        """One line an option of the item (and one for "no answer" if any), with how often it
        was chosen overall and by the top and bottom thirds (k attempts each)."""
        third = count // 3
        options = item.option_ids.filtered(lambda option: option.active or option.id in chosen)
        key_top = sum(chosen.get(option.id, (0, 0, 0))[1] for option in options if option.is_correct)
        lines = []
        for option in [*options, None]:
            times, top, bottom = chosen.get(option.id if option else None, (0, 0, 0))
            if option is None and not times:
                continue
            is_key = bool(option and option.is_correct)
            lines.append((0, 0, {
                "option_id": option.id if option else False, "is_key": is_key,
                "sequence": option.sequence if option else 10**6,
                "chosen_count": times, "chosen_percent": 100.0 * times / count if count else 0.0,
                "top_count": top, "top_percent": 100.0 * top / third if third else 0.0,
                "bottom_count": bottom, "bottom_percent": 100.0 * bottom / third if third else 0.0,
                "beats_key": bool(option) and not is_key and top > key_top,
            }))
        return {"top_group_size": third, "option_ids": lines}

    def _flags(self, vals):
        flags = {
            "flag_negative": vals["has_discrimination"] and vals["discrimination_index"] < 0,
            "flag_low_efficiency": (vals["has_efficiency"]
                                    and vals["discriminative_efficiency"] < LOW_EFFICIENCY),
            "flag_nobody_right": vals["correct_count"] == 0,
            "flag_everybody_right": vals["correct_count"] == vals["attempt_count"],
            "flag_distractor": any(line[2]["beats_key"] for line in vals["option_ids"]),
        }
        threshold = f"{LOW_EFFICIENCY:g}"  # Babel reads the arguments of _(): no f-string there
        reasons = {
            "flag_negative": _("negative discrimination"),
            "flag_low_efficiency": _("efficiency under %(threshold)s %%", threshold=threshold),
            "flag_nobody_right": _("nobody right"),
            "flag_everybody_right": _("everybody right"),
            "flag_distractor": _("a distractor beats the key in the top third"),
        }
        return {**flags, "needs_review": any(flags.values()),
                "review_reasons": "; ".join(reasons[name] for name, on in flags.items() if on)}
