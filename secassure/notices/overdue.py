"""Telling the people who record notices, once, of each notice that became overdue: a notice not
sent by its deadline, a further User System in use with none sent before its first use, and the
G5.27 count. The daily reminders run calls this before it sends the digests."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from secassure.inbox.actions import members_who_may, notify
from secassure.inbox.choices import Kind
from secassure.inbox.models import Notification
from secassure.notices.services import notice_rules, overdue_for
from secassure.tenancy.access import RECORD_NOTICES
from secassure.tenancy.models import Organisation


def notify_overdue(today: dt.date) -> int:
    """Notify each organisation's Owners and Contributors of what became overdue since the last run
    (each overdue thing once, however often this runs). Returns how many notifications were written."""
    rules = notice_rules(today)
    if rules is None:
        return 0
    written = 0
    for org in Organisation.objects.order_by("pk"):
        found = overdue_for(org, today, rules)
        if not found:
            continue
        told = set(Notification.objects.filter(organisation=org, kind=Kind.NOTICE_OVERDUE,
                                               object_type="notices.overdue").values_list("object_id", flat=True))
        fresh = [o for o in found if o.key not in told]
        if not fresh:
            continue
        people = list(members_who_may(org, RECORD_NOTICES))
        with transaction.atomic():
            for o in fresh:
                made = notify(org, people, kind=Kind.NOTICE_OVERDUE, url=o.path,
                              text=f"Overdue since {o.deadline:%d %b %Y} [{o.clause}]: {o.title}")
                # The key marks it told, so that a later run does not tell it again.
                Notification.objects.filter(pk__in=[n.pk for n in made]).update(
                    object_type="notices.overdue", object_id=o.key[:40])
                written += len(made)
    return written
