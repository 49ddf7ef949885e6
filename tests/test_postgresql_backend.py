"""The PostgreSQL backend's check of a kept connection: nothing sent on a healthy one in use a
moment ago, and a connection the server has ended, or one in doubt (idle a while, an error, a
transaction left open), checked by a query and replaced when it fails."""

from __future__ import annotations

import select
import socket
import struct
import threading
import time

import psycopg
import pytest
from django.db import OperationalError, connection, connections

from secassure.postgresql.base import FRESH, DatabaseWrapper, readable

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the backend is PostgreSQL's")


@pytest.fixture
def kept(db, django_db_blocker):
    """A connection kept between requests as a server's is (autocommit, health checks on), and
    another process's, which watches and ends it."""
    with django_db_blocker.unblock():
        before = sessions()
        default = connections["default"]
        ours = type(default)(dict(default.settings_dict), alias="health-probe")  # on the test database
        ours.ensure_connection()
        settings = ours.settings_dict
        other = psycopg.connect(dbname=settings["NAME"], host=settings["HOST"] or None,
                                port=settings["PORT"] or None, user=settings["USER"] or None,
                                password=settings["PASSWORD"] or None, autocommit=True)
        try:
            yield ours, other
        finally:
            ours.close()
            other.close()
            settle(before)


def sessions() -> set[int]:
    """The clients' sessions on the test database (not the server's own workers, such as an
    autovacuum's), but the test's own. The test runs in a transaction, in which the server keeps
    showing the activity it first showed unless told to look again."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                       "AND backend_type = 'client backend' AND pid <> pg_backend_pid()")
        return {pid for (pid,) in cursor.fetchall()}


def settle(before: set[int]) -> None:
    """Wait until the server has ended every session on the test database that the test opened
    (any not among ``before``: a backend leaves a moment after its client, or its terminator, lets
    go of it), so that none is left when the database is dropped. Sessions an earlier test left
    are not this one's to wait for. A session still there after ten seconds fails the test: it
    opened a connection it did not close."""
    deadline = time.monotonic() + 10
    while (left := sessions() - before) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not left, f"the test left sessions open on the server: {sorted(left)}"


def probe(settings: dict, alias: str = "health-probe") -> DatabaseWrapper:
    """A connection wrapper of our own on the test database, kept as a server keeps one."""
    return DatabaseWrapper(settings, alias=alias)


def last_query(conn, watcher) -> str:
    """What the server last ran for ``conn``, as the server's own activity view says."""
    pid = conn.connection.info.backend_pid
    return watcher.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()[0]


def answered(conn) -> None:
    """As if the connection had answered a moment ago (a slow machine may take longer than FRESH
    between the fixture's connecting and a test's check, which would then query for that reason)."""
    conn.answered_at = time.monotonic()


def mark(conn) -> None:
    with conn.cursor() as cursor:
        cursor.execute("SELECT 'health-probe-mark'")


def wait_for_input(conn, what: str) -> None:
    assert select.select([conn.connection.pgconn.socket], [], [], 10)[0], f"{what} never arrived"


def ended_by_server(conn, watcher) -> None:
    watcher.execute("SELECT pg_terminate_backend(%s)", [conn.connection.info.backend_pid])
    wait_for_input(conn, "the server's farewell")


@on_postgresql
def test_the_database_url_selects_this_backend(kept):
    ours, _ = kept
    assert isinstance(ours, DatabaseWrapper)
    assert isinstance(connections["default"], DatabaseWrapper)
    assert ours.settings_dict["CONN_HEALTH_CHECKS"] is True


@on_postgresql
def test_a_healthy_idle_connection_is_usable_and_nothing_is_sent(kept):
    ours, watcher = kept
    mark(ours)
    answered(ours)
    assert ours.is_usable()
    assert "health-probe-mark" in last_query(ours, watcher)  # no SELECT 1 went to the server
    ours.close_if_unusable_or_obsolete()
    with ours.cursor() as cursor:  # the request's first query, after Django's health check
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] == ours.connection.info.backend_pid


@on_postgresql
def test_a_connection_the_server_ended_is_found_unusable_and_replaced(kept):
    ours, watcher = kept
    first = ours.connection.info.backend_pid
    ended_by_server(ours, watcher)
    assert not ours.is_usable()
    # As a request meets it: the check runs before the first query, which goes to a new connection.
    ours.close_if_unusable_or_obsolete()
    with ours.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != first


@on_postgresql
def test_a_connection_with_a_message_waiting_is_checked_by_a_query(kept):
    ours, watcher = kept
    with ours.cursor() as cursor:
        cursor.execute("LISTEN health_probe")
    watcher.execute("NOTIFY health_probe")
    wait_for_input(ours, "the notification")
    answered(ours)
    assert ours.is_usable()  # something waits, but the connection answers
    assert last_query(ours, watcher) == "SELECT 1"


@on_postgresql
def test_a_connection_that_saw_an_error_is_checked_by_a_query(kept):
    ours, watcher = kept
    mark(ours)
    ours.errors_occurred = True
    answered(ours)
    assert ours.is_usable()
    assert last_query(ours, watcher) == "SELECT 1"


