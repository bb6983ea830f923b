"""Total parsers for what arrives over HTTP: every input gives a value or a ValueError whose
message can be shown to the caller, never another exception (and so never a 500).

Shared by the candidate routes (controllers/portal.py, controllers/recording.py) and the
integration API (controllers/api.py).
"""
import json
import re
from datetime import datetime, timezone

from odoo.tools import consteq

# PostgreSQL's `integer` (ids, sequence numbers): a larger number cannot name a row.
MAX_PG_INT = 2**31 - 1
# Deeper JSON than this is refused before Python's recursion limit is anywhere near.
MAX_JSON_DEPTH = 32
_DIGITS_RE = re.compile(r"[0-9]{1,18}")
# NUL cannot be stored by PostgreSQL; lone surrogates cannot be encoded as UTF-8.
_UNSTORABLE_RE = re.compile("[\x00\ud800-\udfff]")


def parse_json_object(raw):
    """The JSON object in the bytes `raw`; ValueError if it is not one (bad UTF-8, bad JSON,
    nested deeper than MAX_JSON_DEPTH, or not an object)."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("The request is not UTF-8.") from None
    if _json_depth_exceeds(raw, MAX_JSON_DEPTH):
        raise ValueError(f"The JSON is nested deeper than {MAX_JSON_DEPTH} levels.")
    try:
        body = json.loads(raw or "null", parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise ValueError("The request is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ValueError("The request must be a JSON object.")
    return body


def _refuse_constant(name):
    # NaN, Infinity and -Infinity: Python's json accepts them, JSON does not
    raise ValueError(f"{name} is not JSON")


def _json_depth_exceeds(text, limit):
    """Whether brackets outside strings nest deeper than `limit` (a linear scan that never
    recurses, so it is safe on any input)."""
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def tokens_match(given, expected):
    """Constant-time comparison of a secret token with what the caller sent; any value that
    is not ASCII text (a non-ASCII header, a number in JSON...) simply does not match."""
    return (isinstance(given, str) and isinstance(expected, str) and given.isascii()
            and bool(expected) and consteq(given, expected))


def is_id(value):
    """A positive JSON integer that can be a PostgreSQL id (not a bool, not a float)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_PG_INT


def parse_int(text, low, high):
    """An integer from ASCII decimal text within [low, high]; ValueError otherwise (this
    refuses '²', '٣', '1e3', '+1', ' 1' and 5,000-digit numbers alike)."""
    if isinstance(text, int) and not isinstance(text, bool):
        number = text
    elif isinstance(text, str) and _DIGITS_RE.fullmatch(text):
        number = int(text)
    else:
        raise ValueError(f"a whole number from {low} to {high}")
    if not low <= number <= high:
        raise ValueError(f"a whole number from {low} to {high}")
    return number


def storable_text(value, max_length=None):
    """`value` if it is text PostgreSQL can store (no NUL, no lone surrogate) and not longer
    than `max_length`; ValueError otherwise."""
    if not isinstance(value, str):
        raise ValueError("must be text")
    if _UNSTORABLE_RE.search(value):
        raise ValueError("contains a character that cannot be stored (NUL or a lone surrogate)")
    if max_length is not None and len(value) > max_length:
        raise ValueError(f"at most {max_length} characters")
    return value


def parse_datetime(value):
    """ISO 8601 text -> naive UTC datetime (a value without offset is UTC). ValueError for
    anything else, including dates that overflow when moved to UTC (year 1 with a positive
    offset, year 9999 with a negative one)."""
    if not isinstance(value, str) or not value.strip() or len(value) > 64 \
            or not value.isascii():
        raise ValueError("not an ISO 8601 date-time")
    text = value.strip()
    if text[-1] in "zZ":
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
        if parsed.tzinfo:
            parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    except (ValueError, OverflowError):
        raise ValueError("not an ISO 8601 date-time in range") from None
    return parsed


def epoch_ms_to_datetime(value):
    """Epoch milliseconds (a JSON number, or its ASCII text from a form) as a naive UTC
    datetime; ValueError when it is not one or is out of range."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError("not epoch milliseconds")
    if isinstance(value, str) and (not value.isascii() or len(value) > 32):
        raise ValueError("not epoch milliseconds")
    try:
        moment = datetime.fromtimestamp(float(value) / 1000.0, tz=timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        raise ValueError("not epoch milliseconds") from None
    return moment.replace(tzinfo=None)
