"""What is due, or overdue, for one person across the organisations they belong to: the next
assessment of the cycle, reviews and expiry of the documents they own, the six-monthly G5.27 counts
of an organisation that uses a Shared Resource Provider, their remediation actions, and the
management responses the SSC is waiting for."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse

from secassure.evidence.models import Document
from secassure.evidence.services import with_freshness_fields
from secassure.notices import services as notices
from secassure.profile.planner import ASSESSMENT_NAMES
from secassure.review.models import Finding, RemediationAction
from secassure.tenancy.choices import MemberRole

# A digest looks this far ahead; the calendar feed further.
DIGEST_DAYS = 14
FEED_DAYS = 400

PREPARERS = frozenset({MemberRole.OWNER, MemberRole.APPROVER, MemberRole.CONTRIBUTOR})
ANSWERABLE = frozenset({MemberRole.OWNER, MemberRole.APPROVER})
NOTICE_RECORDERS = frozenset({MemberRole.OWNER, MemberRole.CONTRIBUTOR})
KIND_NAMES = {"assessment": "Assessment due", "review": "Document review", "expiry": "Evidence expires",
              "count": "G5.27 count to SECAS", "action": "Remediation action", "response": "Response to the SSC",
              "notice": "Notice overdue"}


@dataclass(frozen=True)
class Due:
    kind: str
    uid: str  # stable across runs: the calendar event's identity
    title: str
    date: dt.date
    organisation: str
    path: str  # where to act, in the web app
    clause: str = ""

    def state(self, today: dt.date) -> str:
        days = (self.date - today).days
        if days < 0:
            return f"overdue by {-days} day{'s' if days != -1 else ''}"
        if days == 0:
            return "due today"
        return f"due in {days} day{'s' if days != 1 else ''}"

    def overdue(self, today: dt.date) -> bool:
        return self.date < today


def _assessment(org, today: dt.date) -> list[Due]:
    from secassure.profile.services import plan_for

    year = plan_for(org, today).next_due()
    if year is None or year.due_by is None:
        return []
    name = ASSESSMENT_NAMES.get(year.type, year.type)
    return [Due("assessment", f"assessment-{org.pk}-{year.due_by.isoformat()}",
                f"{name} (cycle year {year.year}) to be completed", year.due_by, org.name,
                reverse("organisation", args=[org.slug]), ", ".join(year.rules))]


def _documents(org, user, role: str) -> list[Due]:
    documents = Document.objects.filter(organisation=org).in_force()
    if role == MemberRole.OWNER:  # the Owner answers for documents nobody owns
        documents = documents.filter(owner=user) | documents.filter(owner__isnull=True)
    else:
        documents = documents.filter(owner=user)
    found = []
    for d in with_freshness_fields(documents):
        path = reverse("document", args=[org.slug, d.pk])
        if d.next_review:
            found.append(Due("review", f"review-{d.pk}-{d.next_review.isoformat()}", f"Review {d.title}",
                             d.next_review, org.name, path, "G5"))
        if d.latest_expiry:
            found.append(Due("expiry", f"expiry-{d.pk}-v{d.latest_number}", f"{d.title} v{d.latest_number} expires",
                             d.latest_expiry, org.name, path))
    return found


def count_due(org, today: dt.date) -> dt.date | None:
    """G5.27: the next six-monthly count of Smart Metering Systems to SECAS, counted from the last
    one recorded as sent in the notices register (from the last portfolio snapshot where none is).
    None when the organisation is not a Live DCC User or uses no Shared Resource Provider now."""
    return notices.count_due(org, today)


def _counts(org, today: dt.date) -> list[Due]:
    due = count_due(org, today)
    if due is None:
        return []
    return [Due("count", f"count-{org.pk}-{due.isoformat()}", "Report the number of Smart Metering Systems to SECAS",
                due, org.name, reverse("notices", args=[org.slug]), "G5.27")]


def _actions(org, user) -> list[Due]:
    actions = (RemediationAction.objects.filter(plan__organisation=org, owner=user)
               .still_open().select_related("finding").order_by("target_date", "pk"))
    return [Due("action", f"action-{a.pk}-{a.target_date.isoformat()}",
                (f"{a.finding.ref}: " if a.finding_id else "") + a.description.splitlines()[0][:150],
                a.target_date, org.name, reverse("remediation-plan", args=[org.slug, a.plan_id]), a.clause)
            for a in actions]


def _responses(org) -> list[Due]:
    findings = (Finding.objects.filter(organisation=org, response="", response_due__isnull=False)
                .still_open().order_by("response_due", "ref"))
    return [Due("response", f"response-{f.pk}-{f.response_due.isoformat()}",
                f"{f.ref}: management response to the SSC", f.response_due, org.name,
                reverse("finding", args=[org.slug, f.pk]), f.clause) for f in findings]


def _notices(org, today: dt.date) -> list[Due]:
    """Notices whose deadline passed with nothing sent (the G5.27 count is listed as a count)."""
    return [Due("notice", o.key, o.title, o.deadline, org.name, o.path, o.clause)
            for o in notices.overdue_for(org, today) if not o.count]


def for_person(user, today: dt.date, days: int = DIGEST_DAYS) -> list[Due]:
    """Everything due for the person from the past up to days ahead, soonest first."""
    horizon = today + dt.timedelta(days=days)
    found: list[Due] = []
    for membership in user.memberships.select_related("organisation"):
        org, role = membership.organisation, membership.role
        if role in PREPARERS:
            found += _assessment(org, today)
        found += _documents(org, user, role)
        if role == MemberRole.OWNER:
            found += _counts(org, today)
        if role in NOTICE_RECORDERS:
            found += _notices(org, today)
        found += _actions(org, user)
        if role in ANSWERABLE:
            found += _responses(org)
    return sorted((d for d in found if d.date <= horizon), key=lambda d: (d.date, d.organisation, d.kind, d.uid))
