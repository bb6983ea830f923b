import re

from markupsafe import Markup

from odoo.tests import tagged
from odoo.tests.common import TransactionCase

from ..tools.code_highlight import LANGUAGES, marked_lines, render_code_html

# Excerpts of the seed questions, markers as the question bank writes them.
Q1_SPLIT = """\
def decode_cursor(cursor: str):
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
        dt_str, id_str = raw.split("|")                     # line A
        updated_at = datetime.fromisoformat(dt_str) if dt_str else None
"""

Q1_CARETS = """\
    rows = db.query(table).filter(**filters) \\
             .order_by("updated_at", "id").limit(page_size).all()
    # line D                                      ^^^^^^^^^^

    has_more = len(rows) > page_size                        # line E
"""

Q4_XML = """\
<record model="ir.rule" id="rule_budget_own_company">
  <field name="name">Budget: own company</field>
  <field name="groups" eval="[]"/>           <!-- line D -->
</record>
"""

Q5_SQL = """\
SELECT id, amount, created_at
FROM transactions
WHERE tenant_id = '...'
  AND status = 'completed'                    -- line A
  AND created_at >= '2025-01-01'
"""

Q6_CONT = """\
@app.post("/refund")
def refund(request: Request):                             # line C
    body = request.json()                                 # line C (cont.)
    return {"success": True}
"""

Q7_YAML = """\
      - name: Deploy worker service
        run: |
          WORKER_URL=$(gcloud run services describe worker-service \\  # line B
            --region=europe-west1 --format='value(status.url)')
"""

OWN_LINE_NEXT = """\
def compute(self):
    # line D
    for rec in self:
        rec.total = 0
"""

SAMPLES = {
    "python": "def f(x):\n    return x + 1  # line A\n",
    "xml": '<odoo>\n  <record id="a" model="b"/>  <!-- line A -->\n</odoo>\n',
    "sql": "SELECT 1\nFROM t  -- line A\n",
    "yaml": "on:\n  push:  # line A\n    branches: [main]\n",
    "javascript": "const a = 1;\nlet b = a + 1;  // line A\n",
    "json": '{\n  "a": 1,\n  "b": [true, null]\n}\n',
    "bash": '#!/bin/bash\necho "$HOME"  # line A\n',
    "text": "plain text\nsecond line  # line A\n",
}

ROW_RE = re.compile(
    r'<tr class="(?P<classes>[^"]*)"><td class="ta-ln">(?P<number>\d+)</td>'
    r'<td class="ta-mk">(?P<badges>.*?)</td><td class="ta-src">(?P<code>.*?)</td></tr>'
)


def rows(html):
    """Map each line number of a rendered snippet to (classes, badges, code)."""
    return {
        int(m["number"]): (m["classes"].split(), m["badges"], m["code"])
        for m in ROW_RE.finditer(str(html))
    }


