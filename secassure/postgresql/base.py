"""Django's PostgreSQL backend, whose check of a kept connection sends nothing on a healthy one.

Connections to PostgreSQL are kept between requests, and Django checks one before a request first
uses it (CONN_HEALTH_CHECKS) by running ``SELECT 1``: a round trip to the server on every request,
one in twelve of a workspace's. This backend looks first at the connection's socket, without
waiting. PostgreSQL sends nothing to an idle connection unasked (this product listens for no
notifications); a server that ends a connection (a restart, an administrator's
``pg_terminate_backend``, an idle timeout) sends its reason and closes the socket, and either makes
the socket readable. So a socket with nothing to read, on a connection that is idle and has seen
no error, is taken as usable. In every other case (something waiting, a transaction left open, an
error since the last commit) Django's own check runs, and a connection that fails it is replaced."""

from __future__ import annotations

import select

import psycopg
from django.db.backends.postgresql import base
from psycopg import pq


def readable(fd: int) -> bool:
    """Whether the socket has something to read (or has been closed), without waiting."""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return bool(poller.poll(0))  # error and hang-up are reported whether registered or not
    return bool(select.select([fd], [], [], 0)[0])


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or self.errors_occurred:
            return super().is_usable()
        pgconn = connection.pgconn
        if pgconn.status != pq.ConnStatus.OK or pgconn.transaction_status != pq.TransactionStatus.IDLE:
            return super().is_usable()
        try:
            waiting = readable(pgconn.socket)
        except (OSError, ValueError, psycopg.Error):  # the socket is gone
            return False
        return not waiting or super().is_usable()
