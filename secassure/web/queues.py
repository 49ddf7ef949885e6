"""What waits for one person on their home page, by the roles they hold where: the rows, answers and
remediation actions given to them to prepare (Owners and Contributors), what waits for an Approver's
sign-off or check, a CIO reviewer's queue of what is shared with them, and the documents a Provider
maintains for an organisation.

Everything stays inside the door: only organisations the person belongs to, and in each only what
their role there lets them act on; a CIO reviewer reaches only assessments actively shared with
them, a Provider only their provider's documents. Each part is read for all the person's
organisations at once, so it costs the same queries for one item or a thousand."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, IntegerField, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse

from secassure.assessments.choices import EDITABLE, AssessmentStatus, Compliance
from secassure.assessments.models import Assessment, QuestionAnswer, StatusChange, ValidationRow, answered
from secassure.evidence.freshness import REVIEW_WARNING_DAYS
from secassure.evidence.models import Document, ProviderMember
from secassure.evidence.services import with_freshness_fields
from secassure.review.access import shares_of
from secassure.review.choices import FindingSource, QueryStatus
from secassure.review.models import CioReport, Comment, Finding, RemediationAction, ReviewQuery
from secassure.tenancy.access import APPROVE_ASSESSMENTS, EDIT_ASSESSMENTS, VIEW_ASSESSMENTS, role_allows
from secassure.tenancy.choices import MemberRole

S = AssessmentStatus
# Items listed in each list; the rest are counted, and reached through the page the list leads to.
SHOWN = 10
NOT_COMPLIANT = (Compliance.PARTIAL, Compliance.NON_COMPLIANT)
# The moves that send an assessment back to preparation with a reason the preparers should read.
RETURNS = (S.INTERNAL_REVIEW, S.SIGN_OFF, S.SUBMITTED)
# Where the User CIO has something to do (or may still change what they did).
CIO_AT_WORK = (S.CIO_REVIEW, S.FIELDWORK, S.REPORT_ISSUED)


@dataclass
class Work:
    """One person's home-page queues. A part is ``None`` when the person holds no role it is for."""

    preparing: list[dict] | None = None
    actions: list | None = None
    actions_total: int = 0
    sign_off: list | None = None
    to_check: list[dict] = field(default_factory=list)
    responses: list = field(default_factory=list)
    reviews: list[dict] | None = None
    reviewing_for: list = field(default_factory=list)
    provider: list[dict] | None = None
    waiting: int = 0  # how many things wait for the person, across every part

    @property
    def actions_more(self) -> int:
        return self.actions_total - len(self.actions or ())

    @property
    def any_part(self) -> bool:
        return any(part is not None for part in (self.preparing, self.actions, self.sign_off, self.reviews,
                                                 self.provider))


def work_for(user, memberships, today: dt.date) -> Work:
    """The person's queues; ``memberships`` are theirs, each with its organisation (as
    ``tenancy.access.memberships_of`` gives them)."""
    work = Work()
    preparing = [m.organisation_id for m in memberships if role_allows(m.role, EDIT_ASSESSMENTS)]
    viewing = [m.organisation_id for m in memberships if role_allows(m.role, VIEW_ASSESSMENTS)]
    approving = [m.organisation_id for m in memberships if role_allows(m.role, APPROVE_ASSESSMENTS)]
    reviewing = [m for m in memberships if m.role == MemberRole.CIO_REVIEWER]
    providing = [m for m in memberships if m.role == MemberRole.PROVIDER]
    if preparing:
        work.preparing = _preparing(user, preparing)
        work.waiting += sum(a["rows"]["n"] + a["answers"]["n"] for a in work.preparing)
    if viewing:
        actions = _actions(user, viewing, today)
        if preparing or actions:
            work.actions, work.actions_total = actions[:SHOWN], len(actions)
            work.waiting += work.actions_total
    if approving:
        work.sign_off, work.to_check, work.responses = _approving(user, approving)
        work.waiting += (len(work.sign_off) + sum(a["rows"] + a["answers"] for a in work.to_check)
                         + len(work.responses))
    if reviewing:
        work.reviewing_for = [m.organisation for m in reviewing]
        work.reviews = _reviews(user, today)
        work.waiting += sum(r["answered_total"] + (1 if r["finalise"] else 0) + (1 if r["report_to_issue"] else 0)
                            for r in work.reviews)
    if providing:
        work.provider = _provider(user, providing, today)
        work.waiting += sum(p["awaiting_total"] + p["due_total"] for p in work.provider)
    return work


