"""Sign-ins, sign-outs, failed attempts and MFA changes go to the audit log (system chain)."""

from __future__ import annotations

import time

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from django.contrib.auth import signals as auth_signals
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from secassure.audit.actions import record
from secassure.audit.context import acting_as, user_actor
from secassure.audit.events import AuditEvent
from secassure.tenancy.middleware import LAST_SEEN, SIGNED_IN_AT


def _client(request) -> dict:
    if request is None:
        return {}
    return {"ip": request.META.get("REMOTE_ADDR", ""), "user_agent": request.META.get("HTTP_USER_AGENT", "")[:200]}


@receiver(auth_signals.user_logged_in)
def signed_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = request.session[LAST_SEEN] = time.time()
    with acting_as(actor=user_actor(user)):
        record(AuditEvent.AUTH_SIGNED_IN, user, after={"email": user.email, **_client(request)})


@receiver(auth_signals.user_logged_out)
def signed_out(sender, request, user, **kwargs):
    if user is not None:
        with acting_as(actor=user_actor(user)):
            record(AuditEvent.AUTH_SIGNED_OUT, user, after={"email": user.email})


@receiver(auth_signals.user_login_failed)
def sign_in_failed(sender, credentials, request=None, **kwargs):
    # Django has already masked the password in credentials; keep only who was tried.
    login = str(credentials.get("email") or credentials.get("username") or credentials.get("login") or "")[:254]
    record(AuditEvent.AUTH_SIGN_IN_FAILED, object_type="auth.user", object_repr=login,
           after={"login": login, **_client(request)})


# MFA changes are audited from the model's own signals, inside the transaction that makes them
# (allauth's signals fire after commit, too late to share it).


@receiver(post_save, sender=Authenticator)
def authenticator_saved(sender, instance, created, update_fields=None, **kwargs):
    if not created and update_fields is not None and set(update_fields) <= {"last_used_at"}:
        return  # a code was used to sign in: the sign-in event covers it
    action = AuditEvent.AUTH_MFA_ADDED if created else AuditEvent.AUTH_MFA_CHANGED
    record(action, instance.user, after={"email": instance.user.email, "type": instance.type})


@receiver(post_delete, sender=Authenticator)
def authenticator_deleted(sender, instance, **kwargs):
    record(AuditEvent.AUTH_MFA_REMOVED, instance.user, before={"email": instance.user.email, "type": instance.type})


@receiver(mfa_signals.authentication_failed)
def second_factor_failed(sender, request=None, user=None, **kwargs):
    if user is not None:
        record(AuditEvent.AUTH_MFA_FAILED, user, after={"email": user.email, **_client(request)})


def _account_event(action: str):
    def handler(sender, request=None, user=None, **kwargs):
        if user is not None:
            with acting_as(actor=user_actor(user)):
                record(action, user, after={"email": user.email})
    return handler


for _signal, _action in ((account_signals.password_changed, AuditEvent.AUTH_PASSWORD_CHANGED),
                         (account_signals.password_set, AuditEvent.AUTH_PASSWORD_SET),
                         (account_signals.password_reset, AuditEvent.AUTH_PASSWORD_RESET)):
    _signal.connect(_account_event(_action), dispatch_uid=f"secassure-{_action}", weak=False)