@tagged("post_install", "-at_install")
class TestCodeHighlight(TransactionCase):
    def assertMarked(self, code, language, expected):
        """``expected`` ({line: letters}) is both marked_lines() and what the
        HTML highlights, with one badge per letter; no other line is marked."""
        self.assertEqual(marked_lines(code), expected)
        rendered = rows(render_code_html(code, language))
        for number, (classes, badges, _code) in rendered.items():
            if number in expected:
                self.assertIn("ta-hl", classes, f"line {number}")
                self.assertEqual(
                    badges,
                    "".join(f'<span class="ta-marker">{c}</span>' for c in expected[number]),
                )
            else:
                self.assertNotIn("ta-hl", classes, f"line {number}")
                self.assertEqual(badges, "", f"line {number}")

    # Markers -----------------------------------------------------------

    def test_marker_end_of_line_python(self):
        self.assertMarked(Q1_SPLIT, "python", {4: "A"})

    def test_marker_cont(self):
        self.assertMarked(Q6_CONT, "python", {2: "C", 3: "C"})

    def test_marker_xml_comment(self):
        self.assertMarked(Q4_XML, "xml", {3: "D"})

    def test_marker_sql_comment(self):
        self.assertMarked(Q5_SQL, "sql", {4: "A"})

    def test_marker_javascript_comment(self):
        self.assertMarked(SAMPLES["javascript"], "javascript", {2: "A"})

    def test_marker_yaml_after_line_continuation(self):
        self.assertMarked(Q7_YAML, "yaml", {3: "B"})

    def test_marker_own_line_marks_next_line(self):
        self.assertMarked(OWN_LINE_NEXT, "python", {3: "D"})

    def test_marker_own_line_skips_blank_lines(self):
        self.assertEqual(marked_lines("# line A\n\n   \nx = 1\n"), {4: "A"})

    def test_marker_carets_mark_previous_line(self):
        self.assertMarked(Q1_CARETS, "python", {2: "D", 5: "E"})
        code_line_2 = rows(render_code_html(Q1_CARETS, "python"))[2][2]
        self.assertIn('<span class="ta-t-n">limit</span>', code_line_2)

    def test_marker_without_neighbour_marks_itself(self):
        self.assertEqual(marked_lines("x = 1\n# line Z\n"), {2: "Z"})
        self.assertEqual(marked_lines("# line Y  ^^^\nx = 1\n"), {1: "Y"})

    def test_several_letters_on_one_line(self):
        self.assertMarked("a = 1\n# line B\n# line C\nb = 2  # line A\n", "python", {4: "BCA"})

    def test_no_marker_in_plain_comments(self):
        code = "# see line A below\nx = 1  # the line A is fine\nhead -- line\n"
        self.assertEqual(marked_lines(code), {})

    def test_windows_line_ends(self):
        self.assertEqual(marked_lines("a = 1\r\nb = 2  # line A\r\n"), {2: "A"})

    # Rendering ---------------------------------------------------------

    def test_languages_selection(self):
        self.assertEqual(
            [key for key, _label in LANGUAGES],
            ["python", "xml", "sql", "yaml", "javascript", "json", "bash", "text"],
        )
        self.assertEqual(dict(LANGUAGES)["xml"], "XML")

    def test_every_language_renders_with_line_numbers(self):
        for language, _label in LANGUAGES:
            with self.subTest(language=language):
                code = SAMPLES[language]
                html = render_code_html(code, language)
                self.assertIsInstance(html, Markup)
                self.assertTrue(html.startswith(f'<div class="ta-code ta-code-{language}"><table'))
                self.assertTrue(html.endswith("</table></div>"))
                rendered = rows(html)
                self.assertEqual(list(rendered), list(range(1, code.count("\n") + 1)))
                self.assertEqual(marked_lines(code), {2: "A"} if language != "json" else {})

    def test_tokens_use_class_prefix(self):
        html = render_code_html("def f():\n    return 1\n", "python")
        self.assertIn('<span class="ta-t-k">def</span>', html)
        self.assertIn('<span class="ta-t-nf">f</span>', html)
        self.assertNotIn('class="k"', html)

    def test_unknown_language_is_text(self):
        html = render_code_html("x <b>", "cobol")
        self.assertTrue(html.startswith('<div class="ta-code ta-code-text">'))
        self.assertEqual(rows(html)[1][2], "x &lt;b&gt;")
        html = render_code_html("x", False)
        self.assertTrue(html.startswith('<div class="ta-code ta-code-text">'))

    def test_leading_blank_lines_keep_numbering(self):
        code = "\n\nx = 1  # line A\n"
        rendered = rows(render_code_html(code, "python"))
        self.assertEqual(len(rendered), 3)
        self.assertIn("ta-hl", rendered[3][0])
        self.assertIn("ta-t-n", rendered[3][2])

    def test_multiline_token_stays_on_its_lines(self):
        code = 'x = """first\nsecond <b>\n"""  # line A\n'
        rendered = rows(render_code_html(code, "python"))
        self.assertEqual(len(rendered), 3)
        self.assertIn("second &lt;b&gt;", rendered[2][2])
        self.assertEqual(rendered[2][2].count("<span"), rendered[2][2].count("</span>"))
        self.assertIn("ta-hl", rendered[3][0])

    def test_escaping(self):
        code = "<script>alert(1)</script>\n</pre></td></table>\n]]> & \"'  # line A\n"
        for language, _label in LANGUAGES:
            with self.subTest(language=language):
                html = render_code_html(code, language)
                self.assertNotIn("<script", html)
                self.assertNotIn("</pre>", html)
                self.assertNotIn("]]>", html)
                self.assertEqual(html.count("<table"), 1)
                self.assertEqual(html.count("</table>"), 1)
                self.assertEqual(html.count("<td"), html.count("</td>"))
                text = re.sub(r"<[^>]*>", "", rows(html)[3][2])  # the line, tags removed
                self.assertTrue(text.startswith("]]&gt; &amp; \"'"), text)
                self.assertIn("ta-hl", rows(html)[3][0])

    def test_deterministic(self):
        for language, _label in LANGUAGES:
            code = SAMPLES[language] + Q1_CARETS
            self.assertEqual(render_code_html(code, language), render_code_html(code, language))

    def test_empty_code(self):
        self.assertEqual(marked_lines(""), {})
        self.assertEqual(
            render_code_html("", "python"), '<div class="ta-code ta-code-python"></div>'
        )
        self.assertEqual(render_code_html(None, "sql"), '<div class="ta-code ta-code-sql"></div>')
        self.assertEqual(len(rows(render_code_html("\n", "python"))), 1)

    # Through the ORM ---------------------------------------------------

    def test_snippet_code_html_is_stored_and_recomputed(self):
        topic = self.env["assessment.topic"].create({"name": "T"})
        question = self.env["assessment.question"].create({"name": "Q", "topic_id": topic.id})
        snippet = self.env["assessment.snippet"].create(
            {
                "question_id": question.id,
                "language": "python",
                "code": "x = 1  # line A\n",
            }
        )
        html = snippet.code_html
        self.assertTrue(str(html).startswith('<div class="ta-code ta-code-python">'))
        self.assertEqual(
            rows(html)[1][:2], (["ta-line", "ta-hl"], '<span class="ta-marker">A</span>')
        )

        snippet.write({"code": "x = 1\ny = 2  # line B\n"})
        snippet.invalidate_recordset(["code_html"])
        rendered = rows(snippet.code_html)
        self.assertNotEqual(snippet.code_html, html)
        self.assertEqual(rendered[1][:2], (["ta-line"], ""))
        self.assertEqual(
            rendered[2][:2], (["ta-line", "ta-hl"], '<span class="ta-marker">B</span>')
        )

        self.env.flush_all()
        self.env.cr.execute("SELECT code_html FROM assessment_snippet WHERE id = %s", [snippet.id])
        self.assertIn('<span class="ta-marker">B</span>', self.env.cr.fetchone()[0])

        snippet.language = "sql"
        self.assertTrue(str(snippet.code_html).startswith('<div class="ta-code ta-code-sql">'))
