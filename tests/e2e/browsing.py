"""Moving about the app as a person does, without racing the browser."""

from __future__ import annotations


def follow(page, selector: str) -> None:
    """Click a link or a submit button and wait until the page it leads to has loaded: reading the
    page straight after a click can catch the new document before it has any content."""
    with page.expect_navigation():
        page.click(selector)
