"""The pages of an assessment the User CIO conducts, used as people use them: the Owner shares a
VUSA, the CIO records the fieldwork, asks for evidence, records results and issues the report, the
User answers from its register, responds to the finding, an Approver signs it off and the Owner
sends the response. Every form is posted as the browser would, and what each side sees is checked."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from secassure.assessments import actions as assessment_actions
from secassure.evidence import actions as evidence
from secassure.review.models import CioReport, Finding, ReviewQuery, RowResult
from tests.assessments import helpers
from tests.evidence import files
from tests.shipped import load_shipped_rules


@pytest.fixture(autouse=True)
def _no_mfa(settings):
    settings.SECASSURE_REQUIRE_MFA = False


@pytest.fixture
def vusa(write, org_a, alice, bob):
    load_shipped_rules()
    helpers.tiny(write)
    helpers.hold(org_a, "import-supplier")
    assessment = assessment_actions.create_assessment(org_a, kind="vusa", by=alice, title="VUSA 2026").assessment
    assessment_actions.move(assessment, "preparation", by=bob)
    return assessment


@pytest.fixture
def cio(org_a):
    return helpers.member(org_a, "morgan@cio.test", "cio-reviewer")


@pytest.fixture
def document(org_a):
    found = evidence.add_document(org_a, title="Alert log", doc_type="report", by=None)
    evidence.add_version(found, chunks=[files.PDF], name="alerts.pdf", by=None)
    return found


def _url(a, rest=""):
    return f"/orgs/{a.organisation.slug}/assessments/{a.pk}/review/{rest}"


def _day(days_ago: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=days_ago)).isoformat()


def test_the_workspace_offers_no_sign_off_and_the_review_tab_offers_the_share(client, vusa, alice, bob, cio):
    client.force_login(bob)
    assessment_actions.move(vusa, "internal-review", by=bob)
    client.force_login(alice)
    page = client.get(f"/orgs/{vusa.organisation.slug}/assessments/{vusa.pk}/").content.decode()
    assert "Send for management sign-off" not in page and "Return to preparation" in page
    assert "User CIO&#x27;s assessment" in page or "User CIO's assessment" in page
    overview = client.get(_url(vusa)).content.decode()
    assert "conducted by the User CIO (G8.22" in overview and "Share it with your User CIO" in overview
    assert "Record the SSC" not in overview  # no self-assessment outcome for a VUSA
    client.post(_url(vusa, "share/"), {"reviewer": str(cio.pk)})
    vusa.refresh_from_db()
    assert vusa.status == "fieldwork"


def test_the_cio_conducts_and_the_user_answers_and_responds(client, vusa, alice, bob, dave, cio, document):
    from secassure.review import actions as review

    review.share(vusa, cio, by=alice)
    t1, t2 = helpers.row(vusa, "T1"), helpers.row(vusa, "T2")

    # The CIO: fieldwork dates, an evidence request, then the overview says what stops the report.
    client.force_login(cio)
    client.post(_url(vusa, "fieldwork/"), {"start": _day(6), "end": _day(4)})
    vusa.refresh_from_db()
    assert (vusa.fieldwork_start, vusa.fieldwork_end) == (timezone.localdate() - dt.timedelta(days=6),
                                                         timezone.localdate() - dt.timedelta(days=4))
    item = client.get(_url(vusa, f"rows/{t1.pk}/")).content.decode()
    assert "A request for evidence" in item and "Record the result" in item
    client.post(_url(vusa, f"rows/{t1.pk}/query/"), {"purpose": "evidence", "text": "Show the alert log."})
    request = ReviewQuery.objects.get(assessment=vusa)
    assert request.purpose == "evidence" and request.row_id == t1.pk
    overview = client.get(_url(vusa)).content.decode()
    assert "no result yet" in overview and "still open" in overview and "Issue the report" in overview

    # The User sees what is asked on its own workspace, and answers from the register.
    client.force_login(bob)
    workspace = client.get(f"/orgs/{vusa.organisation.slug}/assessments/{vusa.pk}/").content.decode()
    assert "waiting for your evidence" in workspace and f"rows/{t1.pk}/#queries" in workspace
    client.post(_url(vusa, f"queries/{request.pk}/reply/"), {"text": "Attached.", "document": str(document.pk)})
    assert t1.links.filter(document=document).exists()  # offered on the obligation too
    workspace = client.get(f"/orgs/{vusa.organisation.slug}/assessments/{vusa.pk}/").content.decode()
    assert "waiting for your evidence" not in workspace and "answered, with the CIO" in workspace

    # The CIO closes the request, records results (the evidence examined among them) and issues.
    client.force_login(cio)
    client.post(_url(vusa, f"queries/{request.pk}/close/"), {"note": "Seen."})
    client.post(_url(vusa, f"rows/{t1.pk}/result/"), {"result": "compliant", "examined": [str(document.pk)]})
    client.post(_url(vusa, f"rows/{t2.pk}/result/"),
                {"result": "material", "note": "A new hosting provider raised the risk to the head-end."})
    assert RowResult.objects.get(row=t1).examined.get().document == document
    assert RowResult.objects.get(row=t2).result == "material"
    client.post(_url(vusa, "report/"), {"summary": "Two days on site; one material increase in risk."})
    assert client.post(_url(vusa, "report/issue/")).status_code == 302
    vusa.refresh_from_db()
    assert vusa.status == "report-issued"
    report = CioReport.objects.get(assessment=vusa)
    assert report.version == 1 and report.issued_by == cio
    pdf = client.get(f"/orgs/{vusa.organisation.slug}/assessments/{vusa.pk}/files/cio-report-v1.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    finding = Finding.objects.get(assessment=vusa)
    assert (finding.kind, finding.clause, finding.source) == ("material", "T2", "cio-report")

    # The User: the SSC's date, the response, an Approver's sign-off, then the response is sent.
    client.force_login(alice)
    overview = client.get(_url(vusa)).content.decode()
    assert "No response yet" in overview and "Before the response can go" in overview
    assert "cio-report-v1.pdf" in overview
    client.post(_url(vusa, "response/due/"), {"due": (timezone.localdate() + dt.timedelta(days=20)).isoformat()})
    finding.refresh_from_db()
    assert finding.response_due == timezone.localdate() + dt.timedelta(days=20)
    client.post(f"/orgs/{vusa.organisation.slug}/findings/{finding.pk}/response/",
                {"revision": str(finding.revision), "response": "A compensating control by March."})
    finding.refresh_from_db()
    client.force_login(dave)
    page = client.get(f"/orgs/{vusa.organisation.slug}/findings/{finding.pk}/").content.decode()
    assert "Sign off this response" in page
    revision = re.search(r'name="revision" value="(\d+)"', page.split("Sign off this response")[0][-400:]).group(1)
    client.post(f"/orgs/{vusa.organisation.slug}/findings/{finding.pk}/approve/", {"revision": revision})
    finding.refresh_from_db()
    assert finding.response_approved_by == dave
    client.force_login(alice)
    client.post(_url(vusa, "response/send/"), {"sent_on": _day(0)})
    vusa.refresh_from_db()
    assert vusa.status == "actions-requested"  # a VUSA with non-compliance left opens the remediation plan
    assert vusa.remediation_plans.exists()
    assert CioReport.objects.get(assessment=vusa).response_sent_on == timezone.localdate()


def test_an_approver_cannot_sign_off_a_response_changed_after_reading_it(client, vusa, alice, bob, dave, cio):
    helpers.conduct(vusa, owner=alice, cio=cio, results={"T1": ("potential", "Leaver reviews not evidenced.")})
    finding = Finding.objects.get(assessment=vusa)
    from secassure.review import remediation_actions as remediation

    finding = remediation.respond(finding, by=bob, response="First words.", revision=finding.revision)
    read = finding.revision
    remediation.respond(finding, by=bob, response="Second words.", revision=finding.revision)
    client.force_login(dave)
    client.post(f"/orgs/{vusa.organisation.slug}/findings/{finding.pk}/approve/", {"revision": str(read)})
    finding.refresh_from_db()
    assert finding.response_approved_by is None


def test_a_contributor_may_not_sign_off_or_send(client, vusa, alice, bob, cio):
    helpers.conduct(vusa, owner=alice, cio=cio, results={"T1": ("potential", "Leaver reviews not evidenced.")})
    finding = Finding.objects.get(assessment=vusa)
    client.force_login(bob)
    assert client.post(f"/orgs/{vusa.organisation.slug}/findings/{finding.pk}/approve/",
                       {"revision": str(finding.revision)}).status_code == 403
    assert client.post(_url(vusa, "response/send/"), {"sent_on": _day(0)}).status_code == 403
    vusa.refresh_from_db()
    assert vusa.status == "report-issued"


def test_the_user_cannot_write_the_cios_part(client, vusa, alice, bob, cio):
    from secassure.review import actions as review

    review.share(vusa, cio, by=alice)
    t1 = helpers.row(vusa, "T1")
    client.force_login(alice)
    client.post(_url(vusa, "fieldwork/"), {"start": _day(6), "end": _day(4)})
    client.post(_url(vusa, f"rows/{t1.pk}/result/"), {"result": "compliant"})
    client.post(_url(vusa, "report/"), {"summary": "Mine."})
    vusa.refresh_from_db()
    assert vusa.fieldwork_end is None and not RowResult.objects.exists() and not CioReport.objects.exists()


def test_a_written_response_not_yet_sent_is_still_awaited_past_the_ssc_date(vusa, alice, bob, cio):
    from secassure.review import fieldwork_actions as fieldwork
    from secassure.review import remediation_actions as remediation
    from secassure.review.attention import attention

    helpers.conduct(vusa, owner=alice, cio=cio, results={"T1": ("potential", "Leaver reviews not evidenced.")})
    report = fieldwork.set_response_due(vusa, by=alice, due=timezone.localdate() - dt.timedelta(days=1))
    finding = Finding.objects.get(assessment=vusa)
    remediation.respond(finding, by=bob, response="We will.", revision=finding.revision)
    late = attention(vusa.organisation, timezone.localdate())["responses_overdue"]
    assert [item["ref"] for item in late] == [finding.ref]  # written, but neither signed off nor sent
    assert report.response_due < timezone.localdate()


def _baselines(client, org) -> str:
    page = client.get(f"/orgs/{org.slug}/assessments/").content.decode()
    return re.search(r'<select name="baseline".*?</select>', page, re.S).group(0)


def test_a_vusa_the_cio_reported_on_is_offered_as_the_next_baseline(client, vusa, alice, cio):
    client.force_login(alice)
    assert "VUSA 2026" not in _baselines(client, vusa.organisation)  # in preparation: not finished
    helpers.conduct(vusa, owner=alice, cio=cio)
    assert f'<option value="{vusa.pk}">VUSA 2026</option>' in _baselines(client, vusa.organisation)
    client.post(f"/orgs/{vusa.organisation.slug}/assessments/",
                {"kind": "ssa", "title": "SSA 2027", "baseline": str(vusa.pk)})
    ssa = vusa.organisation.assessments.get(kind="ssa")
    assert ssa.baseline == vusa and ssa.rows.filter(carried_forward=True).count() == 2


def test_once_shared_the_fieldwork_dates_are_the_cios(vusa, alice, cio):
    from secassure.errors import ActionError
    from secassure.review import actions as review

    review.share(vusa, cio, by=alice)
    with pytest.raises(ActionError, match="the User CIO conducting the assessment records the fieldwork's dates"):
        assessment_actions.update_details(vusa, by=alice, fieldwork_end=timezone.localdate())
    assessment_actions.update_details(vusa, by=alice, title="VUSA 2026 (renamed)")  # the rest is still the User's
    assessment_actions.update_details(vusa, by=None, fieldwork_end=timezone.localdate())  # the operator corrects
    vusa.refresh_from_db()
    assert vusa.title == "VUSA 2026 (renamed)" and vusa.fieldwork_end == timezone.localdate()


def test_evidence_sent_on_request_asks_for_a_fresh_check(vusa, alice, bob, dave, cio, document):
    from secassure.review import actions as review

    t1 = helpers.row(vusa, "T1")
    t1 = assessment_actions.save_row(t1, by=bob, revision=t1.revision, status="compliant", narrative="Met")
    assessment_actions.check_item(t1, by=dave, revision=t1.revision)
    review.share(vusa, cio, by=alice)
    request = review.raise_query(vusa, t1, by=cio, text="The log.", purpose="evidence")
    review.reply(request, by=bob, text="Here.", document=document)
    t1.refresh_from_db()
    assert t1.checked_by is None and t1.links.filter(document=document).exists()


def test_a_revised_report_brings_its_findings_up_to_date(vusa, alice, bob, dave, cio):
    from secassure.audit.models import Event
    from secassure.review import fieldwork_actions as fieldwork
    from secassure.review import remediation_actions as remediation

    helpers.conduct(vusa, owner=alice, cio=cio, results={"T1": ("potential", "Not shown."),
                                                         "T2": ("actual", "No scan.")})
    t1_finding, t2_finding = Finding.objects.filter(assessment=vusa).order_by("clause")
    t2_finding = remediation.respond(t2_finding, by=bob, response="We will scan.", revision=t2_finding.revision)
    t2_finding = fieldwork.approve_response(t2_finding, by=dave, revision=t2_finding.revision)
    fieldwork.reopen_report(vusa, by=cio, reason="New evidence on both.")
    fieldwork.record_result(helpers.row(vusa, "T1"), by=cio, result="compliant")
    fieldwork.record_result(helpers.row(vusa, "T2"), by=cio, result="potential", note="A scan, unauthenticated.")
    fieldwork.issue_report(vusa, by=cio)
    t1_finding.refresh_from_db()
    t2_finding.refresh_from_db()
    assert t1_finding.status == "closed"  # withdrawn: nothing to respond to
    assert (t2_finding.kind, t2_finding.description) == ("potential", "A scan, unauthenticated.")
    assert t2_finding.response_approved_by is None  # the response answered the finding as it was
    revised = Event.objects.get(action="review.finding.revised")
    assert revised.before == {"kind": "actual", "description": "No scan."}
    issued = Event.objects.filter(action="review.cio_report.issued").latest("pk")
    assert issued.after["findings_withdrawn"] == [t1_finding.ref]
    assert issued.after["findings_revised"] == [t2_finding.ref]
    assert fieldwork.problems_before_sending(vusa) == [f"1 response is not signed off by an Approver: {t2_finding.ref}"]


@pytest.mark.parametrize(("kind", "after_response", "closes_with_assurance"), [
    ("fusa", "response-sent", True), ("follow-up", "response-sent", True),
    ("vusa", "actions-requested", False), ("cio-compliance", "actions-requested", False)])
def test_each_type_the_cio_conducts_runs_end_to_end(write, org_a, alice, bob, dave, kind, after_response,
                                                     closes_with_assurance):
    """Every type the rules say the CIO conducts takes the same steps to the report and the response;
    then a FUSA or follow-up waits for the assurance status, and a VUSA or formal assessment with
    non-compliance left opens the remediation plan."""
    from secassure.errors import ActionError
    from secassure.review import actions as review

    load_shipped_rules()
    helpers.tiny(write)
    helpers.hold(org_a, "import-supplier")
    cio = helpers.member(org_a, "morgan@cio.test", "cio-reviewer")
    assessment = assessment_actions.create_assessment(org_a, kind=kind, by=alice, title=f"{kind} 2026").assessment
    helpers.conduct(assessment, owner=alice, cio=cio, responder=bob, approver=dave,
                    results={"T2": ("potential", "Not shown.")})
    assert assessment.status == after_response
    with pytest.raises(ActionError, match="G8.22.*G8.24"):
        review.record_outcome(assessment, by=alice, decision="satisfactory", received_on=timezone.localdate())
    if closes_with_assurance:
        review.record_assurance(org_a, by=alice, assessment=assessment, name="Approved",
                                effective_date=timezone.localdate())
        assessment.refresh_from_db()
        assert assessment.status == "closed"
    else:
        assert assessment.remediation_plans.get().status == "draft"
        with pytest.raises(ActionError, match="assurance status"):
            review.record_assurance(org_a, by=alice, assessment=assessment, name="Approved",
                                    effective_date=timezone.localdate())
