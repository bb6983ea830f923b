"""Item analysis: every figure against an independent computation on a fixed response matrix.

The matrix has 12 candidates and 8 one-point items of three options (the key K and the
distractors A and B; "-" is no answer): items 1, 2 and 4 discriminate well, item 3 barely
(efficiency under 15 %), items 5 and 6 the wrong way (their top thirds also prefer a distractor
to the key: 3 against 1 for item 6's A), item 7 is right for everybody and item 8 for nobody.
The expected figures are computed here again from the matrix alone, with Python's `statistics`
module (sample variances, covariances and correlations), without reading anything the module
computed; a few are also written out as hand-checked fractions. (numpy is not in Odoo 17's
requirements, hence not in its environment: the standard library is the independent tool.)
"""
import math
import statistics

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import TechAssessmentCase

MATRIX = [
    "KKKKKAKA",
    "KKKKBBKB",
    "KKKKAKKA",
    "KKKAKAKB",
    "KKKKBAKA",
    "KKAKKKKB",
    "KAKBABKA",
    "KKBAKKKB",
    "ABKKBKKA",
    "BAABKKKB",
    "ABBAKKKA",
    "-ABAAKK-",
]
RETAKE = "KKKKKKKK"  # the first candidate's second attempt: only in "all attempts"


def independent_item_figures(rows):
    """Moodle's item figures from the letters alone: {item index: figures}."""
    marks = [[1 if letter == "K" else 0 for letter in row] for row in rows]
    totals = [sum(row) for row in marks]
    figures = {}
    for j in range(len(rows[0])):
        x = [row[j] for row in marks]
        rest = [total - mark for total, mark in zip(totals, x, strict=True)]
        var_x, var_rest = statistics.variance(x), statistics.variance(rest)
        cov = statistics.covariance(x, rest)
        cov_max = statistics.covariance(sorted(x), sorted(rest))
        figures[j] = {
            "attempt_count": len(x),
            "facility": 100 * statistics.mean(x),
            "sd": statistics.stdev(x),
            "discrimination_index": (100 * statistics.correlation(x, rest)
                                     if var_x and var_rest else None),
            "discriminative_efficiency": 100 * cov / cov_max if cov_max else None,
            "choices": independent_choices([row[j] for row in rows], rest),
        }
    return figures


def independent_choices(letters, rest):
    """{letter: (chosen, by the top third, by the bottom third)}, thirds by rest score
    (ties broken by the order of the attempts, as the module breaks them by attempt id)."""
    order = sorted(range(len(letters)), key=lambda i: (rest[i], i))
    third = len(letters) // 3
    bottom, top = set(order[:third]), set(order[len(order) - third:])
    return {letter: (letters.count(letter),
                     sum(1 for i in top if letters[i] == letter),
                     sum(1 for i in bottom if letters[i] == letter))
            for letter in "KAB-"}


def independent_test_figures(rows):
    marks = [[1 if letter == "K" else 0 for letter in row] for row in rows]
    totals = [sum(row) for row in marks]
    items = len(rows[0])
    item_variances = sum(statistics.variance([row[j] for row in marks]) for j in range(items))
    alpha = 100 * items / (items - 1) * (1 - item_variances / statistics.variance(totals))
    error_ratio = 100 * math.sqrt(1 - alpha / 100)
    return {"attempt_count": len(rows), "mean_score": statistics.mean(totals),
            "score_sd": statistics.stdev(totals), "alpha": alpha, "error_ratio": error_ratio,
            "standard_error": error_ratio * statistics.stdev(totals) / 100}