# --- Owners and Contributors ----------------------------------------------------------------------


def _needs(model, user, orgs: list[int]):
    """The person's items of that model (rows or answers) in assessments still being prepared, in
    organisations where they prepare, that still need something from them: grouped by assessment."""
    queried = Exists(ReviewQuery.objects.filter(
        status=QueryStatus.OPEN, **{"row" if model is ValidationRow else "answer": OuterRef("pk")}))
    counts = {"to_confirm": Q(confirmed=False), "queried": queried}
    if model is ValidationRow:
        # An answer that worries is still an answer: only a row's compliance asks for more work.
        counts.update(unassessed=Q(status=Compliance.NOT_ASSESSED), not_compliant=Q(status__in=NOT_COMPLIANT))
    else:
        counts.update(unassessed=~answered())
    needs = Q()
    for condition in counts.values():
        needs |= condition
    return (model.objects.filter(owner=user, assessment__organisation_id__in=orgs, assessment__status__in=EDITABLE)
            .filter(needs)
            .values("assessment_id", "assessment__title", "assessment__status", "assessment__organisation__slug",
                    "assessment__organisation__name")
            .annotate(n=Count("pk"), **{key: Count("pk", filter=condition) for key, condition in counts.items()})
            .order_by("assessment__organisation__name", "assessment__title", "assessment_id"))


def _preparing(user, orgs: list[int]) -> list[dict]:
    """Per assessment, the rows and answers given to the person that still need something: not
    assessed (or not answered), not compliant, carried forward and not confirmed, or queried by the
    User CIO and waiting for an answer. Three queries."""
    found: dict[int, dict] = {}
    empty = {"n": 0, "unassessed": 0, "not_compliant": 0, "to_confirm": 0, "queried": 0}
    words = {"rows": "not assessed", "answers": "not answered", "not_compliant": "not compliant",
             "to_confirm": "carried forward, to confirm", "queried": "queried by the User CIO"}
    for kind, model in (("rows", ValidationRow), ("answers", QuestionAnswer)):
        for group in _needs(model, user, orgs):
            pk, slug = group["assessment_id"], group["assessment__organisation__slug"]
            entry = found.setdefault(pk, {
                "pk": pk, "title": group["assessment__title"], "org": group["assessment__organisation__name"],
                "status": S(group["assessment__status"]).label, "status_code": group["assessment__status"],
                "rows": dict(empty), "answers": dict(empty)})
            entry[kind] = {key: group.get(key, 0) for key in empty}
            entry[kind]["reasons"] = [f"{entry[kind][key]} {words[kind] if key == 'unassessed' else words[key]}"
                                      for key in ("unassessed", "not_compliant", "to_confirm", "queried")
                                      if entry[kind][key]]
            entry[kind]["url"] = (reverse("assessment", args=[slug, pk]) + f"?owner={user.pk}" if kind == "rows"
                                  else reverse("assessment-answers", args=[slug, pk]))
    # An assessment sent back to preparation says why: the latest move, if it was a return.
    returned = (StatusChange.objects.filter(assessment_id__in=list(found), assessment__status=S.PREPARATION)
                .order_by("assessment_id", "-at", "-pk").values("assessment_id", "from_status", "to_status",
                                                                 "reason"))
    seen = set()
    for change in returned if found else ():
        if change["assessment_id"] in seen:
            continue
        seen.add(change["assessment_id"])
        if change["to_status"] == S.PREPARATION and change["from_status"] in RETURNS:
            found[change["assessment_id"]]["returned"] = change["reason"] or "no reason given"
    return sorted(found.values(), key=lambda a: (a["org"].casefold(), a["title"].casefold(), a["pk"]))


