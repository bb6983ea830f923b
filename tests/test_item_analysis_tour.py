"""The item analysis in the browser: the chart (Owl and Chart.js), the sortable table, an
item's distractors."""
from odoo.tests import new_test_user, tagged

from .common import TOUR_TIMEOUT, TechAssessmentHttpCase


@tagged("post_install", "-at_install")
class TestItemAnalysisTour(TechAssessmentHttpCase):
    def test_recruiter_reads_the_item_analysis(self):
        new_test_user(self.env, login="ta_analysis_recruiter", password="ta_analysis_recruiter",
                      groups="tech_assessment.group_assessment_user")
        assessment = self._make_assessment("Analysed in the browser", items=3)
        first, second, third = assessment.question_ids.item_ids.sorted("sequence")
        for n in range(4):  # items 1 and 2 right in turn (drawn), item 3 right for nobody
            candidate = self.env["assessment.candidate"].create({"name": f"Browser {n}"})
            attempt = self.env["assessment.attempt"].create(
                {"candidate_id": candidate.id, "assessment_id": assessment.id})
            attempt._start()
            attempt._save_answer(first.id, first.option_ids[n % 2].id)
            attempt._save_answer(second.id, second.option_ids[n // 2].id)
            attempt._save_answer(third.id, third.option_ids[1].id)
            attempt._submit()
        self.start_tour(f"/web#id={assessment.id}&model=assessment.assessment&view_type=form",
                        "tech_assessment_item_analysis", login="ta_analysis_recruiter",
                        timeout=TOUR_TIMEOUT)
        analysis = self.env["assessment.analysis"].search([("assessment_id", "=", assessment.id)])
        self.assertEqual(analysis.attempt_count, 4)
