"""Correcting an answer key: the regrade preview lists exactly the attempts whose score
changes and whose result flips, changes nothing until confirmed; confirming regrades, keeps the
item's history and says on each regraded attempt why."""
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import TechAssessmentCase


@tagged("post_install", "-at_install")
class TestKeyChange(TechAssessmentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        topic = cls.env["assessment.topic"].create({"name": "Key topic"})
        cls.question = cls.env["assessment.question"].create({
            "name": "Key question", "topic_id": topic.id, "company_id": cls.company_a.id,
            "item_ids": [(0, 0, {
                "prompt": f"Key item {n}", "sequence": n,
                "option_ids": [(0, 0, {"text": text, "sequence": s, "is_correct": text == "Right"})
                               for s, text in enumerate(("Right", "Wrong", "Other"))],
            }) for n in range(1, 4)],
        })
        cls.items = cls.question.item_ids.sorted("sequence")
        cls.item = cls.items[0]
        line = [(0, 0, {"question_id": cls.question.id})]
        common = {"company_id": cls.company_a.id, "recording_required": "none",
                  "is_published": True, "line_ids": line}
        cls.all_correct = cls.env["assessment.assessment"].create(
            {"name": "Every item", "pass_rule": "all_correct", **common})
        cls.threshold = cls.env["assessment.assessment"].create(
            {"name": "Threshold 60", "pass_rule": "threshold", "pass_threshold": 60, **common})
        cls.attempts = {name: cls._attempt(assessment, answers, submit=name != "running")
                        for name, assessment, answers in (
            ("all_right", cls.all_correct, "RRR"),      # passes, then fails
            ("first_wrong", cls.all_correct, "WRR"),    # fails, then passes
            ("two_wrong", cls.all_correct, "WWR"),      # scores more, still fails
            ("other", cls.all_correct, "ORR"),          # not concerned
            ("unanswered", cls.all_correct, "-RR"),     # not concerned
            ("running", cls.all_correct, "W--"),        # score changes, no result yet
            ("t_right", cls.threshold, "RWW"),          # 1/3 -> 0/3, still fails
            ("t_wrong", cls.threshold, "WRW"),          # 1/3 -> 2/3 >= 60 %: passes
            ("t_pass", cls.threshold, "RRW"),           # 2/3 -> 1/3: fails
        )}
        cls.option = {text: cls.item.option_ids.filtered(lambda o, t=text: o.text == t)
                      for text in ("Right", "Wrong", "Other")}

    @classmethod
    def _attempt(cls, assessment, answers, submit=True):
        candidate = cls.env["assessment.candidate"].create(
            {"name": f"Key candidate {answers}", "email": "key@example.com"})
        attempt = cls.env["assessment.attempt"].create(
            {"candidate_id": candidate.id, "assessment_id": assessment.id})
        attempt._start()
        letters = {"R": "Right", "W": "Wrong", "O": "Other"}
        for item, letter in zip(cls.items, answers, strict=True):
            if letter != "-":
                option = item.option_ids.filtered(lambda o, t=letters[letter]: o.text == t)
                attempt._save_answer(item.id, option.id)
        if submit:
            attempt._submit()
        return attempt

    def _wizard(self, option="Wrong", reason="Wrong is the right answer after all", user=None):
        action = self.item.with_user(user or self.manager).action_change_key()
        Wizard = self.env["assessment.key.change.wizard"].with_user(user or self.manager)
        return Wizard.with_context(**action["context"]).create(
            {"new_option_id": self.option[option].id, "reason": reason})

    def _state(self):
        attempts = self.env["assessment.attempt"].browse([a.id for a in self.attempts.values()])
        self.env.invalidate_all()
        return {
            "key": self.item.option_ids.filtered("is_correct"),
            "scores": {name: (a.score, a.passed) for name, a in self.attempts.items()},
            "notes": self.env["mail.message"].search_count(
                [("model", "=", "assessment.attempt"), ("res_id", "in", attempts.ids)]),
            "history": len(self.item.key_change_ids),
            "option_writes": self.item.option_ids.mapped("write_date"),
        }

    def test_preview_lists_exactly_the_changes_and_changes_nothing(self):
        before = self._state()
        wizard = self._wizard()
        wizard.action_preview()
        rows = {line.attempt_id: (line.old_score, line.new_score, line.change)
                for line in wizard.line_ids}
        expected = {
            "all_right": (3, 2, "to_fail"),
            "first_wrong": (2, 3, "to_pass"),
            "two_wrong": (1, 2, "none"),
            "running": (0, 1, "none"),
            "t_right": (1, 0, "none"),
            "t_wrong": (1, 2, "to_pass"),
            "t_pass": (2, 1, "to_fail"),
        }
        self.assertEqual(rows, {self.attempts[name]: value for name, value in expected.items()})
        self.assertEqual((wizard.changed_count, wizard.now_passed_count, wizard.now_failed_count,
                          wizard.other_companies_count), (7, 2, 2, 0))
        self.assertEqual(self._state(), before, "a preview changes nothing")

        wizard.action_confirm()
        after = self._state()
        self.assertEqual(after["key"], self.option["Wrong"])
        for name in self.attempts:
            _old, new, change = expected.get(name, (None, None, None))
            score, passed = after["scores"][name]
            if new is None:
                self.assertEqual((score, passed), before["scores"][name], name)
                continue
            self.assertEqual(score, new, name)
            if change != "none":
                self.assertEqual(passed, change == "to_pass", name)
            else:
                self.assertEqual(passed, before["scores"][name][1], name)

    def test_history_and_notes(self):
        wizard = self._wizard(reason="B is also correct")
        wizard.action_preview()
        wizard.action_confirm()
        change = self.item.key_change_ids
        self.assertEqual(len(change), 1)
        self.assertEqual((change.user_id, change.old_key, change.new_key, change.reason),
                         (self.manager, "Right", "Wrong", "B is also correct"))
        self.assertEqual((change.regraded_count, change.now_passed_count, change.now_failed_count),
                         (7, 2, 2))
        self.assertTrue(change.date)
        for name, attempt in self.attempts.items():
            notes = attempt.message_ids.filtered(lambda m: "Regraded" in (m.body or ""))
            if name in ("other", "unanswered"):
                self.assertFalse(notes, name)
                continue
            self.assertEqual(len(notes), 1, name)
            self.assertEqual(notes.author_id, self.manager.partner_id)
            self.assertIn("B is also correct", notes.body)
            self.assertIn("Key item 1", notes.body)
        self.assertIn("Now failed", self.attempts["all_right"].message_ids[0].body)
        self.assertIn("score 3 → 2 out of 3", self.attempts["all_right"].message_ids[0].body)
        self.assertIn("Now passed", self.attempts["first_wrong"].message_ids[0].body)
        self.assertEqual(self.item.with_user(self.recruiter).key_change_ids, change,
                         "recruiters read the history")

    def test_confirm_needs_a_current_preview_and_a_reason(self):
        wizard = self._wizard(reason="")
        with self.assertRaisesRegex(UserError, "Preview"):
            wizard.action_confirm()
        wizard.action_preview()
        with self.assertRaisesRegex(UserError, "why"):
            wizard.action_confirm()
        wizard.reason = "Fixed"
        self._attempt(self.all_correct, "WWW")  # graded after the preview
        with self.assertRaisesRegex(UserError, "changed since the preview"):
            wizard.action_confirm()
        self.assertEqual(self.item.option_ids.filtered("is_correct"), self.option["Right"])
        wizard.action_preview()
        self.assertEqual(wizard.changed_count, 8)
        wizard.action_confirm()
        self.assertEqual(self.item.option_ids.filtered("is_correct"), self.option["Wrong"])
        # a second confirmation (a double click, a replayed request) changes nothing more
        wizard.action_confirm()
        self.assertEqual(len(self.item.key_change_ids), 1)

    def test_only_administrators_change_the_key(self):
        for user in (self.recruiter, self.portal_user, self.recruiter_b):
            with self.assertRaises(AccessError):
                self.item.with_user(user).action_change_key()
        wizard = self._wizard()
        for user in (self.recruiter, self.recruiter_b, self.portal_user):
            with self.assertRaises(AccessError):
                wizard.with_user(user).action_preview()
        with self.assertRaises(UserError):
            self._wizard(option="Right").action_preview()  # already the key: nothing to preview

    def test_a_direct_write_is_tracked_too(self):
        """The key written without the wizard (the form, an import, RPC) still leaves its
        history and its notes."""
        self.item.with_user(self.manager).write({"option_ids": [
            (1, self.option["Right"].id, {"is_correct": False}),
            (1, self.option["Other"].id, {"is_correct": True}),
        ]})
        change = self.item.key_change_ids
        self.assertEqual((change.old_key, change.new_key, change.reason), ("Right", "Other", False))
        # the three R on item 1 lose a point, "other" gains one
        self.assertEqual(change.regraded_count, 4)
        self.assertTrue(self.attempts["other"].message_ids.filtered(
            lambda m: "Regraded" in (m.body or "")))
        self.option["Other"].with_user(self.manager).write({"text": "Other (edited)"})
        self.assertEqual(len(self.item.key_change_ids), 1, "a text edit is not a key change")
        self.item.with_user(self.manager).points = 2
        self.assertEqual(len(self.item.key_change_ids), 2)
        self.assertEqual(self.item.key_change_ids.sorted("id")[-1].new_points, 2)

    def test_shared_question_other_companies_are_counted_not_listed(self):
        shared_question = self.question.copy({"company_id": False, "name": "Shared key question"})
        shared = self.env["assessment.assessment"].create({
            "name": "Shared", "company_id": False, "recording_required": "none",
            "is_published": True, "line_ids": [(0, 0, {"question_id": shared_question.id})]})
        item = shared_question.item_ids.sorted("sequence")[0]
        for company in (self.company_a, self.company_b):
            candidate = self.env["assessment.candidate"].create(
                {"name": f"Shared {company.name}", "company_id": company.id})
            attempt = self.env["assessment.attempt"].create({
                "candidate_id": candidate.id, "assessment_id": shared.id, "company_id": company.id})
            attempt._start()
            attempt._save_answer(item.id, item.option_ids.filtered(lambda o: o.text == "Right").id)
            attempt._submit()
        wizard = self.env["assessment.key.change.wizard"].with_user(self.manager).with_context(
            **item.with_user(self.manager).action_change_key()["context"]).create({
                "new_option_id": item.option_ids.filtered(lambda o: o.text == "Wrong").id,
                "reason": "shared"})
        wizard.action_preview()
        self.assertEqual((wizard.changed_count, wizard.other_companies_count), (2, 1))
        self.assertEqual(wizard.line_ids.attempt_id.company_id, self.company_a)
