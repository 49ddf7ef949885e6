"""A consultant's portfolio: for every organisation the person may see, the signals that say where it
stands (current assessment and its progress, open CIO queries, overdue actions, documents due for
review, expired evidence, lapsed third-party acceptances, materiality decisions pending), each read
for all the organisations at once, so the page costs the same queries for two organisations or two
hundred. The home page shows it a page at a time (``page``): sorted across every organisation by the
signal chosen, which alone is read for them all, and every other signal read for the page's own."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection

from django.db.models import Count, Exists, OuterRef, Subquery
from django.utils import timezone

from secassure import paging
from secassure.assessments.choices import MATERIALITY_TYPES, AssessmentStatus, Decision
from secassure.assessments.models import Assessment
from secassure.assessments.services import progress_many
from secassure.evidence.models import Document, DocumentVersion
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
SIGNALS = frozenset(SORTS) - {"name"}
PAGE_SIZE = 100  # organisations on a page of the portfolio


def _counts(queryset, field: str) -> dict[int, int]:
    return dict(queryset.values(field).order_by(field).annotate(n=Count("pk")).values_list(field, "n"))


def signals(rows: list[dict], today: dt.date, only: Collection[str] | None = None) -> None:
    """Add each visible row's signals (in place); rows come from ``organisation_rows``. ``only`` names
    the signals wanted (as ``SORTS`` names them), and only their queries run; by default every signal
    but the next assessment due, which ``organisation_rows`` reads."""
    wanted = SIGNALS - {"due"} if only is None else SIGNALS & set(only)
    if "due" in wanted:
        next_due(rows, today)
    roles = {row["org"].pk: row["role_code"] for row in rows}
    assessing = [pk for pk, role in roles.items() if role_allows(role, VIEW_ASSESSMENTS)]
    documenting = [pk for pk, role in roles.items() if role_allows(role, VIEW_DOCUMENTS)]

    # Each organisation's current assessment (its newest not closed), chosen by the database: an
    # organisation keeps every assessment of every year, and reading them all to keep one each cost
    # more than the rest of the page at a few hundred organisations.
    current, figures = {}, {}
    if "progress" in wanted:
        newest = (Assessment.objects.filter(organisation_id=OuterRef("pk")).exclude(status=AssessmentStatus.CLOSED)
                  .order_by("-created_at", "-pk").values("pk")[:1])
        chosen = Organisation.objects.filter(pk__in=assessing).annotate(current=Subquery(newest)).values("current")
        current = {a.organisation_id: a for a in Assessment.objects.filter(pk__in=chosen)}
        figures = progress_many(list(current.values())) if current else {}
    counted = {}
    if "queries" in wanted:
        counted["queries"] = _counts(ReviewQuery.objects.filter(assessment__organisation_id__in=assessing)
                                     .still_open(), "assessment__organisation_id")
    if "overdue" in wanted:
        counted["overdue"] = _counts(RemediationAction.objects.filter(plan__organisation_id__in=assessing)
                                     .overdue(today), "plan__organisation_id")
    if "decisions" in wanted:
        counted["decisions"] = _counts(
            Assessment.objects.filter(organisation_id__in=assessing, kind__in=MATERIALITY_TYPES,
                                      decision=Decision.UNDECIDED)
            .exclude(status__in=(AssessmentStatus.CLOSED,)).filter(submitted_at__isnull=True), "organisation_id")
    live = Document.objects.filter(organisation_id__in=documenting).in_force()
    if "documents" in wanted:
        counted["documents"] = _counts(live.filter(next_review__lte=today + dt.timedelta(days=REVIEW_AHEAD_DAYS)),
                                       "organisation_id")
    states: dict[int, dict[str, int]] = {}
    if wanted & {"expired", "lapsed"}:
        for (org, state), n in state_counts(_could_be(live, wanted, today), today, by="organisation_id").items():
            states.setdefault(org, {})[state] = n
    for row in rows:
        pk = row["org"].pk
        if pk in current:
            a = current[pk]
            p = figures.get(a.pk, {})
            row["current"] = a
            row["progress"] = round(100 * p.get("assessed", 0) / p["total"]) if p.get("total") else 0
        if pk in roles and pk in assessing:
            row.update({key: counted[key].get(pk, 0) for key in ("queries", "overdue", "decisions") if key in counted})
        if pk in documenting:
            counts = states.get(pk, {})
            if "documents" in counted:
                row["documents"] = counted["documents"].get(pk, 0)
            if "expired" in wanted:
                row["expired"] = counts.get("expired", 0)
            if "lapsed" in wanted:
                row["lapsed"] = counts.get("acceptance-lapsed", 0)
            if {"expired", "lapsed"} <= wanted:
                row["states"] = counts


def _could_be(live, wanted: set[str], today: dt.date):
    """The documents in force whose freshness can be a state asked for: all of them for both; for
    expired evidence only those with a version past its expiry date; for a lapsed acceptance only
    those a provider maintains. Working out the state of every document in every register is the
    costliest read of the page, and sorting by one of the two reads it for every organisation: a few
    of the documents are enough for that. Each one's state is still the one ``freshness_states`` gives."""
    if "lapsed" not in wanted:
        return live.filter(Exists(DocumentVersion.objects.filter(document=OuterRef("pk"), expiry_date__lt=today)))
    if "expired" not in wanted:
        return live.filter(provider__isnull=False)
    return live


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


