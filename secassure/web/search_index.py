"""The SQLite full-text index behind the search box: one FTS5 table for each model searched, kept in
step by triggers on the model's own table (secassure.web.search reads it; PostgreSQL needs none).

Why triggers: the rows searched are written in many ways, by ``save()``, in bulk (``bulk_create``,
``QuerySet.update``, cascading deletes) and by data migrations, and only the database sees them all.
A trigger fires for each of them in the same transaction, so a result is never stale and a rolled
back write leaves the index as it was.

Why each trigger reads only its own table: Django changes a table on SQLite by building a new one,
dropping the old and renaming the new into its place, and SQLite refuses that rename while any
trigger names a table that is, at that moment, missing. A trigger of one model that read another
model's table (the rows' obligation titles, say) would make such a migration of the other model fail.
So the rows' index holds only their narrative; their obligation's reference and title are found in
the obligations' index, joined through the foreign key when searching.

Why the index is checked after every ``migrate`` (``install``, from the app's ``post_migrate``
receiver) and not only created by this app's migration: dropping the old table in that rebuild drops
its triggers too. ``install`` compares each table and trigger with the definition here, creates what
is missing or different and refills the index of any model whose triggers were missing, so the index
is in step again once ``migrate`` finishes, whatever a later migration did.

Each index is an ordinary FTS5 table holding its own copy of the text (not an external-content one)
so that a row is removed or replaced by its ``rowid`` alone: an external-content table must be told
the old text to remove it, which a trigger on a rebuilt table may no longer know. The ``rowid`` is
the model's primary key. Words are split by ``unicode61`` and reduced to their stem by ``porter``,
so "policies" finds "policy", as PostgreSQL's ``english`` configuration does.

A build of SQLite without FTS5 gets no index, and the search falls back to ``LIKE`` (``available``).
A database migrated with such a build and later served by one with FTS5 gets its index at the next
``migrate``, which every deployment runs.
"""

from __future__ import annotations

import functools
import sqlite3
from contextlib import closing
from dataclasses import dataclass

PREFIX = "search_"
TOKENIZE = "porter unicode61 remove_diacritics 2" if sqlite3.sqlite_version_info >= (3, 27) else "porter unicode61"


@functools.cache
def available() -> bool:
    """Whether the SQLite library this process uses can make FTS5 tables. Tried, rather than read
    from ``PRAGMA compile_options`` (``ENABLE_FTS5``), since FTS5 may also come built in or loaded
    without that option being listed. The library is the same for every connection of the process,
    so the answer is kept."""
    try:
        with closing(sqlite3.connect(":memory:")) as probe:
            probe.execute("CREATE VIRTUAL TABLE probe USING fts5(x)")
    except sqlite3.Error:
        return False
    return True


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class Index:
    """The FTS5 table ``table`` of the ``model``'s ``fields`` (its columns are named after them)."""

    table: str
    model: str  # "app_label.ModelName"
    fields: tuple[str, ...]

    def column(self, name: str) -> int:
        return self.fields.index(name)

    def statements(self, apps) -> list[tuple[str, str]]:
        """(name, CREATE statement) of the table, then of its triggers, for the model as ``apps``
        has it (a migration's historical models, or the current ones)."""
        meta = apps.get_model(self.model)._meta
        base, pk = _q(meta.db_table), _q(meta.pk.column)
        columns = [_q(meta.get_field(name).column) for name in self.fields]
        t = _q(self.table)
        names = ", ".join(_q(name) for name in self.fields)
        # Names only, from the definitions here and the models: nothing typed by a person.
        insert = (f"INSERT INTO {t}(rowid, {names}) VALUES "  # noqa: S608
                  f"(new.{pk}, {', '.join(f'new.{c}' for c in columns)});")
        delete = f"DELETE FROM {t} WHERE rowid = old.{pk};"  # noqa: S608
        changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in [pk, *columns])
        return [
            (self.table, f"CREATE VIRTUAL TABLE {t} USING fts5({names}, tokenize = '{TOKENIZE}')"),
            (f"{self.table}_insert", f"CREATE TRIGGER {_q(self.table + '_insert')} AFTER INSERT ON {base} "
                                     f"BEGIN {insert} END"),
            (f"{self.table}_update", f"CREATE TRIGGER {_q(self.table + '_update')} AFTER UPDATE OF "
                                     f"{', '.join([pk, *columns])} ON {base} WHEN {changed} "
                                     f"BEGIN {delete} {insert} END"),
            (f"{self.table}_delete", f"CREATE TRIGGER {_q(self.table + '_delete')} AFTER DELETE ON {base} "
                                     f"BEGIN {delete} END"),
        ]

    def refill(self, cursor, apps) -> None:
        meta = apps.get_model(self.model)._meta
        names = ", ".join(_q(name) for name in self.fields)
        columns = ", ".join(_q(meta.get_field(name).column) for name in self.fields)
        cursor.execute(f"DELETE FROM {_q(self.table)}")  # noqa: S608 - names, as above
        cursor.execute(f"INSERT INTO {_q(self.table)}(rowid, {names}) "  # noqa: S608
                       f"SELECT {_q(meta.pk.column)}, {columns} FROM {_q(meta.db_table)}")


INDEXES = (
    Index("search_organisation", "tenancy.Organisation", ("name", "sec_party_id")),
    Index("search_document", "evidence.Document", ("title",)),
    Index("search_obligation", "catalogue.Obligation", ("ref", "title", "summary")),
    Index("search_row", "assessments.ValidationRow", ("narrative",)),
    Index("search_finding", "review.Finding", ("ref", "description")),
    Index("search_action", "review.RemediationAction", ("description",)),
    Index("search_message", "review.QueryMessage", ("text",)),
)
BY_MODEL = {index.model.lower(): index for index in INDEXES}


def for_model(model) -> Index:
    return BY_MODEL[model._meta.label_lower]


def _present(cursor) -> dict[str, str]:
    cursor.execute("SELECT name, sql FROM sqlite_master WHERE type IN ('table', 'trigger') AND name LIKE %s",
                   [PREFIX + "%"])
    return dict(cursor.fetchall())


def install(connection, apps) -> list[str]:
    """Make the index as defined here, on SQLite with FTS5 (elsewhere nothing): create each table or
    trigger that is missing or differs, and refill each index that was made or was missing a trigger.
    Returns the tables refilled. Cheap when all is in place: one read of the schema."""
    if connection.vendor != "sqlite" or not available():
        return []
    refilled = []
    with connection.cursor() as cursor:
        present = _present(cursor)
        for index in INDEXES:
            stale = False
            for position, (name, sql) in enumerate(index.statements(apps)):
                if present.get(name) == sql:
                    continue
                if name in present:
                    cursor.execute(f"DROP {'TABLE' if position == 0 else 'TRIGGER'} {_q(name)}")
                cursor.execute(sql)
                stale = True
            if stale:
                index.refill(cursor, apps)
                refilled.append(index.table)
    return refilled


def uninstall(connection) -> None:
    """Drop the index and its triggers (the migration's reverse)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        present = _present(cursor)
        for index in INDEXES:
            for suffix in ("_insert", "_update", "_delete"):
                if index.table + suffix in present:
                    cursor.execute(f"DROP TRIGGER {_q(index.table + suffix)}")
            if index.table in present:
                cursor.execute(f"DROP TABLE {_q(index.table)}")
