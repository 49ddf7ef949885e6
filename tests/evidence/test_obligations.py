"""Each obligation shows the freshness of the evidence linked to it."""

import datetime as dt

import pytest
from django.utils import timezone

from secassure.audit.models import Event
from secassure.catalogue.models import Obligation
from secassure.evidence import actions
from tests.evidence import files


@pytest.fixture(autouse=True)
def blob_dir(settings, tmp_path):
    settings.SECASSURE_BLOB_DIR = tmp_path / "blobs"


def test_linking_evidence_and_seeing_its_freshness(client, alice, org_a, shipped_catalogue):
    policy = actions.add_document(org_a, title="Risk management policy", doc_type="policy", by=None)
    actions.add_version(policy, chunks=[files.PDF], name="risk.pdf", by=None)
    stale = actions.add_document(org_a, title="Old risk register", doc_type="record", by=None)
    actions.add_version(stale, chunks=[files.CSV], name="register.csv",
                        effective_date=timezone.localdate() - dt.timedelta(days=500), by=None)
    g514 = Obligation.objects.get(version__framework__slug="sec-g", ref="G5.14")
    client.force_login(alice)
    client.post(f"/orgs/{org_a.slug}/documents/{policy.pk}/obligations/", {"obligations": [g514.pk]})
    client.post(f"/orgs/{org_a.slug}/documents/{stale.pk}/obligations/", {"obligations": [g514.pk]})
    assert list(policy.obligations.values_list("ref", flat=True)) == ["G5.14"]
    assert Event.objects.filter(action="evidence.document.obligations_linked").count() == 2
    page = client.get(f"/orgs/{org_a.slug}/obligations/").content.decode()
    row = page.split(">G5.14<", 1)[1].split("</tr>", 1)[0]
    assert "Risk management policy" in row and "Old risk register" in row
    assert "Review overdue" in row  # the worst of its evidence
    attention = client.get(f"/orgs/{org_a.slug}/obligations/?state=attention").content.decode()
    assert ">G5.14<" in attention and "No evidence yet" in attention
    detail = client.get(f"/orgs/{org_a.slug}/documents/{policy.pk}/").content.decode()
    assert "G5.14" in detail and "Information risk management process" in detail


def test_only_obligations_that_apply_to_the_category_are_listed(client, alice, org_a, shipped_catalogue):
    client.force_login(alice)
    page = client.get(f"/orgs/{org_a.slug}/obligations/").content.decode()
    assert ">G3.21<" in page  # a supplier duty: org A is a Large Supplier
    srp_only = Obligation.objects.filter(version__framework__slug="sec-g", categories=["srp"]).first()
    assert srp_only is not None  # G10 duties of Shared Resource Providers
    assert f">{srp_only.ref}<" not in page


def test_the_obligations_page_costs_the_same_however_much_evidence(client, alice, org_a, shipped_catalogue):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(alice)
    client.get("/")
    obligations = list(Obligation.objects.filter(version__framework__slug="sec-g")[:20])
    counts = []
    for n in (1, 12):
        for i in range(n):
            document = actions.add_document(org_a, title=f"Evidence {n}-{i}", doc_type="record", by=None)
            actions.add_version(document, chunks=[files.CSV + f"{n}-{i}".encode()], name="e.csv", by=None)
            actions.link_obligations(document, obligations[: i + 1], by=None)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/orgs/{org_a.slug}/obligations/").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_a_document_links_to_self_assessment_questions_too(client, alice, org_a, shipped_catalogue):
    from secassure.catalogue.models import Question

    policy = actions.add_document(org_a, title="Risk method", doc_type="procedure", by=None)
    question = Question.objects.filter(version__framework__slug="sec-g").first()
    g514 = Obligation.objects.get(version__framework__slug="sec-g", ref="G5.14")
    client.force_login(alice)
    client.post(f"/orgs/{org_a.slug}/documents/{policy.pk}/obligations/",
                {"obligations": [g514.pk], "questions": [question.pk]})
    assert list(policy.questions.all()) == [question]
    event = Event.objects.filter(action="evidence.document.obligations_linked").last()
    assert event.after == {"obligations": ["G5.14"], "questions": [question.ref]}
    assert question.ref in client.get(f"/orgs/{org_a.slug}/documents/{policy.pk}/").content.decode()


def test_observers_see_the_obligations_page(client, org_a, shipped_catalogue, settings):
    from tests.personas import join, make_user

    settings.SECASSURE_REQUIRE_MFA = False
    observer = make_user("auditor@a.test")
    join(observer, org_a, "observer")
    client.force_login(observer)
    assert client.get(f"/orgs/{org_a.slug}/obligations/").status_code == 200
