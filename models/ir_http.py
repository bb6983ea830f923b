from odoo import models
from odoo.http import request


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _serve_fallback(cls):
        # A path that matches no route is looked up as an attachment URL; PostgreSQL refuses
        # a NUL in that query (a 500). No URL of ours, nor any page, has one: not found.
        if "\x00" in request.httprequest.path:
            return None
        return super()._serve_fallback()