def page(rows: list[dict], key: str, descending: bool, number: int | None, today: dt.date
         ) -> tuple[list[dict], dict]:
    """One page of the visible ``rows`` sorted by ``key`` across all of them, with every signal,
    and the links to each page keeping the sort (as the assessment workspace's ``pages``): the
    signal sorted by is read for every organisation and the others for the page's alone, in the same
    queries however many organisations. A page past the last shows the last."""
    key = key if key in SORTS else "name"
    if key != "name":
        signals(rows, today, only={key})
    ordered = sort(rows, key, descending)
    pages = max(1, -(-len(ordered) // PAGE_SIZE))
    number = min(number or 1, pages)
    start = (number - 1) * PAGE_SIZE
    shown = ordered[start:start + PAGE_SIZE]
    signals(shown, today, only=SIGNALS - {key})
    kept = {"sort": key} if key != "name" else {}
    if descending:
        kept["order"] = "desc"
    return shown, paging.pages(number, len(ordered), PAGE_SIZE, len(shown), kept)


def next_due(rows: list[dict], today: dt.date) -> None:
    """Add to each row whose profile the person may see (in place) the next assessment due, ``next``,
    from the plans of all of them read at once: four queries, however many organisations."""
    visible = [row["org"].pk for row in rows if role_allows(row["role_code"], VIEW)]
    snapshots = defaultdict(list)
    for snap in PortfolioSnapshot.objects.filter(organisation_id__in=visible).order_by("as_of"):
        snapshots[snap.organisation_id].append(Portfolio(snap.as_of, snap.domestic, snap.non_domestic))
    rules = rules_in_force(today) if visible else None
    # The assessments recorded and SECAS's advice date and type each plan: read for all at once.
    recorded = recorded_for(visible) if visible else {}
    advice = advice_for(visible) if visible else {}
    for row in rows:
        org = row["org"]
        if org.pk in visible:
            row["next"] = plan_for(org, today, snapshots=snapshots[org.pk], rules=rules,
                                   recorded=recorded.get(org.pk, []), advice=advice.get(org.pk, [])).next_due()


def organisation_rows(user, memberships=None, *, plans: bool = True):
    """Each organisation this person belongs to, with their role and, where they may see the
    profile, the next assessment due (unless ``plans`` is false: ``next_due`` reads it later): the
    list a consultant works from. Five queries, however many organisations; four when the person's
    ``memberships`` (from ``memberships_of``) are given; none then without the plans."""
    memberships = list(memberships_of(user)) if memberships is None else list(memberships)
    rows = []
    for membership in memberships:
        org = membership.organisation
        rows.append({"org": org, "role": membership.get_role_display(), "role_code": membership.role,
                     "can_view": role_allows(membership.role, VIEW),
                     "is_cio": membership.role == MemberRole.CIO_REVIEWER,
                     "is_provider": membership.role == MemberRole.PROVIDER})
    if plans:
        next_due(rows, timezone.localdate())
    return rows
