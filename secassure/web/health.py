"""Health checks for a load balancer or an orchestrator.

``/healthz`` says the process is up and answering: it touches nothing else, so a database outage
does not make every worker look dead and get restarted for nothing. ``/readyz`` says whether this
process can do its work now (database, evidence store, audit key, cache) and names what is wrong
when it cannot, so that traffic goes elsewhere until it can.

Neither needs a session or sign-in, neither is subject to CSRF (they only answer GET and HEAD),
and both are exempt from the HTTPS redirect (SECURE_REDIRECT_EXEMPT): a probe speaks plain HTTP
inside the network. A failed readiness check is expected operational news, not a fault in the
code: it is logged as a warning naming the check, never as a server error with a traceback.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

logger = logging.getLogger("secassure.health")

MIN_AUDIT_KEY_CHARS = 32


class NotReady(Exception):
    """A check failed; the message is what the probe's answer shows, so it names no secret."""


@csrf_exempt
@require_safe
def healthz(request):
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


def _database() -> None:
    from django.db import DatabaseError, connections

    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        raise NotReady(f"unreachable ({type(exc).__name__})") from exc


def _blob_store() -> None:
    from secassure.evidence.blobs import BlobError, store

    try:
        store().check_reachable()
    except BlobError as exc:
        raise NotReady(str(exc)) from exc


def _audit_key() -> None:
    # The key is read once at start; events written now are sealed with it. What is checked is that
    # it is there, and that the file it came from still holds it: a secret mount gone or a key file
    # replaced would stop the next restart, or seal this process's events with a key verify lacks.
    key = settings.SECASSURE_AUDIT_KEY or ""
    if len(key) < MIN_AUDIT_KEY_CHARS:
        raise NotReady("missing or too short")
    source = getattr(settings, "SECASSURE_AUDIT_KEY_FILE", "")
    if not source:
        return
    try:
        on_disk = Path(source).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise NotReady(f"its file cannot be read ({exc.strerror})") from exc
    if not hmac.compare_digest(on_disk.encode("utf-8"), key.encode("utf-8")):
        raise NotReady("its file no longer holds the key this process uses")


def _cache() -> None:
    # Sign-in needs the cache (throttling counts): a database cache whose table is missing would
    # fail every sign-in. A read is enough to show it is there, and writes nothing.
    from django.core.cache import cache

    try:
        cache.get("secassure:readyz")
    except Exception as exc:  # noqa: BLE001 - any backend's failure means not ready
        raise NotReady(f"unreachable ({type(exc).__name__})") from exc


CHECKS: dict[str, Callable[[], None]] = {
    "database": _database,
    "blob_store": _blob_store,
    "audit_key": _audit_key,
    "cache": _cache,
}


@csrf_exempt
@require_safe
def readyz(request):
    results, failed = {}, []
    for name, check in CHECKS.items():
        try:
            check()
        except NotReady as exc:
            results[name] = f"failed: {exc}"
            failed.append(name)
        else:
            results[name] = "ok"
    if not failed:
        return JsonResponse({"status": "ready", "checks": results})
    logger.warning("not ready: %s", "; ".join(f"{name} {results[name]}" for name in failed))
    response = JsonResponse({"status": "not ready", "failed": failed, "checks": results}, status=503)
    # Django logs every 5xx answer as an error; this one is logged above, as the warning it is.
    response._has_been_logged = True
    return response
