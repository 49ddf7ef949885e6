"""Every demo person signs in through the sign-in page and follows every link the product shows them
from their home page: no link may lead to a server error or a 4xx, no download may be empty or fail to
parse, and every date field must hold a value a browser accepts."""

from __future__ import annotations

import re

from tests.crawl import client_fetcher, sign_in, walk

# What each person must reach, so that a walk cut short (a failed sign-in, a broken home page) cannot
# pass: the route names of pages and downloads the demo story puts in front of them.
MUST_REACH = {
    "alice": {"home", "organisation", "organisation-edit", "assessment", "assessment-details", "exchange",
              "exchange-workbook", "exchange-oscal", "exchange-pack", "exchange-report", "exchange-csv",
              "document", "document-download", "review", "remediation-plan", "findings", "calendar"},
    "ravi": {"home", "organisation", "assessment", "exchange-workbook", "document"},
    "dana": {"home", "organisation", "assessment", "exchange-report"},
    "priya": {"home", "document", "document-download"},
    "kofi": {"home", "organisation", "assessment", "remediation-plan"},
    "helen": {"home", "organisation", "assessment", "remediation-plan"},
    "morgan": {"home", "review", "review-item", "exchange-workbook"},
}


def test_every_link_each_demo_person_can_reach_works(demo_site):
    from django.urls import resolve

    from secassure.web.demo import DEMO_PASSWORD, DEMO_PEOPLE

    problems, reached = [], {}
    for person in DEMO_PEOPLE:
        result = walk(client_fetcher(sign_in(person.email, DEMO_PASSWORD)), who=person.key)
        problems.extend(result.problems)
        reached[person.key] = {resolve(p.split("?")[0]).url_name for p in result.visited}
    assert not problems, "\n".join(problems)
    for key, names in MUST_REACH.items():
        assert names <= reached[key], f"{key} never reached {sorted(names - reached[key])}"


def test_every_obligation_page_of_the_demo_catalogues_works(demo_site):
    """The walks above read a few of a catalogue's obligation pages each (one is built as the next);
    here every obligation a catalogue page lists is read once, through its link."""
    from django.urls import resolve

    from secassure.catalogue.models import FrameworkVersion
    from secassure.web.demo import DEMO_PASSWORD, DEMO_PEOPLE

    fetch = client_fetcher(sign_in(DEMO_PEOPLE[0].email, DEMO_PASSWORD))
    versions = list(FrameworkVersion.objects.select_related("framework"))
    assert versions
    problems, read = [], 0
    for version in versions:
        listing = f"/catalogue/{version.framework.slug}/{version.version}/"
        page = fetch(listing)
        assert page.status == 200, listing
        links = set(re.findall(r'href="(/catalogue/[^"?#]+/)"', page.body.decode("utf-8")))
        clauses = {link for link in links if resolve(link).url_name == "catalogue-obligation"}
        refs = {resolve(link).kwargs["ref"] for link in clauses}
        assert refs == set(version.obligations.values_list("ref", flat=True)), listing
        for link in sorted(clauses):
            got, read = fetch(link), read + 1
            ref = resolve(link).kwargs["ref"]
            if got.status != 200 or ref.encode() not in got.body:
                problems.append(f"{link} (linked from {listing}): answers {got.status}")
    assert not problems, "\n".join(problems)
    assert read >= 100
