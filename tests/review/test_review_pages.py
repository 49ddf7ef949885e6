"""The review pages: a CIO reviewer sees what is shared with them and nothing else; the User sees
the review and answers queries; nobody edits what the other side wrote."""

import datetime as dt

import pytest

from secassure.assessments import actions as assessment_actions
from secassure.evidence import actions as evidence
from secassure.review import actions
from secassure.review.models import Comment, Outcome, QueryMessage, ReviewQuery
from tests.assessments import helpers
from tests.evidence import files
from tests.shipped import load_shipped_rules


@pytest.fixture(autouse=True)
def _no_mfa(settings):
    settings.SECASSURE_REQUIRE_MFA = False  # roles are under test here; MFA has its own tests


@pytest.fixture
def shared(write, org_a, alice, bob, carol, dave):
    helpers.tiny(write)
    helpers.hold(org_a, "import-supplier")
    assessment = assessment_actions.create_assessment(org_a, kind="ssa", by=alice, title="SSA 2026").assessment
    document = evidence.add_document(org_a, title="Monitoring report", doc_type="report", by=None)
    evidence.add_version(document, chunks=[files.PDF], name="report.pdf", by=None)
    t1 = helpers.row(assessment, "T1")
    assessment_actions.link_evidence(t1, document, by=bob)
    helpers.submit(assessment, maker=bob, checker=alice, approver=dave)
    actions.share(assessment, carol, by=alice)
    assessment.refresh_from_db()
    return assessment


def _url(a, rest=""):
    return f"/orgs/{a.organisation.slug}/assessments/{a.pk}/review/{rest}"


def test_the_cio_reads_rows_and_evidence_and_nothing_else(client, shared, carol):
    client.force_login(carol)
    queue = client.get("/review/").content.decode()
    assert "SSA 2026" in queue and _url(shared) in queue
    overview = client.get(_url(shared))
    assert overview.status_code == 200 and b"Make the comments final" in overview.content
    t1 = helpers.row(shared, "T1")
    page = client.get(_url(shared, f"rows/{t1.pk}/")).content.decode()
    assert "Raise a query" in page and "Monitoring report v1" in page
    link = t1.links.get()
    download = client.get(_url(shared, f"evidence/{link.pk}/"))
    assert download.status_code == 200 and b"".join(download.streaming_content) == files.PDF
    org = shared.organisation.slug
    for path in (f"/orgs/{org}/", f"/orgs/{org}/assessments/", f"/orgs/{org}/assessments/{shared.pk}/",
                 f"/orgs/{org}/documents/", f"/orgs/{org}/risks/", f"/orgs/{org}/queries/",
                 f"/orgs/{org}/documents/{link.document_id}/versions/1/download/"):
        assert client.get(path).status_code == 404, path
    # the User's side of things is not the CIO's to change
    saved = client.post(f"/orgs/{org}/assessments/{shared.pk}/rows/{t1.pk}/", {"revision": "1", "status": "partial"})
    assert saved.status_code == 404
    t1.refresh_from_db()
    assert t1.status == "compliant"


def test_an_assessment_not_shared_with_the_cio_is_404(client, shared, carol, alice, write):
    other = assessment_actions.create_assessment(shared.organisation, kind="follow-up", by=alice).assessment
    client.force_login(carol)
    assert client.get(_url(other)).status_code == 404
    actions.revoke(shared.shares.get(), by=alice)
    assert client.get(_url(shared)).status_code == 404
    assert client.post(_url(shared, "comment/"), {"text": "late"}).status_code == 404
    assert not Comment.objects.exists()


def test_the_cio_raises_a_query_and_the_user_answers_it_with_evidence(client, shared, carol, bob):
    t1 = helpers.row(shared, "T1")
    client.force_login(carol)
    client.post(_url(shared, f"rows/{t1.pk}/query/"), {"text": "Show March's alerts."})
    query = ReviewQuery.objects.get()
    client.force_login(bob)
    inbox = client.get(f"/orgs/{shared.organisation.slug}/queries/").content.decode()
    assert f"Query {query.pk}" in inbox and "Waiting for the User&#x27;s answer" in inbox
    document = evidence.add_document(shared.organisation, title="March alerts", doc_type="record", by=None)
    evidence.add_version(document, chunks=[files.PDF], name="march.pdf", by=None)
    page = client.get(_url(shared, f"rows/{t1.pk}/")).content.decode()
    assert "Attach evidence" in page and "Raise a query" not in page
    client.post(_url(shared, f"queries/{query.pk}/reply/"), {"text": "Attached.", "document": document.pk})
    message = QueryMessage.objects.get(side="user")
    assert message.version.number == 1
    client.force_login(carol)
    attached = client.get(_url(shared, f"messages/{message.pk}/file/"))
    assert attached.status_code == 200
    client.post(_url(shared, f"queries/{query.pk}/close/"), {"note": "Thanks."})
    assert ReviewQuery.objects.get().status == "closed"


def test_the_user_cannot_change_the_cios_comments(client, shared, carol, alice):
    client.force_login(carol)
    client.post(_url(shared, "comment/"), {"text": "Proportionate."})
    found = Comment.objects.get()
    client.force_login(alice)
    response = client.post(_url(shared, f"comments/{found.pk}/"), {"text": "Perfect."}, follow=True)
    assert b"Only the CIO who wrote a comment may change it" in response.content
    assert Comment.objects.get().text == "Proportionate."


