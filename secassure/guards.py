"""The checks every value a person gives passes before it is stored, from a web form, the command
line or an imported workbook alike.

Text is trimmed, its line breaks are written one way (browsers send a text area's lines ending
``\\r\\n``; the command line and files send ``\\n``: stored as given, the same words saved from two
places would differ, and saving a form unchanged would change it), and it may hold no control
characters but tab and line break: PostgreSQL refuses a NUL byte in text outright, SQLite would store
it, and neither belongs in a record a regulator reads.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from secassure.errors import ActionError

TEXT_LIMIT = 20_000
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def text(value, what: str, limit: int = TEXT_LIMIT, *, required: bool = False) -> str:
    """``value`` as it is stored, or ActionError naming ``what`` and the fault."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ActionError(f"give {what} as text")
    # A word processor's line and page breaks (vertical tab, form feed) arrive with pasted text: they
    # are line breaks to the reader.
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\x0b", "\n").replace("\x0c", "\n").strip()
    bad = _CONTROL.search(value)
    if bad:
        raise ActionError(f"{what} holds a control character (code {ord(bad.group()):#04x}) at position "
                          f"{bad.start() + 1:,}; remove it and try again")
    if len(value) > limit:
        raise ActionError(f"{what} is {len(value):,} characters long; the most it can be is {limit:,}")
    if required and not value:
        raise ActionError(f"write {what}")
    return value


def line(value, what: str, limit: int) -> str:
    """A one-line value (a name, a title, a reference): runs of white space become one space."""
    return " ".join(text(value, what, limit).split())


def past_date(day: dt.date | None, what: str) -> dt.date | None:
    """A date something happened on: never in the future."""
    if day is not None and day > timezone.localdate():
        raise ActionError(f"{what} {day.isoformat()} is in the future: record it once it has happened")
    return day


def fits(model, field: str, value: str, what: str) -> str:
    """Text within the length the model's field holds."""
    limit = model._meta.get_field(field).max_length
    if value and len(value) > limit:
        raise ActionError(f"{what} is {len(value)} characters long; the most it can be is {limit}")
    return value


LARGEST_ID = 2**63 - 1  # what SQLite's INTEGER and PostgreSQL's bigint hold


def record_id(value) -> int | None:
    """An id given in a form or a query string, as a number, or ``None`` when it cannot be one: only
    ASCII digits ("٣" is a digit to Python, not to a database) and never more than a database
    holds (a longer number would fail the query instead of finding nothing)."""
    text = str(value).strip() if value is not None else ""
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number <= LARGEST_ID else None
