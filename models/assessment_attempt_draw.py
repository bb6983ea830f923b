"""The attempt's form: its fixed questions and the questions its draws picked, chosen once at
the start with the attempt's stored seed and frozen on its answer lines (a reload, a regrade
or an edit of the bank never changes it)."""
import random

from odoo import _, models


class AssessmentAttempt(models.Model):
    _inherit = "assessment.attempt"

    def _prepare_answer_lines(self, seed):
        shuffle = self.assessment_id.shuffle_options
        rng = random.Random(seed)
        questions = self._draw_questions(seed)
        values = []
        for sequence, item in enumerate(questions.item_ids, start=1):
            option_ids = item.option_ids.ids
            if shuffle:
                rng.shuffle(option_ids)
            values.append({
                "attempt_id": self.id,
                "item_id": item.id,
                "sequence": sequence,
                "option_order": ",".join(map(str, option_ids)),
            })
        return values

    def _draw_questions(self, seed):
        """The questions of this attempt in the assessment's order: fixed ones as they are,
        each draw's picked without repetition (a draw with a difficulty first, so that a draw
        of the whole topic cannot take the questions it needs). A few queries whatever the
        size of the pools: one search a draw, one count of exposures."""
        self.ensure_one()
        assessment = self.assessment_id
        lines = assessment.line_ids.sorted()
        draws = lines.filtered(lambda line: line.line_type == "draw")
        Question = self.env["assessment.question"].sudo()
        if not draws:
            return lines.question_id
        pools = {line.id: line._pool_ids(exclude_retired=False) for line in draws}
        exposures = assessment._exposures(set().union(*pools.values()))
        retired = assessment._retired_question_ids(list(exposures), exposures=exposures)
        rng = random.Random(f"{seed}:draw")  # its own stream: option orders stay as they were
        taken = set(lines.question_id.ids)
        picked, short = {}, []
        for line in draws.sorted(lambda line: (not line.draw_difficulty, line.sequence, line.id)):
            free = [qid for qid in pools[line.id] if qid not in taken]
            fresh = [qid for qid in free if qid not in retired]
            chosen = rng.sample(fresh, min(line.draw_count, len(fresh)))
            if len(chosen) < line.draw_count:
                # The caps retired too many questions since publication: the least shown
                # retired ones complete the form rather than refuse the candidate's start.
                spare = sorted((qid for qid in free if qid in retired),
                               key=lambda qid: (exposures[qid][0], qid))
                chosen += spare[:line.draw_count - len(chosen)]
                short.append(line)
            picked[line.id] = chosen
            taken.update(chosen)
        if short:
            self.sudo().message_post(body=_(
                "Too few questions left under the exposure caps in %(pools)s: questions that "
                "reached their cap completed this attempt's form.",
                pools=", ".join(line._pool_label() for line in short)))
        ordered = []
        for line in lines:
            ordered += picked[line.id] if line.line_type == "draw" else line.question_id.ids
        return Question.browse(ordered)
