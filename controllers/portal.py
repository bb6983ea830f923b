"""Candidate pages: list, landing and consent, the timed test, autosave, events, result.

Every route resolves the attempt through `_get_attempt`: the logged-in candidate it belongs
to, or anybody holding its access token (the invitation link). The first visit with the link
moves the token into the session and redirects to the same page without it, so that the
token does not stay in the address bar, the history, Referer headers or the server's access
log (tools/access_log.py masks that first request line too). The JSON routes answer with
HTTP 4xx and a short message the page shows; they are authorized by the token the test page
carries in a header, so a long test survives an expired session or CSRF token.

Every handler may run twice: Odoo replays a request after a serialization failure, so the
body is read cached (the replay reads it again) and every write is idempotent.
"""
from werkzeug.exceptions import NotFound

from odoo import _, fields, http
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request

from ..models.assessment_attempt import GRADED_STATES
from ..models.assessment_event import CLIENT_EVENT_KINDS
from ..tools import access_log  # noqa: F401 (masks tokens in the access log)
from ..tools.request_input import (
    epoch_ms_to_datetime,
    is_id,
    parse_json_object,
    storable_text,
    tokens_match,
)

MAX_JSON_BYTES = 16 * 1024
MAX_EVENTS_PER_BATCH = 50
MAX_EVENT_DETAIL = 256
# attempt id (text) -> access token, for the links opened in this browser session
SESSION_TOKENS_KEY = "tech_assessment_tokens"


class JsonRouteError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


