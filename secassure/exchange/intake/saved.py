"""The column mappings a person keeps for the layouts they meet again: a consultancy's template
turns up at each client it serves, and whoever took one in once should not map it again.

A mapping is its owner's alone, in every organisation they can reach and in no one else's hands:
it holds header texts and what the words in the cells mean, never a client's data, so it may
travel between organisations with its owner. Saving and deleting are audited on the system chain,
as a person's own settings are."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import QuerySet

from secassure import guards
from secassure.audit.actions import record
from secassure.audit.events import AuditEvent
from secassure.errors import ActionError
from secassure.exchange.intake import fields as F
from secassure.exchange.models import IntakeMapping

# The vocabularies worth keeping: what the words of a layout mean. Dates and people's names are
# read afresh from every file, whatever layout it is in.
KEPT_VOCABULARIES = frozenset({F.STATUS, F.ANSWER, F.YESNO, F.SCALE, F.TREATMENT, F.DOC_TYPE})


def _kept(value) -> str:
    """A product value as a saved mapping holds it: the text a person could have typed for it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _person(by) -> None:
    if by is None or not getattr(by, "is_authenticated", False):
        raise ActionError("a saved mapping belongs to a person: act as one (on the command line, --as EMAIL)")


def save_mapping(by, name: str, kind: str, proposal, table) -> IntakeMapping:
    """Keep the proposal's columns (by their header texts, which survive columns being moved) and
    its reading of the vocabulary under ``name``, replacing the person's mapping of that name."""
    _person(by)
    name = guards.line(name, "the mapping's name", 100)
    if not name:
        raise ActionError("give the mapping a name")
    if kind not in F.KINDS:
        raise ActionError(f"{kind!r} is not a kind of intake; use one of {', '.join(F.KINDS)}")
    if proposal.kind != kind:
        raise ActionError(f"this mapping reads {F.KIND_LABELS[proposal.kind].lower()}, not "
                          f"{F.KIND_LABELS[kind].lower()}")
    vocabularies = {f.key: f.vocabulary for f in F.fields_of(kind)}
    # Every field is kept: one the layout leaves unread ("") stays unread when the mapping is used
    # again, rather than being guessed afresh from a header the person chose to ignore.
    headers = proposal.headers(table)
    mapping = {f.key: str(headers.get(f.key, "")) for f in F.fields_of(kind)}
    values = {key: {str(text): _kept(value) for text, value in read.items()}
              for key, read in proposal.values.items()
              if vocabularies.get(key) in KEPT_VOCABULARIES and read}
    with transaction.atomic():
        saved = IntakeMapping.objects.select_for_update().filter(owner=by, name=name).first()
        before = saved.as_dict() if saved is not None else None
        if saved is None:
            saved = IntakeMapping(owner=by, name=name)
        saved.kind, saved.sheet, saved.mapping, saved.values = kind, table.sheet[:200], mapping, values
        after = saved.as_dict()
        if after == before:
            return saved
        saved.save()
        record(AuditEvent.EXCHANGE_INTAKE_MAPPING_SAVED, saved, before=before, after=after)
    return saved


def mappings_of(user, kind: str | None = None) -> QuerySet[IntakeMapping]:
    """The person's own mappings, by name; of one kind of intake when ``kind`` is given."""
    if user is None or not getattr(user, "is_authenticated", False):
        return IntakeMapping.objects.none()
    found = IntakeMapping.objects.filter(owner=user)
    if kind is not None:
        found = found.filter(kind=kind)
    return found.order_by("name")


def mapping_named(user, name: str, kind: str | None = None) -> IntakeMapping:
    """The person's mapping called ``name``; another person's of that name is as good as absent."""
    _person(user)
    found = mappings_of(user).filter(name=" ".join(str(name).split())).first()
    if found is None:
        raise ActionError(f"you have no saved mapping called {name!r}")
    if kind is not None and found.kind != kind:
        raise ActionError(f"the mapping {found.name!r} reads {F.KIND_LABELS[found.kind].lower()}, not "
                          f"{F.KIND_LABELS[kind].lower()}")
    return found


def delete_mapping(mapping: IntakeMapping, *, by) -> None:
    """Delete one of the person's own mappings."""
    _person(by)
    if mapping.owner_id != by.pk:
        raise ActionError("you have no saved mapping of that name")
    with transaction.atomic():
        record(AuditEvent.EXCHANGE_INTAKE_MAPPING_DELETED, mapping, before=mapping.as_dict())
        mapping.delete()
