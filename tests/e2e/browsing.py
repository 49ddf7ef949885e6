"""Moving about the app as a person does, without racing the browser."""

from __future__ import annotations


def follow(page, selector: str) -> None:
    """Click a link or a submit button and wait until the page it leads to has loaded: reading the
    page straight after a click can catch the new document before it has any content."""
    with page.expect_navigation():
        page.click(selector)


def open_in_place(page, selector: str):
    """Click a row's Review or Edit link, which fetches the row's form into the page, and wait until
    the form has settled: htmx gives the new form its behaviour, and the keyboard's focus, a moment
    after drawing it, and a click before then would post the form as a plain page. Returns the form's
    row."""
    from playwright.sync_api import expect

    page.locator(selector).first.click()
    editing = page.locator("tr.editing")
    expect(editing.locator("select, textarea, input:not([type=hidden])").first).to_be_focused()
    return editing


def check_every_item(page) -> int:
    """Check each item on the page offering a Check button, one at a time, each time waiting for the
    checked row to come back marked as checked (a fixed pause would be a guess: a click on a button
    that the answer is about to replace can wait for ever). Returns how many were checked."""
    from playwright.sync_api import expect

    checked = 0
    button = page.locator("button:has-text('Check')")
    while button.count():
        row = button.first.evaluate("b => b.closest('tr').id")
        page.locator(f"#{row} button:has-text('Check')").click()
        expect(page.locator(f"#{row} .badge.ok")).to_contain_text("Checked by")
        checked += 1
        assert checked < 200, "an item still offers a Check after it was checked"
    return checked
