"""Error pages in production (DEBUG off): the site's frame and a way home, a 500 page that renders
with the database down, and a 404 that says nothing about whose page it might have been."""

from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import OperationalError, connection
from django.template import loader
from django.test import Client
from django.urls import include, path

from tests.pages import without_form_tokens

ERROR_URLS = "tests.web.test_error_pages"
HOME_LINK = 'href="/">Go to the home page</a>'
LAYOUT = ('<header class="topbar">', "<footer>secassure · SEC security assurance workbench</footer>",
          "/static/web/secassure.css")


def _fails(request):
    raise RuntimeError("something inside the view went wrong")


def _refuses(request):
    raise PermissionDenied


def _unreadable(request):
    raise SuspiciousOperation("a request no browser would send")


# Used as ROOT_URLCONF by the tests below: the real site, plus views that fail on purpose.
urlpatterns = [
    path("test-errors/fails/", _fails),
    path("test-errors/refuses/", _refuses),
    path("test-errors/unreadable/", _unreadable),
    path("", include("secassure.urls")),
]


@pytest.fixture(autouse=True)
def _production(settings):
    settings.DEBUG = False


@pytest.fixture
def browser():
    """A browser that sees the error page instead of the test raising the view's exception."""
    return Client(raise_request_exception=False)


def _looks_like_the_site(body: str) -> None:
    for marker in LAYOUT:
        assert marker in body, marker


def test_a_missing_page_has_the_layout_and_a_way_home(client, bob):
    client.force_login(bob)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    body = response.content.decode()
    _looks_like_the_site(body)
    assert '<nav aria-label="Main">' in body  # signed in: the usual navigation is there
    assert "Page not found" in body and HOME_LINK in body


def test_a_missing_page_has_the_layout_when_signed_out(client, db):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    body = response.content.decode()
    _looks_like_the_site(body)
    assert HOME_LINK in body


def test_another_organisations_page_answers_exactly_like_a_missing_one(client, bob, org_b):
    client.force_login(bob)
    theirs = client.get(f"/orgs/{org_b.slug}/")
    missing = client.get("/orgs/no-such-organisation/")
    assert theirs.status_code == missing.status_code == 404

    assert without_form_tokens(theirs) == without_form_tokens(missing)
    assert org_b.name not in without_form_tokens(theirs) and "No such organisation" not in without_form_tokens(theirs)


def test_a_refusal_has_the_layout_and_says_why(client, bob, org_a):
    client.force_login(bob)
    response = client.get(f"/orgs/{org_a.slug}/members/")  # Owners only
    assert response.status_code == 403
    body = response.content.decode()
    _looks_like_the_site(body)
    assert "Not allowed" in body and "A Contributor may not do this" in body and HOME_LINK in body


@pytest.mark.urls(ERROR_URLS)
def test_a_refusal_without_a_reason_still_has_the_layout(client, bob):
    client.force_login(bob)
    response = client.get("/test-errors/refuses/")
    assert response.status_code == 403
    body = response.content.decode()
    _looks_like_the_site(body)
    assert "Not allowed" in body and HOME_LINK in body


@pytest.mark.urls(ERROR_URLS)
def test_a_server_error_has_the_sites_look_and_a_way_home(browser, bob):
    browser.force_login(bob)
    response = browser.get("/test-errors/fails/", secure=True)
    assert response.status_code == 500
    body = response.content.decode()
    _looks_like_the_site(body)
    assert "Something went wrong" in body and HOME_LINK in body
    assert "something inside the view" not in body  # no detail of the failure


def test_the_server_error_page_needs_no_database_request_or_context(db, django_assert_num_queries):
    # Django renders 500.html with an empty context; it must not reach for the user or the database.
    with django_assert_num_queries(0):
        body = loader.get_template("500.html").render()
    _looks_like_the_site(body)
    assert HOME_LINK in body


def test_the_server_error_page_renders_when_the_database_is_down(browser, bob):
    browser.force_login(bob)
    unavailable = OperationalError("could not connect to the database")
    with mock.patch.object(connection, "cursor", side_effect=unavailable):
        response = browser.get("/", secure=True)  # reading the session is the first thing to fail
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body and HOME_LINK in body
    assert isinstance(response.exc_info[1], OperationalError)


@pytest.mark.urls(ERROR_URLS)
def test_a_bad_request_has_the_sites_look_and_a_way_home(browser, db):
    response = browser.get("/test-errors/unreadable/", secure=True)
    assert response.status_code == 400
    body = response.content.decode()
    _looks_like_the_site(body)
    assert "This request cannot be read" in body and HOME_LINK in body


def test_a_form_without_its_check_is_refused_with_the_layout(db):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/accounts/login/", {"login": "someone@a.test", "password": "anything at all"}, secure=True)
    assert response.status_code == 403
    body = response.content.decode()
    _looks_like_the_site(body)
    assert "The form could not be accepted" in body and HOME_LINK in body
    assert "CSRF verification failed" not in body
