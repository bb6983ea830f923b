"""Recruitment set-up for the bridge's tests: two companies, their officers, a job position
with an assessment and its own stages."""
from odoo.addons.tech_assessment.tests.common import TechAssessmentCommon
from odoo.tests import new_test_user


class RecruitmentCommon(TechAssessmentCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = cls._officer("hr_officer_a", cls.company_a)
        cls.officer_b = cls._officer("hr_officer_b", cls.company_b)
        cls.assessment = cls._make_assessment("Backend review", items=2,
                                              pass_rule="threshold", pass_threshold=50.0)
        Stage = cls.env["hr.recruitment.stage"]
        cls.stage_new = Stage.create({"name": "Applied (tests)", "sequence": 1})
        cls.stage_test = Stage.create({"name": "Technical test (tests)", "sequence": 2})
        cls.stage_passed = Stage.create({"name": "Interview (tests)", "sequence": 3})
        cls.stage_failed = Stage.create({"name": "Not retained (tests)", "sequence": 4})
        cls.job = cls.env["hr.job"].create({
            "name": "Backend developer", "company_id": cls.company_a.id,
            "assessment_id": cls.assessment.id,
        })

    @classmethod
    def _officer(cls, login, company):
        return new_test_user(
            cls.env, login=login, password=login,  # the tours log in with it
            groups="hr_recruitment.group_hr_recruitment_user", company_id=company.id,
            company_ids=[(6, 0, company.ids)], email=f"{login}@example.com")

    @classmethod
    def _applicant(cls, name, email, job=None, partner=None, stage=None, company=None):
        values = {"name": f"{name}'s application", "partner_name": name, "email_from": email,
                  "job_id": (job or cls.job).id, "stage_id": (stage or cls.stage_new).id}
        if partner:
            values["partner_id"] = partner.id
        if company:
            values["company_id"] = company.id
        return cls.env["hr.applicant"].create(values)
