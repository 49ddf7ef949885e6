"""The search box: it finds each kind of thing, only what the person may open, each result a link
that opens for them; it costs a fixed number of queries; short input runs no search.

Every item below carries the word "zephyr", in both organisations, so that a result shown to the
wrong person would be found by the same words."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from secassure.assessments import actions as assessment_actions
from secassure.assessments.choices import AssessmentStatus
from secassure.assessments.models import Assessment, ValidationRow
from secassure.evidence import actions as evidence
from secassure.profile.actions import add_provider
from secassure.review import actions as review
from secassure.review import remediation_actions as remediation
from secassure.review.models import QueryMessage, ReviewQuery
from secassure.tenancy.models import Membership, Organisation
from secassure.web import search as searching
from tests.assessments import helpers
from tests.personas import join, make_user, persona
from tests.shipped import load_shipped_rules

TARGET = dt.date(2026, 6, 30)


@pytest.fixture(autouse=True)
def _no_mfa(settings):
    settings.SECASSURE_REQUIRE_MFA = False  # the doors are under test here; MFA has its own tests


def _narrate(assessment, ref: str, text: str) -> ValidationRow:
    found = helpers.row(assessment, ref)
    ValidationRow.objects.filter(pk=found.pk).update(narrative=text)
    return found


def _actions_requested(assessment) -> Assessment:
    Assessment.objects.filter(pk=assessment.pk).update(status=AssessmentStatus.ACTIONS_REQUESTED)
    assessment.refresh_from_db()
    return assessment


def _query(assessment, row, author, text: str) -> ReviewQuery:
    """A query thread put in place directly: the data of another organisation, or of an assessment
    not shared with the CIO under test."""
    query = ReviewQuery.objects.create(assessment=assessment, row=row, raised_by=author)
    QueryMessage.objects.create(query=query, side="cio", author=author, text=text)
    return query


@pytest.fixture
def world(write, org_a, org_b, alice, bob, carol, dave, olive, mallory):
    """Org A: a submitted SSA shared with Carol (its T1 narrated, one query from her), a follow-up
    shared with nobody (narrated, a query of someone else's, a remediation plan with an action), a
    finding, a document of its own and one maintained by Northgate SRS, whose engineer is a member.
    Org B: the same kinds of thing, with the same word."""
    helpers.tiny(write)
    helpers.hold(org_a, "import-supplier")
    Organisation.objects.filter(pk=org_a.pk).update(sec_party_id="SP1234")
    Organisation.objects.filter(pk=org_b.pk).update(sec_party_id="SP9876")

    shared = assessment_actions.create_assessment(org_a, kind="ssa", by=alice, title="SSA 2026").assessment
    helpers.submit(shared, maker=bob, checker=alice, approver=dave)
    review.share(shared, carol, by=alice)
    shared.refresh_from_db()
    t1 = _narrate(shared, "T1", "Zephyr monitors every gateway around the clock")
    asked = review.raise_query(shared, t1, by=carol, text="Show the zephyr alert logs for March")

    other_cio = persona("other_cio", org_a)
    unshared = assessment_actions.create_assessment(org_a, kind="follow-up", by=alice,
                                                    title="Follow-up 2026").assessment
    hidden_row = _narrate(unshared, "T1", "Zephyr unshared narrative of the follow-up")
    _query(unshared, hidden_row, other_cio, "A zephyr question Carol may not read")
    plan = remediation.open_plan(_actions_requested(unshared), by=alice)
    action = remediation.add_action(plan, by=alice, description="Rotate the zephyr signing keys", target_date=TARGET)
    finding = remediation.add_finding(org_a, by=alice, kind="actual", description="Zephyr keys are not rotated")

    own = evidence.add_document(org_a, title="Zephyr access control policy", doc_type="policy", by=None)
    northgate = add_provider(org_a, name="Northgate SRS", kind="srp", by=None)
    theirs = evidence.add_document(org_a, title="Zephyr key management procedure", doc_type="procedure",
                                   provider=northgate, by=None)
    engineer = persona("engineer", org_a)
    evidence.assign_provider_member(northgate, engineer.membership, by=None)

    theirs_b = assessment_actions.create_assessment(org_b, kind="ssa", by=mallory, title="Bravo SSA").assessment
    b_row = _narrate(theirs_b, "T1", "Zephyr bravo narrative")
    cio_b = make_user("cio@bravo.test")
    join(cio_b, org_b, "cio-reviewer")
    _query(theirs_b, b_row, cio_b, "Bravo zephyr query")
    b_plan = remediation.open_plan(_actions_requested(theirs_b), by=mallory)
    remediation.add_action(b_plan, by=mallory, description="Bravo zephyr action", target_date=TARGET)
    remediation.add_finding(org_b, by=mallory, kind="actual", description="Bravo zephyr finding")
    evidence.add_document(org_b, title="Bravo zephyr plan", doc_type="plan", by=None)
    return {"shared": shared, "unshared": unshared, "t1": t1, "hidden_row": hidden_row, "query": asked,
            "plan": plan, "action": action, "finding": finding, "own": own, "theirs": theirs,
            "engineer": engineer, "other_cio": other_cio, "cio_b": cio_b}


_SECTION = re.compile(r'<section class="card search-group" id="kind-([a-z]+)".*?</section>', re.S)
_HIT = re.compile(r'<li>\s*<a href="([^"]+)">(.*?)</a>(.*?)</li>', re.S)


def found(client, q: str) -> dict[str, list[tuple[str, str]]]:
    """The results page's hits by kind: (link, the hit's text with its tags dropped)."""
    page = client.get("/search/", {"q": q})
    assert page.status_code == 200
    html = page.content.decode()
    hits = {}
    for section in _SECTION.finditer(html):
        hits[section.group(1)] = [(unescape(href), " ".join(unescape(re.sub(r"<[^>]+>", " ", text + rest)).split()))
                                  for href, text, rest in _HIT.findall(section.group(0))]
    return hits


def texts(hits: dict, kind: str) -> str:
    return " | ".join(text for _, text in hits.get(kind, []))


def every_link_opens(client, hits: dict) -> None:
    for kind, pairs in hits.items():
        for href, _ in pairs:
            assert client.get(href.split("#")[0]).status_code == 200, (kind, href)


def test_an_owner_finds_each_kind_and_every_link_opens(client, world, alice):
    client.force_login(alice)
    hits = found(client, "zephyr")
    assert set(hits) == {"documents", "rows", "findings", "actions", "queries"}
    assert "Zephyr access control policy" in texts(hits, "documents")
    assert "Zephyr key management procedure" in texts(hits, "documents")
    assert "Zephyr monitors every gateway" in texts(hits, "rows")
    assert "Zephyr unshared narrative" in texts(hits, "rows")
    assert "F-001" in texts(hits, "findings") and "Zephyr keys are not rotated" in texts(hits, "findings")
    assert "Rotate the zephyr signing keys" in texts(hits, "actions")
    assert "zephyr alert logs" in texts(hits, "queries") and "Carol may not read" in texts(hits, "queries")
    assert "Bravo" not in " ".join(texts(hits, kind) for kind in hits)
    every_link_opens(client, hits)
    # The links go to the page of each thing.
    links = {href for pairs in hits.values() for href, _ in pairs}
    a, w = "/orgs/org-a", world
    assert f"{a}/documents/{w['own'].pk}/" in links
    assert f"{a}/assessments/{w['shared'].pk}/#item-{w['t1'].pk}" in links
    assert f"{a}/findings/{w['finding'].pk}/" in links
    assert f"{a}/remediation/{w['plan'].pk}/#action-{w['action'].pk}" in links
    assert f"{a}/assessments/{w['shared'].pk}/review/rows/{w['t1'].pk}/#queries" in links


def test_organisations_are_found_by_name_and_sec_party_id(client, world, alice, mallory):
    client.force_login(alice)
    hits = found(client, "Alpha")
    assert [href for href, _ in hits["organisations"]] == ["/orgs/org-a/"]
    assert "Alpha Energy Ltd" in texts(hits, "organisations") and "SP1234" in texts(hits, "organisations")
    assert [href for href, _ in found(client, "SP1234")["organisations"]] == ["/orgs/org-a/"]
    assert "organisations" not in found(client, "Bravo")
    assert "organisations" not in found(client, "SP9876")
    every_link_opens(client, hits)
    client.force_login(mallory)
    assert "organisations" not in found(client, "Alpha")
    assert [href for href, _ in found(client, "SP9876")["organisations"]] == ["/orgs/org-b/"]


def test_catalogue_obligations_are_found_by_ref_and_words(client, world, alice, mallory):
    client.force_login(alice)
    by_ref = found(client, "T3")
    assert "Large export suppliers" in texts(by_ref, "obligations")
    assert "rows" not in by_ref  # T3 does not apply to org A: no row of its assessments has it
    by_words = found(client, "export suppliers")
    assert "T3" in texts(by_words, "obligations")
    every_link_opens(client, by_ref)
    # The rows of assessments are found by their obligation's reference and title too.
    rows = found(client, "Large import suppliers")
    assert "T2" in texts(rows, "rows") and "SSA 2026" in texts(rows, "rows")
    every_link_opens(client, rows)
    # The catalogue is everyone's.
    client.force_login(mallory)
    assert "Large export suppliers" in texts(found(client, "T3"), "obligations")


def test_the_other_organisation_never_sees_org_a_and_org_a_never_sees_it(client, world, alice, mallory):
    client.force_login(mallory)
    theirs = found(client, "zephyr")
    shown = " ".join(texts(theirs, kind) for kind in theirs)
    for word in ("Bravo zephyr plan", "Zephyr bravo narrative", "Bravo zephyr finding", "Bravo zephyr action",
                 "Bravo zephyr query"):
        assert word in shown, word
    assert not re.search(r"Alpha|access control|monitors every|unshared|signing keys|not rotated|alert logs",
                         shown)
    assert all("/orgs/org-a/" not in href for pairs in theirs.values() for href, _ in pairs)
    every_link_opens(client, theirs)
    client.force_login(alice)
    ours = found(client, "bravo")
    assert set(ours) <= {"obligations"}  # nothing of org B, whose name and items say "Bravo"


def test_a_person_in_both_sees_each_through_their_role_there(client, world, consultant, org_a, org_b):
    join(consultant, org_a, "observer")
    join(consultant, org_b, "provider")  # linked to no provider: nothing of org B is theirs
    client.force_login(consultant)
    hits = found(client, "zephyr")
    shown = " ".join(texts(hits, kind) for kind in hits)
    assert "Zephyr access control policy" in shown and "Bravo" not in shown
    assert "organisations" not in found(client, "Bravo")
    every_link_opens(client, hits)


def test_an_observer_sees_what_it_may_read(client, world, olive):
    client.force_login(olive)
    hits = found(client, "zephyr")
    assert set(hits) == {"documents", "rows", "findings", "actions", "queries"}
    assert "Bravo" not in " ".join(texts(hits, kind) for kind in hits)
    every_link_opens(client, hits)
    assert [href for href, _ in found(client, "Alpha")["organisations"]] == ["/orgs/org-a/"]


def test_a_provider_sees_only_their_providers_documents(client, world):
    client.force_login(world["engineer"])
    hits = found(client, "zephyr")
    assert list(hits) == ["documents"]
    assert [text for _, text in hits["documents"]] == ["Zephyr key management procedure Alpha Energy Ltd · Procedure"]
    every_link_opens(client, hits)
    # Their organisation leads to the documents they maintain, not to the organisation's page.
    organisations = found(client, "Alpha")["organisations"]
    assert [href for href, _ in organisations] == ["/orgs/org-a/documents/"]
    every_link_opens(client, {"organisations": organisations})
    # Only the kinds that can hold something of theirs are listed, with their counts.
    assert [g.key for g in searching.search(world["engineer"], "zephyr").groups] == [
        "organisations", "documents", "obligations"]


def test_a_provider_linked_to_no_provider_sees_nothing(client, world, org_a):
    unlinked = make_user("unlinked@provider.test")
    join(unlinked, org_a, "provider")
    client.force_login(unlinked)
    assert found(client, "zephyr") == {}
    assert found(client, "Alpha") == {}
    assert "obligations" in found(client, "T3")


def test_a_cio_reviewer_sees_only_what_is_shared_with_them(client, world, carol, alice):
    client.force_login(carol)
    hits = found(client, "zephyr")
    assert set(hits) == {"rows", "queries"}
    assert "Zephyr monitors every gateway" in texts(hits, "rows")
    assert "Zephyr unshared narrative" not in texts(hits, "rows")
    assert "alert logs" in texts(hits, "queries") and "Carol may not read" not in texts(hits, "queries")
    shared, t1 = world["shared"], world["t1"]
    assert [href for href, _ in hits["rows"]] == [f"/orgs/org-a/assessments/{shared.pk}/review/rows/{t1.pk}/"]
    every_link_opens(client, hits)
    assert [href for href, _ in found(client, "Alpha")["organisations"]] == ["/review/"]
    assert [g.key for g in searching.search(carol, "zephyr").groups] == [
        "organisations", "obligations", "rows", "findings", "queries"]
    # A CIO reviewer of the same organisation with whom nothing is shared sees nothing.
    client.force_login(world["other_cio"])
    assert found(client, "zephyr") == {}
    # Nor does Carol once the share is withdrawn.
    review.revoke(shared.shares.get(), by=alice)
    client.force_login(carol)
    assert found(client, "zephyr") == {}


def test_a_share_counts_only_while_they_are_a_cio_reviewer_there(client, world, carol, org_a, org_b):
    """As review_door decides: a share reaches the assessment through the person's CIO reviewer
    membership of its organisation, not through one of another organisation."""
    join(carol, org_b, "cio-reviewer")
    Membership.objects.filter(user=carol, organisation=org_a).update(role="provider")
    client.force_login(carol)
    assert client.get(f"/orgs/org-a/assessments/{world['shared'].pk}/review/").status_code == 404
    assert found(client, "zephyr") == {}


def test_a_cio_reviewer_sees_the_findings_their_report_raised(client, write, org_a, alice, bob, carol):
    load_shipped_rules()
    helpers.tiny(write)
    helpers.hold(org_a, "import-supplier")
    vusa = assessment_actions.create_assessment(org_a, kind="vusa", by=alice, title="VUSA 2026").assessment
    assessment_actions.move(vusa, "preparation", by=bob)
    helpers.conduct(vusa, owner=alice, cio=carol, results={"T1": ("actual", "Zephyr alarms go unread")})
    # The User's own, on the same assessment: as if from the report, and raised by the User.
    remediation.add_finding(org_a, by=alice, kind="observation", description="Zephyr noted by the User",
                            assessment=vusa)
    remediation.add_finding(org_a, by=None, kind="observation", description="Zephyr self-raised", assessment=vusa,
                            source="self")
    client.force_login(carol)
    hits = found(client, "zephyr")
    assert "Zephyr alarms go unread" in texts(hits, "findings")
    assert len(hits["findings"]) == 1
    assert [href for href, _ in hits["findings"]] == [f"/orgs/org-a/assessments/{vusa.pk}/review/#response"]
    every_link_opens(client, hits)
    client.force_login(bob)
    assert len(found(client, "zephyr")["findings"]) == 3


def test_matches_are_highlighted_and_escaped(client, world, alice, org_a):
    evidence.add_document(org_a, title='Zephyr <b onclick="steal()">bold</b> & "quoted" runbook', doc_type="record",
                          by=None)
    client.force_login(alice)
    html = client.get("/search/", {"q": "zephyr"}).content.decode()
    assert "<mark>Zephyr</mark> access control policy" in html
    assert ("<mark>Zephyr</mark> &lt;b onclick=&quot;steal()&quot;&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot; runbook"
            in html)
    assert "<b onclick" not in html
    # Text shown around a match in a long narrative, the match marked.
    assert re.search(r'<p class="search-snippet">[^<]*<mark>Zephyr</mark> monitors', html)


def test_results_are_grouped_with_counts_and_at_most_twenty_of_a_kind(client, world, alice, org_a):
    for n in range(searching.PER_KIND + 5):
        evidence.add_document(org_a, title=f"Zephyr record {n}", doc_type="record", by=None)
    client.force_login(alice)
    html = client.get("/search/", {"q": "zephyr"}).content.decode()
    assert re.search(r'<a href="#kind-documents">Documents</a> <span class="search-count">27</span>', html)
    assert len(found(client, "zephyr")["documents"]) == searching.PER_KIND
    assert f"The best {searching.PER_KIND} of 27 are shown" in html
    assert '<h1>Search</h1>' in html and '<label for="search-q">' in html and '<ol class="search-hits">' in html


def test_the_number_of_queries_does_not_grow_with_the_data(client, world, alice, org_a, org_b, write):
    def count() -> int:
        with CaptureQueriesContext(connection) as page:
            assert client.get("/search/", {"q": "zephyr"}).status_code == 200
        return len(page)

    client.force_login(alice)
    with CaptureQueriesContext(connection) as searched:
        searching.search(alice, "zephyr")
    assert len(searched) == 1 + len(searching.KINDS)  # the memberships, then one per kind
    count()  # the first request of a session writes it
    before = count()
    join(alice, org_b, "observer")
    for n in range(5):
        evidence.add_document(org_a, title=f"Zephyr record {n}", doc_type="record", by=None)
        remediation.add_finding(org_b, by=None, kind="actual", description=f"Zephyr finding {n}")
        remediation.add_action(world["plan"], by=alice, description=f"Zephyr step {n}", target_date=TARGET)
    _narrate(world["unshared"], "T2", "Zephyr again")
    assert count() == before


@pytest.mark.parametrize("q", ["", " ", "z", " z  "])
def test_empty_or_one_character_runs_no_search(client, world, alice, q):
    client.force_login(alice)
    with CaptureQueriesContext(connection) as searched:
        results = searching.search(alice, q)
    assert len(searched) == 0 and results.hint and not results.groups
    html = client.get("/search/", {"q": q}).content.decode()
    assert 'class="search-hint"' in html and "search-group" not in html


def test_nothing_to_look_for_runs_no_search(alice, db):
    with CaptureQueriesContext(connection) as searched:
        results = searching.search(alice, "-zephyr or -policy")
    assert len(searched) == 0 and "minus sign" in results.hint


def test_long_input_is_cut(client, world, alice):
    client.force_login(alice)
    long = "zephyr " + "x" * 400
    results = searching.search(alice, long)
    assert len(results.query) == searching.MAX_CHARS and results.query.startswith("zephyr x")
    html = client.get("/search/", {"q": long}).content.decode()
    assert f'value="{results.query}"' in html and 'maxlength="200"' in html


def test_control_characters_and_marks_are_not_searched(client, world, alice):
    client.force_login(alice)
    assert searching.clean("zeph\x00yr\ue000 policy\n") == "zeph yr policy"
    assert client.get("/search/", {"q": "zephyr\x00"}).status_code == 200


def test_words_phrases_alternatives_and_exclusions(client, world, alice):
    client.force_login(alice)
    documents = texts(found(client, "zephyr -procedure"), "documents")
    assert "access control policy" in documents and "key management procedure" not in documents
    documents = texts(found(client, '"access control" or "key management"'), "documents")
    assert "access control policy" in documents and "key management procedure" in documents
    assert "documents" not in found(client, '"control access"')


def test_a_match_in_the_heading_ranks_above_one_in_the_text(client, world, alice):
    _narrate(world["shared"], "T1", "Monitoring also covers the import gateway")
    client.force_login(alice)
    refs = [text.split()[0] for _, text in found(client, "import")["rows"]]
    assert refs[-1] == "T1" and set(refs[:-1]) == {"T2"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="stemming is PostgreSQL's full-text search")
def test_postgresql_matches_other_forms_of_a_word(client, world, alice):
    client.force_login(alice)
    assert "Zephyr access control policy" in texts(found(client, "policies"), "documents")
    assert "Zephyr monitors every gateway" in texts(found(client, "monitoring gateways"), "rows")


def test_the_parser_reads_the_words_as_websearch_does():
    terms = searching.parse('-"left out" Access or "key mgmt" -x, policy.')
    assert terms.alternatives == ((("left out", True), ("Access", False)), (("key mgmt", False), ("x", True),
                                                                            ("policy", False)))
    assert terms.wanted == ["key mgmt", "Access", "policy"]
    assert searching.parse("-alone or or").alternatives == ()


def test_highlighting_is_balanced_and_escaped():
    o, c = searching.OPEN, searching.CLOSE
    assert searching.as_html(f"a {o}<b>{c} {c}x{o}") == "a <mark>&lt;b&gt;</mark> x<mark></mark>"


def test_the_header_offers_the_search_box_to_signed_in_people_only(client, world, alice):
    box = '<form class="site-search" method="get" action="/search/" role="search"'
    label = '<label for="site-search" class="sr-only">'
    assert box not in client.get("/accounts/login/").content.decode()
    client.force_login(alice)
    for url in ("/", "/catalogue/", "/orgs/org-a/", "/search/?q=zephyr"):
        html = client.get(url).content.decode()
        assert box in html and label in html, url


def test_the_search_page_needs_sign_in(client, db):
    response = client.get("/search/", {"q": "zephyr"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
