"""Mask access tokens in the request lines of the access log: a candidate's link is a
credential. Importing this module installs the filter on werkzeug's logger."""
import logging
import re

TOKEN_IN_URL_RE = re.compile(r"(access_token=)[^&\s\"]*")


class RedactTokens(logging.Filter):

    def filter(self, record):
        message = record.getMessage()
        if "access_token=" in message:
            record.msg, record.args = TOKEN_IN_URL_RE.sub(r"\1***", message), ()
        return True


logging.getLogger("werkzeug").addFilter(RedactTokens())
