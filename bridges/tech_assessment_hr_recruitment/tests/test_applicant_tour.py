from odoo.addons.tech_assessment.tests.common import TOUR_TIMEOUT, TechAssessmentHttpCase
from odoo.tests import tagged

from .common import RecruitmentCommon


@tagged("post_install", "-at_install")
class TestApplicantTour(RecruitmentCommon, TechAssessmentHttpCase):

    def test_send_assessment_from_the_applicant_form(self):
        """A recruitment officer sends the position's assessment from the applicant's form:
        the wizard opens prefilled, the invitation goes, the form shows the status and the
        smart button to the attempt."""
        applicant = self._applicant("Margaret Hamilton", "margaret@example.com")
        self.start_tour(f"/web#id={applicant.id}&model=hr.applicant&view_type=form",
                        "tech_assessment_hr_send_assessment", login="hr_officer_a",
                        timeout=TOUR_TIMEOUT)
        attempt = applicant.assessment_attempt_ids
        self.assertEqual(attempt.assessment_id, self.assessment)
        self.assertEqual(attempt.candidate_id.email, "margaret@example.com")
