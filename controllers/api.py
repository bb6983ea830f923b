"""Integration API for applicant-tracking systems (README, "Integration API").

JSON over HTTP under ``/api/tech_assessment/v1/``, authenticated with Odoo API keys
(``Authorization: Bearer <key>``, checked by ``res.users.apikeys``). Every call acts as the
key's user: that user's access rights and record rules apply, with all of the user's companies
allowed, and the lists are also filtered by those companies explicitly.

Lists are walked with an opaque, signed cursor in ``(write_date, id)`` order; errors are JSON
bodies ``{"error": {"code", "message", "details"?}}`` that never carry exception or SQL text.
"""
import base64
import binascii
import functools
import hmac as hmac_lib
import json
import logging
import re
from datetime import datetime
from urllib.parse import quote, unquote_to_bytes, urlsplit

import psycopg2
from psycopg2 import errors as pg_errors
from werkzeug.exceptions import HTTPException

from odoo import fields, http
from odoo.exceptions import AccessDenied, AccessError, MissingError, UserError, ValidationError
from odoo.http import request
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY
from odoo.tools import SQL, file_open
from odoo.tools.misc import hmac as odoo_hmac

from ..models.assessment_attempt import GRADED_STATES, OPEN_STATES
from ..tools.request_input import (
    MAX_PG_INT,
    is_id,
    parse_datetime,
    parse_int,
    parse_json_object,
    storable_text,
)

_logger = logging.getLogger(__name__)

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
CANDIDATE_FIELDS = {"name", "email", "phone", "company_id", "assessment_id", "expires_at"}

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
# An ASCII address local@domain (a dot-atom at a host name of two labels or more): what Odoo
# normalizes to itself and can e-mail; no display name, no space, no comment. Empty clears.
_ATEXT = "A-Za-z0-9!#$%&'*+/=?^_`{|}~-"
_LABEL = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_PATTERN = f"^([{_ATEXT}]+(\\.[{_ATEXT}]+)*@{_LABEL}(\\.{_LABEL})+)?$"
# The same whitespace, as the characters str.strip() takes.
_STRIP = _WHITESPACE.replace("\u2000-\u200a", "".join(map(chr, range(0x2000, 0x200B))))
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


def parse_rfc3339(value):
    """An RFC 3339 date-time (offset required) -> naive UTC datetime; ValueError for anything
    else, including dates that do not exist or leave datetime's range once moved to UTC."""
    if not isinstance(value, str) or not re.fullmatch(DATETIME_PATTERN, value):
        raise ValueError("not an RFC 3339 date-time")
    return parse_datetime(value)


def _b64encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64decode(text):
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)


# ----------------------------------------------------------------------
# Cursors: base64url(JSON payload) "." base64url(HMAC-SHA256 of the payload), keyed by the
# database secret. Only a cursor this database signed is decoded, then trusted.
# ----------------------------------------------------------------------
def _cursor_signature(env, payload):
    return bytes.fromhex(odoo_hmac(env(su=True), CURSOR_SCOPE, payload))


def encode_cursor(env, kind, write_date, record_id):
    payload = json.dumps(
        {"v": CURSOR_VERSION, "k": kind, "t": write_date.isoformat(timespec="microseconds"),
         "i": record_id},
        separators=(",", ":"), sort_keys=True,
    )
    signature = _cursor_signature(env, payload)
    return f"{_b64encode(payload.encode())}.{_b64encode(signature)}"


def decode_cursor(env, kind, token):
    """Return ``(write_date, id)`` of the last row of the previous page, or raise a 400."""
    malformed = ApiError(400, "invalid_cursor",
                         "The cursor is malformed: pass the next_cursor of a previous page as is.")
    if not isinstance(token, str) or len(token) > MAX_CURSOR_LENGTH \
            or not re.fullmatch(CURSOR_PATTERN, token):
        raise malformed
    try:
        payload_b64, signature_b64 = token.rsplit(".", 1)
        payload = _b64decode(payload_b64).decode()
        signature = _b64decode(signature_b64)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise malformed from None
    if not hmac_lib.compare_digest(signature, _cursor_signature(env, payload)):
        raise ApiError(400, "invalid_cursor",
                       "The cursor was altered, or was issued by another server.")
    try:
        data = json.loads(payload)
        write_date = datetime.fromisoformat(data["t"])
        record_id = data["i"]
        valid = (data["v"] == CURSOR_VERSION and write_date.tzinfo is None
                 and isinstance(record_id, int) and record_id > 0)
    except (ValueError, TypeError, KeyError):
        valid = False
    if not valid:
        raise malformed
    if data["k"] != kind:
        raise ApiError(400, "invalid_cursor", f"This cursor belongs to the {data['k']} list.")
    return write_date, record_id


