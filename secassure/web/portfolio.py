"""A consultant's portfolio: for every organisation the person may see, the signals that say where it
stands (current assessment and its progress, open CIO queries, overdue actions, documents due for
review, expired evidence, lapsed third-party acceptances, materiality decisions pending), each read
for all the organisations at once, so the page costs the same queries for two organisations or two
hundred."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone

from secassure.assessments.choices import MATERIALITY_TYPES, AssessmentStatus, Decision
from secassure.assessments.models import Assessment
from secassure.assessments.services import progress_many
from secassure.evidence.models import Document
from secassure.evidence.services import state_counts
from secassure.profile.models import PortfolioSnapshot
from secassure.profile.planner import Portfolio
from secassure.profile.recorded import recorded_for
from secassure.profile.services import advice_for, plan_for, rules_in_force
from secassure.review.models import RemediationAction, ReviewQuery
from secassure.tenancy.access import VIEW, VIEW_ASSESSMENTS, VIEW_DOCUMENTS, memberships_of, role_allows
from secassure.tenancy.choices import MemberRole
from secassure.tenancy.models import Organisation

REVIEW_AHEAD_DAYS = 30
SORTS = ("name", "due", "progress", "queries", "overdue", "documents", "expired", "lapsed", "decisions")


def _counts(queryset, field: str) -> dict[int, int]:
    return dict(queryset.values(field).order_by(field).annotate(n=Count("pk")).values_list(field, "n"))


def signals(rows: list[dict], today: dt.date) -> None:
    """Add each visible row's signals (in place); rows come from ``organisation_rows``."""
    roles = {row["org"].pk: row["role_code"] for row in rows}
    assessing = [pk for pk, role in roles.items() if role_allows(role, VIEW_ASSESSMENTS)]
    documenting = [pk for pk, role in roles.items() if role_allows(role, VIEW_DOCUMENTS)]

    # Each organisation's current assessment (its newest not closed), chosen by the database: an
    # organisation keeps every assessment of every year, and reading them all to keep one each cost
    # more than the rest of the page at a few hundred organisations.
    newest = (Assessment.objects.filter(organisation_id=OuterRef("pk")).exclude(status=AssessmentStatus.CLOSED)
              .order_by("-created_at", "-pk").values("pk")[:1])
    chosen = Organisation.objects.filter(pk__in=assessing).annotate(current=Subquery(newest)).values("current")
    current = {a.organisation_id: a for a in Assessment.objects.filter(pk__in=chosen)}
    figures = progress_many(list(current.values())) if current else {}
    queries = _counts(ReviewQuery.objects.filter(assessment__organisation_id__in=assessing).still_open(),
                      "assessment__organisation_id")
    overdue = _counts(RemediationAction.objects.filter(plan__organisation_id__in=assessing).overdue(today),
                      "plan__organisation_id")
    decisions = _counts(Assessment.objects.filter(organisation_id__in=assessing, kind__in=MATERIALITY_TYPES,
                                                  decision=Decision.UNDECIDED)
                        .exclude(status__in=(AssessmentStatus.CLOSED,)).filter(submitted_at__isnull=True),
                        "organisation_id")
    live = Document.objects.filter(organisation_id__in=documenting).in_force()
    reviews = _counts(live.filter(next_review__lte=today + dt.timedelta(days=REVIEW_AHEAD_DAYS)), "organisation_id")
    states: dict[int, dict[str, int]] = {}
    for (org, state), n in state_counts(live, today, by="organisation_id").items():
        states.setdefault(org, {})[state] = n
    for row in rows:
        pk = row["org"].pk
        if pk in current:
            a = current[pk]
            p = figures.get(a.pk, {})
            row["current"] = a
            row["progress"] = round(100 * p.get("assessed", 0) / p["total"]) if p.get("total") else 0
        if pk in roles and pk in assessing:
            row.update(queries=queries.get(pk, 0), overdue=overdue.get(pk, 0), decisions=decisions.get(pk, 0))
        if pk in documenting:
            counts = states.get(pk, {})
            row.update(documents=reviews.get(pk, 0), expired=counts.get("expired", 0),
                       lapsed=counts.get("acceptance-lapsed", 0), states=counts)


def sort(rows: list[dict], key: str, descending: bool) -> list[dict]:
    """Rows sorted by one signal; organisations without it (not visible, nothing planned) go last."""
    if key not in SORTS:
        key = "name"

    def value(row):
        if key == "name":
            return row["org"].name.casefold()
        if key == "due":
            return row["next"].due_by if row.get("next") and row["next"].due_by else None
        return row.get(key)

    present = [r for r in rows if value(r) is not None]
    missing = [r for r in rows if value(r) is None]
    return sorted(present, key=value, reverse=descending) + missing


def organisation_rows(user, memberships=None):
    """Each organisation this person belongs to, with their role and, where they may see the
    profile, the next assessment due: the list a consultant works from. Five queries, however
    many organisations; four when the person's ``memberships`` (from ``memberships_of``) are given."""
    today = timezone.localdate()
    memberships = list(memberships_of(user)) if memberships is None else list(memberships)
    visible = [m.organisation.pk for m in memberships if role_allows(m.role, VIEW)]
    snapshots = defaultdict(list)
    for snap in PortfolioSnapshot.objects.filter(organisation_id__in=visible).order_by("as_of"):
        snapshots[snap.organisation_id].append(Portfolio(snap.as_of, snap.domestic, snap.non_domestic))
    rules = rules_in_force(today) if visible else None
    # The assessments recorded and SECAS's advice date and type each plan: read for all at once.
    recorded = recorded_for(visible) if visible else {}
    advice = advice_for(visible) if visible else {}
    rows = []
    for membership in memberships:
        org = membership.organisation
        row = {"org": org, "role": membership.get_role_display(), "role_code": membership.role,
               "can_view": org.pk in visible,
               "is_cio": membership.role == MemberRole.CIO_REVIEWER,
               "is_provider": membership.role == MemberRole.PROVIDER}
        if row["can_view"]:
            row["next"] = plan_for(org, today, snapshots=snapshots[org.pk], rules=rules,
                                   recorded=recorded.get(org.pk, []), advice=advice.get(org.pk, [])).next_due()
        rows.append(row)
    return rows
