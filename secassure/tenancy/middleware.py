"""Session lifetimes and the MFA requirement, enforced on every request."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from secassure.audit.actions import record
from secassure.audit.context import acting_as, user_actor
from secassure.audit.events import AuditEvent
from secassure.tenancy.choices import MemberRole

SIGNED_IN_AT = "secassure_signed_in_at"
LAST_SEEN = "secassure_last_seen"
# Writing the session on every request costs a database write; a minute's precision is enough.
TOUCH_EVERY = 60


class SessionTimeoutMiddleware:
    """Ends a session after SECASSURE_SESSION_IDLE_SECONDS without a request, and in any case
    SECASSURE_SESSION_MAX_SECONDS after sign-in (OWASP ASVS 3.3).

    The time of the last request is written to the session at most once every TOUCH_EVERY seconds,
    not on every request (a database write each time): an idle session may therefore end up to that
    much early, never late."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            started = request.session.get(SIGNED_IN_AT)
            last = request.session.get(LAST_SEEN, started)
            if started is None:
                request.session[SIGNED_IN_AT] = request.session[LAST_SEEN] = now
            else:
                why = None
                if now - started > settings.SECASSURE_SESSION_MAX_SECONDS:
                    why = "the session reached its maximum length"
                elif now - last > settings.SECASSURE_SESSION_IDLE_SECONDS:
                    why = "the session was idle too long"
                if why:
                    with acting_as(actor=user_actor(user)):
                        record(AuditEvent.AUTH_SESSION_EXPIRED, user, after={"email": user.email}, reason=why)
                    logout(request)
                    messages.info(request, f"You were signed out because {why}. Please sign in again.")
                    return redirect(f"{reverse('account_login')}?{urlencode({'next': request.get_full_path()})}")
                if now - last > TOUCH_EVERY:
                    request.session[LAST_SEEN] = now
        return self.get_response(request)


def _memberships_needing_mfa(user):
    from secassure.tenancy.models import Membership

    return Membership.objects.filter(user=user).filter(
        Q(role__in=[MemberRole.OWNER, MemberRole.CIO_REVIEWER]) | Q(organisation__require_mfa=True))


def _authenticators(user):
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP)


def lacks_mfa(user) -> bool:
    """Whether the person must use MFA and has not set up an authenticator app, asked in one query
    for what asks on every request (every page, and the JSON API). Owners, CIO reviewers and
    administrators must use MFA, as must every member of an organisation that asks for it."""
    if not settings.SECASSURE_REQUIRE_MFA:
        return False
    from django.contrib.auth import get_user_model
    from django.db.models import Exists

    # Not type(user): a page's request.user is a lazy object standing in for the person.
    found = (get_user_model().objects.filter(pk=user.pk)
             .annotate(needs=Exists(_memberships_needing_mfa(user)), has=Exists(_authenticators(user)))
             .values("needs", "has").first())
    return found is not None and (found["needs"] or user.is_staff or user.is_superuser) and not found["has"]


class RequireMfaMiddleware:
    """Sends a person who must use MFA but has not set it up to the set-up page, and lets them
    reach nothing else but signing out."""

    ALLOWED_PREFIXES = ("/accounts/2fa/", "/accounts/logout/", "/accounts/reauthenticate/", "/static/", "/healthz",
                        "/readyz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        # Checked on every request (one small query): an authenticator removed from another
        # session, or a role that now needs MFA, takes effect at once.
        if (user is not None and user.is_authenticated and not request.path.startswith(self.ALLOWED_PREFIXES)
                and lacks_mfa(user)):
            messages.warning(request, "Your role needs two-factor authentication. Set up an authenticator app "
                                      "to continue.")
            return redirect("mfa_activate_totp")
        return self.get_response(request)
