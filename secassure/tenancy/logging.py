"""Keeps private-link tokens (invitations, read-and-understood links, calendar feeds) out of logs: a
request log line names the path (and the referring page), and the path of such a link is its secret.
The web server's access log (secassure serve) passes through the same filter."""

import logging
import re

_TOKEN = re.compile(r"/(invitations|attest|calendar)/[^/\s\"]+")
_MARKERS = ("/invitations/", "/attest/", "/calendar/")


class RedactInvitationTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(marker in message for marker in _MARKERS):
            record.msg, record.args = _TOKEN.sub(r"/\1/[redacted]", message), ()
        return True
