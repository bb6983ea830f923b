"""The question bank's own file format: Markdown with YAML front matter, written by hand or
exported, one question per file or many (a bank). Pure functions on plain dicts: no ORM.

A file is a sequence of documents, each opened by a YAML front matter between two lines
`---`. The first one may be the bank's header (no `title`: `topics`, `assessment`); every
other one is a question, whose Markdown body follows its front matter::

    ---
    key: seed-q1-pagination
    title: Cursor-Based Pagination
    topic: Pagination
    difficulty: medium
    ---

    The scenario: paragraphs separated by blank lines (or raw HTML starting with "<").

    ```python sync_api.py
    the code, byte for byte ("# line A" marks stay as they are)
    ```

    ## Item (1 point)

    The prompt, on one or more lines.

    - [ ] a wrong option
    - [x] the correct option
      (an option continues on lines indented by two spaces)

    > The explanation, quoted (paragraphs or raw HTML).

    Correction note: what was corrected and why (continues on indented lines).

A question is a dict {key, title, topic, difficulty, sequence, exposure_cap, scenario,
snippets: [{caption, language, code}], items: [{prompt, points, explanation,
correction_note, options: [{text, correct}]}], line}; errors are (line, message) with 1-based
line numbers of the file.
"""
import html
import re

import yaml

FORMAT_NAME = "tech-assessment-bank 1"
DIFFICULTY_KEYS = ("easy", "medium", "hard")
FENCE_RE = re.compile(r"^(`{3,})([A-Za-z][\w+-]*)?(?:[ \t]+(.*?))?[ \t]*$")
ITEM_RE = re.compile(r"^## Item\b(?:.*\((\d{1,6}(?:\.\d{1,4})?) points?\))?.*$")
OPTION_RE = re.compile(r"^- \[([ xX])\] (.*)$")
NOTE_PREFIX = "Correction note: "
PARAGRAPH_RE = re.compile(r"<p>([^<]*)</p>")
QUESTION_KEYS = {"key", "title", "topic", "difficulty", "sequence", "exposure_cap"}
HEADER_KEYS = {"format", "topics", "assessment"}
MAX_POINTS = 1000


