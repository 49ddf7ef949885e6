"""The forms that change the organisation's profile (its page is secassure.web.organisation)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from secassure.acting import REFUSED, act
from secassure.profile import actions
from secassure.profile.choices import ProviderKind
from secassure.profile.forms import (
    AdviceForm,
    ProviderForm,
    RoleHoldingForm,
    SnapshotForm,
    SrpProviderForm,
    SystemDecisionForm,
    UserSystemForm,
)
from secassure.profile.models import RoleHolding, ThirdPartyProvider, UserSystem
from secassure.tenancy.access import ADD_PORTFOLIO, EDIT, open_door
from secassure.tenancy.forms import OrganisationForm
from secassure.wording import article


def _form_page(request, org, form, title, submit, action, success, *, edit=False, done="organisation"):
    """One pattern for every 'add or change something about the organisation' page; ``edit`` marks a
    form that shows what is already recorded (saving it unchanged must change nothing); ``done`` is
    the page to return to."""
    if request.method == "POST" and form.is_valid() and act(
            request, action, form.cleaned_data, show_on=form, ok=lambda message: message or success) is not REFUSED:
        return redirect(done, slug=org.slug)
    return render(request, "profile/form.html", {"org": org, "form": form, "title": title, "submit": submit,
                                                 "edit": edit})


@login_required
@require_http_methods(["GET", "POST"])
def edit_organisation(request, slug):
    door = open_door(request.user, slug, EDIT)
    org = door.organisation
    # The form works on a copy: the action writes the change, with its audit event.
    form = OrganisationForm(request.POST or None, instance=type(org).objects.get(pk=org.pk))

    def save(cleaned):
        changes = actions.update_organisation(org, dict(cleaned), by=request.user)
        return _plan_message(changes, "The organisation's details are saved.")

    return _form_page(request, org, form, f"Edit {org.name}", "Save", save, "Saved.", edit=True)


def _plan_message(changes: list[dict], saved: str) -> str:
    if not changes:
        return saved
    words = "; ".join(f"year {c['year']} is now {article(c['to'])} (was {c['from']})" for c in changes)
    return f"{saved} This changes the cycle plan: {words}."


@login_required
@require_http_methods(["GET", "POST"])
def add_snapshot(request, slug):
    door = open_door(request.user, slug, ADD_PORTFOLIO)
    org = door.organisation
    form = SnapshotForm(request.POST or None)

    def save(cleaned):
        _, changes = actions.add_snapshot(org, by=request.user, **cleaned)
        return _plan_message(changes, "The portfolio snapshot is recorded.")

    return _form_page(request, org, form, "Add a portfolio snapshot", "Record", save, "Recorded.")


@login_required
@require_http_methods(["GET", "POST"])
def record_advice(request, slug):
    door = open_door(request.user, slug, EDIT)
    org = door.organisation
    form = AdviceForm(request.POST or None)

    def save(cleaned):
        _, changes = actions.record_advice(org, by=request.user, **cleaned)
        return _plan_message(changes, f"SECAS's advice for year {cleaned['year']} is recorded.")

    return _form_page(request, org, form, "Record SECAS's advice on the assessment type", "Record", save,
                      "Recorded.")


@login_required
@require_http_methods(["GET", "POST"])
def add_role(request, slug):
    door = open_door(request.user, slug, EDIT)
    org = door.organisation
    form = RoleHoldingForm(request.POST or None)

    def save(cleaned):
        actions.add_role(org, cleaned["role"], by=request.user, user_ids=cleaned["user_ids"],
                         start_date=cleaned["start_date"], end_date=cleaned["end_date"])
        return None

    return _form_page(request, org, form, "Add a User Role", "Add", save, "The User Role is added.")


@login_required
@require_POST
def remove_role(request, slug, pk):
    door = open_door(request.user, slug, EDIT)
    org = door.organisation
    holding = get_object_or_404(RoleHolding.objects.select_related("organisation"), pk=pk, organisation=org)
    actions.remove_role_holding(holding, by=request.user)
    messages.success(request, f"{holding.get_role_display()} is removed.")
    return redirect("organisation", slug=org.slug)


@login_required
@require_http_methods(["GET", "POST"])
def add_user_system(request, slug):
    door = open_door(request.user, slug, EDIT)
    org = door.organisation
    form = UserSystemForm(request.POST or None, organisation=org)
    return _form_page(request, org, form, "Add a User System", "Add",
                      lambda cleaned: actions.add_user_system(org, by=request.user, **cleaned) and None,
                      "The User System is added.")


@login_required
@require_http_methods(["GET", "POST"])
def record_system_decision(request, slug, pk):
    """The SSC's decision on a further User System notified to it (G3.9)."""
    door = open_door(request.user, slug, EDIT)
    org = door.organisation
    system = get_object_or_404(UserSystem.objects.select_related("organisation"), pk=pk, organisation=org)
    initial = {"decision": system.ssc_decision or None, "decided_on": system.ssc_decided_on}
    form = SystemDecisionForm(request.POST or None, initial=initial)
    return _form_page(request, org, form, f"The SSC's decision on {system.name} (G3.9)", "Record",
                      lambda cleaned: actions.record_system_decision(system, by=request.user, **cleaned) and None,
                      f"The SSC's decision on {system.name} is recorded.", edit=bool(system.ssc_decision))


@login_required
@require_http_methods(["GET", "POST"])
def edit_provider(request, slug, pk):
    door = open_door(request.user, slug, EDIT)
    org = door.organisation
    provider = get_object_or_404(ThirdPartyProvider, pk=pk, organisation=org)
    fields = list(ProviderForm.base_fields)
    form = ProviderForm(request.POST or None, initial={f: getattr(provider, f) for f in fields})
    return _form_page(request, org, form, f"Edit {provider.name}", "Save",
                      lambda cleaned: actions.update_provider(provider, cleaned, by=request.user) and None,
                      f"{provider.name} is saved.", edit=True, done="providers")


@login_required
@require_http_methods(["GET", "POST"])
def add_srp_provider(request, slug):
    door = open_door(request.user, slug, EDIT)
    org = door.organisation
    form = SrpProviderForm(request.POST or None)
    return _form_page(request, org, form, "Add a Shared Resource Provider arrangement", "Add",
                      lambda cleaned: actions.add_provider(org, by=request.user, kind=ProviderKind.SRP, **cleaned)
                      and None, "The arrangement is added. It is also on the providers page.")
