"""A newcomer with only the README: the demo as `make run` loads it, the login the README prints, a
populated portfolio, and the demo self-assessment taken to submission in the browser, as the
README's walk-through says, by the consultant and then the director."""

from __future__ import annotations

import re
from pathlib import Path

from secassure.assessments.models import Assessment
from tests.e2e.browsing import check_every_item, follow, open_in_place
from tests.e2e.conftest import sign_in

README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_logins() -> tuple[tuple[str, str], str]:
    """The login `make run` prints, as the README gives it, and the director's, from its table."""
    text = README.read_text()
    found = re.search(r"`make run` prints the demo login: \*\*`([^`]+)`\*\*, password \*\*`([^`]+)`\*\*", text)
    assert found, "the README no longer gives the demo login where a newcomer reads it"
    director = re.search(r"^\| `([^`]+)` \| Helen, Demo Northern Networks' director", text, re.MULTILINE)
    assert director, "the README's table of demo logins no longer names the director who signs off"
    return (found.group(1), found.group(2)), director.group(1)


def _sign_in(browser, site, email: str, password: str):
    """Everyone starts at the sign-in page, and lands on their home page."""
    page, _ = sign_in(browser, site, email, password)
    assert page.url.rstrip("/") == site.rstrip("/"), page.url
    return page


def _badge(page) -> str:
    return page.locator("h1 .badge").inner_text()


def _open_the_self_assessment(page) -> None:
    """From the portfolio, the way a person finds it: the organisation, its assessments, the one."""
    follow(page, "table.portfolio a:has-text('Demo Northern Networks plc')")
    follow(page, "a:has-text('Assessments')")
    follow(page, "a:has-text('Self-assessment (cycle year 3)')")


def _confirm_each_carried_forward_item(page) -> int:
    """Open each item still waiting for its author in place, and save it; returns how many there were."""
    review = page.locator("td.actions a:text-is('Review')")
    confirmed = 0
    while review.count():
        # the keyboard's focus moves into the form that replaces the link (open_in_place waits for it)
        editing = open_in_place(page, "td.actions a:text-is('Review')")
        assert "Carried forward from the baseline" in editing.inner_text()
        editing.locator("button:has-text('Confirm and save')").click()
        editing.wait_for(state="detached")
        confirmed += 1
        assert confirmed < 10, "an item stays carried forward after it was saved"
    return confirmed


def test_a_newcomer_signs_in_sees_the_portfolio_and_completes_the_demo_submission(browser, demo):
    (email, password), director = _readme_logins()

    # The consultant's portfolio: the three organisations, with what needs attention.
    alice = _sign_in(browser, demo, email, password)
    table = alice.locator("table.portfolio")
    assert table.locator("tbody tr").count() == 3
    energy = table.locator("tr:has-text('Demo Energy Supply Ltd')").inner_text()
    networks = table.locator("tr:has-text('Demo Northern Networks plc')").inner_text()
    assert "Self-assessment (cycle year 3): 100% assessed" in energy
    # Nearly ready: three rows and a question carried forward wait to be confirmed.
    nearly = re.search(r"Self-assessment \(cycle year 3\): (\d+)% assessed", networks)
    assert nearly and 85 <= int(nearly.group(1)) < 100, networks

    # The organisation page says what to do next, and where it stands.
    follow(alice, "table.portfolio a:has-text('Demo Energy Supply Ltd')")
    assert "Next step: Answer the User CIO's open queries" in alice.content()
    standing = alice.locator("section[aria-labelledby=standing-h]").inner_text()
    assert "1 third-party acceptance lapsed" in " ".join(standing.split())
    alice.goto(f"{demo}/")

    # Alice confirms what was carried forward, on the rows and on the questionnaire, attaching
    # the continuity plan to the first row on the way, and sends it for internal review.
    _open_the_self_assessment(alice)
    assert _badge(alice) == "In preparation"
    open_in_place(alice, "td.actions a:text-is('Review')")
    alice.select_option("select[name=document]", label="Business Continuity Plan")
    alice.click("button:has-text('Link')")
    # The row's form comes back listing the plan among its evidence; only then is it saved, and only
    # once the saved row is drawn again does she move on (a save still on its way would otherwise
    # land after the next page was drawn, and that page would offer to review a confirmed row).
    alice.locator("tr.editing ul.plain a", has_text="Business Continuity Plan").wait_for()
    alice.click("button:has-text('Confirm and save')")
    alice.locator("tr.editing").wait_for(state="detached")
    follow(alice, "nav.tabs a:has-text('Validation rows')")
    assert _confirm_each_carried_forward_item(alice) == 2
    follow(alice, "nav.tabs a:has-text('Questionnaire')")
    assert _confirm_each_carried_forward_item(alice) == 1
    follow(alice, "nav.tabs a:has-text('Validation rows')")
    rows = Assessment.objects.get(organisation__slug="demo-networks", kind="ssa").rows.count()
    assert f"{rows} of {rows} obligations assessed" in alice.locator("#progress").inner_text()
    alice.click("button:has-text('Send for internal review')")
    assert _badge(alice) == "Internal review"

    # Helen, the director, checks what Alice saved, records the materiality decision and submits.
    helen = _sign_in(browser, demo, director, password)
    _open_the_self_assessment(helen)
    for tab in ("Validation rows", "Questionnaire"):
        follow(helen, f"nav.tabs a:has-text('{tab}')")
        assert check_every_item(helen)
        helen.reload()
        assert helen.locator("button:has-text('Check')").count() == 0
    follow(helen, "nav.tabs a:has-text('Validation rows')")
    helen.click("button:has-text('Send for management sign-off')")
    assert _badge(helen) == "Management sign-off"
    follow(helen, "nav.tabs a:has-text('Changes and risk')")
    helen.check("input[name=decision][value=not-material]")
    helen.fill("textarea[name=reason]", "A new Head of Security; systems, providers and risks are unchanged.")
    follow(helen, "button:has-text('Record the decision')")
    assert "Decision: No material increase" in helen.content()
    follow(helen, "nav.tabs a:has-text('Validation rows')")
    follow(helen, "a:has-text('Sign off and submit')")
    assert "The director's declaration" in helen.content() and "What will be submitted" in helen.content()
    helen.check("input[name=accept]")
    helen.click("button:has-text('Sign off and submit')")
    assert _badge(helen) == "Submitted"
    assert "evidence is pinned" in helen.content()

    submitted = Assessment.objects.get(organisation__slug="demo-networks", cycle_year=3)
    assert submitted.status == "submitted" and submitted.submitted_by.email == director
    assert not submitted.links.filter(version__isnull=True).exists()
    assert submitted.links.filter(document__title="Business Continuity Plan").exists()

    # As the README goes on: Alice shares it with the User CIO, who finds it among what is shared.
    cio = re.search(r"^\| `([^`]+)` \| Morgan, the independent User CIO", README.read_text(), re.MULTILINE)
    assert cio, "the README's table of demo logins no longer names the User CIO"
    alice.reload()
    follow(alice, "nav.tabs a:has-text('CIO review and outcome')")
    # The picker names people: Morgan, as the README calls him.
    alice.select_option("#reviewer", value=alice.locator("#reviewer option", has_text="Morgan").get_attribute("value"))
    follow(alice, "button:has-text('Share')")
    assert _badge(alice) == "Under CIO review"
    morgan = _sign_in(browser, demo, cio.group(1), password)
    follow(morgan, "a:has-text('what is shared with you')")
    assert morgan.locator("main").get_by_text("Demo Northern Networks plc").count() >= 1
