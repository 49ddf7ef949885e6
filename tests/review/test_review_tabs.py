"""The review pages are part of the assessment for the User's team: the same heading, breadcrumb and
tabs as its other pages; the SSC's outcome is offered only once the CIO's comments are final."""

from __future__ import annotations

import re

from secassure.assessments.models import Assessment
from tests.crawl import sign_in

TABS = ("Validation rows", "Questionnaire", "Changes and risk", "Compare", "Details and history", "Files and exports")


def _tabs(html: str) -> list[str]:
    nav = re.search(r'<nav class="tabs" aria-label="Assessment">(.*?)</nav>', html, re.S)
    return re.findall(r">([^<]+)</a>", nav.group(1)) if nav else []


def _crumbs(html: str) -> str:
    return re.sub(r"<[^>]+>", "", re.search(r'<nav class="crumbs".*?</nav>', html, re.S).group(0))


def test_the_cio_review_tab_keeps_the_assessments_tabs_and_breadcrumb(demo_site):
    from secassure.web.demo import DEMO_PASSWORD

    alice = sign_in("alice@demo.secassure.test", DEMO_PASSWORD)
    a = Assessment.objects.get(organisation__slug="demo-energy", status="cio-review")
    workspace = alice.get(f"/orgs/demo-energy/assessments/{a.pk}/").content.decode()
    review = alice.get(f"/orgs/demo-energy/assessments/{a.pk}/review/").content.decode()
    row = a.rows.order_by("order").first()
    item = alice.get(f"/orgs/demo-energy/assessments/{a.pk}/review/rows/{row.pk}/").content.decode()
    assert _tabs(review) == _tabs(workspace) == _tabs(item) == [*TABS, "CIO review and outcome"]
    assert _crumbs(review) == _crumbs(workspace) == _crumbs(item)
    assert 'aria-current="page">CIO review and outcome' in review.replace("\n", "")

    morgan = sign_in("morgan@cio.demo.secassure.test", DEMO_PASSWORD)
    theirs = morgan.get(f"/orgs/demo-energy/assessments/{a.pk}/review/rows/{row.pk}/").content.decode()
    assert _tabs(theirs) == [] and _crumbs(theirs).startswith("Shared with you")


def test_the_outcome_form_waits_for_the_cios_final_comments(demo_site):
    from secassure.review import actions
    from secassure.web.demo import DEMO_PASSWORD

    alice = sign_in("alice@demo.secassure.test", DEMO_PASSWORD)
    a = Assessment.objects.get(organisation__slug="demo-energy", status="cio-review")
    url = f"/orgs/demo-energy/assessments/{a.pk}/review/"
    assert "Record the SSC" not in alice.get(url).content.decode()
    for query in a.queries.still_open():
        actions.close_query(query, by=query.raised_by)
    actions.finalise(a, by=a.shares.get().reviewer)
    assert "Record the SSC" in alice.get(url).content.decode()
