"""Moodle's question formats for plain single-choice items: GIFT and Aiken in (their
documented syntax, https://docs.moodle.org/en/GIFT_format and .../Aiken_format), Moodle XML
out. Each question in or out is one question of one item, in the dicts of bank_markdown.py.
"""
import hashlib
import re
from xml.sax.saxutils import escape

from .bank_markdown import text_to_html

GIFT_SPECIAL = "~=#{}:"
AIKEN_OPTION_RE = re.compile(r"^([A-Z])[.)]\s+(.*\S)\s*$")
AIKEN_ANSWER_RE = re.compile(r"^ANSWER:\s*(.*?)\s*$")


def stable_key(prefix, text):
    """A key that stays the same when the same question is imported again."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40].strip("-")
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
    return f"{prefix}-{slug}-{digest}" if slug else f"{prefix}-{digest}"


def _question(key, title, prompt, options, explanation, topic, line):
    return {
        "line": line, "key": key, "title": title[:120], "topic": topic,
        "difficulty": "medium", "sequence": 10, "exposure_cap": 0, "scenario": "",
        "snippets": [],
        "items": [{"line": line, "prompt": prompt, "points": 1.0,
                   "explanation": text_to_html(explanation) if explanation else "",
                   "correction_note": "",
                   "options": [{"text": text, "correct": correct} for text, correct in options]}],
    }


# ----------------------------------------------------------------------------------------
# GIFT
# ----------------------------------------------------------------------------------------
def _unescape_gift(text):
    return re.sub(r"\\([~=#{}:n\\])", lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


def _split_unescaped(text, separators):
    """Split at each unescaped character of `separators`, keeping it at the part's start."""
    parts, current, index = [], "", 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            current += text[index:index + 2]
            index += 2
            continue
        if char in separators:
            parts.append(current)
            current = char
        else:
            current += char
        index += 1
    parts.append(current)
    return parts


def _find_unescaped(text, char, start=0):
    index = start
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] == char:
            return index
        index += 1
    return -1


def _strip_format(text):
    return re.sub(r"^\[(?:html|moodle|plain|markdown)\]", "", text.strip()).strip()


def _gift_blocks(lines):
    """(first line number, text) of each question: blank lines separate them, comments and
    $CATEGORY lines are taken out (the category as the topic of what follows)."""
    block, start, category = [], 0, ""
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith("//"):
            continue
        if stripped.startswith("$CATEGORY:"):
            if block:
                yield start, "\n".join(block), category
                block = []
            category = stripped[len("$CATEGORY:"):].strip().split("/")[-1].strip()
            continue
        if not stripped:
            if block:
                yield start, "\n".join(block), category
                block = []
            continue
        if not block:
            start = number
        block.append(line)
    if block:
        yield start, "\n".join(block), category


def _gift_answers(body, line, errors):
    """[(text, correct, feedback)] and general feedback of an answer block."""
    general = ""
    cut = body.find("####")
    if cut >= 0:
        general, body = _unescape_gift(body[cut + 4:]).strip(), body[:cut]
    answers = []
    for part in _split_unescaped(body.strip(), "=~"):
        if not part.strip():
            continue
        mark, rest = part[0], part[1:]
        if mark not in "=~":
            errors.append((line, "an answer starts with '=' (right) or '~' (wrong)"))
            return [], general
        if re.match(r"^%-?\d", rest) or "->" in rest:
            errors.append((line, "weighted answers (~%50%) and matching pairs (->) are not "
                                 "supported: single-choice questions only"))
            return [], general
        pieces = _split_unescaped(rest, "#")
        text = _unescape_gift(pieces[0]).strip()
        feedback = _unescape_gift(pieces[1][1:]).strip() if len(pieces) > 1 else ""
        if not text:
            errors.append((line, "an answer has no text"))
        answers.append((text, mark == "=", feedback))
    return answers, general


def parse_gift(text, default_topic=""):
    """([question], [(line, message)]) of a GIFT file (multiple-choice questions only)."""
    questions, errors = [], []
    for line, block, category in _gift_blocks(text.split("\n")):
        title, body = "", block.strip()
        if body.startswith("::"):
            end = body.find("::", 2)
            if end < 0:
                errors.append((line, "a title opened with '::' is not closed with '::'"))
                continue
            title, body = _unescape_gift(body[2:end]).strip(), body[end + 2:]
        opening = _find_unescaped(body, "{")
        closing = _find_unescaped(body, "}", opening + 1) if opening >= 0 else -1
        if opening < 0 or closing < 0:
            errors.append((line, "expected the answers between braces: text {=right ~wrong}"))
            continue
        inside = body[opening + 1:closing]
        if inside.strip() in ("T", "F", "TRUE", "FALSE") or inside.strip().startswith("#") \
                or not inside.strip():
            errors.append((line, "true/false, numerical and essay questions are not supported: "
                                 "single-choice questions only"))
            continue
        answers, general = _gift_answers(inside, line, errors)
        if not answers:
            continue
        after = _strip_format(_unescape_gift(body[closing + 1:]))
        prompt = _strip_format(_unescape_gift(body[:opening]))
        if after:  # a missing-word question: the blank where the braces were
            prompt = f"{prompt} _____ {after}"
        right = [answer for answer in answers if answer[1]]
        if len(right) != 1 or len(answers) < 2:
            errors.append((line, "a single-choice question needs exactly one right answer "
                                 "('=') and at least one wrong one ('~')"))
            continue
        if not prompt:
            errors.append((line, "the question has no text"))
            continue
        explanation = general or right[0][2]
        topic = category or default_topic
        if not topic:
            errors.append((line, "no topic: add a '$CATEGORY: name' line or choose a topic"))
            continue
        questions.append(_question(
            stable_key("gift", title or prompt), title or prompt.split("\n")[0],
            prompt, [(text, correct) for text, correct, _feedback in answers],
            explanation, topic, line))
    return questions, errors


