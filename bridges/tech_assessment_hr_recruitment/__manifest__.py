{
    "name": "Technical Assessments for Recruitment",
    "summary": "Send technical assessments to job applicants and see their results in the "
    "hiring pipeline",
    "version": "17.0.1.0.0",
    "category": "Human Resources/Recruitment",
    "author": "tech_assessment team",
    "website": "https://example.com/tech_assessment",
    "license": "LGPL-3",
    "depends": ["tech_assessment", "hr_recruitment"],
    "data": [
        "security/tech_assessment_hr_recruitment_security.xml",
        "data/ir_cron_data.xml",
        "wizard/assessment_invite_wizard_views.xml",
        "views/hr_job_views.xml",
        "views/hr_applicant_views.xml",
        "views/assessment_attempt_views.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "tech_assessment_hr_recruitment/static/tests/tours/*.js",
        ],
    },
    "auto_install": True,
}
