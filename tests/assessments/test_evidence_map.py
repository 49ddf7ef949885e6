"""One meaning of an obligation's evidence on every page: the documents linked to it in the current
assessment together with those mapped to it in the register, each page saying which is which."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from secassure.assessments import actions
from secassure.assessments.evidence_map import current_assessment, obligation_evidence
from secassure.assessments.models import Assessment, EvidenceLink
from secassure.evidence import actions as evidence
from secassure.profile.actions import add_provider
from tests.assessments import helpers


@pytest.fixture(autouse=True)
def _no_mfa(settings):
    settings.SECASSURE_REQUIRE_MFA = False


def _document(org, title: str):
    document = evidence.add_document(org, title=title, doc_type="policy", by=None)
    evidence.add_version(document, chunks=[f"%PDF-1.4 {title}".encode()], name="file.pdf", by=None)
    return document


def _row_html(page: str, ref: str) -> str:
    return page.split(f">{ref}<", 1)[1].split("</tr>", 1)[0]


def _without_evidence(page: str) -> tuple[int, int]:
    """The organisation page's count: (obligations with no evidence, of how many)."""
    found = re.search(r"<strong[^>]*>(\d+)</strong> of (\d+) obligations?</a>[^<]* with no evidence yet", page)
    assert found, "the organisation page gives no count of obligations without evidence"
    return int(found.group(1)), int(found.group(2))


@pytest.fixture
def story(a, org_a, alice):
    """SSA 2026 on the small catalogue: T1 has a document linked in the assessment and another
    mapped in the register; T2 has neither; a third document is used nowhere."""
    linked = _document(org_a, "Linked policy")
    mapped = _document(org_a, "Mapped procedure")
    unused = _document(org_a, "Unused record")
    actions.link_evidence(helpers.row(a, "T1"), linked, by=alice)
    t1 = helpers.row(a, "T1").obligation
    evidence.link_obligations(mapped, [t1], by=None)
    return {"a": a, "linked": linked, "mapped": mapped, "unused": unused, "t1": t1,
            "t2": helpers.row(a, "T2").obligation}


def test_one_obligation_shows_the_same_evidence_on_every_page(client, org_a, alice, story):
    found = obligation_evidence(org_a, timezone.localdate())
    assert found.assessment == story["a"]
    t1, t2 = found.obligations[story["t1"].pk], found.obligations[story["t2"].pk]
    assert [e.document for e in t1.linked] == [story["linked"]]
    assert [e.document for e in t1.mapped] == [story["mapped"]]
    assert not t2.has_evidence and [e.obligation for e in found.without_evidence] == [story["t2"]]

    client.force_login(alice)
    page = client.get(f"/orgs/{org_a.slug}/obligations/").content.decode()
    row = _row_html(page, "T1")
    assert "Linked in SSA 2026" in row and "Linked policy" in row
    assert "Mapped in the register" in row and "Mapped procedure" in row
    assert row.index("Linked policy") < row.index("Mapped in the register") < row.index("Mapped procedure")
    assert "No evidence yet" in _row_html(page, "T2")
    assert "<strong>1</strong> of 2 obligations with no evidence yet" in page
    only_none = client.get(f"/orgs/{org_a.slug}/obligations/?state=none").content.decode()
    assert ">T2<" in only_none and ">T1<" not in only_none

    organisation = client.get(f"/orgs/{org_a.slug}/").content.decode()
    assert _without_evidence(organisation) == (1, 2)
    assert "in SSA 2026 with no evidence yet" in organisation
    assert "No version yet: 0" in organisation  # a document's own state is named apart

    linked_page = client.get(f"/orgs/{org_a.slug}/documents/{story['linked'].pk}/").content.decode()
    assert "Linked in" in linked_page and "SSA 2026</a>" in linked_page and ">T1</a>" in linked_page
    assert "(the current assessment)" in linked_page
    mapped_page = client.get(f"/orgs/{org_a.slug}/documents/{story['mapped'].pk}/").content.decode()
    assert "Mapped in the register: <span class=\"ref\">T1</span>" in mapped_page


def test_a_document_linked_only_in_an_assessment_is_not_linked_to_nothing(client, org_a, alice, story):
    client.force_login(alice)
    page = client.get(f"/orgs/{org_a.slug}/documents/{story['linked'].pk}/").content.decode()
    assert "Not mapped to any obligation" not in page and "not linked in any assessment" not in page
    assert "Linked in" in page and ">T1</a>" in page
    unused = client.get(f"/orgs/{org_a.slug}/documents/{story['unused'].pk}/").content.decode()
    assert "Not mapped to any obligation in the register, and not linked in any assessment." in unused


