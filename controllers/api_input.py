"""Integration API: the parsing of query strings, path segments and bodies. Every input
gives values or an ApiError (4xx, with details per field), never another exception."""
import re
from urllib.parse import unquote_to_bytes, urlsplit

from odoo import fields
from odoo.http import request

from ..models.assessment_attempt_accommodation import (
    EXTRA_PERCENT_STEP,
    MAX_EXTRA_MINUTES,
    MAX_EXTRA_PERCENT,
)
from ..tools.request_input import (
    MAX_PG_INT,
    is_id,
    parse_datetime,
    parse_int,
    parse_json_object,
    storable_text,
)
from .api_common import (
    CANDIDATE_FIELDS,
    DATETIME_PATTERN,
    DEFAULT_LIMIT,
    EMAIL_PATTERN,
    JSON_CHARSETS,
    JSON_MEDIA_TYPE,
    MAX_BODY,
    MAX_EMAIL_LENGTH,
    MAX_EXTERNAL_ID_LENGTH,
    MAX_LIMIT,
    MAX_NAME_LENGTH,
    MAX_PHONE_LENGTH,
    MAX_PROVIDER_LENGTH,
    MAX_REASON_LENGTH,
    NAME_PATTERN,
    PATH_SEGMENT_PATTERN,
    PHONE_PATTERN,
    REASON_PATTERN,
    STRIP_CHARACTERS,
    ApiError,
)


def parse_rfc3339(value):
    """An RFC 3339 date-time (offset required) -> naive UTC datetime; ValueError for anything
    else, including dates that do not exist or leave datetime's range once moved to UTC."""
    if not isinstance(value, str) or not re.fullmatch(DATETIME_PATTERN, value):
        raise ValueError("not an RFC 3339 date-time")
    return parse_datetime(value)


# ----------------------------------------------------------------------
# Request parsing: every input gives a value or an ApiError (4xx), never another exception
# ----------------------------------------------------------------------
def _echo(text, length=64):
    """Some of what the caller sent, safe to put in an answer (UTF-8, bounded)."""
    return text[:length].encode("utf-8", "replace").decode()


def query_args():
    """``(limit, updated_since, cursor)`` of a list's query string; cursor None if absent."""
    args = request.httprequest.args
    errors = {}
    limit = DEFAULT_LIMIT
    if "limit" in args:
        try:
            limit = parse_int(args["limit"], 1, MAX_LIMIT)
        except ValueError:
            errors["limit"] = f"a whole number from 1 to {MAX_LIMIT}"
    updated_since = None
    if "updated_since" in args:
        try:
            updated_since = parse_rfc3339(args["updated_since"])
        except ValueError:
            errors["updated_since"] = ("an RFC 3339 date-time with an offset, "
                                       "e.g. 2024-05-01T12:00:00Z")
    if errors:
        raise ApiError(400, "invalid_parameter",
                       f"Invalid query parameters: {', '.join(errors)}.", errors)
    return limit, updated_since, args.get("cursor")


def company_of(value, field, in_query=False):
    """The company of the id ``value``, if it is one of the user's: the text of a query
    parameter (``in_query``; absent: the user's default company) or a JSON value."""
    if value is None and in_query:
        return request.env.company
    if in_query:
        try:
            value = parse_int(value, 1, MAX_PG_INT)
        except ValueError:
            raise ApiError(400, "invalid_parameter", f"Invalid query parameters: {field}.",
                           {field: "the id of one of your companies"}) from None
    elif not is_id(value):
        raise ApiError(422, "validation_error", "Some fields are not valid.",
                       {field: "the id of one of your companies"})
    if value not in request.env.companies.ids:
        raise ApiError(422, "validation_error", "Unknown company.",
                       {field: "not one of your companies"})
    return request.env["res.company"].browse(value)


def _not_utf8_segments(names):
    """Which of the last path segments (named ``names``) are not UTF-8, as sent. Werkzeug
    decodes the path with errors="replace": a lone surrogate or any invalid byte would
    silently become U+FFFD. The WSGI environ has the request line as it came."""
    environ = request.httprequest.environ
    raw = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if not raw:
        return []  # a server that does not give it: Werkzeug's decoding stands
    try:
        segments = urlsplit(raw).path.rstrip("/").encode("latin-1").split(b"/")
    except (UnicodeEncodeError, ValueError):
        return list(names)
    invalid = []
    for name, segment in zip(names, segments[-len(names):], strict=False):
        try:
            unquote_to_bytes(segment).decode("utf-8")
        except UnicodeDecodeError:
            invalid.append(name)
    return invalid


def path_key(provider, external_id):
    errors = dict.fromkeys(_not_utf8_segments(("provider", "external_id")), "not UTF-8")
    for field, value, max_length in (("provider", provider, MAX_PROVIDER_LENGTH),
                                     ("external_id", external_id, MAX_EXTERNAL_ID_LENGTH)):
        try:
            storable_text(value, max_length)
            if not re.fullmatch(PATH_SEGMENT_PATTERN, value):
                raise ValueError("must not be empty")
        except ValueError as exc:
            errors.setdefault(field, str(exc))
    if errors:
        raise ApiError(400, "invalid_parameter", f"Invalid path: {', '.join(errors)}.", errors)
    return provider, external_id


