"""The JSON API's frame: one ``NinjaAPI`` at /api/v1/, its token authentication, its throttle,
its cursor pagination, and errors as RFC 9457 problem details.

Every route reaches objects through the same doors as the web pages (``secassure.*.access``) with
the token's person as the user, and changes them through the same actions, so that every rule,
refusal and audit event is the web's. A token works in one organisation: any other organisation's
slug answers 404, as a missing one does."""

from __future__ import annotations

import base64
import datetime as dt
import logging
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import (
    BadRequest,
    ImproperlyConfigured,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import Field, NinjaAPI, Path, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import PaginationBase
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer
from ninja.throttling import BaseThrottle

from secassure.api.models import count_use
from secassure.assessments.actions import StaleEdit
from secassure.errors import ActionError
from secassure.people import display_name
from secassure.tenancy.middleware import lacks_mfa

logger = logging.getLogger(__name__)

PROBLEM_TYPE = "application/problem+json"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The largest id a path or a body may name: beyond it nothing exists, and the database is not asked.
MAX_ID = 2**31 - 1
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
BodyId = Annotated[int, Field(ge=1, le=MAX_ID)]


class Problem(Schema):
    """An error, as RFC 9457 describes one. ``current`` (on 409) is the object as it now stands;
    ``errors`` (on 422 for a malformed request) lists what was wrong where."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    instance: str = ""
    current: dict[str, Any] | None = None
    errors: list[dict[str, Any]] | None = None


# The error answers every operation may give, declared so that the OpenAPI document is complete.
ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem, 429: Problem}
READ_ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 422: Problem, 429: Problem}

TITLES = {400: "Bad request", 401: "Unauthorised", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
          409: "Conflict", 413: "Too large", 422: "Refused", 429: "Too many requests", 500: "Server error"}


class TokenAuth(HttpBearer):
    """The token the middleware found (``request.api_token``); a read-only token is refused any
    method that changes something."""

    def __call__(self, request: HttpRequest):
        token = getattr(request, "api_token", None)
        if token is None:
            return None
        if token.read_only and request.method not in SAFE_METHODS:
            raise PermissionDenied("this token is read-only: make a token without --read-only to change things")
        if lacks_mfa(token.user):
            # As on the web, where such a person reaches nothing until they have set one up.
            raise PermissionDenied("your role needs two-factor authentication: set up an authenticator app "
                                   "(Security, at the top of every page) and this token works again")
        return token

    def authenticate(self, request, token):  # the middleware has done it
        return getattr(request, "api_token", None)


_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")


def parse_rate(rate: str) -> tuple[int, int]:
    """"600/m" as (600 requests, 60 seconds); "100/5m" as (100, 300)."""
    found = _RATE.match(rate or "")
    if not found:
        raise ImproperlyConfigured(f"SECASSURE_API_RATE {rate!r} is not a rate such as 600/m, 100/5m or 10000/d")
    return int(found.group(1)), int(found.group(2) or 1) * _PERIODS[found.group(3)]


class TokenThrottle(BaseThrottle):
    """Requests per token in each window of ``SECASSURE_API_RATE`` (e.g. "600/m"), counted in the
    database with one atomic increment, so that every worker process and machine counts together
    and a window lasts as long as the rate says (an hour, a day), whatever the cache keeps."""

    _waits = threading.local()

    def allow_request(self, request) -> bool:
        token = getattr(request, "api_token", None)
        if token is None:
            return True
        allowed, seconds = parse_rate(settings.SECASSURE_API_RATE)
        now = time.time()
        used = count_use(token, seconds, int(now // seconds))
        self._waits.seconds = seconds - now % seconds
        return used <= allowed

    def wait(self):
        return getattr(self._waits, "seconds", None)


def _lone_surrogate(value) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= c <= "\udfff" for c in value)
    if isinstance(value, dict):
        return any(_lone_surrogate(k) or _lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_lone_surrogate(v) for v in value)
    return False


class StrictJson(Parser):
    """JSON bodies as text can be stored: a string escaping half of a surrogate pair ("\\ud800")
    is valid JSON but no text, and is refused here rather than failing in the database."""

    def parse_body(self, request):
        data = super().parse_body(request)
        if _lone_surrogate(data):
            raise HttpError(400, "the JSON holds a lone surrogate (an escape such as \\ud800 without its pair): "
                                 "send the text as UTF-8")
        return data


class Renderer(JSONRenderer):
    """JSON, with dates as ISO 8601."""


@dataclass(frozen=True)
class Listing:
    """What a paginated route may return instead of a bare queryset: the queryset, and how each
    object on the page is shown (given the whole page at once, so that it can fetch what the page
    needs in one query)."""

    queryset: QuerySet
    present: Callable[[list], list]


def _cursor_of(pk: int) -> str:
    return base64.urlsafe_b64encode(f"after:{pk}".encode("ascii")).decode("ascii").rstrip("=")


def _after(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        label, _, number = text.partition(":")
        if label == "after" and number.isdigit() and len(number) < 19:
            return int(number)
    except (ValueError, UnicodeError):
        pass
    raise HttpError(400, "the cursor is not one this API gave: start again without it, or follow the 'next' link")


class Cursor(PaginationBase):
    """Pages of a list in a stable order (by id, so that nothing is seen twice or missed while
    others add to the list), each with a ``next`` link carrying an opaque cursor; ``page_size``
    from 1 to 500 (50 by default)."""

    items_attribute = "results"

    class Input(Schema):
        page_size: int = Field(50, ge=1, le=500)
        cursor: str | None = Field(None, max_length=100)

    class Output(Schema):
        next: str | None
        results: list[Any]

    def paginate_queryset(self, queryset, pagination, request, **params):
        present = None
        if isinstance(queryset, Listing):
            queryset, present = queryset.queryset, queryset.present
        after = _after(pagination.cursor)
        ordered = queryset.order_by("pk")
        if after is not None:
            ordered = ordered.filter(pk__gt=after)
        page = list(ordered[: pagination.page_size + 1])
        following = None
        if len(page) > pagination.page_size:
            page = page[: pagination.page_size]
            query = request.GET.copy()
            query["cursor"] = _cursor_of(page[-1].pk)
            following = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        return {"next": following, "results": present(page) if present is not None else page}


DOCUMENTS_KEPT = 4  # OpenAPI documents kept, one for each place the API is served from


class SecassureApi(NinjaAPI):
    """The API, whose document says what it sends: problems as ``application/problem+json``, and
    the ``Retry-After`` of a 429.

    The document is made from the routes' code alone, and making it takes a quarter of a second of
    processor time (every schema of every operation, through pydantic): it is made once for each
    place the API is served from, and the same document is given to each request for it after
    that (its callers read it and never change it)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._documents: dict[str, dict] = {}
        self._documents_lock = threading.Lock()

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        with self._documents_lock:  # made by one request at a time, and once
            if path_prefix not in self._documents:
                # A few places at most (the prefix follows the script name a proxy may pass on):
                # one more than that replaces the first kept, so that they cannot fill memory.
                if len(self._documents) >= DOCUMENTS_KEPT:
                    del self._documents[next(iter(self._documents))]
                self._documents[path_prefix] = self._document(path_prefix)
            return self._documents[path_prefix]

    def _document(self, path_prefix: str) -> dict:
        document = super().get_openapi_schema(path_prefix=path_prefix)
        for methods in document.get("paths", {}).values():
            for operation in methods.values():
                for code, answer in operation.get("responses", {}).items():
                    if str(code).startswith("4") and "application/json" in answer.get("content", {}):
                        answer["content"] = {PROBLEM_TYPE: answer["content"]["application/json"]}
                        answer["description"] = TITLES.get(int(code), answer.get("description", ""))
                    if str(code) == "429":
                        answer["headers"] = {"Retry-After": {"description": "Seconds to wait before trying again",
                                                             "schema": {"type": "integer"}}}
        return document


api = SecassureApi(
    title="secassure API",
    version="1",
    description=("The secassure JSON API: every object a person reaches on the web, through the same rules. "
                 "Send a personal access token as `Authorization: Bearer TOKEN`. Errors are RFC 9457 problem "
                 "details."),
    urls_namespace="api",
    auth=TokenAuth(),
    throttle=[TokenThrottle()],
    renderer=Renderer(),
    parser=StrictJson(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def problem(request: HttpRequest, status: int, detail: str = "", **extra) -> HttpResponse:
    body = Problem(title=TITLES.get(status, "Error"), status=status, detail=detail, instance=request.path, **extra)
    response = api.create_response(request, body.model_dump(exclude_none=True), status=status)
    response["Content-Type"] = PROBLEM_TYPE
    return response


# What a 409 shows of the object as it now stands, by its model: each routes module registers the
# function that shows its objects.
_SHOWN: dict[type, Callable[[Any], dict]] = {}


def shows(model: type):
    def register(function):
        _SHOWN[model] = function
        return function
    return register


def shown(obj) -> dict | None:
    for model, function in _SHOWN.items():
        if isinstance(obj, model):
            return function(obj)
    return None


@api.exception_handler(Http404)
def _not_found(request, exc):
    said = str(exc)
    if not said or said.endswith("matches the given query."):  # get_object_or_404's, naming a class
        said = "No such object"
    return problem(request, 404, said)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return problem(request, 403, str(exc) or "Forbidden")


@api.exception_handler(StaleEdit)
def _stale(request, exc):
    current = shown(exc.current) if getattr(exc, "current", None) is not None else None
    return problem(request, 409, str(exc), current=current)


@api.exception_handler(ActionError)
def _refused(request, exc):
    return problem(request, 422, str(exc))


@api.exception_handler(NinjaValidationError)
def _malformed(request, exc):
    errors = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))} for e in exc.errors]
    return problem(request, 422, "the request does not match the API's schema", errors=errors)


