"""Integration API: constants of the contract (the same in static/api/openapi.json), the
error type and the JSON responses."""
import json

from odoo.http import request

API_PREFIX = "/api/tech_assessment/v1"
API_GROUP = "tech_assessment.group_assessment_user"
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_BODY = 64 * 1024
CURSOR_SCOPE = "tech_assessment.api.cursor"
CURSOR_VERSION = 1
MAX_KEY_LENGTH = 256
MAX_PROVIDER_LENGTH = 64
MAX_EXTERNAL_ID_LENGTH = 255
MAX_CURSOR_LENGTH = 512
MAX_NAME_LENGTH = 256
MAX_EMAIL_LENGTH = 254
MAX_PHONE_LENGTH = 64
MAX_REASON_LENGTH = 256
# The time accommodation of a candidate (defaults of their invitations; see
# models/assessment_attempt_accommodation.py for the bounds of the first two).
ACCOMMODATION_INPUT_FIELDS = {"extra_time_percent", "extra_time_minutes", "no_time_limit",
                              "accommodation_reason"}
CANDIDATE_FIELDS = {"name", "email", "phone", "company_id", "assessment_id", "expires_at",
                    *ACCOMMODATION_INPUT_FIELDS}

# What the API accepts, written once for the server and for static/api/openapi.json (the
# description's patterns are these very strings, tests/test_api_contract.py checks it). They
# are ECMA-262 and Python regular expressions alike, matched against the whole value.
# An API key: printable ASCII (no space, no control character, no NUL).
API_KEY_PATTERN = r"[\x21-\x7e]+"
# RFC 3339 date-time, the `date-time` format of OpenAPI: an offset is required.
DATETIME_PATTERN = (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
                    r"([Zz]|[+-][0-9]{2}:[0-9]{2})$")
# base64url(payload) "." base64url(signature)
CURSOR_PATTERN = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"
# Path segments: no slash (it would be another segment), no NUL.
PATH_SEGMENT_PATTERN = "^[^/\x00]+$"
# Whitespace as ECMA-262's \s knows it (Python's str.strip() knows a few more characters).
_WHITESPACE = "\t\n\x0b\x0c\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
# A name: no NUL, and something else than whitespace.
NAME_PATTERN = f"^[^\x00]*[^\x00{_WHITESPACE}][^\x00]*$"
PHONE_PATTERN = "^[^\x00]*$"
REASON_PATTERN = "^[^\x00]*$"
# An ASCII address local@domain (a dot-atom at a host name of two labels or more): what Odoo
# normalizes to itself and can e-mail; no display name, no space, no comment. Empty clears.
_ATEXT = "A-Za-z0-9!#$%&'*+/=?^_`{|}~-"
_LABEL = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_PATTERN = f"^([{_ATEXT}]+(\\.[{_ATEXT}]+)*@{_LABEL}(\\.{_LABEL})+)?$"
# The same whitespace, as the characters str.strip() takes.
STRIP_CHARACTERS = _WHITESPACE.replace("\u2000-\u200a", "".join(map(chr, range(0x2000, 0x200B))))
# JSON bodies: the media type, and the charsets that may be given with it (JSON is UTF-8).
JSON_MEDIA_TYPE = "application/json"
JSON_CHARSETS = {"utf-8", "utf8"}


class ApiError(Exception):
    """An error answered as ``{"error": {"code", "message", "details"}}`` with ``status``."""

    def __init__(self, status, code, message, details=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


# ----------------------------------------------------------------------
# JSON helpers
# ----------------------------------------------------------------------
def json_response(data, status=200, headers=(), cache_control="no-store"):
    # Not request.make_json_response: its Content-Length counts characters, not bytes.
    body = json.dumps(data, ensure_ascii=False).encode()
    return request.make_response(body, status=status, headers=[
        ("Content-Type", "application/json; charset=utf-8"),
        ("Cache-Control", cache_control),
        *headers,
    ])


def error_response(status, code, message, details=None, headers=()):
    error = {"code": code, "message": message}
    if details:
        error["details"] = details
    return json_response({"error": error}, status=status, headers=headers)


def iso(value):
    """A UTC datetime of the ORM as ISO 8601 with a Z, microseconds kept when present."""
    return value.isoformat() + "Z" if value else None
