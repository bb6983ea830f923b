"""Integration API: pages of a list in (write_date, id) order, from an opaque signed cursor,
and the JSON of attempts and candidates."""
import base64
import binascii
import hmac as hmac_lib
import json
import re
from datetime import datetime
from urllib.parse import quote

from odoo.tools import SQL
from odoo.tools.misc import hmac as odoo_hmac

from ..models.assessment_attempt import GRADED_STATES, OPEN_STATES
from .api_common import (
    API_PREFIX,
    CURSOR_PATTERN,
    CURSOR_SCOPE,
    CURSOR_VERSION,
    MAX_CURSOR_LENGTH,
    ApiError,
    iso,
)


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


def page_query(env, kind, limit, horizon, updated_since=None, after=None):
    """The query of one page, as ``env``'s user (record rules apply) and explicitly limited to
    ``env.companies``, of the rows stamped before ``horizon`` (tools/commit_horizon.py).
    Returns ``(model, query)``; the query selects ``limit + 1`` rows."""
    Model = env[PAGED_MODELS[kind]].with_context(active_test=False)
    # Rows stamped at or after the horizon may have companions still on their way (a
    # transaction that commits later with an older stamp): they come on a later page, after
    # those companions, so that the cursor never passes a row that has yet to appear.
    domain = [("company_id", "in", env.companies.ids), ("write_date", "<", horizon)]
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


def fetch_page(env, kind, limit, horizon, updated_since=None, after=None):
    """Return ``(records, has_more)``: at most ``limit`` records after ``after`` and stamped
    before ``horizon``. ``env``'s transaction must have started after the horizon was read."""
    Model, query = page_query(env, kind, limit, horizon, updated_since, after)
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
        # The time the candidate has (accommodations and added minutes included; null: no
        # limit). The reason of an accommodation is HR's and never leaves the backend.
        "time_allowed_seconds": _time_allowed_seconds(attempt),
        "extra_time_percent": attempt.extra_time_percent,
        "extra_time_minutes": attempt.extra_time_minutes,
        "added_minutes": attempt.added_minutes,
        "no_time_limit": attempt.no_time_limit or attempt.limit_lifted,
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


def _time_allowed_seconds(attempt):
    if attempt.started_at:
        return int((attempt.deadline - attempt.started_at).total_seconds()) \
            if attempt.deadline else None
    return attempt._allowed_seconds()


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
        "extra_time_percent": candidate.extra_time_percent,
        "extra_time_minutes": candidate.extra_time_minutes,
        "no_time_limit": candidate.no_time_limit,
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
                 "extra_time_percent", "extra_time_minutes", "added_minutes", "no_time_limit",
                 "limit_lifted", "create_date", "write_date"],
    "candidates": ["name", "email", "phone", "provider", "external_id", "company_id",
                   "active", "extra_time_percent", "extra_time_minutes", "no_time_limit",
                   "create_date", "write_date"],
}


def page_json(env, kind, records, has_more, cursor, horizon, base_url):
    if records:
        last = records[-1]
        next_cursor = encode_cursor(env, kind, last.write_date, last.id)
    else:
        next_cursor = cursor  # nothing new: poll again later from the same place
    return {
        "items": [SERIALIZERS[kind](record, base_url) for record in records],
        "has_more": has_more,
        "next_cursor": next_cursor,
        # Every change stamped before this time has been served once the walk ends.
        "as_of": iso(horizon),
    }