def test_sharing_and_recording_the_outcome_from_the_page(client, shared, alice, carol, bob, org_a):
    load_shipped_rules()
    client.force_login(bob)
    assert client.post(_url(shared, "outcome/"), {"decision": "satisfactory"}).status_code == 403
    client.force_login(carol)
    client.post(_url(shared, "final/"))
    client.force_login(alice)
    page = client.get(_url(shared)).content.decode()
    assert "Record the SSC" in page
    refused = client.post(_url(shared, "outcome/"), {"decision": "cio-assessment", "received_on": "2026-11-20"},
                          follow=True)
    assert not Outcome.objects.exists() and "Choose the decision" in refused.content.decode()  # when was it sent?
    response = client.post(_url(shared, "outcome/"), {"decision": "cio-assessment", "sent_on": "2026-11-02",
                                                      "received_on": "2026-11-20", "reference": "SSC/1"})
    shared.refresh_from_db()
    assert shared.outcome.sent_on == dt.date(2026, 11, 2)
    follow_up = shared.outcome.follow_up
    assert response.status_code == 302 and response["Location"] == f"/orgs/{org_a.slug}/assessments/{follow_up.pk}/"
    assert shared.status == "closed" and follow_up.baseline == shared


def test_another_organisations_cio_sees_nothing(client, shared, org_b):
    other_cio = helpers.member(org_b, "cio@b.test", "cio-reviewer")
    client.force_login(other_cio)
    assert client.get(_url(shared)).status_code == 404
    assert client.get("/review/").content.decode().count("SSA 2026") == 0


def test_an_assurance_status_is_recorded_from_the_review_page(client, alice, bob, carol, dave, org_a, write):
    load_shipped_rules()
    helpers.tiny(write)
    helpers.hold(org_a, "import-supplier")
    fusa = assessment_actions.create_assessment(org_a, kind="fusa", by=alice, title="FUSA 2019").assessment
    cio = helpers.member(org_a, "cio@x.test", "cio-reviewer")
    helpers.conduct(fusa, owner=alice, cio=cio, responder=bob, approver=dave)
    client.force_login(alice)
    assert b"Assurance status" in client.get(_url(fusa)).content
    client.post(_url(fusa, "assurance/"), {"name": "Deferred", "effective_date": "2019-10-01"})
    record = fusa.assurance_records.get()
    assert record.status == "rejected" and record.name_as_given == "Deferred"
    fusa.refresh_from_db()
    assert fusa.status == "closed"  # the assurance status closes it; a rejection calls for a follow-up
    assert org_a.assessments.get(kind="follow-up").baseline == fusa
    assert "the letter says “Deferred”" in client.get(_url(fusa)).content.decode()
    client.force_login(bob)
    assert client.post(_url(fusa, "assurance/"), {"name": "Approved", "effective_date": "2021-01-01"}
                       ).status_code == 403


@pytest.mark.parametrize(("role", "expected"), [("owner", 200), ("contributor", 200), ("approver", 200),
                                                ("observer", 200), ("provider", 404), ("cio-reviewer", 404)])
def test_who_sees_the_review(client, shared, role, expected):
    person = helpers.member(shared.organisation, f"{role}@x.test", role)
    client.force_login(person)
    assert client.get(_url(shared)).status_code == expected  # a CIO reviewer without a share included
    t1 = helpers.row(shared, "T1")
    assert client.get(_url(shared, f"rows/{t1.pk}/")).status_code == expected
    if expected == 200:
        # the User's side may read, and never write the CIO's part
        assert client.post(_url(shared, "comment/"), {"text": "mine"}).status_code == 302
        assert not Comment.objects.exists()


def test_the_organisation_page_shows_overdue_actions_and_response_deadlines(client, shared, alice, bob, carol,
                                                                           monkeypatch):
    import datetime as dt

    from django.utils import timezone

    from secassure.review import remediation_actions as remediation

    plan = remediation.open_plan(shared, by=alice)
    remediation.add_action(plan, by=bob, description="Rotate the head-end keys", target_date=dt.date(2026, 11, 20))
    remediation.add_action(plan, by=bob, description="Retrain the operators", target_date=dt.date(2026, 12, 5))
    remediation.add_finding(shared.organisation, by=bob, kind="potential", description="Key rotation lapsed",
                            response_due=dt.date(2026, 11, 27))
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2026, 11, 28))
    client.force_login(alice)
    page = client.get(f"/orgs/{shared.organisation.slug}/").content.decode()
    assert "Needs attention" in page
    assert "Rotate the head-end keys</a> was due on 20 Nov 2026 (8 days overdue)" in page
    assert "F-001</a> was due to the SSC on 27 Nov 2026 (1 day ago)" in page
    assert "Retrain the operators</a> is due on 5 Dec 2026" in page
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2026, 11, 1))
    assert "Needs attention" not in client.get(f"/orgs/{shared.organisation.slug}/").content.decode()


def test_the_cio_learns_nothing_of_the_register_from_attaching_to_a_reply(client, shared, carol):
    from secassure.review import actions as review_actions

    query = review_actions.raise_query(shared, shared.rows.order_by("pk").first(), by=carol, text="Why?")
    document = evidence.add_document(shared.organisation, title="Hidden policy", doc_type="policy", by=None)
    client.force_login(carol)
    said = []
    for given in (document.pk, document.pk + 1000):
        page = client.post(_url(shared, f"queries/{query.pk}/reply/"), {"text": "here", "document": given},
                           follow=True)
        said.append([str(m) for m in page.context["messages"]])
    assert said[0] == said[1] == ["Evidence is attached by the User."]
    assert query.messages.count() == 1