# ----------------------------------------------------------------------
# Pages: (write_date, id) order, strictly after the cursor's row, limit + 1 rows fetched
# ----------------------------------------------------------------------
PAGED_MODELS = {"attempts": "assessment.attempt", "candidates": "assessment.candidate"}


def page_query(env, kind, limit, updated_since=None, after=None):
    """The query of one page, as ``env``'s user (record rules apply) and explicitly limited to
    ``env.companies``. Returns ``(model, query)``; the query selects ``limit + 1`` rows."""
    Model = env[PAGED_MODELS[kind]].with_context(active_test=False)
    domain = [("company_id", "in", env.companies.ids)]
    if updated_since:
        domain.append(("write_date", ">=", updated_since))
    if after:
        after_date, after_id = after
        domain += ["|", ("write_date", ">", after_date),
                   "&", ("write_date", "=", after_date), ("id", ">", after_id)]
    query = Model._search(domain, limit=limit + 1, order="write_date, id")
    if after:
        # The same condition as a row comparison, which PostgreSQL turns into a seek on the
        # (write_date, id) index instead of scanning every row before the cursor.
        query.add_where(SQL(
            "(%s, %s) > (%s, %s)",
            SQL.identifier(query.table, "write_date"), SQL.identifier(query.table, "id"),
            after_date, after_id,
        ))
    return Model, query


def fetch_page(env, kind, limit, updated_since=None, after=None):
    """Return ``(records, has_more)``: at most ``limit`` records after ``after``."""
    Model, query = page_query(env, kind, limit, updated_since, after)
    to_fetch = Model._determine_fields_to_fetch(SERIALIZED_FIELDS[kind])
    records = Model._fetch_query(query, to_fetch)
    return records[:limit], len(records) > limit


def _backend_url(base_url, record):
    return f"{base_url}/web#id={record.id}&model={record._name}&view_type=form"


def candidate_api_url(base_url, candidate):
    if not (candidate.provider and candidate.external_id):
        return None
    return (f"{base_url}{API_PREFIX}/candidates/{quote(candidate.provider, safe='')}"
            f"/{quote(candidate.external_id, safe='')}")


def attempt_json(attempt, base_url):
    finished = attempt.state in GRADED_STATES
    candidate = attempt.candidate_id
    links = {
        "backend": _backend_url(base_url, attempt),
        "candidate": candidate_api_url(base_url, candidate),
        "report_pdf": (f"{base_url}/report/pdf/tech_assessment.report_assessment_attempt/"
                       f"{attempt.id}") if finished else None,
        # The candidate's own link, as e-mailed; only while the test can be taken.
        "invitation": (f"{base_url}{attempt.access_url}?access_token={attempt.access_token}"
                       if attempt.state in OPEN_STATES and attempt.access_token else None),
    }
    return {
        "id": attempt.id,
        "name": attempt.name,
        "state": attempt.state,
        "candidate": {
            "id": candidate.id, "name": candidate.name,
            "provider": candidate.provider or None, "external_id": candidate.external_id or None,
        },
        "assessment": {"id": attempt.assessment_id.id, "name": attempt.assessment_id.name},
        "company_id": attempt.company_id.id,
        "invited_at": iso(attempt.invited_at),
        "expires_at": iso(attempt.expires_at),
        "started_at": iso(attempt.started_at),
        "deadline": iso(attempt.deadline),
        "submitted_at": iso(attempt.submitted_at),
        "duration_minutes": attempt.duration_minutes if attempt.submitted_at else None,
        "items": attempt.item_count,
        "answered": attempt.answered_count,
        "score": attempt.score,
        "max_score": attempt.max_score,
        "percent": attempt.percent,
        # Only a finished test has a verdict.
        "passed": attempt.passed if finished else None,
        "created_at": iso(attempt.create_date),
        "updated_at": iso(attempt.write_date),
        "links": links,
    }


