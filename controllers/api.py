"""Integration API for applicant-tracking systems (README, "Integration API").

JSON over HTTP under ``/api/tech_assessment/v1/``, authenticated with Odoo API keys
(``Authorization: Bearer <key>``, checked by ``res.users.apikeys``). Every call acts as the
key's user: that user's access rights and record rules apply, with all of the user's companies
allowed, and the lists are also filtered by those companies explicitly.

Lists are walked with an opaque, signed cursor in ``(write_date, id)`` order; errors are JSON
bodies ``{"error": {"code", "message", "details"?}}`` that never carry exception or SQL text.

This file: authentication, error mapping and the routes. The contract's constants and JSON
responses are in api_common.py, the parsing of requests in api_input.py, cursors, pages and
the JSON of records in api_pages.py; the rules (upsert, invitation) in the candidate and
attempt models.
"""
import functools
import json
import logging
import re

import psycopg2
from psycopg2 import errors as pg_errors
from werkzeug.exceptions import HTTPException

from odoo import http
from odoo.exceptions import AccessDenied, AccessError, MissingError, UserError, ValidationError
from odoo.http import request
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY
from odoo.tools import file_open

from ..tools.commit_horizon import read_horizon
from .api_common import (
    API_GROUP,
    API_KEY_PATTERN,
    API_PREFIX,
    MAX_KEY_LENGTH,
    ApiError,
    error_response,
    json_response,
)
from .api_input import candidate_values, company_of, path_key, query_args, read_body
from .api_pages import attempt_json, candidate_api_url, candidate_json, decode_cursor, fetch_page, page_json

_logger = logging.getLogger(__name__)

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
        limit, updated_since, cursor = query_args()
        after = decode_cursor(request.env, kind, cursor) if cursor is not None else None
        horizon = read_horizon(request.env.cr)
        # This request's transaction took its snapshot while the key was checked, before the
        # horizon was read: a transaction that committed in between would be in neither. The
        # page is read in a transaction that starts now (tools/commit_horizon.py).
        with request.env.registry.cursor() as page_cr:
            env = request.env(cr=page_cr)
            records, has_more = fetch_page(env, kind, limit, horizon, updated_since, after)
            base_url = env["ir.config_parameter"].sudo().get_param("web.base.url", "")
            body = page_json(env, kind, records, has_more, cursor, horizon, base_url)
        return json_response(body)

    # No max_content_length here: Odoo would answer a large form body with an HTML 413
    # before this code runs; _read_body checks the size and answers in JSON.
    @http.route(f"{API_PREFIX}/candidates/<string:provider>/<string:external_id>",
                type="http", auth="none", csrf=False, save_session=False)
    @api_endpoint((*READ, "PUT"))
    def candidate(self, provider, external_id, **_kwargs):
        provider, external_id = path_key(provider, external_id)
        base_url = request.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        if request.httprequest.method != "PUT":
            company = company_of(request.httprequest.args.get("company_id"), "company_id",
                               in_query=True)
            candidate = request.env["assessment.candidate"].with_context(active_test=False) \
                .search([("company_id", "=", company.id), ("provider", "=", provider),
                         ("external_id", "=", external_id)], limit=1)
            if not candidate:
                raise ApiError(404, "not_found", "No such candidate.")
            return json_response(candidate_json(candidate, base_url))
        return self._upsert(provider, external_id, base_url)

    def _upsert(self, provider, external_id, base_url):
        values, company, assessment_id, expires_at = candidate_values(read_body())
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