class _NoAliasLoader(yaml.SafeLoader):
    """YAML without aliases and anchors: front matter never needs them, and expanding them
    is the "billion laughs" attack."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed", event.start_mark)
        return super().compose_node(parent, index)


# ----------------------------------------------------------------------------------------
# HTML fields as text
# ----------------------------------------------------------------------------------------
def _escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def text_to_html(text):
    """Paragraphs (blank-line separated) as <p> elements; a text starting with "<" is HTML
    already and kept as it is."""
    text = text.strip("\n")
    if not text:
        return ""
    if text.lstrip().startswith("<"):
        return text
    return "".join(f"<p>{_escape(paragraph)}</p>" for paragraph in re.split(r"\n[ \t]*\n", text))


def html_to_text(value):
    """The shortest text that text_to_html turns back into `value` exactly: paragraphs when
    the HTML is plain paragraphs, the HTML itself otherwise."""
    value = value or ""
    paragraphs = PARAGRAPH_RE.findall(value)
    if paragraphs and "".join(f"<p>{p}</p>" for p in paragraphs) == value:
        text = "\n\n".join(html.unescape(p) for p in paragraphs)
        if text_to_html(text) == value:
            return text
    return value


# ----------------------------------------------------------------------------------------
# Parsing
# ----------------------------------------------------------------------------------------
def _split_documents(lines):
    """[(front matter start line, front matter lines, body start line, body lines)], and
    errors. `---` inside a code fence is code, not a separator."""
    documents, errors = [], []
    index, count = 0, len(lines)
    while index < count and not lines[index].strip():
        index += 1
    if index < count and lines[index].rstrip() != "---":
        errors.append((index + 1, "a file starts with a YAML front matter: a line '---', the "
                                  "question's title, key, topic..., and another '---'"))
        return documents, errors
    while index < count:
        start = index
        end = index + 1
        while end < count and lines[end].rstrip() != "---":
            end += 1
        if end >= count:
            errors.append((start + 1, "this front matter has no closing line '---'"))
            return documents, errors
        body_start = end + 1
        cursor, fence = body_start, None
        while cursor < count:
            line = lines[cursor]
            if fence:
                if line.rstrip() == fence:
                    fence = None
            elif FENCE_RE.match(line):
                fence = FENCE_RE.match(line).group(1)
            elif line.rstrip() == "---":
                break
            cursor += 1
        documents.append((start + 1, lines[start + 1:end], body_start + 1,
                          lines[body_start:cursor]))
        index = cursor
    return documents, errors


def _load_yaml(text, first_line):
    """(mapping, errors) of a front matter starting at file line `first_line`."""
    try:
        data = yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 (a safe loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + (mark.line if mark else 0)
        return None, [(line, f"front matter is not valid YAML: {exc.problem or exc}")]
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        return None, [(first_line, f"front matter is not valid YAML: {exc}")]
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return None, [(first_line, "front matter must be a mapping of 'name: value' lines")]
    return data, []


def _text_field(data, name, line, errors, required=False):
    value = data.get(name)
    if value is None:
        if required:
            errors.append((line, f"'{name}' is required"))
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        errors.append((line, f"'{name}' must be text"))
        return ""
    return str(value)


def _int_field(data, name, line, errors, default=0, low=0, high=10**6):
    value = data.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        errors.append((line, f"'{name}' must be a whole number from {low} to {high}"))
        return default
    return value


def _question_header(data, line, errors):
    unknown = sorted(set(map(str, data)) - QUESTION_KEYS)
    if unknown:
        errors.append((line, f"unknown front matter field(s): {', '.join(unknown)} "
                             f"(known: {', '.join(sorted(QUESTION_KEYS))})"))
    question = {
        "line": line,
        "key": _text_field(data, "key", line, errors, required=True).strip(),
        "title": _text_field(data, "title", line, errors, required=True).strip(),
        "topic": _text_field(data, "topic", line, errors, required=True).strip(),
        "difficulty": _text_field(data, "difficulty", line, errors) or "medium",
        "sequence": _int_field(data, "sequence", line, errors, default=10),
        "exposure_cap": _int_field(data, "exposure_cap", line, errors),
        "scenario": "", "snippets": [], "items": [],
    }
    if question["difficulty"] not in DIFFICULTY_KEYS:
        errors.append((line, "difficulty must be one of: " + ", ".join(DIFFICULTY_KEYS)))
    if len(question["key"]) > 128 or any(ch.isspace() for ch in question["key"]):
        errors.append((line, "key must be one word of at most 128 characters"))
    return question


def _continued(lines, index, first):
    """A value starting with `first` and continued by the following lines indented by two
    spaces (an indented blank line is a blank line of the value)."""
    parts = [first]
    while index < len(lines) and lines[index].startswith("  "):
        parts.append(lines[index][2:])
        index += 1
    return "\n".join(parts), index


def _parse_item(lines, start, first_line, errors):
    """An item from its heading at lines[start]: returns (item, next index)."""
    match = ITEM_RE.match(lines[start])
    points = float(match.group(1)) if match.group(1) else 1.0
    item = {"line": first_line + start, "points": points, "options": [],
            "explanation": "", "correction_note": ""}
    if not 0 < points <= MAX_POINTS:
        errors.append((item["line"], f"points must be more than 0 and at most {MAX_POINTS}"))
    index = start + 1
    prompt = []
    while index < len(lines) and not OPTION_RE.match(lines[index]) \
            and not ITEM_RE.match(lines[index]):
        prompt.append(lines[index])
        index += 1
    item["prompt"] = "\n".join(prompt).strip("\n")
    if not item["prompt"].strip():
        errors.append((item["line"], "the item has no prompt (text under '## Item')"))
    while index < len(lines) and OPTION_RE.match(lines[index]):
        match = OPTION_RE.match(lines[index])
        text, index = _continued(lines, index + 1, match.group(2))
        item["options"].append({"text": text, "correct": match.group(1) != " ",
                                "line": first_line + index - 1})
    quote, note = [], None
    while index < len(lines) and not ITEM_RE.match(lines[index]):
        line = lines[index]
        if line.startswith(">"):
            quote.append(line[2:] if line.startswith("> ") else line[1:])
        elif line.startswith(NOTE_PREFIX) and note is None:
            note, index = _continued(lines, index + 1, line[len(NOTE_PREFIX):])
            continue
        elif line.strip():
            errors.append((first_line + index, "expected an option ('- [ ] text', '- [x] text' "
                           "for the correct one), an explanation ('> text'), 'Correction note: "
                           "...' or the next '## Item'"))
        index += 1
    item["explanation"] = text_to_html("\n".join(quote))
    item["correction_note"] = note or ""
    if len(item["options"]) < 2:
        errors.append((item["line"], "an item needs at least two options ('- [ ] text')"))
    elif sum(option["correct"] for option in item["options"]) != 1:
        errors.append((item["line"], "exactly one option must be marked correct ('- [x] text')"))
    return item, index


def _parse_body(question, lines, first_line, errors, languages):
    index, scenario = 0, []
    while index < len(lines) and not FENCE_RE.match(lines[index]) \
            and not ITEM_RE.match(lines[index]):
        scenario.append(lines[index])
        index += 1
    question["scenario"] = text_to_html("\n".join(scenario))
    while index < len(lines) and not ITEM_RE.match(lines[index]):
        line = lines[index]
        match = FENCE_RE.match(line)
        if not match:
            if line.strip():
                errors.append((first_line + index, "after the code blocks, only '## Item' "
                               "sections may follow"))
            index += 1
            continue
        fence, language, caption = match.group(1), match.group(2), match.group(3) or ""
        opened = first_line + index
        if language not in languages:
            errors.append((opened, "a code block needs its language after the backticks, one "
                           "of: " + ", ".join(languages)))
        end = index + 1
        while end < len(lines) and lines[end].rstrip() != fence:
            end += 1
        if end >= len(lines):
            errors.append((opened, f"this code block is not closed (a line '{fence}')"))
            return
        code = "\n".join(lines[index + 1:end])
        if not code:
            errors.append((opened, "this code block is empty"))
        question["snippets"].append({"caption": caption.strip(), "language": language,
                                     "code": code})
        index = end + 1
    while index < len(lines):
        item, index = _parse_item(lines, index, first_line, errors)
        question["items"].append(item)
    if not question["items"]:
        errors.append((question["line"], "the question has no item ('## Item' sections)"))


def parse_bank(text, languages):
    """(header or None, [question], [(line, message)]) of a file's text."""
    lines = text.split("\n")
    documents, errors = _split_documents(lines)
    header, questions = None, []
    for number, (fm_line, fm_lines, body_line, body) in enumerate(documents):
        data, yaml_errors = _load_yaml("\n".join(fm_lines), fm_line + 1)
        errors += yaml_errors
        if data is None:
            continue
        if "title" not in data and number == 0:
            unknown = sorted(set(map(str, data)) - HEADER_KEYS)
            if unknown:
                errors.append((fm_line, f"unknown bank header field(s): {', '.join(unknown)} "
                                        "(a question needs a title)"))
            if any(line.strip() for line in body):
                errors.append((body_line, "the bank header has no body: text goes into "
                               "questions"))
            header = data
            continue
        question = _question_header(data, fm_line, errors)
        _parse_body(question, body, body_line, errors, languages)
        questions.append(question)
    seen = {}
    for question in questions:
        if question["key"] in seen:
            errors.append((question["line"], f"key '{question['key']}' is used twice in this "
                                             f"file (also line {seen[question['key']]})"))
        seen.setdefault(question["key"], question["line"])
    return header, questions, errors