def candidate_json(candidate, base_url):
    return {
        "id": candidate.id,
        "name": candidate.name,
        "email": candidate.email or None,
        "phone": candidate.phone or None,
        "provider": candidate.provider or None,
        "external_id": candidate.external_id or None,
        "company_id": candidate.company_id.id,
        "active": candidate.active,
        "attempt_count": candidate.attempt_count,
        "best_percent": candidate.best_percent,
        "passed_any": candidate.passed_any,
        "last_activity": iso(candidate.last_activity),
        "created_at": iso(candidate.create_date),
        "updated_at": iso(candidate.write_date),
        "links": {
            "self": candidate_api_url(base_url, candidate),
            "backend": _backend_url(base_url, candidate),
        },
    }


SERIALIZERS = {"attempts": attempt_json, "candidates": candidate_json}
# Stored fields fetched with the page's rows (one query); the rest is prefetched per page.
SERIALIZED_FIELDS = {
    "attempts": ["name", "state", "candidate_id", "assessment_id", "company_id", "invited_at",
                 "expires_at", "started_at", "deadline", "submitted_at", "item_count",
                 "answered_count", "score", "max_score", "percent", "passed", "access_token",
                 "create_date", "write_date"],
    "candidates": ["name", "email", "phone", "provider", "external_id", "company_id",
                   "active", "create_date", "write_date"],
}


def page_json(env, kind, records, has_more, cursor, base_url):
    if records:
        last = records[-1]
        next_cursor = encode_cursor(env, kind, last.write_date, last.id)
    else:
        next_cursor = cursor  # nothing new: poll again later from the same place
    return {
        "items": [SERIALIZERS[kind](record, base_url) for record in records],
        "has_more": has_more,
        "next_cursor": next_cursor,
    }


# ----------------------------------------------------------------------
# Authentication and error mapping
# ----------------------------------------------------------------------
def authenticate():
    """Check the Bearer API key; act as its user, with all of the user's companies."""
    scheme, _sep, key = request.httprequest.headers.get("Authorization", "").partition(" ")
    key = key.strip(" \t")
    if scheme.lower() != "bearer" or not key:
        raise ApiError(401, "unauthorized",
                       "Authenticate with an API key: 'Authorization: Bearer <key>'.")
    uid = None
    # Anything but printable ASCII (NUL, a non-ASCII header...) is no key: it never reaches
    # the database.
    if len(key) <= MAX_KEY_LENGTH and re.fullmatch(API_KEY_PATTERN, key):
        uid = request.env["res.users.apikeys"]._check_credentials(scope="rpc", key=key)
    if not uid:
        _logger.info("API: rejected an API key from %s", request.httprequest.remote_addr)
        raise ApiError(401, "unauthorized", "This API key is not valid.")
    user = request.env["res.users"].sudo().browse(uid)
    companies = user.company_id | user.company_ids  # the default company first
    request.update_env(user=uid, context={
        "lang": user.lang, "tz": user.tz, "allowed_company_ids": companies.ids,
    })
    if not request.env.user.has_group(API_GROUP):
        raise ApiError(403, "forbidden", "The key's user has no access to assessments.")


def _is_retryable(exc):
    return (isinstance(exc, psycopg2.OperationalError)
            and exc.pgcode in PG_CONCURRENCY_ERRORS_TO_RETRY)


def method_not_allowed(methods):
    allowed = ", ".join(method for method in methods if method != "HEAD")
    return error_response(405, "method_not_allowed", f"Allowed methods: {allowed}.",
                          headers=[("Allow", allowed)])


