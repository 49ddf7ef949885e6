"""Organisation pages: the list a person works from, the organisation's profile and plan,
members and invitations. Every organisation is reached through ``get_organisation_for``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from secassure.errors import ActionError
from secassure.people import display_name
from secassure.tenancy import actions
from secassure.tenancy.access import MANAGE_MEMBERS, by_name, get_organisation_for, memberships_of
from secassure.tenancy.choices import MemberRole
from secassure.tenancy.forms import AcceptInvitationForm, InviteForm, NewOrganisationForm, RoleForm
from secassure.tenancy.models import Invitation, Membership


def _refusal(form, exc: ActionError):
    form.add_error(None, str(exc))


@login_required
@require_http_methods(["GET", "POST"])
def organisation_new(request):
    form = NewOrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org = actions.create_organisation(owner=request.user, **form.cleaned_data)
        except ActionError as exc:
            _refusal(form, exc)
        else:
            messages.success(request, f"{org.name} is created and you are its Owner.")
            return redirect("organisation", slug=org.slug)
    return render(request, "tenancy/organisation_new.html", {"form": form})


@login_required
def members(request, slug):
    org = get_organisation_for(request.user, slug, MANAGE_MEMBERS)
    people = Membership.objects.filter(organisation=org).select_related("user").order_by(*by_name("user__"))
    invitations = Invitation.objects.filter(organisation=org, accepted_at__isnull=True, revoked_at__isnull=True)
    return render(request, "tenancy/members.html", {
        "org": org, "people": people, "invitations": invitations, "invite_form": InviteForm(),
        "role_form": RoleForm(), "invitation_link": request.session.pop("secassure_last_invitation", None)})


@login_required
@require_POST
def invite(request, slug):
    org = get_organisation_for(request.user, slug, MANAGE_MEMBERS)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation, token = actions.invite(org, form.cleaned_data["email"], form.cleaned_data["role"],
                                               invited_by=request.user)
        except ActionError as exc:
            messages.error(request, str(exc))
            return redirect("members", slug=org.slug)
        if getattr(invitation, "email_failed", ""):
            # The mail server failed: show the link once, to pass on some other way (only its
            # hash is stored, so it cannot be shown again).
            messages.warning(request, f"The invitation to {invitation.email} is ready but the email could not be "
                                      "sent. Pass on the link below yourself.")
            request.session["secassure_last_invitation"] = request.build_absolute_uri(actions.invitation_path(token))
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
    else:
        messages.error(request, "Give an email address and a role.")
    return redirect("members", slug=org.slug)


def _membership_in(org, pk) -> Membership:
    return get_object_or_404(Membership.objects.select_related("user"), pk=pk, organisation=org)


@login_required
@require_POST
def change_role(request, slug, pk):
    org = get_organisation_for(request.user, slug, MANAGE_MEMBERS)
    membership = _membership_in(org, pk)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            actions.change_role(membership, form.cleaned_data["role"])
        except ActionError as exc:
            messages.error(request, str(exc))
        else:
            role = form.cleaned_data["role"].replace("-", " ")
            messages.success(request, f"{display_name(membership.user)} is now {role}.")
    return redirect("members", slug=org.slug)


@login_required
@require_POST
def remove_member(request, slug, pk):
    org = get_organisation_for(request.user, slug, MANAGE_MEMBERS)
    membership = _membership_in(org, pk)
    try:
        actions.remove_member(membership)
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{display_name(membership.user)} no longer belongs to {org.name}.")
    return redirect("members", slug=org.slug)


@login_required
@require_POST
def revoke_invitation(request, slug, pk):
    org = get_organisation_for(request.user, slug, MANAGE_MEMBERS)
    invitation = get_object_or_404(Invitation, pk=pk, organisation=org)
    actions.revoke_invitation(invitation)
    messages.success(request, f"The invitation to {invitation.email} is withdrawn.")
    return redirect("members", slug=org.slug)


@require_http_methods(["GET", "POST"])
def accept_invitation(request, token):
    try:
        invitation = actions.find_invitation(token)
    except ActionError as exc:
        return render(request, "tenancy/invitation.html", {"error": str(exc)}, status=410)
    form = AcceptInvitationForm(request.POST or None) if not request.user.is_authenticated else None
    if request.method == "POST":
        try:
            if request.user.is_authenticated:
                membership = actions.accept_invitation(token, user=request.user)
            elif form.is_valid():
                membership = actions.accept_invitation(token, password=form.cleaned_data["password1"])
                from django.contrib.auth import login

                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            else:
                membership = None
        except ActionError as exc:
            messages.error(request, str(exc))
            membership = None
        if membership is not None:
            messages.success(request, f"Welcome to {membership.organisation.name}.")
            return redirect("home")
    return render(request, "tenancy/invitation.html", {"invitation": invitation, "form": form})


def organisation_rows(user):
    """Each organisation this person belongs to, with their role and, where they may see the
    profile, the next assessment due: the list a consultant works from. Three queries, however
    many organisations."""
    from collections import defaultdict

    from django.utils import timezone

    from secassure.profile.models import PortfolioSnapshot
    from secassure.profile.planner import Portfolio
    from secassure.profile.services import plan_for, rules_in_force
    from secassure.tenancy.access import PERMISSIONS, VIEW

    today = timezone.localdate()
    memberships = list(memberships_of(user))
    visible = [m.organisation.pk for m in memberships if VIEW in PERMISSIONS[m.role]]
    snapshots = defaultdict(list)
    for snap in PortfolioSnapshot.objects.filter(organisation_id__in=visible).order_by("as_of"):
        snapshots[snap.organisation_id].append(Portfolio(snap.as_of, snap.domestic, snap.non_domestic))
    rules = rules_in_force(today) if visible else None
    rows = []
    for membership in memberships:
        org = membership.organisation
        row = {"org": org, "role": membership.get_role_display(), "role_code": membership.role,
               "can_view": org.pk in visible,
               "is_cio": membership.role == MemberRole.CIO_REVIEWER,
               "is_provider": membership.role == MemberRole.PROVIDER}
        if row["can_view"]:
            row["next"] = plan_for(org, today, snapshots=snapshots[org.pk], rules=rules).next_due()
        rows.append(row)
    return rows
