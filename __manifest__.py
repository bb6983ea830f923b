{
    "name": "Technical Assessments",
    "summary": "Proctored code-review assessments for job candidates: question bank, "
    "timed portal tests, scoring and recordings",
    "version": "17.0.1.0.0",
    "category": "Human Resources/Recruitment",
    "author": "tech_assessment team",
    "website": "https://example.com/tech_assessment",
    "license": "LGPL-3",
    "depends": ["mail", "portal"],
    "external_dependencies": {"python": ["pygments"]},
    "data": [
        "security/tech_assessment_groups.xml",
        "security/ir.model.access.csv",
        "security/tech_assessment_rules.xml",
        "data/ir_cron_data.xml",
        "data/mail_template_data.xml",
        "report/assessment_attempt_report.xml",
        "wizard/assessment_invite_wizard_views.xml",
        "views/assessment_topic_views.xml",
        "views/assessment_question_views.xml",
        "views/assessment_templates.xml",
        "views/assessment_assessment_views.xml",
        "views/assessment_candidate_views.xml",
        "views/assessment_attempt_views.xml",
        "views/assessment_answer_views.xml",
        "views/res_partner_views.xml",
        "views/portal_templates.xml",
        "views/menus.xml",
    ],
    "demo": [
        "demo/res_users_demo.xml",
        "demo/assessment_demo.xml",
        "demo/assessment_candidate_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "tech_assessment/static/src/scss/code_highlight.scss",
        ],
        "web.assets_frontend": [
            "tech_assessment/static/src/scss/code_highlight.scss",
            "tech_assessment/static/src/scss/assessment_portal.scss",
            "tech_assessment/static/src/js/assessment_test.js",
        ],
        "web.report_assets_common": [
            "tech_assessment/static/src/scss/code_highlight.scss",
        ],
        "web.assets_tests": [
            "tech_assessment/static/tests/tours/*.js",
        ],
    },
    "application": True,
    "installable": True,
}