def api_endpoint(methods, authenticated=True):
    """The route's methods (any other: 405 with ``Allow``; HEAD goes with GET), the API key
    (unless not ``authenticated``), and every error turned into a JSON answer without
    internals."""

    def decorator(func):
        @functools.wraps(func)
        def wrapper(self, *args, **kwargs):
            if request.httprequest.method not in methods:
                return method_not_allowed(methods)
            try:
                if authenticated:
                    authenticate()
                return func(self, *args, **kwargs)
            except Exception as exc:
                if _is_retryable(exc):
                    raise  # odoo.service.model.retrying replays the request
                request.env.cr.rollback()  # whatever the error, nothing of this call stays
                return _error_from_exception(exc)

        return wrapper

    return decorator


def _error_from_exception(exc):
    if isinstance(exc, ApiError):
        headers = [("WWW-Authenticate", 'Bearer realm="tech_assessment"')] \
            if exc.status == 401 else []
        return error_response(exc.status, exc.code, exc.message, exc.details, headers=headers)
    if isinstance(exc, AccessDenied):
        return error_response(401, "unauthorized", "Authentication failed.",
                              headers=[("WWW-Authenticate", 'Bearer realm="tech_assessment"')])
    if isinstance(exc, AccessError):
        _logger.info("API: access refused on %s: %s", request.httprequest.path, exc)
        return error_response(403, "forbidden", "You are not allowed to do this.")
    if isinstance(exc, MissingError):
        return error_response(404, "not_found", "The record does not exist.")
    if isinstance(exc, (UserError, ValidationError)):
        # Our own (and Odoo's) messages for people, never exception internals.
        return error_response(422, "validation_error", str(exc.args[0]) if exc.args else "")
    if isinstance(exc, pg_errors.UniqueViolation):
        return error_response(409, "conflict", "This conflicts with an existing record.")
    if isinstance(exc, psycopg2.IntegrityError):
        return error_response(422, "validation_error", "The data breaks an integrity rule.")
    if isinstance(exc, HTTPException) and exc.code and exc.code < 500:
        return error_response(exc.code, "bad_request", exc.name)
    _logger.exception("API: unexpected error on %s %s", request.httprequest.method,
                      request.httprequest.path)
    return error_response(500, "internal_error",
                          "An unexpected error occurred; it has been logged.")


# ----------------------------------------------------------------------
# Request parsing: every input gives a value or an ApiError (4xx), never another exception
# ----------------------------------------------------------------------
def _echo(text, length=64):
    """Some of what the caller sent, safe to put in an answer (UTF-8, bounded)."""
    return text[:length].encode("utf-8", "replace").decode()


def _query_args():
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


def _company(value, field, in_query=False):
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


def _path_key(provider, external_id):
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


def _read_body():
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


def _candidate_values(body):
    """Validate a PUT body. Returns ``(values, company, assessment id, expires_at)``."""
    errors = {}
    for unknown in sorted(set(body) - CANDIDATE_FIELDS):
        errors[_echo(unknown)] = "unknown field"
    values = {}
    if "name" in body:
        try:
            values["name"] = _text_field(body["name"], MAX_NAME_LENGTH, NAME_PATTERN) \
                .strip(_STRIP)
        except ValueError as exc:
            errors["name"] = (f"a text of at most {MAX_NAME_LENGTH} characters, not only "
                              f"spaces ({exc})")
    if "email" in body:  # null or "" clears it
        try:
            values["email"] = body["email"] is not None and _text_field(
                body["email"], MAX_EMAIL_LENGTH, EMAIL_PATTERN) or False
        except ValueError:
            errors["email"] = "a valid e-mail address (ASCII, no display name), or null"
    if "phone" in body:  # null or "" clears it
        try:
            values["phone"] = body["phone"] is not None and _text_field(
                body["phone"], MAX_PHONE_LENGTH, PHONE_PATTERN).strip() or False
        except ValueError as exc:
            errors["phone"] = f"a text of at most {MAX_PHONE_LENGTH} characters, or null ({exc})"
    assessment_id = body.get("assessment_id")
    if assessment_id is not None and not is_id(assessment_id):
        errors["assessment_id"] = "the id of an assessment, or null"
    expires_at = None
    if body.get("expires_at") is not None:
        try:
            expires_at = parse_rfc3339(body["expires_at"])
        except ValueError:
            errors["expires_at"] = ("an RFC 3339 date-time with an offset, "
                                    "e.g. 2024-05-01T12:00:00Z, or null")
        else:
            if expires_at <= fields.Datetime.now():
                errors["expires_at"] = "must be in the future"
            elif assessment_id is None:
                errors["expires_at"] = "only with assessment_id"
    if "company_id" in body and not is_id(body["company_id"]):
        errors["company_id"] = "the id of one of your companies"
    if errors:
        raise ApiError(422, "validation_error", "Some fields are not valid.", errors)
    company = _company(body["company_id"], "company_id") if "company_id" in body \
        else request.env.company
    return values, company, assessment_id, expires_at


