"""The daily digest: one e-mail a day to each person with something due or overdue, or with
hand-offs in their inbox not yet e-mailed (those who chose the digest for them, and any whose own
e-mail could not be sent). Running it again the same day sends nothing more, because each digest
sent is recorded first, in the same transaction as the sending (a failed send is not recorded, so
the next run tries again)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from secassure.inbox.models import Notification, unsent_for
from secassure.notices.overdue import notify_overdue
from secassure.reminders.dates import DIGEST_DAYS, KIND_NAMES, Due, for_person
from secassure.reminders.models import Digest


@dataclass
class Run:
    day: dt.date
    sent: list[dict] = field(default_factory=list)
    already: int = 0
    nothing_due: int = 0
    failed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"day": self.day.isoformat(), "sent": self.sent, "already_sent": self.already,
                "nothing_due": self.nothing_due, "failed": self.failed}


def compose(user, items: list[Due], today: dt.date, handed: list | None = None) -> tuple[str, str]:
    handed = handed or []
    overdue = sum(1 for d in items if d.overdue(today))
    coming = len(items) - overdue
    parts = [f"{overdue} overdue"] if overdue else []
    if coming:
        parts.append(f"{coming} due in the next {DIGEST_DAYS} days")
    if handed:
        parts.append(f"{len(handed)} handed to you")
    subject = f"secassure: {' and '.join(parts)}"
    lines = [f"Good morning {user.first_name or user.email},", "",
             f"This is what is due for you in secassure, as of {today:%A %d %B %Y}.", ""]
    if handed:
        lines += ["Handed to you since your last e-mail:", ""]
        for n in handed:
            lines.append(f"* {n.organisation.name}: {n.text}")
            lines.append(f"  {settings.SECASSURE_BASE_URL}{n.url}")
        lines.append("")
    organisation = None
    for d in items:
        if d.organisation != organisation:
            organisation = d.organisation
            lines += ["", organisation, "-" * len(organisation)]
        clause = f" [{d.clause}]" if d.clause else ""
        lines.append(f"* {d.date:%d %b %Y} ({d.state(today)}): {KIND_NAMES[d.kind]}: {d.title}{clause}")
        lines.append(f"  {settings.SECASSURE_BASE_URL}{d.path}")
    lines += ["", "You get one of these a day while something is due. Your calendar feed lists the same dates: "
              f"{settings.SECASSURE_BASE_URL}/calendar/"]
    return subject, "\n".join(lines) + "\n"


def send_digests(today: dt.date, *, dry_run: bool = False, progress=None) -> Run:
    """Send each active person their digest for today, unless they already have it."""
    run = Run(today)
    if not dry_run:  # what became overdue reaches the inbox first, so that today's digest carries it
        notify_overdue(today)
    people = list(get_user_model().objects.filter(is_active=True, memberships__isnull=False).distinct()
                  .order_by("email"))
    done_today = set(Digest.objects.filter(day=today).values_list("user_id", flat=True))
    for n, user in enumerate(people, 1):
        if progress is not None:
            progress(n, len(people), user.email)
        if user.pk in done_today:
            run.already += 1
            continue
        items = for_person(user, today)
        handed = list(unsent_for(user))
        if not items and not handed:
            run.nothing_due += 1
            continue
        subject, body = compose(user, items, today, handed)
        entry = {"email": user.email, "items": len(items), "handed": len(handed), "subject": subject}
        if dry_run:
            run.sent.append(entry)
            continue
        try:
            with transaction.atomic():
                Digest.objects.create(user=user, day=today, items=len(items) + len(handed))
                Notification.objects.filter(pk__in=[n.pk for n in handed]).update(emailed_at=timezone.now())
                send_mail(subject, body, None, [user.email])
        except IntegrityError:  # another run got there first
            run.already += 1
            continue
        except OSError as exc:  # the mail server refused or is down: try again on the next run
            run.failed.append(f"{user.email}: {exc}")
            continue
        run.sent.append(entry)
    return run
