"""The assessments an organisation has recorded, as the planner reads them.

The planner dates each year of the cycle from the fieldwork recorded on the assessments before it.
Assessments sit above the profile, so the profile does not read them itself: the assessments app
adds a reader here when it starts (in its ``AppConfig.ready``), and the planner asks every reader.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class RecordedAssessment:
    """One assessment as recorded: its type (``fusa``, ``vusa``, ``ssa``, ``follow-up``,
    ``cio-compliance``), the cycle year it belongs to, its fieldwork dates, id and status."""

    kind: str
    cycle_year: int | None
    fieldwork_start: dt.date | None
    fieldwork_end: dt.date | None
    pk: int
    status: str


# A reader is given organisation ids and returns, in one query however many there are, one row per
# assessment: (organisation id, kind, cycle year, fieldwork start, fieldwork end, id, status).
Row = tuple[int, str, int | None, dt.date | None, dt.date | None, int, str]
Reader = Callable[[Collection[int]], Iterable[Row]]
_READERS: dict[str, Reader] = {}


def add_reader(name: str, reader: Reader) -> None:
    """Register (or, under the same name, replace) a reader."""
    _READERS[name] = reader


def recorded_for(organisation_ids: Collection[int]) -> dict[int, list[RecordedAssessment]]:
    """Each organisation's recorded assessments, oldest first: one query per reader, however many
    organisations."""
    found: dict[int, list[RecordedAssessment]] = defaultdict(list)
    if not organisation_ids:
        return found
    for reader in _READERS.values():
        for organisation_id, *fields in reader(organisation_ids):
            found[organisation_id].append(RecordedAssessment(*fields))
    for rows in found.values():
        rows.sort(key=lambda r: r.pk)
    return found


def recorded_of(organisation) -> list[RecordedAssessment]:
    return recorded_for([organisation.pk]).get(organisation.pk, [])
