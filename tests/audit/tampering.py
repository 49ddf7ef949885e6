"""Stepping around the append-only triggers, as only someone with direct database access could,
so that the tests can show ``audit verify`` catches what the triggers cannot prevent."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection, transaction

from secassure.audit import triggers


@contextmanager
def triggers_off():
    """Inside a savepoint that is always rolled back: triggers off, then everything undone."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                for sql in triggers.SQLITE_DROP:
                    cursor.execute(sql)
            else:
                # Django's foreign keys are deferred; settle them so the table can be altered.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"ALTER TABLE {triggers.TABLE} DISABLE TRIGGER USER")
                cursor.execute(f"ALTER TABLE {triggers.HEAD_TABLE} DISABLE TRIGGER USER")
        yield
        transaction.set_rollback(True)


def cut_tail(chain: str, keep: int) -> None:
    """Delete a chain's events after ``keep`` and wind its head back to the last one kept, in plain
    SQL, as someone with the database but not the audit key would (call inside triggers_off)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {triggers.TABLE} WHERE chain = %s AND seq > %s", [chain, keep])
        cursor.execute(f"SELECT hash FROM {triggers.TABLE} WHERE chain = %s AND seq = %s", [chain, keep])
        (last_hash,) = cursor.fetchone()
        cursor.execute(f"UPDATE {triggers.HEAD_TABLE} SET seq = %s, head_hash = %s WHERE chain = %s",
                       [keep, last_hash, chain])
