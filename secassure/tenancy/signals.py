"""Sign-ins, sign-outs, failed attempts and MFA changes go to the audit log (system chain)."""

from __future__ import annotations

import time

from allauth.mfa import signals as mfa_signals
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver

from secassure.audit.actions import record
from secassure.audit.context import acting_as, user_actor
from secassure.tenancy.middleware import HAS_MFA, LAST_SEEN, SIGNED_IN_AT


def _client(request) -> dict:
    if request is None:
        return {}
    return {"ip": request.META.get("REMOTE_ADDR", ""), "user_agent": request.META.get("HTTP_USER_AGENT", "")[:200]}


@receiver(auth_signals.user_logged_in)
def signed_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = request.session[LAST_SEEN] = time.time()
    with acting_as(actor=user_actor(user)):
        record("auth.signed_in", user, after={"email": user.email, **_client(request)})


@receiver(auth_signals.user_logged_out)
def signed_out(sender, request, user, **kwargs):
    if user is not None:
        with acting_as(actor=user_actor(user)):
            record("auth.signed_out", user, after={"email": user.email})


@receiver(auth_signals.user_login_failed)
def sign_in_failed(sender, credentials, request=None, **kwargs):
    # Django has already masked the password in credentials; keep only who was tried.
    login = str(credentials.get("email") or credentials.get("username") or credentials.get("login") or "")[:254]
    record("auth.sign_in_failed", object_type="auth.user", object_repr=login,
           after={"login": login, **_client(request)})


def _mfa_event(action: str):
    def handler(sender, request, user, authenticator=None, **kwargs):
        if request is not None and hasattr(request, "session"):
            request.session.pop(HAS_MFA, None)
        with acting_as(actor=user_actor(user)):
            record(action, user, after={"email": user.email,
                                        "type": getattr(authenticator, "type", "") if authenticator else ""})
    return handler


_added = _mfa_event("auth.mfa.added")
_removed = _mfa_event("auth.mfa.removed")
_reset = _mfa_event("auth.mfa.recovery_codes_reset")
mfa_signals.authenticator_added.connect(_added, dispatch_uid="secassure-mfa-added")
mfa_signals.authenticator_removed.connect(_removed, dispatch_uid="secassure-mfa-removed")
mfa_signals.authenticator_reset.connect(_reset, dispatch_uid="secassure-mfa-reset")
