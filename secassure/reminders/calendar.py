"""Each person's calendar feed: the same dates as their digest, a year ahead, as iCalendar (RFC 5545)
behind a private link. Only a hash of the link's token is stored; a new link replaces the old."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from icalendar import Calendar, Event

from secassure.reminders.dates import FEED_DAYS, KIND_NAMES, for_person
from secassure.reminders.models import CalendarFeed


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def owner_of(token: str):
    """The person whose feed this token opens, or None."""
    if not token or len(token) > 100:
        return None
    feed = CalendarFeed.objects.select_related("user").filter(token_hash=token_hash(token)).first()
    return feed.user if feed is not None and feed.user.is_active else None


def feed(user, today: dt.date) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//secassure//reminders//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "secassure: what is due")
    host = settings.SECASSURE_BASE_URL.split("//", 1)[-1].split("/", 1)[0] or "secassure"
    stamp = dt.datetime.combine(today, dt.time(0, 0), tzinfo=dt.UTC)
    for due in for_person(user, today, FEED_DAYS):
        event = Event()
        event.add("uid", f"{due.uid}-{user.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", due.date)
        event.add("dtend", due.date + dt.timedelta(days=1))
        event.add("summary", f"{KIND_NAMES[due.kind]}: {due.title}")
        clause = f"\nSEC {due.clause}" if due.clause else ""
        event.add("description", f"{due.organisation}{clause}\n{settings.SECASSURE_BASE_URL}{due.path}")
        event.add("url", f"{settings.SECASSURE_BASE_URL}{due.path}")
        event.add("categories", [KIND_NAMES[due.kind]])
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
