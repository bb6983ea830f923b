"""Render assessment code snippets as highlighted HTML.

The HTML is a table, one row per source line: a line number cell, a marker
cell and the code cell highlighted by Pygments.  A table is the layout that
renders the same in the backend form, on a portal page and in a PDF printed by
wkhtmltopdf (whose old WebKit knows neither CSS grid nor flex).  The styles are
in ``static/src/scss/code_highlight.scss``.

Markers
-------
Questions refer to lines of their code ("what is wrong with line B?").  The
code carries the references as comments that end a line::

    dt_str, id_str = raw.split("|")        # line A      (Python, YAML, bash)
    AND status = 'completed'               -- line A     (SQL)
    <field name="groups" eval="[]"/>       <!-- line D -->  (XML)
    const x = 1;                           // line A     (JavaScript)
    body = request.json()                  # line C (cont.)

* A marker after some code marks the line it is on.
* A marker alone on its line marks a neighbour: the next line, or, when the
  comment also holds carets (``^``), the previous line the carets point up to::

        rows = query.limit(page_size).all()
        # line D           ^^^^^^^^^^              <- marks the line above

  Blank lines and other marker-only lines are skipped to find the neighbour.
  When there is none in that direction, the marker line itself is marked.
* ``(cont.)`` continues a marker on a further line; it marks that line with the
  same letter.

A marked line gets the class ``ta-hl`` and a badge with its letter(s),
``<span class="ta-marker">A</span>``, in the gutter.

Security: the code is untrusted.  Every character of it goes through Pygments'
HTML formatter, which escapes it; only the table and the badges around it are
markup of ours.  The output depends on nothing but the arguments.
"""

import re

from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound

LANGUAGES = [
    ("python", "Python"),
    ("xml", "XML"),
    ("sql", "SQL"),
    ("yaml", "YAML"),
    ("javascript", "JavaScript"),
    ("json", "JSON"),
    ("bash", "Bash"),
    ("text", "Text"),
]

# The keys above are Pygments lexer names; "text" and unknown ones use TextLexer.
HIGHLIGHTED = frozenset(key for key, _label in LANGUAGES if key != "text")

# Prefix of the token classes ("ta-t-k" for a keyword), so that they do not
# clash with Odoo's or Bootstrap's classes; the SCSS colours use it too.
TOKEN_CLASS_PREFIX = "ta-t-"

# A comment ending the line: "# line A", "-- line A", "// line A",
# "/* line A */", "<!-- line D -->", each optionally with " (cont.)" and,
# for the marker-only lines, carets pointing up ("# line D   ^^^^").
_MARKER_RE = re.compile(
    r"""
    (?P<before>.*?)
    (?:\#|--|//|<!--|/\*)[ \t]*
    [Ll]ine[ \t]+(?P<letter>[A-Z])\b
    (?:[ \t]*\(cont(?:\.|inued)?\))?
    [ \t]*(?:-->|\*/)?
    [ \t]*(?P<carets>\^+)?
    [ \t]*$
    """,
    re.VERBOSE,
)


def split_lines(code):
    """Return the lines of ``code`` as numbered by the markers and the gutter.

    Line ends are normalised; one final newline does not start another line.
    """
    code = (code or "").replace("\r\n", "\n").replace("\r", "\n")
    if not code:
        return []
    if code.endswith("\n"):
        code = code[:-1]
    return code.split("\n")


def _find_marker(line):
    """Return ``(letter, alone, carets)`` of the marker ending ``line``, or None.

    ``alone`` tells that the line holds nothing but the marker comment.
    """
    match = _MARKER_RE.match(line)
    if not match:
        return None
    alone = not match.group("before").strip()
    return match.group("letter"), alone, bool(match.group("carets"))


def _neighbour(index, step, lines, marker_only):
    """Index of the nearest line from ``index`` in direction ``step`` (±1)
    that is neither blank nor a marker-only line, or None."""
    index += step
    while 0 <= index < len(lines):
        if lines[index].strip() and index not in marker_only:
            return index
        index += step
    return None


def marked_lines(code):
    """Map the 1-based number of each marked line to its letter(s).

    >>> marked_lines('x = 1  # line A\\n# line B\\ny = 2\\n')
    {1: 'A', 3: 'B'}

    Several letters on one line are joined in order of appearance ("AB").
    """
    lines = split_lines(code)
    markers = {}
    for index, line in enumerate(lines):
        marker = _find_marker(line)
        if marker:
            markers[index] = marker
    marker_only = {index for index, (_letter, alone, _c) in markers.items() if alone}

    result = {}
    for index, (letter, alone, carets) in sorted(markers.items()):
        target = index
        if alone:
            found = _neighbour(index, -1 if carets else 1, lines, marker_only)
            target = index if found is None else found
        letters = result.get(target + 1, "")
        if letter not in letters:
            result[target + 1] = letters + letter
    return dict(sorted(result.items()))


def _language_key(language):
    """The LANGUAGES key to use for ``language``: "text" when unknown."""
    return language if language in HIGHLIGHTED else "text"


def _get_lexer(language):
    # stripnl=False keeps leading blank lines, so Pygments' lines stay aligned
    # with split_lines() and marked_lines().
    try:
        if language not in HIGHLIGHTED:
            raise ClassNotFound(language)
        return get_lexer_by_name(language, stripnl=False, ensurenl=True)
    except ClassNotFound:  # text, an unknown language or none: plain text
        return TextLexer(stripnl=False, ensurenl=True)


def _highlight_lines(lines, language):
    """Return one escaped, highlighted HTML fragment per line of ``lines``.

    With ``nowrap`` the formatter closes its spans at every line end, so each
    fragment is valid HTML on its own.
    """
    if not lines:
        return []
    formatter = HtmlFormatter(nowrap=True, classprefix=TOKEN_CLASS_PREFIX)
    html = highlight("\n".join(lines) + "\n", _get_lexer(language), formatter)
    fragments = html.split("\n")[: len(lines)]
    if len(fragments) != len(lines):  # a lexer that lost a line end: play safe
        text_formatter = HtmlFormatter(nowrap=True)
        html = highlight("\n".join(lines) + "\n", TextLexer(stripnl=False), text_formatter)
        fragments = html.split("\n")[: len(lines)]
    return fragments


def _render_row(number, fragment, letters):
    badges = "".join(f'<span class="ta-marker">{letter}</span>' for letter in letters)
    hl_class = " ta-hl" if letters else ""
    return (
        f'<tr class="ta-line{hl_class}">'
        f'<td class="ta-ln">{number:d}</td>'
        f'<td class="ta-mk">{badges}</td>'
        f'<td class="ta-src">{fragment}</td>'
        "</tr>"
    )


def render_code_html(code, language):
    """Return ``code`` highlighted for ``language`` as a Markup ``div.ta-code``.

    Each line is a table row with its number, the badge(s) of its marker(s)
    and the code; marked lines carry the class ``ta-hl``.
    """
    language = _language_key(language)
    lines = split_lines(code)
    marks = marked_lines(code)
    rows = "".join(
        _render_row(number, fragment, marks.get(number, ""))
        for number, fragment in enumerate(_highlight_lines(lines, language), start=1)
    )
    table = f'<table class="ta-code-table"><tbody>{rows}</tbody></table>' if rows else ""
    return Markup(f'<div class="ta-code ta-code-{language}">{table}</div>')
