"""Writing to the audit log. ``record`` is the one way an event is appended."""

from __future__ import annotations

import datetime as dt
import json

from django.db import transaction

from secassure.audit.context import current_actor, current_request_id
from secassure.audit.models import GENESIS_HASH, ChainHead, Event, chain_name


def _json_ready(value):
    # Round-trip through JSON so that the hash is computed over exactly what the database keeps.
    if value is None:
        return None
    return json.loads(json.dumps(value, default=str, allow_nan=False))


def record(
    action: str,
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
    with the change it describes.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:300]
    org_id = organisation.pk if organisation is not None else None
    actor = current_actor()
    chain = chain_name(org_id)
    with transaction.atomic():
        ChainHead.objects.get_or_create(chain=chain, defaults={"seq": 0, "head_hash": GENESIS_HASH})
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
        )
        event.hash = event.compute_hash()
        event.save(force_insert=True)
        head.seq = event.seq
        head.head_hash = event.hash
        head.save(update_fields=["seq", "head_hash"])
    return event