def _actions(user, orgs: list[int], today: dt.date) -> list:
    """The open remediation actions the person owns, overdue first, then by target date. One query."""
    actions = list(RemediationAction.objects.filter(owner=user, plan__organisation_id__in=orgs).still_open()
                   .select_related("plan__organisation", "finding").order_by("target_date", "pk"))
    for action in actions:
        action.overdue_days = (today - action.target_date).days if action.target_date < today else 0
        action.url = (reverse("remediation-plan", args=[action.plan.organisation.slug, action.plan_id])
                      + f"#action-{action.pk}")
    return actions


# --- Approvers ------------------------------------------------------------------------------------


def _count(queryset, outer: str = "pk") -> Coalesce:
    """How many of ``queryset`` belong to the outer query's assessment (its ``outer`` field), as a
    subquery."""
    counted = (queryset.filter(assessment=OuterRef(outer)).order_by().values("assessment")
               .annotate(c=Count("pk")).values("c"))
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _approving(user, orgs: list[int]) -> tuple[list, list[dict], list]:
    """Assessments waiting for sign-off; in internal review, the rows and answers not yet checked
    that the Approver may check (not their own last change, and confirmed if carried forward); and
    management responses to the User CIO's report waiting for an Approver's sign-off, other than
    the person's own. Three queries."""
    sign_off = list(Assessment.objects.filter(organisation_id__in=orgs, status=S.SIGN_OFF)
                    .select_related("organisation").order_by("organisation__name", "title", "pk"))
    for a in sign_off:
        a.url = reverse("assessment", args=[a.organisation.slug, a.pk])
    unchecked = Q(checked_by__isnull=True, confirmed=True) & ~Q(updated_by=user)
    reviewing = (Assessment.objects.filter(organisation_id__in=orgs, status=S.INTERNAL_REVIEW)
                 .select_related("organisation")
                 .annotate(n_rows=_count(ValidationRow.objects.filter(unchecked)),
                           n_answers=_count(QuestionAnswer.objects.filter(unchecked)))
                 .filter(Q(n_rows__gt=0) | Q(n_answers__gt=0)).order_by("organisation__name", "title", "pk"))
    to_check = [{"assessment": a, "org": a.organisation.name, "rows": a.n_rows, "answers": a.n_answers,
                 "rows_url": reverse("assessment", args=[a.organisation.slug, a.pk]) + "?unchecked=1",
                 "answers_url": reverse("assessment-answers", args=[a.organisation.slug, a.pk])}
                for a in reviewing]
    responses = list(Finding.objects.filter(organisation_id__in=orgs, source=FindingSource.CIO_REPORT,
                                            response_approved_by__isnull=True)
                     .still_open().exclude(response="").exclude(responded_by=user)
                     .select_related("organisation", "assessment")
                     .order_by("organisation__name", "response_due", "ref"))
    for finding in responses:
        finding.url = reverse("finding", args=[finding.organisation.slug, finding.pk])
    return sign_off, to_check, responses


# --- CIO reviewers --------------------------------------------------------------------------------