READ = ("GET", "HEAD")


class TechAssessmentApi(http.Controller):
    # The routes take every method: api_endpoint answers 405 to the others itself.

    @http.route(f"{API_PREFIX}/attempts", type="http", auth="none", csrf=False,
                save_session=False)
    @api_endpoint(READ)
    def list_attempts(self, **_kwargs):
        return self._list("attempts")

    @http.route(f"{API_PREFIX}/candidates", type="http", auth="none", csrf=False,
                save_session=False)
    @api_endpoint(READ)
    def list_candidates(self, **_kwargs):
        return self._list("candidates")

    def _list(self, kind):
        limit, updated_since, cursor = _query_args()
        after = decode_cursor(request.env, kind, cursor) if cursor is not None else None
        records, has_more = fetch_page(request.env, kind, limit, updated_since, after)
        base_url = request.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        return json_response(page_json(request.env, kind, records, has_more, cursor, base_url))

    # No max_content_length here: Odoo would answer a large form body with an HTML 413
    # before this code runs; _read_body checks the size and answers in JSON.
    @http.route(f"{API_PREFIX}/candidates/<string:provider>/<string:external_id>",
                type="http", auth="none", csrf=False, save_session=False)
    @api_endpoint((*READ, "PUT"))
    def candidate(self, provider, external_id, **_kwargs):
        provider, external_id = _path_key(provider, external_id)
        base_url = request.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        if request.httprequest.method != "PUT":
            company = _company(request.httprequest.args.get("company_id"), "company_id",
                               in_query=True)
            candidate = request.env["assessment.candidate"].with_context(active_test=False) \
                .search([("company_id", "=", company.id), ("provider", "=", provider),
                         ("external_id", "=", external_id)], limit=1)
            if not candidate:
                raise ApiError(404, "not_found", "No such candidate.")
            return json_response(candidate_json(candidate, base_url))
        return self._upsert(provider, external_id, base_url)

    def _upsert(self, provider, external_id, base_url):
        values, company, assessment_id, expires_at = _candidate_values(_read_body())
        assessment = None
        if assessment_id:
            # As the user: another company's assessment is as unknown as a missing one.
            assessment = request.env["assessment.assessment"].search(
                [("id", "=", assessment_id)], limit=1)
            if not assessment:
                raise ApiError(404, "not_found", "No such assessment.",
                               {"assessment_id": assessment_id})
        candidate, created, attempt, attempt_created = \
            request.env["assessment.candidate"]._api_upsert(
                company, provider, external_id, values, assessment, expires_at)
        body = {
            "candidate": candidate_json(candidate, base_url),
            "created": created,
            "invitation": attempt_json(attempt, base_url) if attempt else None,
            "invitation_created": attempt_created,
        }
        headers = [("Location", candidate_api_url(base_url, candidate))] if created else []
        return json_response(body, status=201 if created else 200, headers=headers)

    @http.route(f"{API_PREFIX}/openapi.json", type="http", auth="none", csrf=False,
                save_session=False)
    @api_endpoint(READ, authenticated=False)
    def openapi(self, **_kwargs):
        # As written: its server URL is relative, never built from the request's Host header.
        return json_response(_openapi_spec(), cache_control="public, max-age=3600")

    @http.route([API_PREFIX, f"{API_PREFIX}/<path:_rest>"], type="http", auth="none",
                csrf=False, save_session=False)
    def not_found(self, _rest="", **_kwargs):
        return error_response(404, "not_found", "No such API route; see openapi.json.")


@functools.lru_cache(maxsize=1)
def _openapi_spec():
    with file_open("tech_assessment/static/api/openapi.json") as spec_file:
        return json.load(spec_file)
