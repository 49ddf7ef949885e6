"""Writing to the audit log. ``record`` is the one way an event is appended."""

from __future__ import annotations

import datetime as dt
import json

from django.db import transaction

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
    action = _registered(action)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:300]
    object_repr, reason = _plain(object_repr), _plain(reason)
    org_id = organisation.pk if organisation is not None else None
    actor = current_actor()
    chain = chain_name(org_id)
    with transaction.atomic():
        ChainHead.objects.get_or_create(chain=chain, defaults={"seq": 0, "head_hash": GENESIS_HASH,
                                                               "seal": head_seal(chain, 0, GENESIS_HASH)})
        head = ChainHead.objects.select_for_update().get(chain=chain)
        event = Event(
            chain=chain,
            seq=head.seq + 1,
            organisation_id=org_id,
            occurred_at=dt.datetime.now(dt.UTC),
            actor_id=actor.user_id,
            actor_label=actor.label[:254],
            action=action,
            object_type=object_type,
            object_id=object_id[:64],
            object_repr=object_repr[:300],
            before=_json_ready(before),
            after=_json_ready(after),
            reason=reason,
            request_id=current_request_id(),
            prev_hash=head.head_hash,
            key_id=audit_key_id(),
        )
        event.hash = event.compute_hash()
        event.save(force_insert=True)
        head.seq = event.seq
        head.head_hash = event.hash
        # Sealed in the same statement that moves the head (the triggers allow one step forward).
        head.seal = head.expected_seal()
        head.save(update_fields=["seq", "head_hash", "seal"])
    return event