def _reviews(user, today: dt.date) -> list[dict]:
    """Per assessment actively shared with the person, while they are still a CIO reviewer of its
    organisation: the queries the User has answered (waiting for them), those still waiting for the
    User, their draft comments to make final, and for an assessment they conduct whether the report
    is still to be issued, with the fieldwork's dates. Assessments where the CIO has nothing left to
    do are left to the full list. Two queries."""
    issued = CioReport.objects.filter(assessment=OuterRef("assessment"), issued_at__isnull=False).order_by("-version")

    def count(queryset):
        return _count(queryset, "assessment")

    shares = list(shares_of(user).annotate(
        n_answered=count(ReviewQuery.objects.filter(status=QueryStatus.ANSWERED)),
        n_waiting=count(ReviewQuery.objects.filter(status=QueryStatus.OPEN)),
        n_drafts=count(Comment.objects.filter(author=user, assessment__status=S.CIO_REVIEW)),
        n_unresulted=count(ValidationRow.objects.filter(cio_result__isnull=True)),
        drafted=Exists(CioReport.objects.filter(assessment=OuterRef("assessment"), issued_at__isnull=True)),
        issued_version=Subquery(issued.values("version")[:1]),
        response_due=Subquery(issued.values("response_due")[:1]),
    ).filter(Q(assessment__status__in=CIO_AT_WORK) | Q(n_answered__gt=0))
        .order_by("assessment__organisation__name", "assessment__title", "assessment_id"))
    ids = [s.assessment_id for s in shares]
    answered_queries: dict[int, list] = {}
    for query in (ReviewQuery.objects.filter(assessment_id__in=ids, status=QueryStatus.ANSWERED)
                  .select_related("row__obligation", "answer__question").order_by("assessment_id", "raised_at", "pk")
                  if ids else ()):
        answered_queries.setdefault(query.assessment_id, []).append(query)
    reviews = []
    for share in shares:
        a, slug = share.assessment, share.assessment.organisation.slug
        overview = reverse("review", args=[slug, a.pk])
        queries = answered_queries.get(a.pk, [])
        for query in queries:
            kind, item = ("rows", query.row) if query.row_id else ("answers", query.answer)
            query.ref = item.obligation.ref if query.row_id else item.question.ref
            query.url = reverse("review-item", args=[slug, a.pk, kind, item.pk])
        reviews.append({
            "assessment": a, "org": a.organisation.name, "url": overview,
            "answered": queries[:SHOWN], "answered_total": len(queries), "answered_more": max(len(queries) - SHOWN, 0),
            "waiting": share.n_waiting,
            "drafts": share.n_drafts if a.status == S.CIO_REVIEW else 0,
            "finalise": a.status == S.CIO_REVIEW,
            "report_to_issue": a.status == S.FIELDWORK, "drafted": share.drafted, "unresulted": share.n_unresulted,
            "issued_version": share.issued_version if a.status == S.REPORT_ISSUED else None,
            "response_due": share.response_due, "report_url": overview + "#report",
            "planned": (a.planned_start, a.planned_end) if a.planned_start or a.planned_end else None,
            "fieldwork": (a.fieldwork_start, a.fieldwork_end) if a.fieldwork_start or a.fieldwork_end else None,
            "overdue_response": bool(share.response_due and share.response_due < today),
        })
    return reviews


# --- Providers ------------------------------------------------------------------------------------


def _provider(user, memberships, today: dt.date) -> list[dict]:
    """For each organisation the person works in as a Provider, the documents of the provider they
    work for: versions waiting for the User's acceptance, and documents due for review within the
    register's warning window (overdue ones first). Two queries."""
    links = list(ProviderMember.objects.filter(membership__in=[m.pk for m in memberships],
                                               membership__user=user, membership__role=MemberRole.PROVIDER)
                 .select_related("provider", "membership__organisation")
                 .order_by("membership__organisation__name", "pk"))
    if not links:
        return []
    theirs = Q(pk__in=[])
    for link in links:
        theirs |= Q(organisation_id=link.membership.organisation_id, provider_id=link.provider_id)
    horizon = today + dt.timedelta(days=REVIEW_WARNING_DAYS)
    documents = list(with_freshness_fields(Document.objects.filter(theirs).in_force())
                     .annotate(latest_uploaded=Max("versions__uploaded_at")).order_by("title", "pk"))
    found = []
    for link in links:
        org = link.membership.organisation
        mine = [d for d in documents if d.organisation_id == org.pk and d.provider_id == link.provider_id]
        for d in mine:
            d.url = reverse("document", args=[org.slug, d.pk])
            d.overdue = bool(d.next_review and d.next_review < today)
        awaiting = [d for d in mine if d.latest_number and d.accepted_number != d.latest_number]
        due = sorted((d for d in mine if d.next_review and d.next_review <= horizon),
                     key=lambda d: (d.next_review, d.title.casefold()))
        found.append({"org": org, "provider": link.provider, "documents": len(mine),
                      "register": reverse("documents", args=[org.slug]),
                      "awaiting": awaiting[:SHOWN], "awaiting_total": len(awaiting),
                      "awaiting_more": max(len(awaiting) - SHOWN, 0),
                      "due": due[:SHOWN], "due_total": len(due), "due_more": max(len(due) - SHOWN, 0)})
    return found