@on_postgresql
def test_a_connection_left_in_a_transaction_is_checked_by_a_query(kept):
    ours, watcher = kept
    ours.set_autocommit(False)
    try:
        mark(ours)
        answered(ours)
        assert ours.is_usable()
        assert last_query(ours, watcher) == "SELECT 1"
    finally:
        ours.rollback()
        ours.set_autocommit(True)


@on_postgresql
def test_a_closed_connection_is_not_usable(kept):
    ours, _ = kept
    ours.connection.close()
    assert not ours.is_usable()


@pytest.mark.parametrize("with_poll", [True, False], ids=["poll", "select"])
def test_readable_sees_data_and_a_closed_peer_without_waiting(monkeypatch, with_poll):
    if not with_poll:
        monkeypatch.delattr(select, "poll", raising=False)
    for farewell in ("data", "close"):
        ours, theirs = socket.socketpair()
        with ours, theirs:
            assert not readable(ours.fileno())
            if farewell == "data":
                theirs.send(b"E")
            else:
                theirs.close()
            assert readable(ours.fileno())


@on_postgresql
def test_a_connection_idle_for_longer_than_fresh_is_checked_by_a_query(kept):
    ours, watcher = kept
    mark(ours)
    ours.answered_at -= FRESH + 1
    assert ours.is_usable()
    assert last_query(ours, watcher) == "SELECT 1"
    mark(ours)
    assert ours.is_usable()  # it has just answered: its socket is enough again
    assert "health-probe-mark" in last_query(ours, watcher)


@on_postgresql
def test_a_request_that_used_the_connection_keeps_it_fresh_for_the_next(kept):
    ours, watcher = kept
    ours.answered_at, ours.health_check_done = 0.0, False  # long idle, not yet checked
    ours.close_if_unusable_or_obsolete()  # a request starts
    mark(ours)  # its first query, after Django's check
    ours.answered_at = 0.0  # the check long past: the request went on querying for a while
    mark(ours)
    ours.close_if_unusable_or_obsolete()  # it ends: the connection answered until now
    ours.close_if_unusable_or_obsolete()  # the next starts
    ours.close_if_health_check_failed()  # as its first query does first
    assert "health-probe-mark" in last_query(ours, watcher)


class VanishingProxy:
    """A TCP relay to the database server that, once told the server has vanished, answers the
    client's next packet with a reset and nothing before it, as a crashed host that came back, or
    a firewall that forgot the connection, does."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.links: list[dict] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            link = {"client": client, "server": socket.create_connection(self.target), "gone": False}
            self.links.append(link)
            for source, sink in (("client", "server"), ("server", "client")):
                threading.Thread(target=self._pump, args=(link, source, sink), daemon=True).start()

    def _pump(self, link: dict, source: str, sink: str) -> None:
        while True:
            try:
                data = link[source].recv(65536)
            except OSError:
                return
            if not data:
                return
            if link["gone"]:
                if source == "client":
                    link["client"].setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    link["client"].close()
                return
            try:
                link[sink].sendall(data)
            except OSError:
                return

    def vanish(self) -> None:
        for link in self.links:
            link["gone"] = True

    def close(self) -> None:
        self.listener.close()
        for link in self.links:
            for end in ("client", "server"):
                try:  # wakes the relay's threads, and tells the server its client has gone
                    link[end].shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                link[end].close()


@pytest.fixture
def behind_proxy(db, django_db_blocker):
    settings = dict(connections["default"].settings_dict)
    if (settings["HOST"] or "/").startswith("/"):
        pytest.skip("the test database is reached through a Unix socket")
    proxy = VanishingProxy(settings["HOST"], int(settings["PORT"] or 5432))
    with django_db_blocker.unblock():
        before = sessions()
        ours = probe({**settings, "HOST": "127.0.0.1", "PORT": str(proxy.port)}, alias="vanish-probe")
        ours.ensure_connection()
        try:
            yield ours, proxy
        finally:
            ours.close()
            proxy.close()
            settle(before)


def backend_pid(conn) -> int:
    with conn.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@on_postgresql
def test_a_server_that_vanished_unheard_is_found_once_the_connection_idled(behind_proxy):
    ours, proxy = behind_proxy
    first = backend_pid(ours)
    ours.close_if_unusable_or_obsolete()  # the request that used it ends
    proxy.vanish()
    ours.answered_at -= FRESH + 1  # and the connection idles
    ours.close_if_unusable_or_obsolete()  # the next request starts: Django's check meets the reset
    assert backend_pid(ours) != first  # and the request's query runs on a new connection


@on_postgresql
def test_within_fresh_a_vanished_server_costs_one_request_and_the_next_reconnects(behind_proxy):
    ours, proxy = behind_proxy
    first = backend_pid(ours)
    ours.close_if_unusable_or_obsolete()  # a request ends, having used it
    proxy.vanish()
    ours.close_if_unusable_or_obsolete()  # the next starts at once: the socket is all that is looked at
    with pytest.raises(OperationalError):
        backend_pid(ours)
    ours.close_if_unusable_or_obsolete()  # it ends with an error; the next request checks, and reconnects
    assert backend_pid(ours) != first
