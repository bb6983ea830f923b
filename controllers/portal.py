"""Candidate pages: list, landing and consent, the timed test, autosave, events, result.

Every route resolves the attempt through `_get_attempt`: the logged-in candidate it belongs
to, or anybody holding its access token (the invitation link). The JSON routes answer with
HTTP 4xx and a short message the page shows; they are authorized by the token the test page
carries, so a long test survives an expired session or CSRF token.
"""
import json
from datetime import datetime, timezone

from werkzeug.exceptions import NotFound

from odoo import _, fields, http
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request
from odoo.tools import consteq

from ..models.assessment_attempt import GRADED_STATES
from ..models.assessment_event import CLIENT_EVENT_KINDS

MAX_JSON_BYTES = 16 * 1024
MAX_EVENTS_PER_BATCH = 50
EVENT_FLUSH_WINDOW_SECONDS = 120


class JsonRouteError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


class AssessmentPortal(CustomerPortal):
    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _get_attempt(self, attempt_id, access_token=None):
        """The attempt, sudoed, if the caller may act on it; else NotFound (never a hint)."""
        if not _is_id(attempt_id):
            raise NotFound()
        attempt = request.env["assessment.attempt"].sudo().browse(attempt_id)
        try:
            attempt_token = attempt.access_token  # one query reads the row, or finds none
        except MissingError:
            raise NotFound() from None
        if access_token and attempt_token and consteq(attempt_token, access_token):
            return attempt
        user = request.env.user
        if not user._is_public() and attempt.partner_id == user.partner_id:
            return attempt
        raise NotFound()

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
        raw = request.httprequest.get_data(cache=False)
        if len(raw) > MAX_JSON_BYTES:
            raise JsonRouteError(413, _("The request is too large."))
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            raise JsonRouteError(400, _("The request is not valid JSON.")) from None
        if not isinstance(body, dict):
            raise JsonRouteError(400, _("The request must be a JSON object."))
        return body

    def _json_attempt(self, attempt_id, body):
        token = body.get("access_token") or request.httprequest.headers.get("X-Access-Token")
        if token is not None and not isinstance(token, str):
            raise JsonRouteError(400, _("The access token must be a string."))
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
            "remaining_seconds": attempt.remaining_seconds(),
            "answered": attempt.answered_count,
            "total": attempt.item_count,
        }

    def _attempt_url(self, attempt, suffix="", access_token=None):
        url = f"/my/assessments/{attempt.id}{suffix}"
        return f"{url}?access_token={access_token}" if access_token else url

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
        attempt = self._get_attempt(attempt_id, access_token)
        if attempt.state == "in_progress":
            return request.redirect(self._attempt_url(attempt, "/test", access_token))
        if attempt.state in GRADED_STATES:
            return request.redirect(self._attempt_url(attempt, "/result", access_token))
        return request.render("tech_assessment.portal_assessment_landing", {
            "attempt": attempt,
            "assessment": attempt.assessment_id,
            "access_token": access_token,
            "consent_hash": attempt.consent_text_hash(),
            "error": kwargs.get("error"),
            "page_name": "assessment",
            "expired_invitation": bool(attempt.expires_at and attempt.expires_at < fields.Datetime.now()),
        })

    @http.route("/my/assessments/<int:attempt_id>/start", type="http", auth="public",
                methods=["POST"], website=True)
    def portal_assessment_start(self, attempt_id, access_token=None, consent=None,
                                consent_hash=None, **kwargs):
        attempt = self._get_attempt(attempt_id, access_token)
        if attempt.state == "invited":
            try:
                if attempt.assessment_id.recording_required != "none" or consent:
                    self._record_consent(attempt, consent, consent_hash)
                attempt.action_start()
            except UserError as error:
                request.env.cr.rollback()
                return request.render("tech_assessment.portal_assessment_landing", {
                    "attempt": attempt, "assessment": attempt.assessment_id,
                    "access_token": access_token, "consent_hash": attempt.consent_text_hash(),
                    "error": error.args[0], "page_name": "assessment",
                }, status=409)
        return request.redirect(self._attempt_url(attempt, "/test", access_token))

    def _record_consent(self, attempt, consent, consent_hash):
        if not consent:
            raise UserError(_("Please tick the consent box to start: this test is recorded."))
        if not consent_hash or not consteq(consent_hash, attempt.consent_text_hash()):
            raise UserError(_("The consent text changed while you were reading it: please read it again."))
        attempt.action_record_consent(
            ip=request.httprequest.remote_addr,
            user_agent=request.httprequest.user_agent.string,
            consent_hash=consent_hash,
        )

    # ------------------------------------------------------------------
    # The test
    # ------------------------------------------------------------------
    @http.route("/my/assessments/<int:attempt_id>/test", type="http", auth="public", website=True)
    def portal_assessment_test(self, attempt_id, access_token=None, **kwargs):
        attempt = self._get_attempt(attempt_id, access_token)
        if attempt.state == "invited":
            return request.redirect(self._attempt_url(attempt, "", access_token))
        if attempt.state != "in_progress":
            return request.redirect(self._attempt_url(attempt, "/result", access_token))
        attempt._portal_ensure_token()
        return request.render("tech_assessment.portal_assessment_test", {
            "attempt": attempt,
            "assessment": attempt.assessment_id,
            "sections": self._test_sections(attempt),
            "status": self._attempt_status(attempt),
            "access_token": attempt.access_token,
            "page_name": "assessment",
        })

    def _test_sections(self, attempt):
        """Questions in order, each with its items and their options in the frozen order.

        Only what the candidate may see is handed to the template: option ids and texts."""
        answers = attempt.answer_ids.sorted("sequence")
        options = request.env["assessment.option"].sudo().with_context(active_test=False).browse(
            [option_id for answer in answers for option_id in answer._option_order_ids()]
        )
        option_text = {option.id: option.text for option in options}
        sections = []
        for answer in answers:
            question = answer.question_id
            if not sections or sections[-1]["question"] != question:
                sections.append({"question": question, "items": []})
            sections[-1]["items"].append({
                "id": answer.item_id.id,
                "prompt": answer.item_id.prompt,
                "chosen": answer.option_id.id,
                "options": [{"id": option_id, "text": option_text[option_id]}
                            for option_id in answer._option_order_ids()],
            })
        return sections

    @http.route("/my/assessments/<int:attempt_id>/answer", type="http", auth="public",
                methods=["POST"], csrf=False)
    def portal_assessment_answer(self, attempt_id, **kwargs):
        def save(attempt, body):
            item_id, option_id = body.get("item_id"), body.get("option_id")
            if not _is_id(item_id) or not (option_id is None or _is_id(option_id)):
                raise JsonRouteError(422, _("item_id must be an id, option_id an id or null."))
            attempt.save_answer(item_id, option_id)
            return self._attempt_status(attempt)
        return self._run_json(attempt_id, save)

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
            if attempt.state == "invited":
                raise JsonRouteError(409, _("The test has not started."))
            closed_at = attempt.submitted_at
            if closed_at and (fields.Datetime.now() - closed_at).total_seconds() > EVENT_FLUSH_WINDOW_SECONDS:
                raise JsonRouteError(409, _("This attempt is closed."))
            values = [self._event_values(attempt, event) for event in events]
            request.env["assessment.event"].sudo().create(values)
            return {"logged": len(values)}
        return self._run_json(attempt_id, log_events)

    def _event_values(self, attempt, event):
        if not isinstance(event, dict) or event.get("kind") not in CLIENT_EVENT_KINDS:
            raise JsonRouteError(422, _("Unknown event kind."))
        detail = event.get("detail")
        if detail is not None and not isinstance(detail, str):
            raise JsonRouteError(422, _("An event's detail must be text."))
        client_time = event.get("at")
        if client_time is not None:
            if not isinstance(client_time, (int, float)) or isinstance(client_time, bool):
                raise JsonRouteError(422, _("An event's time must be epoch milliseconds."))
            try:
                client_time = epoch_ms_to_datetime(client_time)
            except ValueError:
                raise JsonRouteError(422, _("An event's time is out of range.")) from None
        return {"attempt_id": attempt.id, "kind": event["kind"],
                "detail": (detail or "")[:256] or False, "client_time": client_time}

    @http.route("/my/assessments/<int:attempt_id>/submit", type="http", auth="public",
                methods=["POST"], csrf=False)
    def portal_assessment_submit(self, attempt_id, **kwargs):
        def submit(attempt, body):
            attempt.action_submit()
            return dict(self._attempt_status(attempt),
                        result_url=self._attempt_url(attempt, "/result", attempt.access_token))
        return self._run_json(attempt_id, submit)

    @http.route("/my/assessments/<int:attempt_id>/result", type="http", auth="public", website=True)
    def portal_assessment_result(self, attempt_id, access_token=None, **kwargs):
        attempt = self._get_attempt(attempt_id, access_token)
        if attempt.state == "in_progress":
            return request.redirect(self._attempt_url(attempt, "/test", access_token))
        if attempt.state == "invited":
            return request.redirect(self._attempt_url(attempt, "", access_token))
        assessment = attempt.assessment_id
        return request.render("tech_assessment.portal_assessment_result", {
            "attempt": attempt,
            "assessment": assessment,
            "access_token": access_token,
            "show_passed": assessment.result_visibility in ("pass_fail", "score"),
            "show_score": assessment.result_visibility == "score",
            "review": self._answer_review(attempt) if assessment.reveal_answers else [],
            "page_name": "assessment",
        })

    def _answer_review(self, attempt):
        """After submission, and only when HR chose to reveal answers."""
        return [{
            "prompt": answer.item_id.prompt,
            "chosen": answer.option_id.text,
            "correct": answer.is_correct,
            "right_option": answer.item_id.option_ids.filtered("is_correct")[:1].text,
            "explanation": answer.item_id.explanation,
        } for answer in attempt.answer_ids.sorted("sequence")]


def _is_id(value):
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31


def epoch_ms_to_datetime(value):
    """Epoch milliseconds (a number, or its text from a form) as a naive UTC datetime;
    ValueError when it is not one."""
    try:
        moment = datetime.fromtimestamp(float(value) / 1000.0, tz=timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        raise ValueError(value) from None
    return moment.replace(tzinfo=None)
