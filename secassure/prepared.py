"""Prepared statements on PostgreSQL, kept working when another process changes the schema.

Each connection prepares the statements it runs again (settings.py says why). A prepared statement
remembers the types of its result: when ``secassure migrate`` changes a column's type while servers
run, PostgreSQL refuses the old statement ("cached plan must not change result type"), and a
connection that keeps being reused would keep failing until it closes. This wrapper, on every
PostgreSQL connection, forgets the connection's prepared statements on that refusal and runs the
query once more. Inside a transaction the refusal stands (the transaction has failed): its
rollback forgets the prepared statements, so the next request plans afresh."""

from __future__ import annotations

from django.db.backends.signals import connection_created
from django.db.utils import NotSupportedError

STALE_PLAN = "cached plan must not change result type"


def plan_again(execute, sql, params, many, context):
    try:
        return execute(sql, params, many, context)
    except NotSupportedError as exc:
        connection = context["connection"]
        if STALE_PLAN not in str(exc) or connection.in_atomic_block:
            raise
        with connection.cursor() as cursor:
            cursor.execute("DEALLOCATE ALL")  # psycopg forgets its own list of them too
        return execute(sql, params, many, context)


def _install(sender, connection, **kwargs) -> None:
    if connection.vendor == "postgresql" and plan_again not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, plan_again)


def watch() -> None:
    """Install the wrapper on every PostgreSQL connection as it opens."""
    connection_created.connect(_install, dispatch_uid="secassure.prepared.plan_again")
