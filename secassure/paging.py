"""Long lists shown a page at a time: what the pager (``assessments/_pages.html``) shows of a page."""

from __future__ import annotations

from urllib.parse import urlencode


def pages(number: int, total: int, size: int, shown: int, kept: dict) -> dict:
    """Page ``number`` of ``total`` items, ``size`` to a page and ``shown`` on this one: where it
    starts and ends, and a link to each page keeping the query ``kept`` (none when one page holds
    them all); ``start`` is the first page's address."""
    start = (number - 1) * size
    links = [(n, "?" + urlencode({**kept, "page": n})) for n in range(1, -(-total // size) + 1)]
    return {"number": number, "total": total, "first": start + 1, "last": start + shown,
            "links": links if len(links) > 1 else [], "start": "?" + urlencode(kept)}
