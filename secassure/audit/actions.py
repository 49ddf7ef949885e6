"""Writing to the audit log. ``record`` appends one event; ``record_many`` appends a batch of them
to one chain, each exactly as ``record`` would have written it, in a fixed number of statements."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connections, router, transaction

from secassure.audit.context import current_actor, current_request_id
from secassure.audit.events import AuditEvent
from secassure.audit.models import GENESIS_HASH, ChainHead, Event, audit_key_id, chain_name, head_seal


def _json_ready(value):
    """What the database will give back, so that the hash is computed over exactly that.

    Numbers other than whole numbers are kept as text: PostgreSQL's JSON type rewrites them
    (1e20 comes back as 100000000000000000000), which would break the seal. NUL characters,
    which PostgreSQL cannot store in JSON, are written out as the text \\u0000.
    """
    if value is None:
        return None
    return _plain(json.loads(json.dumps(value, default=str)))


def _plain(value):
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return value.replace("\x00", "\\u0000")
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _registered(action: AuditEvent | str) -> str:
    """The stored value of a registered event name; anything else is refused."""
    try:
        return AuditEvent(action).value
    except ValueError:
        raise ValueError(f"{action!r} is not a registered audit event: add it to AuditEvent in "
                         "secassure/audit/events.py") from None


@dataclass(frozen=True)
class Pending:
    """One event for ``record_many`` to append: what ``record`` takes, less the organisation, which
    the whole batch shares."""

    action: AuditEvent | str
    obj: object = None
    before: object = None
    after: object = None
    reason: str = ""
    object_type: str = ""
    object_id: str = ""
    object_repr: str = ""


def _unsealed(pending: Pending, org_id: int | None, chain: str, actor, request_id: str, key_id: str) -> Event:
    """The event as it will be written, all but its place in the chain (seq, prev_hash, hash) and
    its time, which are set once the chain's head is locked. Refuses an unregistered action."""
    action = _registered(pending.action)
    obj, object_type, object_id, object_repr = pending.obj, pending.object_type, pending.object_id, pending.object_repr
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:300]
    return Event(
        chain=chain,
        organisation_id=org_id,
        actor_id=actor.user_id,
        actor_label=actor.label[:254],
        action=action,
        object_type=object_type,
        object_id=object_id[:64],
        object_repr=_plain(object_repr)[:300],
        before=_json_ready(pending.before),
        after=_json_ready(pending.after),
        reason=_plain(pending.reason),
        request_id=request_id,
        key_id=key_id,
    )


def _locked_head(chain: str) -> ChainHead:
    """The chain's head, created at the start of the chain if it has none, locked until the caller's
    transaction ends, so that appends to one chain queue behind each other. A chain with a head, as
    every chain but a new one has, costs one statement."""
    head = ChainHead.objects.select_for_update().filter(chain=chain).first()
    if head is not None:
        return head
    ChainHead.objects.get_or_create(chain=chain, defaults={"seq": 0, "head_hash": GENESIS_HASH,
                                                           "seal": head_seal(chain, 0, GENESIS_HASH)})
    return ChainHead.objects.select_for_update().get(chain=chain)


def _move_head(head: ChainHead, last: Event) -> None:
    head.seq = last.seq
    head.head_hash = last.hash
    # Sealed in the same statement that moves the head (the triggers allow it forward only onto
    # events already written).
    head.seal = head.expected_seal()
    head.save(update_fields=["seq", "head_hash", "seal"])


def record(
    action: AuditEvent | str,
    obj=None,
    *,
    organisation=None,
    before=None,
    after=None,
    reason: str = "",
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> Event:
    """Append one event to its organisation's chain (or the system chain) and return it.

    Runs inside the caller's transaction when there is one, so the event commits or rolls back
    with the change it describes. The action is an ``AuditEvent`` (or its value); any other name
    is refused with ValueError before anything is written.
    """
    org_id = organisation.pk if organisation is not None else None
    chain = chain_name(org_id)
    event = _unsealed(Pending(action, obj, before=before, after=after, reason=reason, object_type=object_type,
                              object_id=object_id, object_repr=object_repr),
                      org_id, chain, current_actor(), current_request_id(), audit_key_id())
    # No savepoint of its own inside the caller's transaction: an event that fails to append fails
    # the change it describes, and a savepoint would cost two more round trips on every change.
    with transaction.atomic(savepoint=False):
        head = _locked_head(chain)
        event.seq = head.seq + 1
        event.occurred_at = dt.datetime.now(dt.UTC)
        event.prev_hash = head.head_hash
        event.hash = event.compute_hash()
        event.save(force_insert=True)
        _move_head(head, event)
    return event


def record_many(pending: Iterable[Pending], *, organisation=None) -> list[Event]:
    """Append one event for each of ``pending``, in order, to the organisation's chain (or the
    system chain) and return them: the same events, hashes and chain as calling ``record`` for each
    in turn (but that they share one time, that of the batch), written in a fixed number of
    statements whatever their number: one insert of them all and one move of the head.

    Like ``record`` it runs inside the caller's transaction, holds the chain's head locked while it
    appends, and refuses an unregistered action with ValueError before anything is written.
    """
    org_id = organisation.pk if organisation is not None else None
    chain = chain_name(org_id)
    actor, request_id, key_id = current_actor(), current_request_id(), audit_key_id()
    events = [_unsealed(p, org_id, chain, actor, request_id, key_id) for p in pending]
    if not events:
        return []
    alias = router.db_for_write(Event)
    with transaction.atomic(using=alias, savepoint=False):
        head = _locked_head(chain)
        occurred_at = dt.datetime.now(dt.UTC)
        seq, prev_hash = head.seq, head.head_hash
        for event in events:
            seq += 1
            event.seq, event.occurred_at, event.prev_hash = seq, occurred_at, prev_hash
            event.hash = prev_hash = event.compute_hash()
        _insert(events, alias)
        _move_head(head, events[-1])
    return events


def _insert(events: list[Event], alias: str) -> None:
    """Insert the events in one statement run for each (an executemany), which, unlike
    ``bulk_create``, is not split into batches of a few dozen rows on SQLite; then read their ids
    back in one query."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    fields = [f for f in Event._meta.concrete_fields if not f.primary_key]
    # Only the model's own table and column names are written into the statement; every value is a parameter.
    sql = (f"INSERT INTO {quote(Event._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    with connection.cursor() as cursor:
        cursor.executemany(sql, [[f.get_db_prep_save(getattr(event, f.attname), connection) for f in fields]
                                 for event in events])
    ids = dict(Event.objects.using(alias).filter(chain=events[0].chain, seq__gte=events[0].seq,
                                                 seq__lte=events[-1].seq).values_list("seq", "pk"))
    for event in events:
        event.pk = ids[event.seq]
        event._state.adding, event._state.db = False, alias
