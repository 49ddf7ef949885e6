"""Reading the register with its freshness, at a fixed number of queries however many documents."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Max, OuterRef, Q, QuerySet, Subquery

from secassure.evidence.freshness import Freshness, acceptance_lapse, freshness
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


def acceptance_lapsed(documents: QuerySet[Document], today: dt.date) -> QuerySet[Document]:
    """The documents among these whose freshness is ``acceptance-lapsed``, found in SQL so that many
    organisations are counted at once. It is ``freshness_of`` read as a filter, in the same order:
    a provider maintains the document and it has a version; the latest version has not expired and
    the review is not overdue (those states come first); and no acceptance holds for the latest
    version (none recorded, an older version accepted, the relationship ended, or its term ended)."""
    latest = DocumentVersion.objects.filter(document=OuterRef("pk")).order_by("-number")
    accepted = Acceptance.objects.filter(document=OuterRef("pk")).order_by("-accepted_at", "-pk")
    return (documents.filter(provider__isnull=False)
            .annotate(lapse_latest=Subquery(latest.values("number")[:1]),
                      lapse_expiry=Subquery(latest.values("expiry_date")[:1]),
                      lapse_accepted=Subquery(accepted.values("version__number")[:1]),
                      lapse_until=Subquery(accepted.values("valid_until")[:1]))
            .filter(lapse_latest__isnull=False)
            .filter(Q(lapse_expiry__isnull=True) | Q(lapse_expiry__gte=today))
            .filter(Q(next_review__isnull=True) | Q(next_review__gte=today))
            .filter(Q(lapse_accepted__isnull=True) | Q(lapse_accepted__lt=F("lapse_latest"))
                    | Q(lapse_accepted__gt=F("lapse_latest")) | Q(provider__relationship_end__lt=today)
                    | Q(lapse_until__lt=today)))
