"""Telling people it is their turn. ``notify`` is called by a workflow step, inside its transaction,
with the people the step hands work to; the notifications commit or roll back with the step, and
the e-mails of those who want them at once go after the commit."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from secassure.audit.actions import record
from secassure.audit.events import AuditEvent
from secassure.errors import ActionError
from secassure.inbox.choices import Delivery, Kind
from secassure.inbox.context import forget
from secassure.inbox.models import Notification, Preference
from secassure.tenancy.access import roles_with
from secassure.tenancy.models import Membership, Organisation

log = logging.getLogger(__name__)


def members_who_may(org: Organisation, permission: str):
    """The organisation's people whose role allows the permission."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(
        is_active=True, memberships__organisation=org, memberships__role__in=roles_with(permission)).distinct()


def notify(org: Organisation, recipients: Iterable, *, kind: str, text: str, url: str, obj=None,
           by=None) -> list[Notification]:
    """Tell each recipient, within the organisation's door: anyone who is not (or no longer) a
    member of it is left out, as is the person who took the step (``by``). Returns what was written."""
    kind = Kind(kind).value
    wanted = {getattr(r, "pk", r) for r in recipients if r is not None} - {getattr(by, "pk", None)}
    if not wanted:
        return []
    members = set(Membership.objects.filter(organisation=org, user_id__in=wanted, user__is_active=True)
                  .values_list("user_id", flat=True))
    now = timezone.now()
    object_type = obj._meta.label_lower if obj is not None else ""
    object_id = str(obj.pk) if obj is not None else ""
    made = Notification.objects.bulk_create([
        Notification(recipient_id=pk, organisation=org, kind=kind, text=text[:300], url=url[:300],
                     object_type=object_type, object_id=object_id, created_at=now)
        for pk in sorted(members)])
    later = set(Preference.objects.filter(user_id__in=members).exclude(delivery=Delivery.IMMEDIATE)
                .values_list("user_id", flat=True))
    to_mail = [n for n in made if n.recipient_id not in later]
    transaction.on_commit(lambda: forget(members))
    if to_mail:
        ids = [n.pk for n in to_mail if n.pk is not None]
        transaction.on_commit(lambda: send_now(ids))
    return made


def send_now(ids: list[int]) -> int:
    """E-mail these notifications, each to its recipient, after the step that made them committed.
    One that cannot be sent stays unsent, and the next daily digest carries it. Returns how many went."""
    if not ids:
        return 0
    sent = 0
    for n in Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).select_related(
            "recipient", "organisation"):
        try:
            send_mail(f"secassure: {n.text}", body(n), None, [n.recipient.email])
        except OSError as exc:  # the mail server refused or is down: the digest will carry it
            log.warning("notification %s to %s not e-mailed: %s", n.pk, n.recipient.email, exc)
            continue
        Notification.objects.filter(pk=n.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent


def body(n: Notification) -> str:
    return (f"{n.organisation.name}\n\n{n.text}\n\n{settings.SECASSURE_BASE_URL}{n.url}\n\n"
            "You get this because a step in secassure handed this to you. Choose how you hear of them "
            f"(at once, in the daily digest, or only in your inbox): {settings.SECASSURE_BASE_URL}/inbox/\n")


def mark_read(user, ids: Iterable[int] | None = None) -> int:
    """Mark the person's own notifications read (all of them when ``ids`` is None)."""
    found = Notification.objects.filter(recipient=user).unread()
    if ids is not None:
        found = found.filter(pk__in=list(ids))
    marked = found.update(read_at=timezone.now())
    forget([user.pk])
    return marked


def set_delivery(delivery: str, *, by) -> Preference:
    """How the person (``by``, signed in) wants to hear of hand-offs besides their inbox."""
    if by is None or not getattr(by, "is_authenticated", False):
        raise ActionError("sign in to choose how you are told")
    if delivery not in Delivery.values:
        raise ActionError(f"{delivery!r} is not a choice; use one of {', '.join(Delivery.values)}")
    with transaction.atomic():
        preference, _ = Preference.objects.select_for_update().get_or_create(user=by)
        if preference.delivery != delivery:
            before = preference.delivery
            preference.delivery = delivery
            preference.save(update_fields=["delivery"])
            record(AuditEvent.INBOX_DELIVERY_CHANGED, preference, before={"delivery": before},
                   after={"delivery": delivery})
    return preference