def read_body():
    """The JSON object of the request body, read with ``get_data()``: Werkzeug keeps it, so
    that Odoo's replay of the request after a serialization failure reads it again."""
    httprequest = request.httprequest
    charset = httprequest.mimetype_params.get("charset", "utf-8").lower()
    if httprequest.mimetype != JSON_MEDIA_TYPE or charset not in JSON_CHARSETS:
        raise ApiError(415, "unsupported_media_type",
                       "Send the body as JSON, with 'Content-Type: application/json'.")
    length = httprequest.content_length
    if length is None and httprequest.headers.get("Transfer-Encoding"):
        raise ApiError(411, "length_required",
                       "Send the body with a Content-Length header, not in chunks.")
    if length is not None and length > MAX_BODY:
        raise ApiError(413, "payload_too_large",
                       f"The body must not be larger than {MAX_BODY} bytes.")
    try:
        return parse_json_object(httprequest.get_data())
    except ValueError as exc:
        raise ApiError(400, "invalid_json", str(exc)) from None


def _text_field(value, max_length, pattern):
    """``value`` if it is text of at most ``max_length`` characters matching ``pattern``;
    ValueError with what is wrong otherwise."""
    storable_text(value, max_length)
    if not re.fullmatch(pattern, value):
        raise ValueError("not in the expected form")
    return value


def candidate_values(body):
    """Validate a PUT body. Returns ``(values, company, assessment id, expires_at)``; every
    invalid field is reported at once (422, ``details`` per field)."""
    errors = {_echo(unknown): "unknown field" for unknown in sorted(set(body) - CANDIDATE_FIELDS)}
    values = {**_contact_values(body, errors), **_accommodation_values(body, errors)}
    assessment_id = body.get("assessment_id")
    if assessment_id is not None and not is_id(assessment_id):
        errors["assessment_id"] = "the id of an assessment, or null"
    expires_at = _expires_at(body, assessment_id, errors)
    if "company_id" in body and not is_id(body["company_id"]):
        errors["company_id"] = "the id of one of your companies"
    if errors:
        raise ApiError(422, "validation_error", "Some fields are not valid.", errors)
    company = company_of(body["company_id"], "company_id") if "company_id" in body \
        else request.env.company
    return values, company, assessment_id, expires_at


def _contact_values(body, errors):
    """name, email and phone of the body (null or "" clears email and phone)."""
    values = {}
    if "name" in body:
        try:
            values["name"] = _text_field(body["name"], MAX_NAME_LENGTH, NAME_PATTERN) \
                .strip(STRIP_CHARACTERS)
        except ValueError as exc:
            errors["name"] = (f"a text of at most {MAX_NAME_LENGTH} characters, not only "
                              f"spaces ({exc})")
    if "email" in body:
        try:
            values["email"] = body["email"] is not None and _text_field(
                body["email"], MAX_EMAIL_LENGTH, EMAIL_PATTERN) or False
        except ValueError:
            errors["email"] = "a valid e-mail address (ASCII, no display name), or null"
    if "phone" in body:
        try:
            values["phone"] = body["phone"] is not None and _text_field(
                body["phone"], MAX_PHONE_LENGTH, PHONE_PATTERN).strip() or False
        except ValueError as exc:
            errors["phone"] = f"a text of at most {MAX_PHONE_LENGTH} characters, or null ({exc})"
    return values


def _whole_number(value, low, high, step=1):
    """``value`` if it is a JSON integer (not a boolean) in [low, high], a multiple of step."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high \
            or value % step:
        raise ValueError
    return value


def _accommodation_values(body, errors):
    """The candidate's time accommodation (the default of their invitations)."""
    values = {}
    checks = (
        ("extra_time_percent", lambda v: _whole_number(v, 0, MAX_EXTRA_PERCENT, EXTRA_PERCENT_STEP),
         f"a whole number from 0 to {MAX_EXTRA_PERCENT}, a multiple of {EXTRA_PERCENT_STEP}"),
        ("extra_time_minutes", lambda v: _whole_number(v, 0, MAX_EXTRA_MINUTES),
         f"a whole number from 0 to {MAX_EXTRA_MINUTES}"),
        ("no_time_limit", _boolean, "true or false"),
        ("accommodation_reason",
         lambda v: v is not None and _text_field(v, MAX_REASON_LENGTH, REASON_PATTERN).strip()
         or False,
         f"a text of at most {MAX_REASON_LENGTH} characters, or null"),
    )
    for field, parse, expected in checks:
        if field in body:
            try:
                values[field] = parse(body[field])
            except ValueError:
                errors[field] = expected
    return values


def _boolean(value):
    if not isinstance(value, bool):
        raise ValueError
    return value


def _expires_at(body, assessment_id, errors):
    if body.get("expires_at") is None:
        return None
    try:
        expires_at = parse_rfc3339(body["expires_at"])
    except ValueError:
        errors["expires_at"] = "an RFC 3339 date-time with an offset, e.g. 2024-05-01T12:00:00Z, or null"
        return None
    if expires_at <= fields.Datetime.now():
        errors["expires_at"] = "must be in the future"
    elif assessment_id is None:
        errors["expires_at"] = "only with assessment_id"
    return expires_at
