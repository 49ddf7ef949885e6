"""End-to-end tests: a real browser (Debian's chromium, driven by Playwright) against the app served
by the test run itself. Each person signs in through the sign-in page, as they would."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Playwright's synchronous API keeps an event loop in the test's thread; the tests still call the
# database directly to set up data and check results, which Django would otherwise refuse there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def browser(site):
    """Chromium for one test. Playwright runs only while a test does: Django keeps its database
    connections per context, and code run while Playwright's loop is up gets connections that the
    end of the run would not see (and so could not close). It closes before the site stops, so
    that no request is still being served (a kept-alive connection holds a server thread) when
    the server goes."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium; bash .ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


def _audit_triggers(create: bool) -> None:
    from django.db import connection

    from secassure.audit.triggers import statements

    with connection.cursor() as cursor:
        for sql in statements(connection.vendor, create):
            cursor.execute(sql)


def _end_server_sessions() -> None:
    """End every other PostgreSQL session on the test database: the live server's request threads,
    and the test's own calls made while Playwright's event loop ran, may leave sessions open that
    would stop the test database being dropped at the end of the run."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()")


def _wait_for_requests(seconds: float = 10) -> None:
    """Let the live server's request threads finish: one still closing its database connection after
    the server has stopped sharing it (an in-memory SQLite database) fails the run."""
    import threading
    import time

    deadline = time.monotonic() + seconds
    for thread in threading.enumerate():
        if "process_request_thread" in thread.name:
            thread.join(max(0.0, deadline - time.monotonic()))


@pytest.fixture
def _audit_log_append_only_again(django_db_blocker):
    """Set up before the test's database and torn down after it: the emptying of the database that
    follows a test with a live server deletes audit events, which the log's triggers refuse; they
    are lifted for that and put back here."""
    yield
    with django_db_blocker.unblock():
        _audit_triggers(create=True)


@pytest.fixture(scope="session")
def _sessions_ended_before_the_database_is_dropped(django_db_setup, django_db_blocker):
    """Torn down just before the test database is dropped: after Playwright has run in this process,
    Django's per-context connections can leave one PostgreSQL session the drop does not see."""
    yield
    with django_db_blocker.unblock():
        _end_server_sessions()


@pytest.fixture
def site(_sessions_ended_before_the_database_is_dropped, _audit_log_append_only_again, transactional_db, settings,
         monkeypatch):
    """The app served for this test at a local address over plain HTTP, so without the HTTPS
    redirect and secure-only cookies of production. The server starts after those settings change,
    since the security middleware reads them when it is built. It sends each answer at once, as
    the development server does (secassure.web.devserver): with Django's test server as it is, the
    body of each answer on a kept-alive connection waits about 40 ms for the client to acknowledge
    its headers, for every request a browser or the API's fuzzer makes."""
    from django.core.servers.basehttp import ThreadedWSGIServer
    from django.test.testcases import LiveServerThread
    from pytest_django.live_server_helper import LiveServer

    from secassure.web.devserver import SendsAtOnce

    monkeypatch.setattr(LiveServerThread, "server_class", type("PromptServer", (SendsAtOnce, ThreadedWSGIServer), {}))
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.SECASSURE_REQUIRE_MFA = False
    server = LiveServer("localhost")
    assert isinstance(server.thread.httpd, SendsAtOnce), "the live server is no longer made from server_class"
    server._live_server_modified_settings.enable()
    try:
        yield server.url
    finally:
        server._live_server_modified_settings.disable()
        _wait_for_requests()
        server.stop()
        _audit_triggers(create=False)  # until _audit_log_append_only_again, after the database is emptied


@pytest.fixture
def demo(site):
    """The demo as `make run` loads it, served; returns the site's address."""
    from django.conf import settings

    from secassure.cli import shipped_files
    from secassure.web.demo import load_demo

    load_demo(shipped_files(), settings.SECASSURE_MAX_IMPORT_BYTES)
    return site


@pytest.fixture
def people(write, org_a):
    """Org A on the small test catalogue, holding the import-supplier role, with one person in each
    role a journey needs, none with an authenticator app: owen (Owner), bea (Contributor), dan
    (Approver) and cleo (CIO reviewer)."""
    from tests.assessments import helpers
    from tests.personas import persona

    helpers.tiny(write)
    helpers.hold(org_a, "import-supplier")
    return {name: persona(name, org_a) for name in ("owen", "bea", "dan", "cleo")}


def sign_in(browser, site: str, email: str, password: str, *, width: int = 1280, locale: str = "en-GB"):
    """A fresh browser window in the given language, signed in through the sign-in page as a person
    would; returns the page and its context (closed by the caller, or with the browser)."""
    context = browser.new_context(viewport={"width": width, "height": 900}, locale=locale)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{site}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, page.content()[:500]
    return page, context


def watch_policy(page) -> list[str]:
    """The Content-Security-Policy violations the browser reports on the page's console from now on:
    each is a script, style or handler the policy refused, so a part of the page that does not work."""
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    return refused


@pytest.fixture
def open_as(browser, site):
    """A fresh browser window signed in as a person; returns the page. A journey fails if the
    browser refused anything under the Content-Security-Policy along the way."""
    from tests.personas import PASSWORD

    contexts, watched = [], []

    def open_for(user):
        page, context = sign_in(browser, site, user.email, PASSWORD)
        contexts.append(context)
        watched.append((user.email, watch_policy(page)))
        return page

    yield open_for
    for context in contexts:
        context.close()
    violations = [f"{email}: {text}" for email, refused in watched for text in refused]
    assert not violations, "\n".join(violations)
