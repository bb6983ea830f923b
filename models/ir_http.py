from odoo import models
from odoo.http import request


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _dispatch(cls, endpoint):
        # Odoo calls the route's method with the query parameters as keyword arguments: a
        # parameter named `self` would collide with the method's own (a TypeError, a 500).
        # No route of any module takes a parameter of that name.
        request.params.pop("self", None)
        return super()._dispatch(endpoint)

    @classmethod
    def _serve_fallback(cls):
        # A path that matches no route is looked up as an attachment URL; PostgreSQL refuses
        # a NUL in that query (a 500). No URL of ours, nor any page, has one: not found.
        if "\x00" in request.httprequest.path:
            return None
        return super()._serve_fallback()
