"""Django's PostgreSQL backend, whose check of a kept connection sends nothing on a busy, healthy one.

Connections to PostgreSQL are kept between requests, and Django checks one before a request first
uses it (CONN_HEALTH_CHECKS) by running ``SELECT 1``: a round trip to the server on every request,
one in twelve of a workspace's. This backend skips it for a connection that answered within the
last ``FRESH`` seconds (it was in use a moment ago, as any connection of a busy server is) and
whose socket has nothing to read, looked at without waiting. PostgreSQL sends nothing to an idle
connection unasked (this product listens for no notifications); a server that ends a connection (a
restart, an administrator's ``pg_terminate_backend``, an idle timeout) sends its reason and closes
the socket, and either makes the socket readable.

A server that vanishes without a word (its host crashed, or a failover or a firewall forgot the
connection) leaves nothing on the socket; only sending something finds it gone. Such a connection
is caught by Django's own check once it has been idle for longer than ``FRESH``, as before; within
it, a request meets the loss as it would had the server vanished during that request. Django's
check also runs whenever something waits on the socket, a transaction was left open or an error
has occurred since the last commit; a connection that fails it is replaced before the request's
first query."""

from __future__ import annotations

import select
import time

import psycopg
from django.db.backends.postgresql import base
from psycopg import pq

FRESH = 2.0  # seconds since a connection last answered, within which its socket is enough


def readable(fd: int) -> bool:
    """Whether the socket has something to read (or has been closed), without waiting."""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return bool(poller.poll(0))  # error and hang-up are reported whether registered or not
    return bool(select.select([fd], [], [], 0)[0])


class DatabaseWrapper(base.DatabaseWrapper):
    answered_at = 0.0  # time.monotonic() when the connection was last seen answering

    def connect(self) -> None:
        super().connect()
        self.answered_at = time.monotonic()

    def close_if_unusable_or_obsolete(self) -> None:
        # Called as each request starts and ends: a connection checked in this request has run its
        # queries, and answered them, until now.
        if self.connection is not None and self.health_check_done:
            self.answered_at = time.monotonic()
        super().close_if_unusable_or_obsolete()

    def is_usable(self) -> bool:
        connection = self.connection
        if (connection is None or connection.closed or self.errors_occurred
                or time.monotonic() - self.answered_at > FRESH):
            return self._asked()
        pgconn = connection.pgconn
        if pgconn.status != pq.ConnStatus.OK or pgconn.transaction_status != pq.TransactionStatus.IDLE:
            return self._asked()
        try:
            waiting = readable(pgconn.socket)
        except (OSError, ValueError, psycopg.Error):
            return self._asked()
        return not waiting or self._asked()

    def _asked(self) -> bool:
        """Django's check: whether the server answers ``SELECT 1``."""
        usable = super().is_usable()
        if usable:
            self.answered_at = time.monotonic()
        return usable
