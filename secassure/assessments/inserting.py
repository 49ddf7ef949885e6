"""Inserting many plain records at once, without building a model instance for each.

``QuerySet.bulk_create`` builds a model instance per record and prepares every field of every
instance for the database: for the 1,300 rows of an assessment and the 5,000 evidence links carried
forward with them, that per-field work, not the database, is most of the time taken. Here the
columns that differ from record to record are given as tuples of values already in the form the
database takes (whole numbers, text, booleans, None), dates being the one kind still converted;
every other column takes its model default, prepared once for the whole batch. The records go in
with one ``executemany``: one statement to the database whatever their number, so a caller's query
count does not grow with the catalogue.

Nothing here sends signals or calls ``save``, as ``bulk_create`` does not either: use it only for
models whose saving does nothing more than write the record.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connections, models
from django.utils import timezone

# Field types whose values the database adapter may not take as they are (SQLite stores dates as
# text, for example): these columns are still converted value by value.
CONVERTED = frozenset({"DateField", "DateTimeField", "TimeField", "DecimalField", "JSONField", "UUIDField",
                       "DurationField"})


def insert(model: type[models.Model], columns: Sequence[str], values: Iterable[Sequence], *,
           using: str = "default") -> int:
    """Insert one record of ``model`` for each tuple in ``values``, which gives the ``columns``
    (attribute names such as ``obligation_id``) in that order. Every other column takes its
    default; ``auto_now`` and ``auto_now_add`` columns take the time now, the same for all.
    Returns the number of records inserted. Primary keys are not returned: read them back with a
    query when they are needed (a fixed cost, unlike fetching them record by record)."""
    connection = connections[using]
    fields = {f.attname: f for f in model._meta.concrete_fields if not f.primary_key}
    unknown = [c for c in columns if c not in fields]
    if unknown:
        raise ValueError(f"{model.__name__} has no column {', '.join(unknown)}")
    now = timezone.now()
    rest = [f for name, f in fields.items() if name not in columns]
    defaults = tuple(f.get_db_prep_save(now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
                                        else f.get_default(), connection) for f in rest)
    converted = [(i, fields[c]) for i, c in enumerate(columns) if fields[c].get_internal_type() in CONVERTED]

    def ready(record: Sequence) -> tuple:
        if converted:
            record = list(record)
            for i, field in converted:
                if record[i] is not None:
                    record[i] = field.get_db_prep_save(record[i], connection)
        return (*record, *defaults)

    batch = [ready(record) for record in values]
    if not batch:
        return 0
    quote = connection.ops.quote_name
    names = [fields[c].column for c in columns] + [f.column for f in rest]
    # Table and column names come from the model, never from input; the values go as parameters.
    table, marks = quote(model._meta.db_table), ", ".join(["%s"] * len(names))
    sql = f"INSERT INTO {table} ({', '.join(quote(n) for n in names)}) VALUES ({marks})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, batch)
    return len(batch)
