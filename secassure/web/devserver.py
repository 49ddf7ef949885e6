"""The development server (``secassure runserver``, which ``make run`` starts) sending each answer
as soon as it is written.

Django's development server writes an answer's headers and its body in separate sends. On a
connection kept alive between requests, as browsers keep them, the body then waits for the
browser to acknowledge the headers, and the browser's system holds that acknowledgement back for
about 40 ms hoping to send it with something else (Nagle's algorithm meeting delayed
acknowledgement): every page, stylesheet and in-place edit took 40 ms longer than its work. The
production server (``secassure serve``, gunicorn) turns Nagle's algorithm off on its connections;
this does the same for the development server, on each connection it accepts.
"""

from __future__ import annotations

import contextlib
import socket

from django.core.servers.basehttp import WSGIServer


class SendsAtOnce:
    """A socketserver mixin: each accepted connection sends what is written at once (TCP_NODELAY)."""

    def get_request(self):
        connection, address = super().get_request()
        with contextlib.suppress(OSError):  # the client may have closed it already; it is then answered no more
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address


class DevelopmentServer(SendsAtOnce, WSGIServer):
    """Django's development server, sending each answer at once."""
