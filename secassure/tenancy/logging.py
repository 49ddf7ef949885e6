"""Keeps invitation tokens out of logs: a request log line names the path, and the path of an
invitation is its secret."""

import logging
import re

_TOKEN = re.compile(r"/invitations/[^/\s]+")


class RedactInvitationTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/invitations/" in message:
            record.msg, record.args = _TOKEN.sub("/invitations/[redacted]", message), ()
        return True