def test_a_link_in_the_assessment_alone_is_evidence(client, org_a, alice, story):
    actions.link_evidence(helpers.row(story["a"], "T2"), story["unused"], by=alice)
    assert obligation_evidence(org_a, timezone.localdate()).without_evidence == []
    client.force_login(alice)
    assert _without_evidence(client.get(f"/orgs/{org_a.slug}/").content.decode()) == (0, 2)
    page = client.get(f"/orgs/{org_a.slug}/obligations/").content.decode()
    assert "Unused record" in _row_html(page, "T2") and "No evidence yet" not in _row_html(page, "T2")


def test_a_link_to_an_answer_is_shown_too(client, org_a, alice, story):
    actions.link_evidence(helpers.answer(story["a"], "Q1"), story["unused"], by=alice)
    client.force_login(alice)
    page = client.get(f"/orgs/{org_a.slug}/documents/{story['unused'].pk}/").content.decode()
    assert ">Q1</a>" in page and "not linked in any assessment" not in page


def test_an_obligation_with_neither_counts_as_without_evidence_everywhere(client, org_a, alice, story):
    """Taking T1's link away leaves its register mapping; taking that away too leaves nothing."""
    link = EvidenceLink.objects.get(row__obligation=story["t1"])
    link.assessment = story["a"]
    actions.unlink_evidence(link, by=alice)
    client.force_login(alice)
    page = client.get(f"/orgs/{org_a.slug}/obligations/").content.decode()
    assert "Linked in" not in _row_html(page, "T1") and "Mapped procedure" in _row_html(page, "T1")
    assert _without_evidence(client.get(f"/orgs/{org_a.slug}/").content.decode()) == (1, 2)

    evidence.link_obligations(story["mapped"], [], by=None)
    page = client.get(f"/orgs/{org_a.slug}/obligations/").content.decode()
    assert "No evidence yet" in _row_html(page, "T1") and "<strong>2</strong> of 2 obligations" in page
    assert _without_evidence(client.get(f"/orgs/{org_a.slug}/").content.decode()) == (2, 2)
    assert "not linked in any assessment" in client.get(
        f"/orgs/{org_a.slug}/documents/{story['linked'].pk}/").content.decode()


def test_the_current_assessment_is_the_latest_not_closed_else_the_latest(cat, org_a, alice):
    helpers.hold(org_a, "import-supplier")
    older = actions.create_assessment(org_a, kind="ssa", by=alice, title="Older").assessment
    newer = actions.create_assessment(org_a, kind="ssa", by=alice, title="Newer").assessment
    assert current_assessment(org_a.pk) == newer
    Assessment.objects.filter(pk=newer.pk).update(status="closed")
    assert current_assessment(org_a.pk) == older
    Assessment.objects.filter(pk=older.pk).update(status="closed")
    assert current_assessment(org_a.pk) == newer


def test_links_in_an_older_assessment_do_not_count(client, org_a, alice, story):
    later = actions.create_assessment(org_a, kind="ssa", by=alice, title="SSA 2027").assessment
    found = obligation_evidence(org_a, timezone.localdate())
    assert found.assessment == later
    t1 = next(e for e in found.obligations.values() if e.obligation.ref == "T1")
    assert t1.linked == [] and [e.document for e in t1.mapped] == [story["mapped"]]
    client.force_login(alice)
    page = client.get(f"/orgs/{org_a.slug}/documents/{story['linked'].pk}/").content.decode()
    assert "SSA 2026</a>" in page and "(the current assessment)" not in page


def test_a_register_mapping_counts_for_an_assessment_on_another_catalogue_version(org_a, alice, write):
    first = helpers.load_text(write, helpers.numbered(2, "m.1"), "m1.yaml")
    policy = _document(org_a, "Policy")
    evidence.link_obligations(policy, [first.obligations.get(ref="N0")], by=None)
    second = helpers.load_text(write, helpers.numbered(2, "m.2"), "m2.yaml")
    actions.create_assessment(org_a, kind="ssa", by=alice, catalogue=second, title="On m.2")
    found = obligation_evidence(org_a, timezone.localdate())
    n0 = next(e for e in found.obligations.values() if e.obligation.ref == "N0")
    assert n0.obligation.version == second and [e.document for e in n0.mapped] == [policy]


def test_with_no_assessment_the_obligations_a_new_one_would_hold_count(client, cat, org_a, alice):
    helpers.hold(org_a, "import-supplier")
    found = obligation_evidence(org_a, timezone.localdate())
    assert found.assessment is None and [e.obligation.ref for e in found.obligations.values()] == ["T1", "T2"]
    client.force_login(alice)
    assert _without_evidence(client.get(f"/orgs/{org_a.slug}/").content.decode()) == (2, 2)
    assert "<strong>2</strong> of 2 obligations" in client.get(f"/orgs/{org_a.slug}/obligations/").content.decode()


