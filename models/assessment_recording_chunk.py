from odoo import fields, models

from .assessment_recording import RECORDING_KINDS


class AssessmentRecordingChunk(models.Model):
    _name = "assessment.recording.chunk"
    _description = "Assessment Recording Chunk"
    _order = "recording_id, sequence"
    _check_company_auto = True

    recording_id = fields.Many2one(
        "assessment.recording", required=True, index=True, ondelete="cascade", readonly=True,
    )
    attempt_id = fields.Many2one("assessment.attempt", required=True, ondelete="cascade", readonly=True)
    company_id = fields.Many2one(related="recording_id.company_id", store=True, index=True)
    kind = fields.Selection(RECORDING_KINDS, required=True, readonly=True)
    sequence = fields.Integer(required=True, readonly=True)
    sha256 = fields.Char(required=True, readonly=True)
    size = fields.Integer(readonly=True)
    mimetype = fields.Char(readonly=True)
    start_time = fields.Datetime(readonly=True)
    end_time = fields.Datetime(readonly=True)
    received_at = fields.Datetime(default=fields.Datetime.now, readonly=True)
    attachment_id = fields.Many2one("ir.attachment", readonly=True, ondelete="set null")

    _sql_constraints = [
        ("attempt_kind_sequence_unique", "UNIQUE(attempt_id, kind, sequence)",
         "A chunk's sequence number is stored once per stream."),
    ]
