"""The guided journey: from where an organisation stands, the one next step, with why it matters in
SEC terms. What each step means (title, reason, clauses and how sure we are of them) is shipped data
(``data/journey/steps.yaml``); which step is next is decided here, from the organisation's state."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from django.db.models import Count
from django.urls import reverse

from secassure.assessments.choices import MATERIALITY_TYPES, PRIVACY_TYPES, AssessmentStatus
from secassure.assessments.models import Assessment
from secassure.assessments.services import conducted_by_cio, goes_the_cios_way, progress
from secassure.datafiles import parse_yaml, read_text
from secassure.profile.models import PortfolioSnapshot, RoleHolding
from secassure.reminders.dates import count_due
from secassure.review.attention import attention
from secassure.review.choices import QueryStatus
from secassure.tenancy import access
from secassure.wording import plural

S = AssessmentStatus
STEPS_FILE = Path(__file__).resolve().parent.parent / "data" / "journey" / "steps.yaml"
SOON_DAYS = 14


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    why: str
    clauses: tuple[str, ...]
    confidence: str
    detail: str = ""
    url: str = ""


@lru_cache(maxsize=1)
def steps() -> dict[str, Step]:
    doc = parse_yaml(STEPS_FILE.name, read_text(STEPS_FILE, 1_000_000))
    if not isinstance(doc, dict) or doc.get("format") != "secassure.journey/1":
        raise ValueError(f"{STEPS_FILE.name}: not a secassure.journey/1 file")
    found = {}
    for entry in doc["steps"]:
        found[entry["id"]] = Step(entry["id"], entry["title"], entry["why"], tuple(entry.get("clauses") or ()),
                                  entry["confidence"])
    return found


def _step(name: str, detail: str = "", url: str = "") -> Step:
    return replace(steps()[name], detail=detail, url=url)


def _conducted_step(current: Assessment, url: str, review: str) -> Step:
    """The next step on an assessment the User CIO conducts: share it, answer the evidence requests,
    wait for the report, respond to it, record the assurance status."""
    if current.status in (S.DRAFT, S.PREPARATION, S.INTERNAL_REVIEW):
        return _step("cio-share", current.title, review)
    if current.status == S.FIELDWORK:
        waiting = current.queries.filter(status=QueryStatus.OPEN).count()
        if waiting:
            return _step("cio-evidence", f"{current.title}: {plural(waiting, 'request is', 'requests are')} waiting "
                                         "for your evidence", url)
        return _step("cio-fieldwork", current.title, review)
    if current.status == S.REPORT_ISSUED:
        return _step("cio-response", current.title, review + "#response")
    if current.status == S.RESPONSE_SENT:
        return _step("assurance", current.title, review)
    return _step("clear")


def next_step(org, plan, today: dt.date, pressing: dict | None = None, door=None) -> Step:
    """The one thing to do next for the organisation, most pressing first. pressing is what
    review.attention.attention returned for today, when the caller has it already. Given the
    viewer's door, a step whose page their role may not use is named without its link (an
    Approver is told that no snapshot is recorded, not sent to a form that refuses them)."""
    slug = org.slug

    def link(permission: str, name: str) -> str:
        return reverse(name, args=[slug]) if door is None or door.may(permission) else ""

    pressing = pressing if pressing is not None else attention(org, today)
    if pressing["responses_overdue"] or pressing["responses_due_soon"]:
        first = (pressing["responses_overdue"] + pressing["responses_due_soon"])[0]
        return _step("response", f"{first['ref']}: due to the SSC on {first['date']:%d %b %Y}",
                     reverse("finding", args=[slug, first["pk"]]))
    if pressing["overdue_actions"]:
        first = pressing["overdue_actions"][0]
        return _step("actions", f"{plural(len(pressing['overdue_actions']), 'action')} past the target date, the "
                                f"oldest due {first['date']:%d %b %Y}",
                     reverse("remediation-plan", args=[slug, first["plan"]]))
    due = count_due(org, today)
    if due is not None and due <= today + dt.timedelta(days=SOON_DAYS):
        # Recorded as a G5.27 notice in the register, whose last one sent starts the next six months.
        return _step("counts", f"due {due:%d %b %Y}", reverse("notices", args=[slug]))
    if not RoleHolding.objects.filter(organisation=org).exists():
        return _step("roles", "No User Role is recorded yet.", link(access.EDIT, "role-add"))
    if not PortfolioSnapshot.objects.filter(organisation=org).exists():
        return _step("portfolio", "No portfolio snapshot is recorded yet.", link(access.ADD_PORTFOLIO, "portfolio-add"))
    current = (Assessment.objects.filter(organisation=org).exclude(status=S.CLOSED)
               .order_by("-created_at", "-pk").first())
    if current is None:
        year = plan.next_due()
        if year is None:
            return _step("clear")
        return _step("create", f"{year.type.upper()} for cycle year {year.year}, due by {year.due_by:%d %b %Y}",
                     reverse("assessments", args=[slug]))
    url = reverse("assessment", args=[slug, current.pk])
    # The plan holds the types the security rules give the CIO; a privacy type's conductor is in
    # the privacy rules, which the assessment's own regime reads.
    if (conducted_by_cio(current) is not None if current.kind in PRIVACY_TYPES
            else goes_the_cios_way(current, plan.cio_kinds)):
        return _conducted_step(current, url, reverse("review", args=[slug, current.pk]))
    if current.editable:
        figures = progress(current)
        rows, questions = figures["rows"], figures["questions"]
        if rows.assessed < rows.total or questions.assessed < questions.total:
            return _step("answer", f"{current.title}: {rows.assessed} of {rows.total} obligations assessed, "
                                   f"{questions.assessed} of {questions.total} questions answered", url)
        if rows.checked < rows.total or questions.checked < questions.total:
            return _step("check", f"{current.title}: {rows.total - rows.checked + questions.total - questions.checked}"
                                  " answers still to check", url)
        if current.kind in MATERIALITY_TYPES and not current.decision:
            return _step("decide", current.title, reverse("assessment-changes", args=[slug, current.pk]))
        return _step("submit", current.title, url)
    if current.status == S.SIGN_OFF:
        return _step("submit", f"{current.title} awaits management sign-off", url)
    review = reverse("review", args=[slug, current.pk])
    if current.status == S.SUBMITTED:
        return _step("share", current.title, review)
    waiting = dict(current.queries.still_open().values_list("status").annotate(n=Count("pk")))
    for_user, for_cio = waiting.get(QueryStatus.OPEN, 0), waiting.get(QueryStatus.ANSWERED, 0)
    if current.status == S.CIO_REVIEW and for_user:
        return _step("queries", f"{plural(for_user + for_cio, 'CIO query', 'CIO queries')} open on {current.title}: "
                                f"{for_user} waiting for your answer, {for_cio} answered and waiting for the CIO",
                     reverse("query-inbox", args=[slug]))
    if current.status in (S.CIO_REVIEW, S.CIO_FINAL):
        return _step("outcome", f"{current.title} is with the User CIO and then the SSC", review)
    return _step("clear")
