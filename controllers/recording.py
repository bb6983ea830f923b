"""Recording upload (numbered chunks, CSRF-checked) and the candidate's contest.

A chunk is POSTed to `/my/assessments/<id>/recording/<kind>/<seq>` as the request's body
itself (no multipart: `Content-Type: video/webm` or `video/mp4`, with codec parameters if
any), with the headers `X-CSRF-Token` (the page's CSRF token) and `X-Access-Token` (or the
session that opened the link), and in the query string `sha256` (hex of the bytes),
`segment` (1, 2... one per MediaRecorder) and `start_ms`/`end_ms` (epoch milliseconds
covered). The body is read once from the socket, hashed on the way and written once into
its place in the recording store (tools/recording_storage.py), and reused as it is when Odoo
replays the request after a serialization failure. The handler parses and authorizes;
`assessment.recording.chunk._ingest` does the rest.

Answers: 200 stored / 200 replay (same sequence, same bytes: nothing stored twice),
404 not the caller's attempt, 409 not started or closed (plus the late-data window) or the
sequence number is already stored with other bytes, 413 too large, 415 not video/webm or
video/mp4, 422 stream not recorded, hash mismatch or malformed fields, 503 the bucket
(S3 storage) did not take the bytes.
"""
import re

from markupsafe import Markup
from werkzeug.exceptions import BadRequest, NotFound

from odoo import _, http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

from ..models.assessment_attempt import GRADED_STATES
from ..models.assessment_recording_chunk import MAX_CHUNK_BYTES
from ..tools.recording_files import ChunkTooLarge
from ..tools.recording_storage import OBJECT_ROUTE, S3Store, recording_store
from ..tools.request_input import epoch_ms_to_datetime, parse_int, storable_text
from ..tools.s3_client import S3Error
from .portal import AssessmentPortal, JsonRouteError

# the multipart envelope and the small fields around the chunk
MAX_REQUEST_BYTES = MAX_CHUNK_BYTES + 64 * 1024
ALLOWED_MIMETYPES = {"video/webm", "video/mp4"}
SHA256_RE = re.compile(r"[0-9a-f]{64}")
MAX_SEQUENCE = 10**7 - 1
MAX_SEGMENT = 1000
MAX_CONTEST_CHARS = 4000
# where the request keeps the body it read, for Odoo's replays of the same request
STORED_BODY_KEY = "tech_assessment.chunk_body"
MAX_OBJECT_KEY = 300


