from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import TechAssessmentCase, TechAssessmentHttpCase


@tagged("post_install", "-at_install")
class TestInstall(TechAssessmentCase):
    def test_module_installed(self):
        module = self.env["ir.module.module"].search([("name", "=", "tech_assessment")])
        self.assertEqual(module.state, "installed")
        self.assertTrue(module.application)

    def test_admin_group_implies_user_group(self):
        admin_group = self.env.ref("tech_assessment.group_assessment_admin")
        user_group = self.env.ref("tech_assessment.group_assessment_user")
        self.assertIn(user_group, admin_group.implied_ids)
        self.assertTrue(self.manager.has_group("tech_assessment.group_assessment_user"))
        self.assertFalse(self.recruiter.has_group("tech_assessment.group_assessment_admin"))
        self.assertEqual(admin_group.category_id.name, "Assessments")

    def test_menu_visible_only_to_assessment_users(self):
        root = self.env.ref("tech_assessment.menu_assessment_root")
        visible_for = {
            user: root.id in self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
            for user in (self.manager, self.recruiter, self.internal)
        }
        self.assertEqual(visible_for, {self.manager: True, self.recruiter: True, self.internal: False})

    def test_internal_user_cannot_open_the_menu_action(self):
        action = self.env.ref("tech_assessment.assessment_assessment_action")
        with self.assertRaises(AccessError):
            self.env["assessment.assessment"].with_user(self.internal).search([])
        # The action record itself is readable by everybody: what protects the data is the ACL.
        self.assertEqual(action.res_model, "assessment.assessment")

    def test_demo_users_exist(self):
        recruiter = self.env.ref("tech_assessment.user_recruiter")
        candidate = self.env.ref("tech_assessment.user_candidate")
        self.assertEqual(recruiter.login, "recruiter")
        self.assertTrue(recruiter.has_group("tech_assessment.group_assessment_user"))
        self.assertEqual(candidate.login, "candidate")
        self.assertTrue(candidate.has_group("base.group_portal"))
        self.assertFalse(candidate.has_group("base.group_user"))


@tagged("post_install", "-at_install")
class TestBackendBrowser(TechAssessmentHttpCase):
    def test_demo_recruiter_opens_assessments_menu(self):
        """Log in as the demo recruiter in a real Chromium and walk the Assessments menu."""
        self.start_tour("/web", "tech_assessment_backend_menu", login="recruiter")

    def test_login_page_answers(self):
        response = self.url_open("/web/login")
        self.assertEqual(response.status_code, 200)
