"""Question banks in and out: the Markdown format (the seed round trip), GIFT and Aiken
imports, errors with their lines and nothing written, idempotent re-imports."""
import base64
import io
import random
import re
import zipfile

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from ..tools import bank_markdown
from .common import TechAssessmentCase

GIFT_SAMPLE = """// Moodle's documented syntax: titles, feedback, escapes, categories
$CATEGORY: $course$/Imported/GIFT topic

::Capital::What is the capital of France? {
    =Paris#Right: the seat of government.
    ~Lyon#No, the third city.
    ~Marseille
}

::Escapes::Which one is the JSON of an empty object \\{\\}? {
    ~\\[\\]
    =\\{\\}
    ~null
    ####An object is written between braces.
}

The _____ clause sorts rows. {=ORDER BY ~GROUP BY ~HAVING} in SQL.
"""

GIFT_MALFORMED = """::Fine::A valid question {=yes ~no}

::Broken::No closing brace {=yes ~no

::TwoRight::Two right answers {=a =b ~c}

::TF::A true/false question {T}
"""

AIKEN_SAMPLE = """Is a covering index one that holds every column a query reads?
A. Yes
B. No
ANSWER: A

Which isolation level does PostgreSQL use by default?
A) READ UNCOMMITTED
B) READ COMMITTED
C) SERIALIZABLE
ANSWER: B
"""

AIKEN_MALFORMED = """A fine question?
A. yes
B. no
ANSWER: A

A question without its answer line?
A. one
B. two

Bad option letters?
A. one
C. three
ANSWER: Z
"""


