"""The crawl in a real browser, in a British and an American English browser: every page the demo's
consultant reaches from her home page loads without a JavaScript error, and the
browser accepts the value of every date field (a value it refuses shows as an empty field, and is
submitted empty). Downloads are read and parsed by the client crawl (tests/web/test_crawl.py)."""

from __future__ import annotations

import pytest

from tests.crawl import DOWNLOADS, Fetched, walk
from tests.e2e.conftest import sign_in

ALICE = "alice@demo.secassure.test"

# Date fields whose value the browser did not take: their value attribute is set and the field is empty.
REFUSED_DATES = """() => Array.from(document.querySelectorAll('input[type=date]'))
    .filter(i => i.getAttribute('value') && !i.value).map(i => i.name)"""


def browser_fetcher(page, site: str):
    """Open each link in the browser and report the page with the errors its scripts raised while it
    loaded (the walk leaves file downloads to the client crawl)."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"JavaScript error: {error}"))
    # A Content-Security-Policy violation (an inline script, style or handler the policy refused) is
    # reported on the console: whatever its level, it is a page that does not work as written.
    page.on("console", lambda message: errors.append(f"console error: {message.text}")
            if message.type == "error" or "Content Security Policy" in message.text else None)

    def fetch(path: str) -> Fetched:
        errors.clear()
        shown = page.goto(f"{site}{path}")
        headers = {k.lower(): v for k, v in shown.headers.items()}
        if shown.status >= 400 or "text/html" not in headers.get("content-type", ""):
            return Fetched(shown.status, headers, shown.body())
        got = Fetched(shown.status, headers, page.content().encode("utf-8"))
        got.refused_dates = page.evaluate(REFUSED_DATES)
        got.script_errors = list(errors)
        return got

    return fetch


# The consultant reaches every form with a date and every script the product has, in both languages;
# the CIO and the provider see a subset of the same pages, which the client crawl walks for them.
@pytest.mark.parametrize("locale", ["en-GB", "en-US"])
def test_every_page_works_in_the_browser(browser, demo, locale):
    from secassure.web.demo import DEMO_PASSWORD

    problems, visited = [], 0
    for email in [ALICE]:
        page, context = sign_in(browser, demo, email, DEMO_PASSWORD, locale=locale)
        result = walk(browser_fetcher(page, demo), who=f"{email} ({locale})", per_route=1, leave_out=DOWNLOADS)
        problems.extend(result.problems)
        visited += len(result.visited)
        context.close()
    assert not problems, "\n".join(problems)
    assert visited > 50
