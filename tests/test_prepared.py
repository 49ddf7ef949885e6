"""Prepared statements on PostgreSQL stay usable when another process changes a column's type, as
``secassure migrate`` does while the servers run."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection, connections
from django.db.utils import NotSupportedError

from secassure import prepared

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")


@pytest.fixture
def server(db, django_db_blocker):
    """A connection of the server's own (autocommit, reused between requests, as a server's is) and
    another process's, on a table of their own in the test database."""
    with django_db_blocker.unblock():
        default = connections["default"]
        ours = type(default)(dict(default.settings_dict), alias="prepared-probe")  # on the test database
        settings = ours.settings_dict
        other = psycopg.connect(dbname=settings["NAME"], host=settings["HOST"] or None,
                                port=settings["PORT"] or None, user=settings["USER"] or None,
                                password=settings["PASSWORD"] or None, autocommit=True)
        other.execute("CREATE TABLE prepared_probe (name varchar(20))")
        other.execute("INSERT INTO prepared_probe VALUES ('Alpha Energy')")
        try:
            yield ours, other
        finally:
            ours.close()
            other.execute("DROP TABLE prepared_probe")
            other.close()


def names(conn) -> list[str]:
    with conn.cursor() as cursor:
        cursor.execute("SELECT name FROM prepared_probe WHERE name <> %s", ["nobody"])
        return [row[0] for row in cursor.fetchall()]


def test_a_prepared_query_runs_again_after_its_column_changes_type(server):
    ours, other = server
    for _ in range(4):  # prepared from the second run
        assert names(ours) == ["Alpha Energy"]
    assert prepared.plan_again in ours.execute_wrappers
    other.execute("ALTER TABLE prepared_probe ALTER COLUMN name TYPE varchar(250)")
    assert names(ours) == ["Alpha Energy"]
    assert names(ours) == ["Alpha Energy"]


def test_without_the_wrapper_the_connection_keeps_failing(server):
    """What the wrapper is for: PostgreSQL refuses the stale statement, again and again."""
    ours, other = server
    for _ in range(4):
        assert names(ours) == ["Alpha Energy"]
    ours.execute_wrappers.remove(prepared.plan_again)
    other.execute("ALTER TABLE prepared_probe ALTER COLUMN name TYPE varchar(250)")
    for _ in range(2):
        with pytest.raises(NotSupportedError, match=prepared.STALE_PLAN):
            names(ours)


def test_postgresql_compiles_no_query_just_in_time(db):
    """JIT compilation pays only for long analytical queries; at a large register's size the
    planner's estimates cross its thresholds and it spent a second compiling a query that runs in
    tens of milliseconds."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
