"""Recording upload (numbered chunks, multipart, CSRF-checked) and the candidate's contest.

A chunk is POSTed to `/my/assessments/<id>/recording/<kind>/<seq>` with the fields
`csrf_token`, `access_token` (or the `X-Access-Token` header), `sha256` (hex of the bytes),
`segment` (1, 2... one per MediaRecorder), `start_ms`/`end_ms` (epoch milliseconds covered)
and the file part `chunk`. werkzeug spools the part to a temporary file; it is copied block
by block into the filestore while hashed. Nothing is ever loaded whole in memory.

Answers: 200 stored / 200 replay (same sequence, same bytes: nothing stored twice),
404 not the caller's attempt, 409 not started or closed (plus a flush window) or the
sequence number is already stored with other bytes, 413 too large, 415 not video/webm or
video/mp4, 422 stream not required or hash mismatch or malformed fields.
"""
import logging
import re
from datetime import timedelta

from markupsafe import Markup
from werkzeug.exceptions import BadRequest, NotFound

from odoo import _, fields, http
from odoo.http import request

from ..models.assessment_attempt import GRADED_STATES
from ..models.assessment_recording import KINDS_BY_REQUIREMENT, RECORDING_FLUSH_WINDOW
from ..tools.concurrency import replay_on_unique_violation
from ..tools.recording_files import (
    ChunkTooLarge,
    create_file_attachment,
    sha256_of,
    stream_to_filestore,
)
from ..tools.request_input import epoch_ms_to_datetime, storable_text
from .portal import AssessmentPortal, JsonRouteError

_logger = logging.getLogger(__name__)

MAX_CHUNK_BYTES = 25 * 1024 * 1024
# the multipart envelope and the small fields around the chunk
MAX_REQUEST_BYTES = MAX_CHUNK_BYTES + 64 * 1024
ALLOWED_MIMETYPES = {"video/webm", "video/mp4"}
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
MAX_SEQUENCE = 10**7
MAX_SEGMENT = 1000
MAX_CHUNK_SPAN = timedelta(minutes=5)
MAX_CONTEST_CHARS = 4000