def _too_large():
    return JsonRouteError(413, _("A recording chunk may not exceed %s MB.", MAX_CHUNK_BYTES // 2**20))


class AssessmentRecordingPortal(AssessmentPortal):

    @http.route("/my/assessments/<int:attempt_id>/recording/<string:kind>/<int:seq>",
                type="http", auth="public", methods=["POST"], csrf=False,
                max_content_length=MAX_CHUNK_BYTES)
    def portal_assessment_recording_chunk(self, attempt_id, kind, seq, sha256=None, segment=None,
                                          start_ms=None, end_ms=None, access_token=None, **kwargs):
        # csrf=False: Odoo looks for the token in the form, and there is no form here; the
        # header is checked instead, as strictly
        try:
            httprequest = request.httprequest
            length = httprequest.content_length
            if length is not None and length > MAX_CHUNK_BYTES:
                raise _too_large()
            if not _csrf_ok(httprequest.headers.get("X-CSRF-Token")):
                raise JsonRouteError(400, _("Session expired (invalid CSRF token): reload the page."))
            chunk_meta = _parse_chunk_fields(httprequest.mimetype, sha256, seq, segment, start_ms, end_ms)
            attempt_sudo = self._upload_attempt(attempt_id, access_token)
            return self._json_response(request.env["assessment.recording.chunk"].sudo()._ingest(
                attempt_sudo, kind, read_body=_read_body_once, **chunk_meta))
        except (JsonRouteError, ChunkTooLarge, UserError, S3Error) as error:
            request.env.cr.rollback()
            error = _as_route_error(error)
            return self._json_error(error.status, error.message)

    @http.route("/my/assessments/<int:attempt_id>/recording/state", type="http", auth="public",
                methods=["POST"], csrf=False)
    def portal_assessment_recording_state(self, attempt_id, **kwargs):
        """The numbering a recorder resumes from (next sequence number and segment per
        stream), asked again when the candidate shares after a reload: an upload that the
        page before the reload sent after this one was rendered is counted too, so that no
        number is used twice."""
        return self._run_json(attempt_id, lambda attempt, body: attempt._recording_client_state())

    @http.route(OBJECT_ROUTE + "<path:key>", type="http", auth="user", methods=["GET"])
    def recording_object(self, key, **kwargs):
        """A recording file kept in the bucket: for who may read its attachment, a redirect
        to a presigned URL of the object (the browser reads and seeks in it there)."""
        if "\x00" in key or len(key) > MAX_OBJECT_KEY:
            raise NotFound()
        store = recording_store(request.env)
        attachment = request.env["ir.attachment"].search(
            [("type", "=", "url"), ("url", "=", OBJECT_ROUTE + key)], limit=1)
        if not attachment or not isinstance(store, S3Store):
            raise NotFound()
        return request.redirect(store.presigned_url(key), code=302, local=False)

    def _test_page_values(self, attempt_sudo):
        values = super()._test_page_values(attempt_sudo)
        if attempt_sudo.is_recorded:
            values["recording_state"] = attempt_sudo._recording_client_state()
        return values

    def _upload_attempt(self, attempt_id, access_token):
        token = access_token or request.httprequest.headers.get("X-Access-Token")
        try:
            return self._get_attempt(attempt_id, token,
                                     fields=request.env["assessment.recording.chunk"].INGEST_ATTEMPT_FIELDS)
        except NotFound:
            raise JsonRouteError(404, _("This assessment does not exist or is not yours.")) from None

    # ------------------------------------------------------------------
    # Contest (from the candidate's integrity receipt)
    # ------------------------------------------------------------------
    @http.route("/my/assessments/<int:attempt_id>/contest", type="http", auth="public",
                methods=["POST"], website=True)
    def portal_assessment_contest(self, attempt_id, access_token=None, message=None, **kwargs):
        attempt_sudo = self._get_attempt(attempt_id, access_token)
        try:
            text = storable_text(message or "").strip()[:MAX_CONTEST_CHARS]
        except ValueError:
            raise BadRequest(_("The message contains characters that cannot be stored.")) from None
        if text and attempt_sudo.state in GRADED_STATES:
            author = attempt_sudo.partner_id or request.env.user.partner_id
            attempt_sudo.message_post(
                body=Markup("<p>%s</p><blockquote>%s</blockquote>") % (
                    _("The candidate contests the recorded facts:"), text),
                author_id=author.id if author else None,
                message_type="comment", subtype_xmlid="mail.mt_comment",
            )
        return request.redirect(self._attempt_url(attempt_sudo, "/result") + "?contested=1")


def _csrf_ok(token):
    """Odoo's check of the page's CSRF token; a header that is not ASCII (werkzeug decodes
    headers as latin-1) is refused here, Odoo's constant-time comparison would raise."""
    return bool(token) and token.isascii() and request.validate_csrf(token)


def _read_body_once(folder, sequence, sha256, max_bytes):
    """The request's body, read from the socket into the recording store (the filestore or
    the bucket: tools/recording_storage.py), hashed on the way: (key, sha256, size).
    Odoo replays a request after a serialization failure, with the same request object but
    a body already read: the file stored the first time is used again."""
    environ = request.httprequest.environ
    stored = environ.get(STORED_BODY_KEY)
    if stored is None:
        stored = recording_store(request.env).put_chunk(
            _body_stream(), folder, sequence, sha256, max_bytes=max_bytes,
            length=request.httprequest.content_length)
        environ[STORED_BODY_KEY] = stored
    return stored


def _body_stream():
    """Werkzeug's stream of the request body (limited to its Content-Length). Odoo's
    HTTPRequest wraps werkzeug's request without exposing it: its attribute `stream`, which
    werkzeug leaves unread for a body that is not a form, is taken from the wrapped object."""
    wrapped = request.httprequest._HTTPRequest__wrapped  # pylint: disable=protected-access
    return wrapped.stream


def _parse_chunk_fields(content_mimetype, sha256, seq, segment, start_ms, end_ms):
    """The chunk's fields as `_ingest` takes them, or a JsonRouteError."""
    mimetype = (content_mimetype or "").lower()
    if mimetype not in ALLOWED_MIMETYPES:
        raise JsonRouteError(415, _("A recording chunk must be video/webm or video/mp4."))
    if not isinstance(sha256, str) or not SHA256_RE.fullmatch(sha256):
        raise JsonRouteError(422, _("Declare the chunk's SHA-256 (64 lowercase hex digits)."))
    if not 0 <= seq <= MAX_SEQUENCE:
        raise JsonRouteError(422, _("The sequence number is out of range."))
    try:
        segment = parse_int(segment, 1, MAX_SEGMENT) if segment not in (None, "") else 1
    except ValueError:
        raise JsonRouteError(422, _("The segment must be a number from 1 to %s.", MAX_SEGMENT)) from None
    return {"sequence": seq, "segment": segment, "mimetype": mimetype, "sha256": sha256,
            "start_time": _ms_to_datetime(start_ms), "end_time": _ms_to_datetime(end_ms)}


def _ms_to_datetime(value):
    if value in (None, ""):
        return None
    try:
        return epoch_ms_to_datetime(value)
    except ValueError:
        raise JsonRouteError(422, _("A chunk's times must be epoch milliseconds.")) from None


def _as_route_error(error):
    """The HTTP status and message of a refusal of the upload."""
    if isinstance(error, JsonRouteError):
        return error
    if isinstance(error, ChunkTooLarge):
        return _too_large()
    if isinstance(error, ValidationError):
        return JsonRouteError(422, error.args[0])
    if isinstance(error, S3Error):
        # the bucket is unreachable or refused the call: the page keeps the chunk and retries
        return JsonRouteError(503, _("The recording storage is unavailable: the chunk will be sent again."))
    return JsonRouteError(409, error.args[0])
