"""One meaning of "open queries", on every page: a query is open until the CIO closes it, whether it
waits for the User's answer or, answered, for the CIO; the pages show the two apart."""

from __future__ import annotations

import re

from secassure.review.models import ReviewQuery
from tests.crawl import sign_in


def _number(pattern: str, html: str) -> int:
    found = re.search(pattern, html, re.S)
    assert found, pattern
    return int(found.group(1))


def test_every_page_counts_the_same_open_queries(demo_site):
    from secassure.web.demo import DEMO_PASSWORD

    queries = ReviewQuery.objects.filter(assessment__organisation__slug="demo-energy")
    statuses = sorted(queries.values_list("status", flat=True))
    assert statuses == ["answered", "closed", "open"]  # the story: one waiting for the User, one for the CIO
    alice = sign_in("alice@demo.secassure.test", DEMO_PASSWORD)
    organisation = alice.get("/orgs/demo-energy/").content.decode()
    assert _number(r"<strong>(\d+)</strong> open CIO quer", organisation) == 2
    assert "2 CIO queries open on" in organisation and "1 waiting for your answer, 1 answered" in organisation
    home = alice.get("/?sort=queries").content.decode()
    row = re.search(r"Demo Energy Supply Ltd</a>.*?</tr>", home, re.S).group(0)
    assert re.findall(r'<td class="num">(\d*)</td>', row)[0] == "2"
    inbox = alice.get("/orgs/demo-energy/queries/").content.decode()
    assert "Waiting for the User&#x27;s answer" in inbox and "Answered, waiting for the CIO" in inbox

    morgan = sign_in("morgan@cio.demo.secassure.test", DEMO_PASSWORD)
    queue = morgan.get("/review/").content.decode()
    assert "2 <span class=\"muted\">(1 answered, waiting for you)" in queue
    assessment = queries.first().assessment
    overview = morgan.get(f"/orgs/demo-energy/assessments/{assessment.pk}/review/").content.decode()
    assert "2 queries are still open" in overview
