"""Request id and actor for the audit log, set once per request."""

from __future__ import annotations

import re
import uuid

from secassure.audit.context import acting_as, user_actor

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestContextMiddleware:
    """Gives each request an id (a proxy's ``X-Request-ID`` if it is well formed) and echoes it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request.request_id = given if _SAFE_ID.match(given) else uuid.uuid4().hex
        with acting_as(request_id=request.request_id):
            response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


class ActorMiddleware:
    """Names the signed-in user as the actor of every audit event the request writes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            with acting_as(actor=user_actor(user)):
                return self.get_response(request)
        return self.get_response(request)