@api.exception_handler(Throttled)
def _throttled(request, exc):
    response = problem(request, 429, "too many requests from this token: wait and try again")
    if exc.wait:
        response["Retry-After"] = str(math.ceil(exc.wait))
    return response


@api.exception_handler(AuthenticationError)
def _unauthorised(request, exc):
    response = problem(request, 401, "send a live personal access token as Authorization: Bearer TOKEN")
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(RequestDataTooBig)
def _too_large(request, exc):
    return problem(request, 413, "the request is larger than this server accepts")


@api.exception_handler(SuspiciousOperation)
@api.exception_handler(MultiPartParserError)
@api.exception_handler(BadRequest)
def _unreadable(request, exc):
    return problem(request, 400, "the request cannot be read: check its Content-Type and body")


@api.exception_handler(Exception)
def _failed(request, exc):
    logger.exception("API request %s %s failed", request.method, request.path, exc_info=exc)
    return problem(request, 500, "something went wrong on our side; nothing was changed. The request id "
                                 f"{getattr(request, 'request_id', '')} helps the operator find it")


@api.exception_handler(HttpError)
def _http_error(request, exc):
    said = str(exc.message)
    cause = exc.__cause__
    if said.startswith("Cannot parse request body"):  # the parser's own refusal, or JSON that is not JSON
        said = (str(cause.message) if isinstance(cause, HttpError) else
                "the body cannot be read as JSON: send JSON text in UTF-8")
    return problem(request, exc.status_code, said)


def token_organisation(request: HttpRequest, slug: str):
    """The organisation of the request's token if ``slug`` names it; 404 otherwise, exactly as for
    an organisation that does not exist."""
    token = request.auth
    if token is None or token.organisation.slug != slug:
        raise Http404("No such organisation")
    return token.organisation


def day(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def person(user) -> dict | None:
    """A person as the API shows one: id, name and address (``None`` for nobody)."""
    return {"id": user.pk, "name": display_name(user), "email": user.email} if user is not None else None


def member(org, user_id: int | None, refusal: str):
    """The member of the organisation with that id, ``None`` for none asked, or the refusal (an
    ActionError, the same whether the id is someone elsewhere or nobody at all)."""
    if user_id is None:
        return None
    found = get_user_model().objects.filter(pk=user_id, memberships__organisation=org).first()
    if found is None:
        raise ActionError(refusal)
    return found
