"""Keeps private-link tokens (invitations, read-and-understood links) out of logs: a request log
line names the path, and the path of such a link is its secret."""

import logging
import re

_TOKEN = re.compile(r"/(invitations|attest)/[^/\s]+")


class RedactInvitationTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/invitations/" in message or "/attest/" in message:
            record.msg, record.args = _TOKEN.sub(r"/\1/[redacted]", message), ()
        return True