# ----------------------------------------------------------------------------------------
# Writing
# ----------------------------------------------------------------------------------------
def _yaml(data):
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


def _indented(text):
    first, *rest = text.split("\n")
    return "\n".join([first, *("  " + line for line in rest)])


def _fence_for(code):
    longest = max((len(m.group(0)) for m in re.finditer(r"^`{3,}", code, re.M)), default=2)
    return "`" * max(3, longest + 1)


def _points(points):
    return f"{points:g} point" + ("" if points == 1 else "s")


def write_question(question):
    """A question's document (front matter and body)."""
    header = {"key": question["key"], "title": question["title"], "topic": question["topic"],
              "difficulty": question["difficulty"], "sequence": question["sequence"]}
    if question.get("exposure_cap"):
        header["exposure_cap"] = question["exposure_cap"]
    parts = ["---\n" + _yaml(header) + "---\n"]
    if question["scenario"]:
        parts.append(html_to_text(question["scenario"]) + "\n")
    for snippet in question["snippets"]:
        fence = _fence_for(snippet["code"])
        caption = f" {snippet['caption']}" if snippet["caption"] else ""
        parts.append(f"{fence}{snippet['language']}{caption}\n{snippet['code']}\n{fence}\n")
    for item in question["items"]:
        block = [f"## Item ({_points(item['points'])})\n", item["prompt"] + "\n"]
        block.append("".join(f"- [{'x' if option['correct'] else ' '}] "
                             f"{_indented(option['text'])}\n" for option in item["options"]))
        if item["explanation"]:
            block.append("\n".join(f"> {line}" if line else ">" for line in
                                   html_to_text(item["explanation"]).split("\n")) + "\n")
        if item["correction_note"]:
            block.append(NOTE_PREFIX + _indented(item["correction_note"]) + "\n")
        parts.append("\n".join(block))
    return "\n".join(parts)


def write_bank(header, questions):
    """A bank file: the header (when there is one), then each question."""
    parts = []
    if header:
        parts.append("---\n" + _yaml({"format": FORMAT_NAME, **header}) + "---\n")
    parts += [write_question(question) for question in questions]
    return "\n".join(parts)
