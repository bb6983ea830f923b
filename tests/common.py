"""Shared set-up for the module's tests: users of each role, in two companies."""
import re

import odoo.http
from odoo.tests import HttpCase, TransactionCase, new_test_user

# The first page of a run builds the frontend and test asset bundles: slow on 2 cores.
TOUR_TIMEOUT = 300


def csrf_from_page(html):
    """The CSRF token a rendered page carries in its forms."""
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


class TechAssessmentCommon:
    """Mixin: creates a manager, a recruiter, a plain internal user and a portal user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.ref("base.main_company")
        cls.company_b = cls.env["res.company"].create({"name": "Company B (tests)"})
        cls.manager = cls._new_user("ta_manager", "tech_assessment.group_assessment_admin")
        cls.recruiter = cls._new_user("ta_recruiter", "tech_assessment.group_assessment_user")
        cls.recruiter_b = cls._new_user(
            "ta_recruiter_b", "tech_assessment.group_assessment_user", company=cls.company_b
        )
        cls.internal = cls._new_user("ta_internal", "base.group_user")
        cls.portal_user = cls._new_user("ta_portal", "base.group_portal")

    @classmethod
    def _new_user(cls, login, groups, company=None):
        company = company or cls.company_a
        return new_test_user(
            cls.env, login=login, groups=groups, password=login + "-pass",
            company_id=company.id, company_ids=[(6, 0, company.ids)],
            email=f"{login}@example.com",
        )

    @classmethod
    def _make_question(cls, name="Test question", company=None, items=1, topic=None):
        """A question with `items` single-choice items of two options (first one correct)."""
        topic = topic or cls.env["assessment.topic"].create({"name": f"Topic of {name}"})
        return cls.env["assessment.question"].create({
            "name": name,
            "topic_id": topic.id,
            "company_id": company.id if company else False,
            "item_ids": [
                (0, 0, {
                    "prompt": f"Item {n}",
                    "sequence": n,
                    "explanation": f"Item {n} is answered by its first option, for reason {n}.",
                    "option_ids": [
                        (0, 0, {"text": "Right", "is_correct": True, "sequence": 1}),
                        (0, 0, {"text": "Wrong", "is_correct": False, "sequence": 2}),
                    ],
                })
                for n in range(1, items + 1)
            ],
        })


    @classmethod
    def _make_assessment(cls, name, items=2, company=None, **values):
        """A published assessment of one new question of `items` items (no recording unless
        `values` say otherwise)."""
        question = cls._make_question(name, company=company, items=items)
        return cls.env["assessment.assessment"].create({
            "name": name, "company_id": company.id if company else False,
            "recording_required": "none", "is_published": True,
            "line_ids": [(0, 0, {"question_id": question.id})], **values,
        })


class TechAssessmentCase(TechAssessmentCommon, TransactionCase):
    pass


class TechAssessmentHttpCase(TechAssessmentCommon, HttpCase):
    # Chromium >= 128 ignores Odoo 17's "1366x768" --window-size; a comma works.
    browser_size = "1366,768"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Odoo computes its table of static folders lazily, on the first request for a static
        # file, without a lock: a browser's first parallel requests race in it, and CPython's
        # parser fails in one of them ("AST constructor recursion depth mismatch"), failing a
        # tour at random. Computed here first, in the process that serves the tests.
        len(odoo.http.root.statics)

    @classmethod
    def _setup_candidates(cls):
        """A portal user who is a candidate (login and password `ta_candidate`, as the tours
        log in), and another candidate."""
        cls.candidate_user = new_test_user(
            cls.env, login="ta_candidate", groups="base.group_portal", password="ta_candidate",
            email="ta_candidate@example.com", company_id=cls.company_a.id,
            company_ids=[(6, 0, cls.company_a.ids)],
        )
        cls.candidate = cls.env["assessment.candidate"].create({
            "name": "Casey", "partner_id": cls.candidate_user.partner_id.id,
        })
        cls.other_candidate = cls.env["assessment.candidate"].create(
            {"name": "Other", "email": "other@example.com"}
        )
