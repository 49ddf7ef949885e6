"""Response headers for pages shown to a signed-in person."""

from __future__ import annotations

from django.db import DatabaseError
from django.utils.cache import patch_cache_control


def _signed_in(request) -> bool:
    user = getattr(request, "user", None)
    if user is None:
        return False
    try:
        return bool(user.is_authenticated)
    except DatabaseError:
        # The error page of a database outage: who it was for cannot be known, so assume someone.
        return True


class NoStoreWhenSignedIn:
    """``Cache-Control: no-store`` (and ``private``) on everything served to a signed-in person.

    Pages here hold an organisation's security posture and evidence. Without this a shared
    computer's browser cache, or a proxy, keeps a copy after sign-out, and the Back button shows
    it to the next person. Static files never reach this middleware (WhiteNoise answers them
    first), so they stay cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if _signed_in(request):
            patch_cache_control(response, no_store=True, private=True)
        return response
