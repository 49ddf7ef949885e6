"""The PostgreSQL backend's check of a kept connection: nothing sent on a healthy one, and a
connection the server has ended, or one in doubt, checked by a query and replaced when it fails."""

from __future__ import annotations

import select
import socket

import psycopg
import pytest
from django.db import connection, connections

from secassure.postgresql.base import DatabaseWrapper, readable

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the backend is PostgreSQL's")


@pytest.fixture
def kept(db, django_db_blocker):
    """A connection kept between requests as a server's is (autocommit, health checks on), and
    another process's, which watches and ends it."""
    with django_db_blocker.unblock():
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


def last_query(conn, watcher) -> str:
    """What the server last ran for ``conn``, as the server's own activity view says."""
    pid = conn.connection.info.backend_pid
    return watcher.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()[0]


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
    assert ours.is_usable()  # something waits, but the connection answers
    assert last_query(ours, watcher) == "SELECT 1"


@on_postgresql
def test_a_connection_that_saw_an_error_is_checked_by_a_query(kept):
    ours, watcher = kept
    mark(ours)
    ours.errors_occurred = True
    assert ours.is_usable()
    assert last_query(ours, watcher) == "SELECT 1"


@on_postgresql
def test_a_connection_left_in_a_transaction_is_checked_by_a_query(kept):
    ours, watcher = kept
    ours.set_autocommit(False)
    try:
        mark(ours)
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
