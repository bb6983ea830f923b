from lxml import etree

from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import TechAssessmentCase, TechAssessmentHttpCase

REPORT = "tech_assessment.action_report_assessment_attempt"
SECRET = "EXPLANATION-MUST-NOT-BE-PRINTED"


@tagged("post_install", "-at_install")
class TestAttemptReport(TechAssessmentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.topic_a = cls.env["assessment.topic"].create({"name": "Report Topic Alpha"})
        cls.topic_b = cls.env["assessment.topic"].create({"name": "Report Topic Beta"})
        cls.question_a = cls._make_question("Report question A", items=2, topic=cls.topic_a)
        cls.question_b = cls._make_question("Report question B", items=1, topic=cls.topic_b)
        (cls.question_a | cls.question_b).item_ids.write({"explanation": f"<p>{SECRET}</p>"})
        cls.assessment = cls.env["assessment.assessment"].create({
            "name": "Report Test Assessment",
            "recording_required": "none",
            "pass_rule": "threshold",
            "pass_threshold": 60.0,
            "line_ids": [
                (0, 0, {"sequence": 1, "question_id": cls.question_a.id}),
                (0, 0, {"sequence": 2, "question_id": cls.question_b.id}),
            ],
        })
        cls.assessment.action_publish()
        cls.candidate = cls.env["assessment.candidate"].create({
            "name": "Rhea Reported", "email": "rhea.reported@example.com",
        })

    def _finished_attempt(self):
        attempt = self.env["assessment.attempt"].create({
            "candidate_id": self.candidate.id,
            "assessment_id": self.assessment.id,
        })
        attempt._start()
        items_a = self.question_a.item_ids.sorted("sequence")
        right = lambda item: item.option_ids.filtered("is_correct")  # noqa: E731
        wrong = lambda item: item.option_ids.filtered(lambda o: not o.is_correct)  # noqa: E731
        attempt._save_answer(items_a[0], right(items_a[0]))
        attempt._save_answer(items_a[1], wrong(items_a[1]))
        attempt._save_answer(self.question_b.item_ids, right(self.question_b.item_ids))
        attempt.action_submit()
        return attempt

    def _render(self, attempt, user=None):
        env = self.env(user=user) if user else self.env
        html, report_type = env["ir.actions.report"]._render_qweb_html(REPORT, attempt.ids)
        self.assertEqual(report_type, "html")
        return html.decode()

    def test_report_action(self):
        report = self.env.ref(REPORT)
        self.assertEqual(report.model, "assessment.attempt")
        self.assertEqual(report.report_type, "qweb-pdf")
        self.assertEqual(report.binding_model_id.model, "assessment.attempt")

    def test_report_of_a_finished_attempt(self):
        attempt = self._finished_attempt()
        self.assertEqual(attempt.state, "submitted")
        self.assertEqual((attempt.score, attempt.max_score), (2.0, 3.0))
        self.assertTrue(attempt.passed)
        html = self._render(attempt, user=self.recruiter)
        self.assertIn("Rhea Reported", html)
        self.assertIn("Report Test Assessment", html)
        self.assertIn("2 / 3", html)
        self.assertIn("66.67%", html)
        self.assertIn("PASSED", html)
        self.assertIn("Report Topic Alpha", html)
        self.assertIn("Report Topic Beta", html)
        self.assertIn("Report question A", html)
        self.assertIn("Item 1", html)
        self.assertIn("Correct", html)
        self.assertIn("Incorrect", html)
        self.assertNotIn(SECRET, html)
        # One row per topic in the breakdown, one row per answer.
        tree = etree.fromstring(html, etree.HTMLParser())
        self.assertEqual(len(tree.xpath("//table[@name='topics']/tbody/tr")), 2)
        rows = tree.xpath("//table[@name='answers']/tbody/tr[not(contains(@class, 'table-light'))]")
        self.assertEqual(len(rows), 3)

    def test_report_of_a_failed_attempt(self):
        self.assessment.pass_rule = "all_correct"
        attempt = self._finished_attempt()
        self.assertFalse(attempt.passed)
        html = self._render(attempt)
        self.assertIn("FAILED", html)
        self.assertNotIn("PASSED", html)

    def test_report_of_an_invited_attempt(self):
        attempt = self.env["assessment.attempt"].create({
            "candidate_id": self.candidate.id,
            "assessment_id": self.assessment.id,
        })
        html = self._render(attempt)
        self.assertIn("Rhea Reported", html)
        self.assertIn("has not started", html)
        self.assertNotIn("PASSED", html)
        self.assertNotIn("FAILED", html)

    def test_report_file_name(self):
        attempt = self._finished_attempt()
        report = self.env.ref(REPORT)
        self.assertEqual(safe_eval(report.print_report_name, {"object": attempt}),
                         f"Result - {attempt.name}")


@tagged("post_install", "-at_install")
class TestViews(TechAssessmentCase):
    """Every view of the HR side loads for a recruiter (fields, groups and modifiers check out)."""

    def _check_views(self, model, view_types, user=None):
        env = self.env(user=user or self.recruiter)
        result = env[model].get_views([(False, view_type) for view_type in view_types])
        for view_type in view_types:
            key = "list" if view_type == "tree" else view_type
            self.assertIn(key, result["views"], f"{model}: no {view_type} view")
            self.assertTrue(result["views"][key]["arch"])
        return result

    def test_candidate_views(self):
        result = self._check_views("assessment.candidate", ["kanban", "list", "form", "search"])
        self.assertIn("action_invite", result["views"]["form"]["arch"])
        self.assertIn("action_open_attempts", result["views"]["form"]["arch"])

    def test_attempt_views(self):
        result = self._check_views(
            "assessment.attempt", ["list", "form", "pivot", "graph", "search"]
        )
        form = result["views"]["form"]["arch"]
        for anchor in ("action_submit", "action_cancel", "action_reset_to_invited",
                       'name="proctoring"', "answer_ids"):
            self.assertIn(anchor, form)
        self.assertIn("pass_rate", result["views"]["graph"]["arch"])

    def test_answer_views(self):
        result = self._check_views("assessment.answer", ["pivot", "graph", "search"])
        self.assertIn("correct_rate", result["views"]["pivot"]["arch"])

    def test_wizard_view(self):
        result = self._check_views("assessment.invite.wizard", ["form"])
        self.assertIn("action_invite", result["views"]["form"]["arch"])

    def test_partner_smart_button_only_for_assessment_users(self):
        arch = self._check_views("res.partner", ["form"])["views"]["form"]["arch"]
        self.assertIn("action_open_assessment_attempts", arch)
        result = self._check_views("res.partner", ["form"], user=self.internal)
        arch = result["views"]["form"]["arch"]
        self.assertNotIn("action_open_assessment_attempts", arch)

    def test_demo_partner_attempt_count(self):
        partner = self.env.ref("tech_assessment.partner_candidate", raise_if_not_found=False)
        if not partner:
            self.skipTest("demo data not installed")
        partner = partner.with_user(self.recruiter)
        self.assertGreaterEqual(partner.assessment_attempt_count, 1)
        action = partner.action_open_assessment_attempts()
        self.assertEqual(action["res_model"], "assessment.attempt")

    def test_actions_and_menus(self):
        for xmlid in ("assessment_candidate_action", "assessment_attempt_action",
                      "assessment_attempt_analysis_action", "assessment_answer_analysis_action"):
            action = self.env.ref(f"tech_assessment.{xmlid}")
            self.assertTrue(action.res_model)
        menus = self.env["ir.ui.menu"].with_user(self.recruiter)._visible_menu_ids()
        for xmlid in ("menu_assessment_candidates", "menu_assessment_attempts",
                      "menu_assessment_reporting", "menu_assessment_report_pass_rate",
                      "menu_assessment_report_hardest_items"):
            self.assertIn(self.env.ref(f"tech_assessment.{xmlid}").id, menus, xmlid)
        self.assertNotIn(self.env.ref("tech_assessment.menu_assessment_topics").id, menus)


# Waits for a selector in the web client, then reports success; any JS error fails the test.
WAIT_FOR = """
(function (selector) {
    let tries = 200;
    const timer = setInterval(() => {
        if (document.querySelector(selector)) {
            clearInterval(timer);
            console.log("test successful");
        } else if (--tries <= 0) {
            clearInterval(timer);
            console.error("not rendered: " + selector);
        }
    }, 100);
})(%r);
"""


@tagged("post_install", "-at_install")
class TestDemoBackendViewsBrowser(TechAssessmentHttpCase):
    """The HR views render in a real web client, as the demo recruiter, without JS errors."""

    def _open(self, url, selector):
        self.browser_js(url, WAIT_FOR % selector, ready="odoo.isReady", login="recruiter")

    def setUp(self):
        super().setUp()
        if not self.env.ref("tech_assessment.user_recruiter", raise_if_not_found=False):
            self.skipTest("demo data not installed")

    def test_candidate_views_render(self):
        casey = self.env.ref("tech_assessment.candidate_casey")
        self._open("/web#action=tech_assessment.assessment_candidate_action&view_type=kanban",
                   ".o_kanban_record:not(.o_kanban_ghost)")
        self._open(f"/web#model=assessment.candidate&id={casey.id}&view_type=form",
                   ".o_form_view .o_field_widget[name=attempt_ids] .o_data_row")

    def test_attempt_views_render(self):
        attempt = self.env.ref("tech_assessment.attempt_casey_backend")
        self._open("/web#action=tech_assessment.assessment_attempt_action&view_type=list",
                   ".o_list_view .o_data_row")
        self._open(f"/web#model=assessment.attempt&id={attempt.id}&view_type=form",
                   ".o_form_view .o_statusbar_status")

    def test_reporting_views_render(self):
        self._open("/web#action=tech_assessment.assessment_attempt_analysis_action&view_type=pivot",
                   ".o_pivot")
        self._open("/web#action=tech_assessment.assessment_attempt_analysis_action&view_type=graph",
                   ".o_graph_renderer")
        self._open("/web#action=tech_assessment.assessment_answer_analysis_action&view_type=pivot",
                   ".o_pivot")

    def test_partner_smart_button_renders(self):
        partner = self.env.ref("tech_assessment.partner_candidate")
        self._open(f"/web#model=res.partner&id={partner.id}&view_type=form",
                   "button[name=action_open_assessment_attempts]")
