"""The seed as corrected in issue 16 (demo data): one defensible answer an item, explanations
right for Odoo 17 and PostgreSQL, a note of each correction, options still shuffled."""
from odoo.tests import tagged

from .common import TechAssessmentCase

SEED = "tech_assessment.assessment_backend_engineering"
CORRECTED = {"item_q1_a", "item_q2_b", "item_q3_a", "item_q3_b", "item_q3_c", "item_q4_c",
             "item_q5_b"}
CHECKED = {"item_q1_b", "item_q1_c", "item_q6_b"}  # reworded for surface cues


@tagged("post_install", "-at_install")
class TestDemoSeedCorrections(TechAssessmentCase):
    def setUp(self):
        super().setUp()
        self.assessment = self.env.ref(SEED, raise_if_not_found=False)
        if not self.assessment:
            self.skipTest("the seed ships as demo data")

    def _item(self, name):
        return self.env.ref(f"tech_assessment.{name}")

    def _texts(self, name):
        item = self._item(name)
        return item, str(item.explanation), item.option_ids.mapped("text")

    def test_demo_q1_a_has_one_defensible_answer(self):
        item, explanation, texts = self._texts("item_q1_a")
        key = item.option_ids.filtered("is_correct")
        self.assertIn('rsplit("|", 1)', key.text)
        self.assertIn("last segment", key.text)
        self.assertFalse([text for text in texts if text.startswith("Keep raw.split")],
                         "keeping split is defensible: it is no longer offered")
        self.assertFalse([text for text in texts if "parsed cleanly" in text])
        self.assertIn("first segment", texts[0])  # split("|", 1) now rests on a false premise
        self.assertIn("isoformat() never emits a pipe", explanation)
        self.assertNotIn("even if the datetime portion ever contains a pipe", explanation)

    def test_demo_explanations_right_for_odoo_and_postgresql(self):
        _item, q4c, _texts = self._texts("item_q4_c")
        self.assertNotIn("cannot be bypassed even with sudo()", q4c)
        self.assertIn("sudo() skips every rule", q4c)
        self.assertIn("_apply_ir_rules", q4c)
        _item, q5b, _texts = self._texts("item_q5_b")
        self.assertNotIn("no lock", q5b)
        self.assertIn("ACCESS EXCLUSIVE", q5b)
        _item, q3b, q3b_options = self._texts("item_q3_b")
        self.assertIn("unique constraint on (tenant_id, external_id)", q3b)
        self.assertIn("enclosing transaction", q3b)
        self.assertTrue(all("roll" in text for text in q3b_options),
                        "every option is about rolling back: no surface cue")
        _item, q3c, _texts = self._texts("item_q3_c")
        self.assertNotIn("A savepoint keeps the insert invisible", q3c)
        self.assertIn("enclosing transaction", q3c)
        self.assertIn("autocommit", str(self.env.ref("tech_assessment.question_q3_atomic").scenario))

    def test_demo_corrections_are_noted_on_their_items(self):
        items = self.assessment.question_ids.item_ids
        noted = {item.get_external_id()[item.id].split(".")[1]
                 for item in items if item.correction_note}
        self.assertEqual(noted, CORRECTED | CHECKED)
        for name in CORRECTED:
            self.assertTrue(self._item(name).correction_note.startswith("Corrected (issue 16)"))

    def test_demo_items_stay_single_choice_and_balanced(self):
        for item in self.assessment.question_ids.item_ids:
            key = item.option_ids.filtered("is_correct")
            self.assertEqual(len(key), 1, item.prompt)
            self.assertEqual(len(set(item.option_ids.mapped("text"))), 4, item.prompt)
            # a key much longer than every distractor would be a surface cue
            longest_other = max(len(text) for text in (item.option_ids - key).mapped("text"))
            self.assertLessEqual(len(key.text), 1.1 * longest_other, item.prompt)

    def test_demo_options_still_shuffle(self):
        self.assertTrue(self.assessment.shuffle_options)
        attempt = self.env["assessment.attempt"].new({"assessment_id": self.assessment.id})
        orders = [[line["option_order"] for line in attempt._prepare_answer_lines(seed)]
                  for seed in (1, 2)]
        self.assertNotEqual(orders[0], orders[1])

    def test_demo_candidates_see_the_corrected_explanations(self):
        revealed = self.assessment.copy({"name": "Seed revealed", "recording_required": "none",
                                         "reveal_answers": True, "is_published": True})
        candidate = self.env["assessment.candidate"].create({"name": "Reader", "email": "r@example.com"})
        attempt = self.env["assessment.attempt"].create(
            {"candidate_id": candidate.id, "assessment_id": revealed.id})
        attempt._start()
        attempt._submit()
        review = {row["prompt"]: str(row["explanation"]) for row in attempt._candidate_result()["review"]}
        self.assertIn("ACCESS EXCLUSIVE", review[self._item("item_q5_b").prompt])
        self.assertIn("sudo() skips every rule", review[self._item("item_q4_c").prompt])
