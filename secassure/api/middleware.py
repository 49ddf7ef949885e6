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
                    return as_problem(request, self.get_response(request))
        return as_problem(request, self.get_response(request))


def as_problem(request, response):
    """An error answered before the API's own handlers could (a method the path does not have, a
    request Django could not read) as a problem too, like every other error of the API."""
    if response.status_code < 400 or response.get("Content-Type", "").startswith(("application/problem+json",
                                                                                  "application/json")):
        return response
    from secassure.api.core import problem

    detail = {405: f"this path does not take {request.method}; it takes {response.get('Allow', 'other methods')}",
              413: "the request is larger than this server accepts"}.get(response.status_code, "")
    answer = problem(request, response.status_code, detail or "the request cannot be read")
    for header in ("Allow", "Retry-After", "WWW-Authenticate"):
        if header in response:
            answer[header] = response[header]
    return answer