class AssessmentRecordingPortal(AssessmentPortal):

    @http.route("/my/assessments/<int:attempt_id>/recording/<string:kind>/<int:seq>",
                type="http", auth="public", methods=["POST"], csrf=True,
                max_content_length=MAX_REQUEST_BYTES)
    def portal_assessment_recording_chunk(self, attempt_id, kind, seq, chunk=None, sha256=None,
                                          segment=None, start_ms=None, end_ms=None,
                                          access_token=None, **kwargs):
        try:
            payload = self._receive_chunk(attempt_id, kind, seq, chunk, sha256, segment,
                                          start_ms, end_ms, access_token)
        except JsonRouteError as error:
            request.env.cr.rollback()
            return self._json_error(error.status, error.message)
        return self._json_response(payload)

    def _receive_chunk(self, attempt_id, kind, seq, upload, sha256, segment, start_ms, end_ms,
                       access_token):
        length = request.httprequest.content_length
        if length is not None and length > MAX_REQUEST_BYTES:
            raise JsonRouteError(413, _("A recording chunk may not exceed %s MB.", MAX_CHUNK_BYTES // 2**20))
        token = access_token or request.httprequest.headers.get("X-Access-Token")
        try:
            attempt = self._get_attempt(attempt_id, token)
        except NotFound:
            raise JsonRouteError(404, _("This assessment does not exist or is not yours.")) from None
        self._check_attempt_records(attempt)
        if kind not in KINDS_BY_REQUIREMENT.get(attempt.assessment_id.recording_required, ()):
            raise JsonRouteError(422, _("This assessment does not record the %s.", kind))
        if upload is None or not hasattr(upload, "stream"):
            raise JsonRouteError(422, _("Send the chunk as the multipart file part 'chunk'."))
        mimetype = (upload.mimetype or "").lower()
        if mimetype not in ALLOWED_MIMETYPES:
            raise JsonRouteError(415, _("A recording chunk must be video/webm or video/mp4."))
        if not isinstance(sha256, str) or not SHA256_RE.match(sha256):
            raise JsonRouteError(422, _("Declare the chunk's SHA-256 (64 lowercase hex digits)."))
        if not 0 <= seq < MAX_SEQUENCE:
            raise JsonRouteError(422, _("The sequence number is out of range."))
        segment = _small_int(segment, 1, MAX_SEGMENT, _("segment"))

        Chunk = request.env["assessment.recording.chunk"].sudo()
        existing = Chunk.search([("attempt_id", "=", attempt.id), ("kind", "=", kind),
                                 ("sequence", "=", seq)], limit=1)
        if existing and existing.sha256 != sha256:
            raise JsonRouteError(409, _("Chunk %s was already received with other content.", seq))
        if existing:
            return self._replay(existing, upload, sha256)

        try:
            stored = stream_to_filestore(request.env, [upload.stream], max_bytes=MAX_CHUNK_BYTES)
        except ChunkTooLarge:
            raise JsonRouteError(
                413, _("A recording chunk may not exceed %s MB.", MAX_CHUNK_BYTES // 2**20)) from None
        if stored[2] != sha256:
            # the file stays marked for the garbage collector: no row references it
            raise JsonRouteError(422, _("The chunk's bytes do not match its SHA-256: resend it."))
        start_time, end_time = self._chunk_times(attempt, start_ms, end_ms)
        # The same chunk sent twice at once, or two chunks opening one segment at once: the
        # loser cannot see the winner's row in its snapshot. It is replayed (Odoo rewinds the
        # upload), then finds the row: an idempotent replay, or the segment to add to.
        with replay_on_unique_violation(request.env.cr,
                                        "assessment_recording_chunk_attempt_kind_sequence_unique",
                                        "assessment_recording_attempt_kind_segment_unique"):
            recording = self._get_recording(attempt, kind, segment)
            attachment = create_file_attachment(request.env, stored, {
                "name": f"attempt-{attempt.id}-{kind}-{seq:06d}.{mimetype.split('/')[1]}",
                "mimetype": mimetype,
                "res_model": "assessment.recording.chunk",
                "company_id": attempt.company_id.id,
            })
            chunk = Chunk.create({
                "recording_id": recording.id,
                "attempt_id": attempt.id,
                "kind": kind,
                "sequence": seq,
                "sha256": sha256,
                "size": stored[3],
                "mimetype": mimetype,
                "start_time": start_time,
                "end_time": end_time,
                "attachment_id": attachment.id,
            })
            attachment.res_id = chunk.id
            recording._register_chunk(chunk)
            Chunk.flush_model()  # the unique index speaks here, inside the savepoint
        return {"stored": True, "replay": False, "sequence": seq, "size": stored[3]}

    def _check_attempt_records(self, attempt):
        if attempt.state == "invited" or not attempt.started_at:
            raise JsonRouteError(409, _("The test has not started."))
        if attempt.state == "cancelled":
            raise JsonRouteError(409, _("This attempt is closed."))
        closed_at = attempt.submitted_at
        if attempt.state != "in_progress" and (
                not closed_at or fields.Datetime.now() - closed_at > RECORDING_FLUSH_WINDOW):
            raise JsonRouteError(409, _("This attempt is closed."))

    def _replay(self, existing, upload, sha256):
        """Same sequence number, same declared hash: check the bytes, store nothing."""
        try:
            received = sha256_of(upload.stream, MAX_CHUNK_BYTES)
        except ChunkTooLarge:
            raise JsonRouteError(
                413, _("A recording chunk may not exceed %s MB.", MAX_CHUNK_BYTES // 2**20)) from None
        if received != sha256:
            raise JsonRouteError(422, _("The chunk's bytes do not match its SHA-256: resend it."))
        return {"stored": False, "replay": True, "sequence": existing.sequence, "size": existing.size}

    def _get_recording(self, attempt, kind, segment):
        Recording = request.env["assessment.recording"].sudo()
        recording = Recording.search([("attempt_id", "=", attempt.id), ("kind", "=", kind),
                                      ("segment", "=", segment)], limit=1)
        return recording or Recording.create({"attempt_id": attempt.id, "kind": kind, "segment": segment})

    def _chunk_times(self, attempt, start_ms, end_ms):
        """The span the chunk covers, by the browser's clock, kept within the attempt."""
        now = fields.Datetime.now()
        low = attempt.started_at - timedelta(minutes=1)
        high = now + timedelta(seconds=5)
        end = _ms_to_datetime(end_ms) or now
        start = _ms_to_datetime(start_ms) or end
        end = min(max(end, low), high)
        start = min(max(start, low, end - MAX_CHUNK_SPAN), end)
        return start, end

    # ------------------------------------------------------------------
    # Contest (from the candidate's integrity receipt)
    # ------------------------------------------------------------------
    @http.route("/my/assessments/<int:attempt_id>/contest", type="http", auth="public",
                methods=["POST"], website=True)
    def portal_assessment_contest(self, attempt_id, access_token=None, message=None, **kwargs):
        attempt = self._get_attempt(attempt_id, access_token)
        try:
            text = storable_text(message or "").strip()[:MAX_CONTEST_CHARS]
        except ValueError:
            raise BadRequest(_("The message contains characters that cannot be stored.")) from None
        if text and attempt.state in GRADED_STATES:
            author = attempt.partner_id or request.env.user.partner_id
            attempt.message_post(
                body=Markup("<p>%s</p><blockquote>%s</blockquote>") % (
                    _("The candidate contests the recorded facts:"), text),
                author_id=author.id if author else None,
                message_type="comment", subtype_xmlid="mail.mt_comment",
            )
        return request.redirect(self._attempt_url(attempt, "/result") + "?contested=1")


def _small_int(value, low, high, name):
    if value in (None, ""):
        return low
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise JsonRouteError(422, _("The %s must be a number.", name)) from None
    if not low <= number <= high:
        raise JsonRouteError(422, _("The %s is out of range.", name))
    return number


def _ms_to_datetime(value):
    if value in (None, ""):
        return None
    try:
        return epoch_ms_to_datetime(value)
    except ValueError:
        raise JsonRouteError(422, _("A chunk's times must be epoch milliseconds.")) from None