# ----------------------------------------------------------------------------------------
# Aiken
# ----------------------------------------------------------------------------------------
def parse_aiken(text, default_topic=""):
    """([question], [(line, message)]) of an Aiken file: the question on one line, options
    'A. text' or 'A) text', then 'ANSWER: A'; blank lines between questions."""
    questions, errors = [], []
    current = None

    blank = False
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line:
            blank = True
            continue
        after_blank, blank = blank, False
        if current is not None and after_blank and not AIKEN_OPTION_RE.match(line) \
                and not AIKEN_ANSWER_RE.match(line):
            if not current.get("skip"):
                errors.append((current["line"], "the question ends without its 'ANSWER: X' "
                                                "line"))
            current = None
        if current is None:
            if AIKEN_OPTION_RE.match(line) or AIKEN_ANSWER_RE.match(line):
                errors.append((number, "expected a question's text before its options"))
                current = {"line": number, "options": [], "skip": True}
                continue
            current = {"line": number, "prompt": line, "options": []}
            continue
        option = AIKEN_OPTION_RE.match(line)
        answer = AIKEN_ANSWER_RE.match(line)
        if current.get("skip"):
            if answer:
                current = None
            continue
        if option:
            letter = option.group(1)
            expected = chr(ord("A") + len(current["options"]))
            if letter != expected:
                errors.append((number, f"option {letter} found where {expected} was expected"))
            current["options"].append((letter, option.group(2)))
            continue
        if answer:
            letters = [letter for letter, _text in current["options"]]
            chosen = answer.group(1)
            if len(current["options"]) < 2:
                errors.append((number, "a question needs at least two options (A. ..., B. ...)"))
            elif chosen not in letters:
                errors.append((number, f"ANSWER: '{chosen}' is not one of the options "
                                       f"({', '.join(letters)})"))
            elif not default_topic:
                errors.append((number, "no topic: choose the topic of the imported questions"))
            else:
                prompt = current["prompt"]
                questions.append(_question(
                    stable_key("aiken", prompt), prompt, prompt,
                    [(text, letter == chosen) for letter, text in current["options"]],
                    "", default_topic, current["line"]))
            current = None
            continue
        if current["options"]:
            errors.append((number, "expected an option ('B. text') or 'ANSWER: A' (a question "
                                   "is one line; blank lines separate questions)"))
            current["skip"] = True
        else:
            errors.append((number, "a question is one line: expected its first option "
                                   "'A. text' here"))
            current["skip"] = True
    if current and not current.get("skip"):
        errors.append((current["line"], "the last question has no 'ANSWER: X' line"))
    return questions, errors


# ----------------------------------------------------------------------------------------
# Moodle XML
# ----------------------------------------------------------------------------------------
def _cdata_text(value):
    return f"<text>{escape(value)}</text>"


def write_moodle_xml(questions):
    """Moodle XML of single-choice questions (one per item, the scenario and code as the
    question text's HTML)."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    for question in questions:
        out.append('  <question type="category"><category>'
                   f"{_cdata_text('$course$/' + question['topic'])}</category></question>")
        for number, item in enumerate(question["items"], start=1):
            intro = question["scenario"] + "".join(
                f"<pre><code>{escape(snippet['code'])}</code></pre>"
                for snippet in question["snippets"])
            out += [
                '  <question type="multichoice">',
                f"    <name>{_cdata_text(question['title'] + f' ({number})')}</name>",
                '    <questiontext format="html">'
                f"{_cdata_text(intro + '<p>' + escape(item['prompt']) + '</p>')}</questiontext>",
                '    <generalfeedback format="html">'
                f"{_cdata_text(item['explanation'] or '')}</generalfeedback>",
                f"    <defaultgrade>{item['points']:g}</defaultgrade>",
                "    <single>true</single>",
                "    <shuffleanswers>true</shuffleanswers>",
            ]
            for option in item["options"]:
                fraction = 100 if option["correct"] else 0
                out.append(f'    <answer fraction="{fraction}" format="plain_text">'
                           f"{_cdata_text(option['text'])}</answer>")
            out.append("  </question>")
    out.append("</quiz>")
    return "\n".join(out) + "\n"