@tagged("post_install", "-at_install")
class TestItemAnalysis(TechAssessmentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        topic = cls.env["assessment.topic"].create({"name": "Analysis topic"})
        cls.question = cls.env["assessment.question"].create({
            "name": "Analysed question", "topic_id": topic.id,
            "item_ids": [(0, 0, {
                "prompt": f"Analysed item {n}", "sequence": n,
                "option_ids": [(0, 0, {"text": f"{letter}{n}", "sequence": s,
                                       "is_correct": letter == "K"})
                               for s, letter in enumerate("KAB")],
            }) for n in range(1, 9)],
        })
        cls.items = cls.question.item_ids.sorted("sequence")
        # shared (no company): attempts of company B must stay out of company A's analysis
        cls.assessment = cls.env["assessment.assessment"].create({
            "name": "Analysed assessment", "company_id": False, "recording_required": "none",
            "shuffle_options": True, "is_published": True,
            "line_ids": [(0, 0, {"question_id": cls.question.id})],
        })
        cls.candidates = cls.env["assessment.candidate"].create([
            {"name": f"Analysed {n}", "email": f"analysed{n}@example.com"} for n in range(12)])
        for candidate, row in zip(cls.candidates, MATRIX, strict=True):
            cls._take(candidate, row)
        cls._take(cls.candidates[0], RETAKE)
        cls._noise()

    @classmethod
    def _take(cls, candidate, row, company=None, submit=True):
        attempt = cls.env["assessment.attempt"].create({
            "candidate_id": candidate.id, "assessment_id": cls.assessment.id,
            "company_id": (company or cls.company_a).id,
        })
        attempt._start()
        for item, letter in zip(cls.items, row, strict=True):
            if letter != "-":
                option = item.option_ids.filtered(lambda o, letter=letter: o.text[0] == letter)
                attempt._save_answer(item.id, option.id)
        if submit:
            attempt._submit()
        return attempt

    @classmethod
    def _noise(cls):
        """Attempts that must not count: running, cancelled, never started, another company."""
        extra = cls.env["assessment.candidate"].create(
            [{"name": f"Noise {n}", "email": f"noise{n}@example.com"} for n in range(3)])
        cls._take(extra[0], RETAKE, submit=False)
        cls._take(extra[1], RETAKE, submit=False).action_cancel()
        cls.env["assessment.attempt"].create(
            {"candidate_id": extra[2].id, "assessment_id": cls.assessment.id})._expire()
        other = cls.env["assessment.candidate"].create(
            {"name": "Company B candidate", "email": "b@example.com", "company_id": cls.company_b.id})
        cls._take(other, "AAAAAAAA", company=cls.company_b)

    def _analysis(self, user=None, scope="first"):
        assessment = self.assessment.with_user(user or self.recruiter)
        analysis = assessment.env["assessment.analysis"].browse(
            assessment.action_open_item_analysis()["res_id"])
        if scope == "all":
            analysis.action_show_all_attempts()
        return analysis

    def _assert_matches(self, analysis, rows):
        expected = independent_item_figures(rows)
        lines = analysis.item_ids.sorted("position")
        self.assertEqual(lines.item_id, self.items)
        for j, line in enumerate(lines):
            figures = expected[j]
            with self.subTest(item=j + 1):
                self.assertEqual(line.attempt_count, figures["attempt_count"])
                self.assertAlmostEqual(line.facility, figures["facility"], places=9)
                self.assertAlmostEqual(line.sd, figures["sd"], places=9)
                for name in ("discrimination_index", "discriminative_efficiency"):
                    has = line[{"discrimination_index": "has_discrimination",
                                "discriminative_efficiency": "has_efficiency"}[name]]
                    self.assertEqual(has, figures[name] is not None, name)
                    if has:
                        self.assertAlmostEqual(line[name], figures[name], places=9, msg=name)
                self._assert_choices(line, figures["choices"])
        totals = independent_test_figures(rows)
        for name, value in totals.items():
            self.assertAlmostEqual(analysis[name], value, places=9, msg=name)
        self.assertEqual(analysis.item_count, 8)

    def _assert_choices(self, line, choices):
        by_letter = {(option.option_id.text or "-")[0]: option for option in line.option_ids}
        for letter, (chosen, top, bottom) in choices.items():
            option = by_letter.get(letter)
            if option is None:  # "no answer" has a line only when it happened
                self.assertEqual((letter, chosen), ("-", 0))
                continue
            self.assertEqual((option.chosen_count, option.top_count, option.bottom_count),
                             (chosen, top, bottom), f"option {letter}")
            self.assertEqual(option.is_key, letter == "K")
        self.assertEqual(line.top_group_size, line.attempt_count // 3)

    def test_figures_match_an_independent_computation(self):
        self._assert_matches(self._analysis(), MATRIX)

    def test_all_attempts_include_the_retake(self):
        analysis = self._analysis(scope="all")
        self.assertEqual(analysis.scope, "all")
        self._assert_matches(analysis, [*MATRIX, RETAKE])
        analysis.action_show_first_attempts()
        self._assert_matches(analysis, MATRIX)

    def test_hand_checked_figures(self):
        analysis = self._analysis()
        line = {item: analysis.item_ids.filtered(lambda x, i=item: x.item_id == i)
                for item in self.items}
        first, second, third, fourth, fifth, sixth = (line[item] for item in self.items[:6])
        # scores 6 5 6 5 5 6 3 5 4 3 3 2: mean 53/12, var 251/132; item variances sum to 19/12
        self.assertAlmostEqual(analysis.mean_score, 53 / 12)
        self.assertAlmostEqual(analysis.score_sd, math.sqrt(251 / 132))
        # alpha = 100 * 8/7 * (1 - (19/12) / (251/132)) = 100 * 336 / 1757
        self.assertAlmostEqual(analysis.alpha, 100 * 336 / 1757)
        self.assertAlmostEqual(analysis.error_ratio, 100 * math.sqrt(1 - 336 / 1757))
        self.assertAlmostEqual(first.facility, 100 * 8 / 12)
        self.assertAlmostEqual(first.discriminative_efficiency, 60.0)   # cov 3/11, cov_max 5/11
        self.assertAlmostEqual(second.discriminative_efficiency, 100.0)  # cov = cov_max = 25/66
        self.assertAlmostEqual(fourth.discriminative_efficiency, 100 * 5 / 11)
        self.assertAlmostEqual(fifth.discriminative_efficiency, -100 * 3 / 13)
        self.assertLess(sixth.discrimination_index, -50)
        self.assertTrue(0 < third.discrimination_index < 3)

    def test_flags(self):
        lines = self._analysis().item_ids.sorted("position")
        flagged = {line.label: {name for name in ("flag_negative", "flag_low_efficiency",
                                                  "flag_nobody_right", "flag_everybody_right",
                                                  "flag_distractor") if line[name]}
                   for line in lines}
        self.assertEqual(flagged, {
            "Q1.1": set(), "Q1.2": set(), "Q1.4": set(),
            "Q1.3": {"flag_low_efficiency"},
            "Q1.5": {"flag_negative", "flag_low_efficiency", "flag_distractor"},
            "Q1.6": {"flag_negative", "flag_low_efficiency", "flag_distractor"},
            "Q1.7": {"flag_everybody_right"},
            "Q1.8": {"flag_nobody_right", "flag_distractor"},
        })
        self.assertEqual(lines.filtered("needs_review").mapped("label"),
                         ["Q1.3", "Q1.5", "Q1.6", "Q1.7", "Q1.8"])
        sixth = lines.filtered(lambda line: line.label == "Q1.6")
        self.assertIn("negative discrimination", sixth.review_reasons)
        beating = sixth.option_ids.filtered("beats_key")
        self.assertEqual(beating.option_id.text, "A6")
        self.assertEqual((beating.top_count, sixth.option_ids.filtered("is_key").top_count), (3, 1))
        self.assertEqual(self._analysis().flagged_count, 5)

    def test_reliability_threshold(self):
        analysis = self._analysis()
        self.assertEqual(analysis.min_attempts, 30)
        self.assertFalse(analysis.reliable)
        self.assertFalse(any(analysis.item_ids.mapped("reliable")))
        self.env["ir.config_parameter"].set_param("tech_assessment.item_analysis_min_attempts", "12")
        analysis.action_refresh()
        self.assertTrue(analysis.reliable)
        self.assertTrue(all(analysis.item_ids.mapped("reliable")))

    def test_other_company_sees_only_its_attempts(self):
        analysis = self._analysis(user=self.recruiter_b)
        self.assertEqual(analysis.attempt_count, 1)
        self.assertEqual(analysis.item_ids.mapped("facility"), [0.0] * 8)
        self.assertEqual(analysis.companies, self.company_b.name)

    def test_access(self):
        analysis = self._analysis()
        for user in (self.portal_user, self.internal):
            with self.assertRaises(AccessError):
                self.assessment.with_user(user).action_open_item_analysis()
            with self.assertRaises(AccessError):
                analysis.with_user(user).read(["alpha"])
        with self.assertRaises(AccessError):
            analysis.with_user(self.recruiter_b).action_refresh()
        with self.assertRaises(AccessError):
            analysis.item_ids[:1].with_user(self.recruiter_b).read(["facility"])
        self.assertTrue(self._analysis(user=self.manager).item_ids)

    def test_an_assessment_without_results(self):
        empty = self._make_assessment("Nobody took it", items=2)
        analysis = self.env["assessment.analysis"].browse(
            empty.with_user(self.recruiter).action_open_item_analysis()["res_id"])
        self.assertEqual((analysis.attempt_count, analysis.item_count), (0, 0))
        self.assertFalse(analysis.item_ids)
        self.assertFalse(analysis.has_alpha)
