"""Reading the register with its freshness, at a fixed number of queries however many documents."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, CharField, Count, F, Max, OuterRef, Q, QuerySet, Subquery, Value, When

from secassure.evidence.freshness import REVIEW_WARNING_DAYS, Freshness, acceptance_lapse, freshness
from secassure.evidence.models import Acceptance, Document, DocumentVersion


def with_freshness_fields(documents: QuerySet[Document]) -> QuerySet[Document]:
    latest = DocumentVersion.objects.filter(document=OuterRef("pk")).order_by("-number")
    accepted = Acceptance.objects.filter(document=OuterRef("pk")).order_by("-accepted_at", "-pk")
    return documents.select_related("owner", "provider").annotate(
        latest_number=Max("versions__number"),
        latest_effective=Subquery(latest.values("effective_date")[:1]),
        latest_expiry=Subquery(latest.values("expiry_date")[:1]),
        accepted_number=Subquery(accepted.values("version__number")[:1]),
        accepted_until=Subquery(accepted.values("valid_until")[:1]),
    )


def freshness_of(document: Document, today: dt.date) -> Freshness:
    """The document's freshness; the document must come from ``with_freshness_fields``."""
    problem = None
    if document.provider_id:
        problem = acceptance_lapse(
            accepted_version_number=document.accepted_number, latest_version_number=document.latest_number,
            valid_until=document.accepted_until, next_review=document.next_review,
            relationship_end=document.provider.relationship_end, today=today)
    return freshness(latest_version_number=document.latest_number, expiry_date=document.latest_expiry,
                     next_review=document.next_review, provider_maintained=bool(document.provider_id),
                     acceptance_problem=problem, today=today)


def register_rows(documents: QuerySet[Document], today: dt.date) -> list[tuple[Document, Freshness]]:
    return [(d, freshness_of(d, today)) for d in with_freshness_fields(documents).order_by("title")]


def freshness_states(documents: QuerySet[Document], today: dt.date,
                     warning_days: int = REVIEW_WARNING_DAYS) -> QuerySet[Document]:
    """The documents, each annotated with ``freshness_state``: the state ``freshness_of`` gives,
    worked out in SQL, so that counts by state cost one query however many documents (and
    organisations) there are. The conditions are freshness.py's, in the same order."""
    latest = DocumentVersion.objects.filter(document=OuterRef("pk")).order_by("-number")
    accepted = Acceptance.objects.filter(document=OuterRef("pk")).order_by("-accepted_at", "-pk")
    no_acceptance_holds = (Q(provider__isnull=False)
                           & (Q(fs_accepted__isnull=True) | Q(fs_accepted__lt=F("fs_latest"))
                              | Q(fs_accepted__gt=F("fs_latest")) | Q(provider__relationship_end__lt=today)
                              | Q(fs_until__lt=today)))
    return documents.annotate(
        fs_latest=Subquery(latest.values("number")[:1]),
        fs_expiry=Subquery(latest.values("expiry_date")[:1]),
        fs_accepted=Subquery(accepted.values("version__number")[:1]),
        fs_until=Subquery(accepted.values("valid_until")[:1]),
    ).annotate(freshness_state=Case(
        When(fs_latest__isnull=True, then=Value("missing")),
        When(fs_expiry__lt=today, then=Value("expired")),
        When(next_review__lt=today, then=Value("overdue")),
        When(no_acceptance_holds, then=Value("acceptance-lapsed")),
        When(next_review__lte=today + dt.timedelta(days=warning_days), then=Value("review-due")),
        default=Value("current"), output_field=CharField()))


def state_counts(documents: QuerySet[Document], today: dt.date, by: str | None = None) -> dict:
    """How many documents are in each freshness state: {state: n}, or {(by, state): n} when
    grouped by a field such as ``organisation_id``. One query."""
    fields = (by, "freshness_state") if by else ("freshness_state",)
    rows = (freshness_states(documents, today).order_by().values(*fields).annotate(n=Count("pk"))
            .values_list(*fields, "n"))
    return {(row[0] if by is None else row[:2]): row[-1] for row in rows}
