"""The Content-Security-Policy in a real browser: the pages whose inline styles and handlers moved to
the stylesheet and the script still look and work as before, editing a row in place (htmx) is not
refused anything, and the policy is really enforced (an injected inline handler does not run, and
the browser says so on the console, which is what the journeys and the crawl listen for)."""

from __future__ import annotations

from tests.e2e.browsing import open_in_place
from tests.e2e.conftest import sign_in, watch_policy

ALICE = "alice@demo.secassure.test"


def test_pages_work_under_the_policy_and_it_is_enforced(browser, demo):
    from secassure.assessments.models import Assessment
    from secassure.web.demo import DEMO_PASSWORD

    page, context = sign_in(browser, demo, ALICE, DEMO_PASSWORD)
    refused = watch_policy(page)
    try:
        # The compliance chart: bars drawn as SVG, their widths attributes rather than styles.
        page.goto(f"{demo}/orgs/demo-energy/")
        bars = page.locator("svg.bar rect.bar-ok")
        assert bars.count() > 0
        assert bars.first.evaluate("r => getComputedStyle(r).fill") not in ("", "none", "rgb(0, 0, 0)")

        # Clauses indented by depth through classes.
        page.goto(f"{demo}/catalogue/")
        page.locator("main a[href^='/catalogue/']").first.click()
        page.wait_for_load_state()
        assert page.locator("td.ref[class*='indent-']").count() > 0

        # The calendar link, selected when the field takes the focus (the script, not an attribute).
        page.goto(f"{demo}/calendar/")
        page.click("button[name=action][value=new]")
        page.wait_for_load_state()
        page.focus("#feed-link")
        selected = page.evaluate("() => { const f = document.getElementById('feed-link');"
                                 " return [f.selectionStart, f.selectionEnd, f.value.length]; }")
        assert selected[0] == 0 and selected[1] == selected[2] > 0

        # A row opened for editing in place, through htmx.
        assessment = Assessment.objects.filter(organisation__slug="demo-networks").order_by("-pk").first()
        page.goto(f"{demo}/orgs/demo-networks/assessments/{assessment.pk}/")
        open_in_place(page, "tr a:has-text('Review'), tr a:has-text('Edit')")

        assert not refused, "\n".join(refused)

        # The policy is enforced: an inline handler slipped into the page neither runs nor goes unseen.
        # The browser weighs the handler against the policy when the image's error fires, after the
        # server's answer to /no-such-image: wait for the refusal itself, not for a guessed while.
        with page.expect_console_message(lambda message: "inline event handler" in message.text):
            page.evaluate("() => document.body.insertAdjacentHTML('beforeend',"
                          " '<img src=\"/no-such-image\" onerror=\"window.ranInline = true\">')")
        assert page.evaluate("() => window.ranInline === undefined")
        assert any("inline event handler" in text for text in refused), refused
    finally:
        context.close()
