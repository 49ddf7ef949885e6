"""The organisation page (profile and cycle plan) and the forms that change the profile."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from secassure.errors import ActionError
from secassure.evidence.freshness import LABELS as FRESHNESS_LABELS
from secassure.profile import actions
from secassure.profile.forms import RoleHoldingForm, SnapshotForm, SrpArrangementForm, UserSystemForm
from secassure.profile.journey import next_step
from secassure.profile.models import PortfolioSnapshot, RoleHolding, SrpArrangement, UserSystem
from secassure.profile.services import plan_for
from secassure.tenancy import actions as tenancy_actions
from secassure.tenancy.access import ADD_PORTFOLIO, EDIT, PERMISSIONS, get_organisation_for
from secassure.tenancy.forms import OrganisationForm


@login_required
def organisation(request, slug):
    org = get_organisation_for(request.user, slug)
    snapshots = list(PortfolioSnapshot.objects.filter(organisation=org).order_by("-as_of"))
    from secassure.profile.planner import Portfolio

    plan = plan_for(org, snapshots=[Portfolio(s.as_of, s.domestic, s.non_domestic) for s in snapshots])
    allowed = PERMISSIONS[org.viewer_role]
    from django.utils import timezone

    from secassure.review.attention import attention

    today = timezone.localdate()
    pressing = attention(org, today)
    return render(request, "profile/organisation.html", {
        "org": org,
        "attention": pressing,
        "next_step": next_step(org, plan, today, pressing),
        "standing": _standing(org, today),
        "plans": org.remediation_plans.select_related("assessment").order_by("created_at", "pk"),
        "plan": plan,
        "snapshots": snapshots,
        "roles": RoleHolding.objects.filter(organisation=org),
        "systems": UserSystem.objects.filter(organisation=org).select_related("srp_arrangement"),
        "arrangements": SrpArrangement.objects.filter(organisation=org),
        "can_edit": EDIT in allowed,
        "can_add_portfolio": ADD_PORTFOLIO in allowed,
    })


def _standing(org, today) -> dict:
    """Where the organisation stands: the portfolio's signals for it, the current assessment's
    progress by SEC group, and how fresh the evidence is (a few queries, however large the register)."""
    from secassure.assessments.services import group_order, progress
    from secassure.tenancy import portfolio

    row = {"org": org, "role_code": org.viewer_role}
    portfolio.signals([row], today)
    if row.get("current"):
        groups = progress(row["current"])["groups"]
        row["groups"] = [{"ref": ref or "—", **p.as_dict(),
                          "compliant_share": round(100 * (p.assessed - p.non_compliant) / p.total) if p.total else 0,
                          "gap_share": round(100 * p.non_compliant / p.total) if p.total else 0}
                         for ref, p in sorted(groups.items(), key=lambda item: group_order(item[0]))]
    if "states" in row:  # the documents in force, counted by freshness state with the portfolio's signals
        row["freshness"] = [{"state": state, "label": label, "count": row["states"].get(state, 0)}
                            for state, label in FRESHNESS_LABELS.items()]
    return row


def _form_page(request, org, form, title, submit, action, success):
    """One pattern for every 'add or change something about the organisation' page."""
    if request.method == "POST" and form.is_valid():
        try:
            message = action(form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, message or success)
            return redirect("organisation", slug=org.slug)
    return render(request, "profile/form.html", {"org": org, "form": form, "title": title, "submit": submit})


@login_required
@require_http_methods(["GET", "POST"])
def edit_organisation(request, slug):
    org = get_organisation_for(request.user, slug, EDIT)
    # The form works on a copy: the action writes the change, with its audit event.
    form = OrganisationForm(request.POST or None, instance=type(org).objects.get(pk=org.pk))

    def save(cleaned):
        changes = tenancy_actions.update_organisation(org, dict(cleaned))
        return _plan_message(changes, "The organisation's details are saved.")

    return _form_page(request, org, form, f"Edit {org.name}", "Save", save, "Saved.")


def _plan_message(changes: list[dict], saved: str) -> str:
    if not changes:
        return saved
    words = "; ".join(f"year {c['year']} is now a {c['to']} (was {c['from']})" for c in changes)
    return f"{saved} This changes the cycle plan: {words}."


@login_required
@require_http_methods(["GET", "POST"])
def add_snapshot(request, slug):
    org = get_organisation_for(request.user, slug, ADD_PORTFOLIO)
    form = SnapshotForm(request.POST or None)

    def save(cleaned):
        _, changes = actions.add_snapshot(org, recorded_by=request.user, **cleaned)
        return _plan_message(changes, "The portfolio snapshot is recorded.")

    return _form_page(request, org, form, "Add a portfolio snapshot", "Record", save, "Recorded.")


@login_required
@require_http_methods(["GET", "POST"])
def add_role(request, slug):
    org = get_organisation_for(request.user, slug, EDIT)
    form = RoleHoldingForm(request.POST or None)

    def save(cleaned):
        actions.add_role(org, cleaned["role"], user_ids=cleaned["user_ids"], start_date=cleaned["start_date"],
                         end_date=cleaned["end_date"])
        return None

    return _form_page(request, org, form, "Add a User Role", "Add", save, "The User Role is added.")


@login_required
@require_POST
def remove_role(request, slug, pk):
    org = get_organisation_for(request.user, slug, EDIT)
    holding = get_object_or_404(RoleHolding.objects.select_related("organisation"), pk=pk, organisation=org)
    actions.remove_role_holding(holding)
    messages.success(request, f"{holding.get_role_display()} is removed.")
    return redirect("organisation", slug=org.slug)


@login_required
@require_http_methods(["GET", "POST"])
def add_user_system(request, slug):
    org = get_organisation_for(request.user, slug, EDIT)
    form = UserSystemForm(request.POST or None, organisation=org)
    return _form_page(request, org, form, "Add a User System", "Add",
                      lambda cleaned: actions.add_user_system(org, **cleaned) and None, "The User System is added.")


@login_required
@require_http_methods(["GET", "POST"])
def add_srp_arrangement(request, slug):
    org = get_organisation_for(request.user, slug, EDIT)
    form = SrpArrangementForm(request.POST or None)
    return _form_page(request, org, form, "Add a Shared Resource Provider arrangement", "Add",
                      lambda cleaned: actions.add_srp_arrangement(org, **cleaned) and None,
                      "The arrangement is added.")
