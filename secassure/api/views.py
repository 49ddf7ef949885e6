"""The person's own tokens: made, listed and revoked on their account page."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from secassure.acting import act
from secassure.api.core import problem
from secassure.api.models import AccessToken
from secassure.api.tokens import DEFAULT_DAYS, MOST_DAYS, create_token, revoke_token
from secassure.tenancy.access import memberships_of


class TokenForm(forms.Form):
    organisation = forms.ChoiceField(label="Organisation")
    name = forms.CharField(max_length=100, help_text="What will use it, for example \"tracker sync\".")
    days = forms.IntegerField(label="Days until it expires", min_value=1, max_value=MOST_DAYS, initial=DEFAULT_DAYS)
    read_only = forms.BooleanField(label="Read only", required=False,
                                   help_text="It can read everything your role lets you see, and change nothing.")

    def __init__(self, *args, memberships, **kwargs):
        super().__init__(*args, **kwargs)
        self.memberships = {m.organisation.slug: m for m in memberships}
        self.fields["organisation"].choices = [(m.organisation.slug, f"{m.organisation.name} "
                                                f"({m.get_role_display()})") for m in memberships]


@login_required
def tokens(request):
    memberships = list(memberships_of(request.user))
    form = TokenForm(request.POST or None, memberships=memberships)
    made = None
    if request.method == "POST" and form.is_valid():
        membership = form.memberships[form.cleaned_data["organisation"]]
        result = act(request, create_token, request.user, membership.organisation, by=request.user,
                     name=form.cleaned_data["name"], read_only=form.cleaned_data["read_only"],
                     days=form.cleaned_data["days"], show_on=form)
        if result:
            made = result[1]
            form = TokenForm(memberships=memberships)
    now = timezone.now()
    listed = [(token, token.state(now)) for token in
              AccessToken.objects.filter(user=request.user).select_related("organisation")]
    return render(request, "api/tokens.html", {"form": form, "made": made, "tokens": listed,
                                               "has_organisations": bool(memberships)})


@login_required
@require_POST
def revoke(request, pk: int):
    token = get_object_or_404(AccessToken, pk=pk, user=request.user)
    act(request, revoke_token, token, by=request.user, ok=f"The token \"{token.name}\" is revoked.")
    return redirect("api-tokens")


@csrf_exempt
def no_such_route(request, *args, **kwargs):
    return problem(request, 404, "the API has no such path: /api/v1/docs lists those it has")
