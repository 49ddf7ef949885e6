"""Organisation pages: the list a person works from, the organisation's profile and plan,
members and invitations. Every organisation is reached through ``open_door``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from secassure.acting import REFUSED, act
from secassure.errors import ActionError
from secassure.people import display_name
from secassure.tenancy import actions
from secassure.tenancy.access import MANAGE_MEMBERS, by_name, may_create_organisation, memberships_of, open_door
from secassure.tenancy.forms import AcceptInvitationForm, InviteForm, NewOrganisationForm, RoleForm
from secassure.tenancy.models import Invitation, Membership


@login_required
@require_http_methods(["GET", "POST"])
def organisation_new(request):
    """The form the home page offers by ``may_create_organisation``; refused (403) to anyone it is
    not offered to, as the action refuses them."""
    if not may_create_organisation(memberships_of(request.user)):
        raise PermissionDenied("A CIO reviewer or a Provider does not create organisations here")
    form = NewOrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        org = act(request, actions.create_organisation, by=request.user, **form.cleaned_data, show_on=form,
                  ok=lambda org: f"{org.name} is created and you are its Owner.")
        if org is not REFUSED:
            return redirect("organisation", slug=org.slug)
    return render(request, "tenancy/organisation_new.html", {"form": form})


@login_required
def members(request, slug):
    door = open_door(request.user, slug, MANAGE_MEMBERS)
    org = door.organisation
    people = Membership.objects.filter(organisation=org).select_related("user").order_by(*by_name("user__"))
    invitations = Invitation.objects.filter(organisation=org).pending()
    return render(request, "tenancy/members.html", {
        "org": org, "people": people, "invitations": invitations, "invite_form": InviteForm(),
        "role_form": RoleForm(), "invitation_link": request.session.pop("secassure_last_invitation", None)})


@login_required
@require_POST
def invite(request, slug):
    door = open_door(request.user, slug, MANAGE_MEMBERS)
    org = door.organisation
    form = InviteForm(request.POST)
    if form.is_valid():
        made = act(request, actions.invite, org, form.cleaned_data["email"], form.cleaned_data["role"],
                   by=request.user)
        if made is REFUSED:
            return redirect("members", slug=org.slug)
        invitation, token = made
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
    door = open_door(request.user, slug, MANAGE_MEMBERS)
    org = door.organisation
    membership = _membership_in(org, pk)
    form = RoleForm(request.POST)
    if form.is_valid():
        role = form.cleaned_data["role"].replace("-", " ")
        act(request, actions.change_role, membership, form.cleaned_data["role"], by=request.user,
            ok=f"{display_name(membership.user)} is now {role}.")
    return redirect("members", slug=org.slug)


@login_required
@require_POST
def remove_member(request, slug, pk):
    door = open_door(request.user, slug, MANAGE_MEMBERS)
    org = door.organisation
    membership = _membership_in(org, pk)
    act(request, actions.remove_member, membership, by=request.user,
        ok=f"{display_name(membership.user)} no longer belongs to {org.name}.")
    return redirect("members", slug=org.slug)


@login_required
@require_POST
def revoke_invitation(request, slug, pk):
    door = open_door(request.user, slug, MANAGE_MEMBERS)
    org = door.organisation
    invitation = get_object_or_404(Invitation, pk=pk, organisation=org)
    act(request, actions.revoke_invitation, invitation, by=request.user,
        ok=f"The invitation to {invitation.email} is withdrawn.")
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
                membership = actions.accept_invitation(token, by=request.user)
            elif form.is_valid():
                membership = actions.accept_invitation(token, by=None, password=form.cleaned_data["password1"])
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