@tagged("post_install", "-at_install")
class BankIoCase(TechAssessmentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Io = cls.env["assessment.bank.io"]
        cls.topic = cls.env["assessment.topic"].create({"name": "Import topic"})

    def _import(self, name, text, **kwargs):
        data = text.encode("utf-8") if isinstance(text, str) else text
        return self.Io._import(name, data, **kwargs)

    def _errors(self, name, data, **kwargs):
        data = data.encode("utf-8") if isinstance(data, str) else data
        _plan, errors = self.Io._prepare_import(name, data, **kwargs)
        return errors

    def _question_count(self):
        return self.env["assessment.question"].with_context(active_test=False).search_count([])


@tagged("post_install", "-at_install")
class TestMoodleFormats(BankIoCase):
    def test_gift_sample_imports_and_reimport_is_idempotent(self):
        plan = self._import("sample.gift", GIFT_SAMPLE, topic="Import topic")
        self.assertEqual([p[3] for p in plan if p[0] == "question"], ["create"] * 3)
        questions = self.env["assessment.question"].search(
            [("external_key", "in", [p[1] for p in plan if p[0] == "question"])])
        self.assertEqual(len(questions), 3)
        self.assertEqual(set(questions.topic_id.mapped("name")), {"GIFT topic"})
        capital = questions.filtered(lambda q: q.name == "Capital")
        item = capital.item_ids
        self.assertEqual(item.prompt, "What is the capital of France?")
        self.assertEqual(item.option_ids.mapped("text"), ["Paris", "Lyon", "Marseille"])
        self.assertEqual(item.option_ids.mapped("is_correct"), [True, False, False])
        self.assertIn("seat of government", item.explanation)
        escapes = questions.filtered(lambda q: q.name == "Escapes").item_ids
        self.assertEqual(escapes.prompt, "Which one is the JSON of an empty object {}?")
        self.assertEqual(escapes.option_ids.filtered("is_correct").text, "{}")
        self.assertIn("between braces", escapes.explanation)
        blank = questions - capital - escapes.question_id
        self.assertEqual(blank.item_ids.prompt, "The _____ clause sorts rows. _____ in SQL.")
        count = self._question_count()
        again = self._import("sample.gift", GIFT_SAMPLE, topic="Import topic")
        self.assertEqual({p[3] for p in again if p[0] == "question"}, {"unchanged"})
        self.assertEqual(self._question_count(), count)

    def test_malformed_gift_lists_its_lines_and_writes_nothing(self):
        count = self._question_count()
        errors = self._errors("bad.gift", GIFT_MALFORMED, topic="Import topic")
        lines = sorted(line for _file, line, _message in errors)
        self.assertEqual(lines, [3, 5, 7])
        with self.assertRaisesRegex(UserError, r"bad.gift, line 3: expected the answers"):
            self._import("bad.gift", GIFT_MALFORMED, topic="Import topic")
        self.assertEqual(self._question_count(), count)

    def test_aiken_sample_and_malformed_lines(self):
        plan = self._import("sample.txt", AIKEN_SAMPLE, topic="Import topic")
        keys = [p[1] for p in plan if p[0] == "question"]
        questions = self.env["assessment.question"].search([("external_key", "in", keys)])
        self.assertEqual(len(questions), 2)
        second = questions.filtered(lambda q: "isolation" in q.name).item_ids
        self.assertEqual(second.option_ids.filtered("is_correct").text, "READ COMMITTED")
        self.assertEqual(questions.topic_id, self.topic)
        count = self._question_count()
        errors = self._errors("bad.txt", AIKEN_MALFORMED, topic="Import topic")
        self.assertEqual(sorted(line for _f, line, _m in errors), [6, 12, 13],
                         errors)
        with self.assertRaises(UserError):
            self._import("bad.txt", AIKEN_MALFORMED, topic="Import topic")
        self.assertEqual(self._question_count(), count)
        self.assertEqual({p[3] for p in self._import("sample.txt", AIKEN_SAMPLE,
                                                     topic="Import topic")
                          if p[0] == "question"}, {"unchanged"})

    def test_any_bytes_give_a_clear_error_never_a_traceback(self):
        rng = random.Random(17)
        samples = [b"", b"\x00\x01", b"\xff\xfe\xfa", "caf\u00e9 \ud800".encode("utf-8", "surrogatepass"),
                   b"---\n" + b"a: &x [1]\nb: *x\n---\n", b"---\n" + b"[" * 5000 + b"\n---\n",
                   b"PK\x03\x04garbage", b"---\ntitle: x\n", GIFT_SAMPLE.encode()[:57]]
        samples += [bytes(rng.randrange(256) for _n in range(rng.randrange(1, 300)))
                    for _n in range(60)]
        samples += [GIFT_SAMPLE.encode()[:rng.randrange(len(GIFT_SAMPLE))] for _n in range(20)]
        messages = []
        for fmt in ("auto", "markdown", "gift", "aiken"):
            for data in samples:
                try:
                    self.Io._import("fuzz.bin", data, file_format=fmt, topic="Import topic")
                except UserError as exc:
                    messages.append(str(exc))
        self.assertGreater(len(messages), 3 * len(samples))
        self.assertTrue(all(re.search(r"fuzz.bin, line \d+: \w", message)
                            for message in messages), messages[:3])

    def test_a_zip_is_bounded_and_read_whole(self):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("one.gift", GIFT_SAMPLE)
            archive.writestr("two.txt", AIKEN_SAMPLE)
            archive.writestr("picture.png", b"\x89PNG")
        plan = self._import("bank.zip", buffer.getvalue(), topic="Import topic")
        self.assertEqual(len([p for p in plan if p[0] == "question"]), 5)
        bomb = io.BytesIO()
        with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
            for number in range(5):
                archive.writestr(f"big{number}.md", b"\n" * (6 * 1024 * 1024))
        self.assertLess(len(bomb.getvalue()), 200_000)
        with self.assertRaisesRegex(UserError, "MB"):
            self._import("bomb.zip", bomb.getvalue())

    def test_import_is_for_administrators(self):
        content = base64.b64encode(AIKEN_SAMPLE.encode()).decode()
        questions = self.env["assessment.question"]
        with self.assertRaises(AccessError):
            questions.with_user(self.recruiter).import_bank("a.txt", content, topic="Import topic")
        counts = questions.with_user(self.manager).import_bank("a.txt", content,
                                                               topic="Import topic")
        self.assertEqual(counts["create"], 2)
        with self.assertRaisesRegex(UserError, "base64"):
            questions.with_user(self.manager).import_bank("a.txt", "%%%")


@tagged("post_install", "-at_install")
class TestMarkdownFormat(BankIoCase):
    def test_markdown_errors_name_their_lines(self):
        text = "\n".join([
            "---", "key: k1", "title: One", "topic: Import topic", "difficulty: extreme", "---",
            "Scenario.", "", "```cobol main.cob", "MOVE A TO B.", "```", "",
            "## Item", "Prompt?", "- [ ] a", "- [ ] b", "stray text", "",
        ])
        errors = self._errors("one.md", text)
        by_line = {line: message for _file, line, message in errors}
        self.assertIn("difficulty", by_line[1])
        self.assertIn("language", by_line[9])
        self.assertIn("exactly one option", by_line[13])
        self.assertIn("expected an option", by_line[17])

    def test_a_bank_header_out_of_bounds_is_refused_before_writing(self):
        question = self._make_question("Headed", items=1, topic=self.topic)
        assessment = self.env["assessment.assessment"].create({
            "name": "Headed test", "company_id": False,
            "line_ids": [(0, 0, {"question_id": question.id}),
                         (0, 0, {"line_type": "draw", "draw_topic_id": self.topic.id})]})
        text = self.Io._export_markdown(question, assessment)
        self.assertIn("time_limit: 45", text)
        self.assertIn("draw:", text)
        count = self.env["assessment.assessment"].search_count([])
        bad = text.replace("time_limit: 45", "time_limit: 0").replace("count: 1", "count: -3")
        errors = self._errors("headed.md", bad)
        messages = " | ".join(message for _file, _line, message in errors)
        self.assertIn("'time_limit' must be from 1 to 600", messages)
        self.assertIn("a draw needs a known topic", messages)
        with self.assertRaises(UserError):
            self._import("headed.md", bad, company=self.company_b)
        self.assertEqual(self.env["assessment.assessment"].search_count([]), count)
        plan = self._import("headed.md", text, company=self.company_b)
        copy = self.env["assessment.assessment"].search(
            [("company_id", "=", self.company_b.id), ("external_key", "=", assessment.external_key)])
        self.assertEqual(copy.line_ids.mapped("line_type"), ["question", "draw"])
        self.assertEqual([p[3] for p in plan if p[0] == "assessment"], ["create"])

    def test_update_by_key_and_a_changed_key_regrades(self):
        question = self._make_question("Keyed", items=1, topic=self.topic)
        text = self.Io._export_markdown(question)
        self.assertIn("- [x] Right", text)
        changed = text.replace("- [x] Right", "- [ ] Right").replace("- [ ] Wrong", "- [x] Wrong")
        plan = self._import("q.md", changed)
        self.assertEqual([p[3] for p in plan if p[0] == "question"], ["update"])
        self.assertEqual(question.item_ids.option_ids.filtered("is_correct").text, "Wrong")
        self.assertEqual(len(question.item_ids.option_ids), 2)
        self.assertEqual({p[3] for p in self._import("q.md", changed) if p[0] == "question"},
                         {"unchanged"})

    def test_wizard_previews_then_imports(self):
        wizard = self.env["assessment.bank.import.wizard"].with_user(self.manager).create({
            "upload": base64.b64encode(GIFT_MALFORMED.encode()), "filename": "bad.gift",
            "topic_id": self.topic.id})
        count = self._question_count()
        wizard.action_preview()
        self.assertTrue(wizard.has_errors)
        self.assertIn("line", wizard.preview_html.lower())
        wizard.action_import()
        self.assertEqual(self._question_count(), count)
        wizard.write({"upload": base64.b64encode(GIFT_SAMPLE.encode()), "filename": "ok.gift",
                      "state": "upload"})
        wizard.action_preview()
        self.assertFalse(wizard.has_errors)
        self.assertIn("4 to create", wizard.preview_html)  # a topic and 3 questions
        self.assertEqual(wizard.preview_html.count("<td>Create</td><td>Question</td>"), 3)
        wizard.action_import()
        self.assertEqual(wizard.state, "done")
        self.assertEqual(self._question_count(), count + 3)

    def test_export_from_the_bank_list_and_moodle_xml(self):
        questions = self._make_question("Exported", items=2, topic=self.topic)
        action = questions.with_user(self.recruiter).action_export_bank()
        wizard = self.env["assessment.bank.export.wizard"].with_user(self.recruiter).browse(
            action["res_id"])
        text = base64.b64decode(wizard.data).decode()
        self.assertTrue(text.startswith("---\nformat: " + bank_markdown.FORMAT_NAME))
        wizard.file_format = "moodle_xml"
        wizard.action_render()
        xml = base64.b64decode(wizard.data).decode()
        self.assertEqual(xml.count('<question type="multichoice">'), 2)
        self.assertIn('<answer fraction="100"', xml)


@tagged("post_install", "-at_install")
class TestDemoSeedRoundTrip(BankIoCase):
    def test_demo_seed_exports_and_imports_identical(self):
        seed = self.env.ref("tech_assessment.assessment_backend_engineering")
        text = self.Io._export_markdown(seed.question_ids, seed)
        self.assertIn("```python sync_api.py\n", text)
        plan = self._import("seed.md", text, company=self.company_b)
        self.assertEqual({p[3] for p in plan if p[0] == "question"}, {"create"})
        self.assertEqual({p[3] for p in plan if p[0] == "topic"}, set(), "topics exist")
        copy = self.env["assessment.assessment"].search(
            [("company_id", "=", self.company_b.id), ("external_key", "=", seed.external_key)])
        self.assertEqual(len(copy), 1)
        self.assertEqual(len(copy.question_ids), 7)
        for original, imported in zip(seed.question_ids, copy.question_ids, strict=True):
            self.assertNotEqual(original, imported)
            for field in ("name", "external_key", "topic_id", "difficulty", "sequence",
                          "scenario"):
                self.assertEqual(original[field], imported[field], field)
            self.assertEqual(
                [(s.caption, s.language, s.code.encode(), s.code_html) for s in original.snippet_ids],
                [(s.caption, s.language, s.code.encode(), s.code_html) for s in imported.snippet_ids])
            self.assertEqual(
                [(i.prompt, i.points, i.explanation, i.correction_note, i.sequence,
                  [(o.text, o.is_correct, o.sequence) for o in i.option_ids])
                 for i in original.item_ids],
                [(i.prompt, i.points, i.explanation, i.correction_note, i.sequence,
                  [(o.text, o.is_correct, o.sequence) for o in i.option_ids])
                 for i in imported.item_ids])
        self.assertEqual(self.Io._export_markdown(copy.question_ids, copy), text,
                         "the copy exports to the same bytes")
        again = self._import("seed.md", text, company=self.company_b)
        self.assertEqual({p[3] for p in again}, {"unchanged"})