def test_a_provider_member_is_not_told_about_assessments(client, org_a, alice, story):
    from tests.personas import persona

    provider = add_provider(org_a, name="Northgate SRS", kind="srp", by=None)
    theirs = evidence.add_document(org_a, title="SRP statement", doc_type="standard", provider=provider, by=None)
    actions.link_evidence(helpers.row(story["a"], "T2"), theirs, by=alice)
    person = persona("engineer", org_a)
    evidence.assign_provider_member(provider, person.membership, by=None)
    client.force_login(person)
    page = client.get(f"/orgs/{org_a.slug}/documents/{theirs.pk}/").content.decode()
    assert "SSA 2026" not in page and "Not mapped to any obligation in the register." in page


def _grow(org, alice, write, n: int, version: str):
    """An assessment on a catalogue of n obligations, each with a document linked and another mapped."""
    catalogue = helpers.load_text(write, helpers.numbered(n, version), f"{version}.yaml")
    assessment = actions.create_assessment(org, kind="ssa", by=alice, catalogue=catalogue,
                                           title=f"On {version}").assessment
    shared = _document(org, f"Shared {version}")
    for i, row in enumerate(helpers.rows_of(assessment)):
        actions.link_evidence(row, _document(org, f"Linked {version}-{i}"), by=alice)
        actions.link_evidence(row, shared, by=alice)
        evidence.link_obligations(_document(org, f"Mapped {version}-{i}"), [row.obligation], by=None)
    return shared


def test_the_pages_cost_the_same_however_many_rows_links_and_documents(client, org_a, alice, write):
    client.force_login(alice)
    client.get("/")
    counts = []
    for n, version in ((2, "q.1"), (12, "q.2")):
        shared = _grow(org_a, alice, write, n, version)
        assert len(obligation_evidence(org_a, timezone.localdate()).obligations) == n
        pages = []
        for url in (f"/orgs/{org_a.slug}/obligations/", f"/orgs/{org_a.slug}/",
                    f"/orgs/{org_a.slug}/documents/{shared.pk}/"):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200, url
            pages.append(len(ctx.captured_queries))
        counts.append(pages)
    assert counts[0] == counts[1], counts


def _current_place(page: str) -> str:
    """The document page's paragraph about the current assessment ("" when it is not linked there)."""
    found = re.search(r"<p>Linked in <a [^>]*>[^<]*</a> <span class=\"muted\">\(the current assessment\)</span>.*?</p>",
                      page, re.S)
    return found.group(0) if found else ""


def test_the_demo_says_the_same_on_every_page(client, demo_site):
    from django.contrib.auth import get_user_model

    from secassure.web.demo import DEMO_EMAIL

    client.force_login(get_user_model().objects.get(email=DEMO_EMAIL))
    energy = Assessment.objects.filter(organisation__slug="demo-energy").order_by("-created_at").first()
    assert energy.status == "cio-review"
    link = energy.links.select_related("row__obligation", "document").filter(row__isnull=False).first()
    ref, title = link.row.obligation.ref, link.document.title
    page = client.get("/orgs/demo-energy/obligations/").content.decode()
    row = _row_html(page, ref)
    assert f"Linked in {energy.title}" in row and title in row
    assert f"<strong>0</strong> of {energy.rows.count()} obligations with no evidence yet" in page
    assert _without_evidence(client.get("/orgs/demo-energy/").content.decode()) == (0, energy.rows.count())
    document = client.get(f"/orgs/demo-energy/documents/{link.document_id}/").content.decode()
    assert f">{ref}</a>" in _current_place(document) and "not linked in any assessment" not in document

    # Demo Northern Networks' self-assessment is still in preparation: take one row's evidence away.
    networks = Assessment.objects.filter(organisation__slug="demo-networks").order_by("-created_at").first()
    row = networks.rows.select_related("obligation").order_by("order").first()
    taken = list(EvidenceLink.objects.filter(row=row).select_related("document"))
    assert taken and not row.obligation.documents.exists()
    for link in taken:
        link.assessment = networks
        actions.unlink_evidence(link, by=None)
    total = networks.rows.count()
    only_none = client.get("/orgs/demo-networks/obligations/?state=none").content.decode()
    assert f">{row.obligation.ref}<" in only_none and "No evidence yet" in _row_html(only_none, row.obligation.ref)
    assert f"<strong>1</strong> of {total} obligations with no evidence yet" in only_none
    assert _without_evidence(client.get("/orgs/demo-networks/").content.decode()) == (1, total)
    for link in taken:
        document = client.get(f"/orgs/demo-networks/documents/{link.document_id}/").content.decode()
        assert f">{row.obligation.ref}</a>" not in _current_place(document)
