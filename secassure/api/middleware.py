"""Who is calling the JSON API: the person behind the bearer token, never a browser's session."""

from __future__ import annotations

import ipaddress

from allauth.account.adapter import get_adapter
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured, PermissionDenied

from secassure.api.tokens import token_for
from secassure.audit.context import acting_as, user_actor

API_PREFIX = "/api/"


def client_address(request) -> str | None:
    """The caller's address as sign-in throttling sees it (behind a proxy, from X-Forwarded-For),
    or ``None`` when there is no well-formed one."""
    try:
        given = get_adapter().get_client_ip(request)
        return str(ipaddress.ip_address(given.strip()))
    except (ValueError, PermissionDenied, ImproperlyConfigured, AttributeError):
        return None


class ApiTokenMiddleware:
    """On the API's paths, the signed-in session is set aside and the person is the one whose token
    is given as ``Authorization: Bearer TOKEN`` (or nobody, and the API answers 401). Every audit
    event the request writes names that person. Elsewhere it does nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        request.user = AnonymousUser()
        request.api_token = None
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and given.strip():
            token = token_for(given.strip(), client_address(request))
            if token is not None:
                request.api_token, request.user = token, token.user
                with acting_as(actor=user_actor(token.user)):
                    return self.get_response(request)
        return self.get_response(request)
