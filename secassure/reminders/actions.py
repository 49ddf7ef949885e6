"""Changes to a person's own reminders: their private calendar link."""

from __future__ import annotations

import secrets

from django.db import transaction

from secassure.audit.actions import record
from secassure.audit.events import AuditEvent
from secassure.errors import ActionError
from secassure.reminders.calendar import token_hash
from secassure.reminders.models import CalendarFeed


def _signed_in(by) -> None:
    if by is None or not getattr(by, "is_authenticated", False):
        raise ActionError("a calendar link belongs to a signed-in person")


def new_feed_link(*, by) -> str:
    """A new private token for the person's own feed, replacing any earlier one (which stops
    working)."""
    _signed_in(by)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarFeed.objects.update_or_create(user=by, defaults={"token_hash": token_hash(token)})
        record(AuditEvent.REMINDERS_FEED_CREATED, by, after={"user": by.email})
    return token


def revoke_feed(*, by) -> None:
    """The person's own feed link stops working."""
    _signed_in(by)
    with transaction.atomic():
        if CalendarFeed.objects.filter(user=by).delete()[0]:
            record(AuditEvent.REMINDERS_FEED_REVOKED, by, after={"user": by.email})
