"""The organisation page: the next step, where it stands, its cycle plan and its profile.

It draws on every part of the workbench (the profile, the register, the assessments and the
review), so it sits here at the top rather than with the profile, which lies below them."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from secassure.assessments.evidence_map import obligation_evidence
from secassure.assessments.services import group_order, progress
from secassure.evidence.freshness import LABELS as FRESHNESS_LABELS
from secassure.notices.services import notice_rules, overdue_for, unnotified_systems
from secassure.profile.forms import AdviceForm
from secassure.profile.models import PortfolioSnapshot, RoleHolding, SecasAdvice, ThirdPartyProvider, UserSystem
from secassure.profile.planner import Portfolio
from secassure.profile.services import as_advice, plan_for
from secassure.review.attention import attention
from secassure.tenancy.access import (
    ADD_PORTFOLIO,
    EDIT,
    VIEW_ASSESSMENTS,
    VIEW_DOCUMENTS,
    open_door,
)
from secassure.web import portfolio
from secassure.web.journey import next_step


@login_required
def organisation(request, slug):
    door = open_door(request.user, slug)
    org = door.organisation
    snapshots = list(PortfolioSnapshot.objects.filter(organisation=org).order_by("-as_of"))
    advice = list(SecasAdvice.objects.filter(organisation=org).select_related("recorded_by").order_by("year"))
    plan = plan_for(org, snapshots=[Portfolio(s.as_of, s.domestic, s.non_domestic) for s in snapshots],
                    advice=[as_advice(a) for a in advice])
    today = timezone.localdate()
    pressing = attention(org, today)
    return render(request, "profile/organisation.html", {
        "org": org,
        "attention": pressing,
        "next_step": next_step(org, plan, today, pressing, door),
        "standing": _standing(door, today),
        "plans": org.remediation_plans.select_related("assessment").order_by("created_at", "pk"),
        "plan": plan,
        "snapshots": snapshots,
        "advice": advice,
        "advice_form": AdviceForm() if door.may(EDIT) else None,
        "roles": RoleHolding.objects.filter(organisation=org),
        "systems": UserSystem.objects.filter(organisation=org).select_related("srp_provider"),
        "arrangements": [(a, a.in_force_on(today)) for a in ThirdPartyProvider.objects.filter(organisation=org)
                         .srp().order_by("relationship_start", "pk")],
        "live_dcc_user": org.is_live_dcc_user(today),
        "can_edit": door.may(EDIT),
        "can_add_portfolio": door.may(ADD_PORTFOLIO),
        **_notices(org, today),
    })


def _notices(org, today) -> dict:
    """What the notices register says is late: notices not sent by their deadline, and further User
    Systems in use with no notice sent to the SSC before their first use (G3.9)."""
    rules = notice_rules(today)
    return {"notices_overdue": overdue_for(org, today, rules),
            "unnotified_ids": {s.pk for s in unnotified_systems(org, today, rules)}}


def _standing(door, today) -> dict:
    """Where the organisation stands: the portfolio's signals for it, the current assessment's
    progress by SEC group, the obligations with no evidence, and how fresh the documents are (a
    few queries, however large the register)."""
    org = door.organisation
    row = {"org": org, "role_code": door.role}
    portfolio.signals([row], today)
    if row.get("current"):
        groups = progress(row["current"])["groups"]
        row["groups"] = [{"ref": ref or "—", **p.as_dict(),
                          "compliant_share": round(100 * (p.assessed - p.non_compliant) / p.total) if p.total else 0,
                          "gap_share": round(100 * p.non_compliant / p.total) if p.total else 0}
                         for ref, p in sorted(groups.items(), key=lambda item: group_order(item[0]))]
    if door.may(VIEW_ASSESSMENTS) and door.may(VIEW_DOCUMENTS):
        # The same count as the obligations page's: an obligation with no document linked to it in
        # the current assessment and none mapped to it in the register.
        found = obligation_evidence(org, today)
        if found.catalogue is not None:
            row["evidence"] = {"assessment": found.assessment, "total": len(found.obligations),
                               "missing": len(found.without_evidence)}
    if "states" in row:  # the documents in force, counted by freshness state with the portfolio's signals
        row["freshness"] = [{"state": state, "label": label, "count": row["states"].get(state, 0)}
                            for state, label in FRESHNESS_LABELS.items()]
    return row