class AssessmentPortal(CustomerPortal):
    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _get_attempt(self, attempt_id, access_token=None, fields=None):
        """The attempt, sudoed, if the caller may act on it: its access token (given, or
        remembered by this session), or the logged-in candidate it belongs to. Else NotFound
        (never a hint). With `fields`, only those columns are read (a hot path that needs
        few of them); otherwise the whole row."""
        if not is_id(attempt_id):
            raise NotFound()
        attempt_sudo = request.env["assessment.attempt"].sudo().browse(attempt_id)
        try:
            if fields:
                attempt_sudo.fetch(["access_token", "partner_id", *fields])
            attempt_token = attempt_sudo.access_token  # one query reads the row, or finds none
        except MissingError:
            raise NotFound() from None
        if tokens_match(access_token, attempt_token) \
                or tokens_match(self._session_token(attempt_id), attempt_token):
            return attempt_sudo
        user = request.env.user
        if not user._is_public() and attempt_sudo.partner_id == user.partner_id:
            return attempt_sudo
        raise NotFound()

    def _session_token(self, attempt_id):
        tokens = request.session.get(SESSION_TOKENS_KEY)
        return tokens.get(str(attempt_id)) if isinstance(tokens, dict) else None

    def _page_attempt(self, attempt_id, access_token, suffix):
        """For the pages: `(attempt_sudo, redirect)`. A valid token in the URL is moved into
        the session and answered by a redirect to the same page without it."""
        attempt_sudo = self._get_attempt(attempt_id, access_token)
        if access_token is None:
            return attempt_sudo, None
        tokens = request.session.get(SESSION_TOKENS_KEY)
        tokens = dict(tokens) if isinstance(tokens, dict) else {}
        tokens[str(attempt_sudo.id)] = attempt_sudo.access_token
        request.session[SESSION_TOKENS_KEY] = tokens
        return attempt_sudo, request.redirect(self._attempt_url(attempt_sudo, suffix), code=303)

    def _json_response(self, payload, status=200):
        return request.make_json_response(payload, status=status)

    def _json_error(self, status, message):
        return self._json_response({"error": {"status": status, "message": message}}, status)

    def _read_json_body(self):
        if request.httprequest.mimetype != "application/json":
            raise JsonRouteError(415, _("Send JSON (Content-Type: application/json)."))
        length = request.httprequest.content_length
        if length is not None and length > MAX_JSON_BYTES:
            raise JsonRouteError(413, _("The request is too large."))
        # Cached: when Odoo replays the request after a serialization failure, the replay
        # must read the same body again.
        raw = request.httprequest.get_data()
        if len(raw) > MAX_JSON_BYTES:
            raise JsonRouteError(413, _("The request is too large."))
        try:
            return parse_json_object(raw)
        except ValueError:
            raise JsonRouteError(400, _("The request must be a JSON object (UTF-8, at most "
                                        "32 levels deep).")) from None

    def _json_attempt(self, attempt_id, body):
        token = body.get("access_token") or request.httprequest.headers.get("X-Access-Token")
        try:
            return self._get_attempt(attempt_id, token)
        except NotFound:
            raise JsonRouteError(404, _("This assessment does not exist or is not yours.")) from None

    def _run_json(self, attempt_id, handler):
        """Parse, authorize and run `handler(attempt, body)`, mapping refusals to 4xx."""
        try:
            body = self._read_json_body()
            attempt = self._json_attempt(attempt_id, body)
            return self._json_response(handler(attempt, body))
        except JsonRouteError as error:
            return self._json_error(error.status, error.message)
        except AccessError:
            request.env.cr.rollback()
            return self._json_error(403, _("You may not do this."))
        except ValidationError as error:
            request.env.cr.rollback()
            return self._json_error(422, error.args[0])
        except UserError as error:
            request.env.cr.rollback()
            return self._json_error(409, error.args[0])

    def _attempt_status(self, attempt):
        return {
            "state": attempt.state,
            "remaining_seconds": attempt._remaining_seconds(),
            "answered": attempt.answered_count,
            "total": attempt.item_count,
        }

    def _attempt_url(self, attempt, suffix=""):
        return attempt.access_url + suffix

    # ------------------------------------------------------------------
    # /my/assessments
    # ------------------------------------------------------------------
    def _candidate_attempts_domain(self):
        return [("partner_id", "=", request.env.user.partner_id.id),
                ("state", "!=", "cancelled")]

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "assessment_count" in counters:
            values["assessment_count"] = request.env["assessment.attempt"].sudo().search_count(
                self._candidate_attempts_domain()
            )
        return values

    @http.route("/my/assessments", type="http", auth="user", website=True)
    def portal_my_assessments(self, **kwargs):
        attempts = request.env["assessment.attempt"].sudo().search(
            self._candidate_attempts_domain(), order="id desc"
        )
        values = self._prepare_portal_layout_values()
        values.update({"attempts": attempts, "page_name": "assessments"})
        return request.render("tech_assessment.portal_my_assessments", values)

    # ------------------------------------------------------------------
    # Landing, consent, start
    # ------------------------------------------------------------------
    @http.route("/my/assessments/<int:attempt_id>", type="http", auth="public", website=True)
    def portal_assessment_landing(self, attempt_id, access_token=None, **kwargs):
        attempt_sudo, redirect = self._page_attempt(attempt_id, access_token, "")
        if redirect:
            return redirect
        if attempt_sudo.state == "in_progress":
            return request.redirect(self._attempt_url(attempt_sudo, "/test"))
        if attempt_sudo._has_candidate_result_page():
            return request.redirect(self._attempt_url(attempt_sudo, "/result"))
        return self._render_landing(attempt_sudo)

    def _render_landing(self, attempt_sudo, error=None, status=200):
        return request.render("tech_assessment.portal_assessment_landing", {
            "attempt": attempt_sudo,
            "assessment": attempt_sudo.assessment_id,
            "consent_hash": attempt_sudo._consent_text_hash(),
            "error": error,
            "page_name": "assessment",
            "withdrawn": attempt_sudo.state == "cancelled",
            "expired_invitation": bool(attempt_sudo.expires_at
                                       and attempt_sudo.expires_at < fields.Datetime.now()),
        }, status=status)

    @http.route("/my/assessments/<int:attempt_id>/start", type="http", auth="public",
                methods=["POST"], website=True)
    def portal_assessment_start(self, attempt_id, access_token=None, consent=None,
                                consent_hash=None, **kwargs):
        attempt_sudo = self._get_attempt(attempt_id, access_token)
        if attempt_sudo.state not in GRADED_STATES:
            try:
                attempt_sudo._begin(consent=bool(consent), consent_hash=consent_hash,
                                    ip=request.httprequest.remote_addr,
                                    user_agent=request.httprequest.user_agent.string)
            except UserError as error:
                request.env.cr.rollback()
                return self._render_landing(attempt_sudo, error=error.args[0], status=409)
        return request.redirect(self._attempt_url(attempt_sudo, "/test"))

    # ------------------------------------------------------------------
    # The test
    # ------------------------------------------------------------------
    @http.route("/my/assessments/<int:attempt_id>/test", type="http", auth="public", website=True)
    def portal_assessment_test(self, attempt_id, access_token=None, **kwargs):
        attempt_sudo, redirect = self._page_attempt(attempt_id, access_token, "/test")
        if redirect:
            return redirect
        if attempt_sudo.state != "in_progress":
            return request.redirect(self._attempt_url(
                attempt_sudo, "/result" if attempt_sudo.state in GRADED_STATES else ""))
        attempt_sudo._portal_ensure_token()
        return request.render("tech_assessment.portal_assessment_test",
                              self._test_page_values(attempt_sudo))

    def _test_page_values(self, attempt_sudo):
        return {
            "attempt": attempt_sudo,
            "assessment": attempt_sudo.assessment_id,
            "sections": self._test_sections(attempt_sudo),
            "status": self._attempt_status(attempt_sudo),
            # for the JSON routes' X-Access-Token header: a header is never logged
            "access_token": attempt_sudo.access_token,
            "page_name": "assessment",
        }

    def _test_sections(self, attempt):
        """Questions in order, each with its items and their options in the frozen order.

        Only what the candidate may see is handed to the template: option ids and texts, the
        item's numbers ("Q3 · 2 of 3", "item 7 of 18"), the chosen option and the candidate's
        own review flag."""
        answers = attempt.answer_ids.sorted("sequence")
        options = request.env["assessment.option"].sudo().with_context(active_test=False).browse(
            [option_id for answer in answers for option_id in answer._option_order_ids()]
        )
        option_text = {option.id: option.text for option in options}
        sections = []
        for number, answer in enumerate(answers, start=1):
            question = answer.question_id
            if not sections or sections[-1]["question"] != question:
                sections.append({"question": question, "number": len(sections) + 1, "items": []})
            sections[-1]["items"].append({
                "id": answer.item_id.id,
                "number": number,
                "prompt": answer.item_id.prompt,
                "chosen": answer.option_id.id,
                "flagged": answer.is_flagged,
                "options": [{"id": option_id, "text": option_text[option_id]}
                            for option_id in answer._option_order_ids()],
            })
        for section in sections:
            for position, item in enumerate(section["items"], start=1):
                item.update(position=position, of=len(section["items"]))
        return sections

    @http.route("/my/assessments/<int:attempt_id>/answer", type="http", auth="public",
                methods=["POST"], csrf=False)
    def portal_assessment_answer(self, attempt_id, **kwargs):
        def save(attempt, body):
            item_id, option_id = body.get("item_id"), body.get("option_id")
            if not is_id(item_id) or not (option_id is None or is_id(option_id)):
                raise JsonRouteError(422, _("item_id must be an id, option_id an id or null."))
            attempt._save_answer(item_id, option_id)
            return self._attempt_status(attempt)
        return self._run_json(attempt_id, save)

    @http.route("/my/assessments/<int:attempt_id>/flag", type="http", auth="public",
                methods=["POST"], csrf=False)
    def portal_assessment_flag(self, attempt_id, **kwargs):
        def flag(attempt, body):
            item_id, flagged = body.get("item_id"), body.get("flagged")
            if not is_id(item_id) or not isinstance(flagged, bool):
                raise JsonRouteError(422, _("item_id must be an id, flagged true or false."))
            answer = attempt._set_review_flag(item_id, flagged)
            return {"item_id": item_id, "flagged": answer.is_flagged}
        return self._run_json(attempt_id, flag)

    @http.route("/my/assessments/<int:attempt_id>/status", type="http", auth="public",
                methods=["POST"], csrf=False)
    def portal_assessment_status(self, attempt_id, **kwargs):
        return self._run_json(attempt_id, lambda attempt, body: self._attempt_status(attempt))

    @http.route("/my/assessments/<int:attempt_id>/events", type="http", auth="public",
                methods=["POST"], csrf=False)
    def portal_assessment_events(self, attempt_id, **kwargs):
        def log_events(attempt, body):
            events = body.get("events")
            if not isinstance(events, list) or not events or len(events) > MAX_EVENTS_PER_BATCH:
                raise JsonRouteError(422, _("Send between 1 and %s events.", MAX_EVENTS_PER_BATCH))
            return {"logged": attempt._log_client_events([_event_values(event) for event in events])}
        return self._run_json(attempt_id, log_events)

    @http.route("/my/assessments/<int:attempt_id>/submit", type="http", auth="public",
                methods=["POST"], csrf=False)
    def portal_assessment_submit(self, attempt_id, **kwargs):
        def submit(attempt, body):
            attempt._submit()
            return dict(self._attempt_status(attempt),
                        result_url=self._attempt_url(attempt, "/result"))
        return self._run_json(attempt_id, submit)

    @http.route("/my/assessments/<int:attempt_id>/result", type="http", auth="public", website=True)
    def portal_assessment_result(self, attempt_id, access_token=None, **kwargs):
        attempt_sudo, redirect = self._page_attempt(attempt_id, access_token, "/result")
        if redirect:
            return redirect
        if attempt_sudo.state == "in_progress":
            return request.redirect(self._attempt_url(attempt_sudo, "/test"))
        if not attempt_sudo._has_candidate_result_page():
            # not started, or withdrawn before the start: no result page at all
            return request.redirect(self._attempt_url(attempt_sudo))
        return request.render("tech_assessment.portal_assessment_result", {
            "attempt": attempt_sudo,
            "assessment": attempt_sudo.assessment_id,
            "page_name": "assessment",
            **attempt_sudo._candidate_result(),
        })


def _event_values(event):
    """An event the browser reported, checked: its kind, detail text and epoch-ms time."""
    kind = event.get("kind") if isinstance(event, dict) else None
    if not isinstance(kind, str) or kind not in CLIENT_EVENT_KINDS:
        raise JsonRouteError(422, _("Unknown event kind."))
    detail = event.get("detail")
    if detail is not None:
        try:
            detail = storable_text(detail)[:MAX_EVENT_DETAIL]
        except ValueError:
            raise JsonRouteError(422, _("An event's detail must be text without NUL "
                                        "or lone surrogate characters.")) from None
    client_time = event.get("at")
    if client_time is not None:
        if isinstance(client_time, str):
            raise JsonRouteError(422, _("An event's time must be epoch milliseconds."))
        try:
            client_time = epoch_ms_to_datetime(client_time)
        except ValueError:
            raise JsonRouteError(422, _("An event's time must be epoch milliseconds "
                                        "within the calendar.")) from None
    return {"kind": kind, "detail": detail or False, "client_time": client_time}
