"""The hand-offs of the CIO's work, the SSC's outcome, remediation and providers' documents: each step
tells exactly the people who now have something to do (never the person who acted, an Observer, a
member of another organisation, or a CIO reviewer the assessment is not shared with), its address
opens for each of them, and a refused step tells no one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from secassure.assessments import actions as assessment_actions
from secassure.errors import ActionError
from secassure.evidence import actions as evidence
from secassure.inbox.models import Notification
from secassure.profile.actions import add_provider
from secassure.review import actions as review
from secassure.review import fieldwork_actions as fieldwork
from secassure.review import remediation_actions as remediation
from secassure.tenancy.models import Membership
from tests.assessments import helpers
from tests.evidence import files
from tests.personas import persona
from tests.shipped import load_shipped_rules

TODAY = timezone.localdate
DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _no_mfa(settings):
    settings.SECASSURE_REQUIRE_MFA = False


@pytest.fixture
def other_cio(org_a):
    """A CIO reviewer of org A with whom nothing is shared."""
    return persona("other_cio", org_a)


@pytest.fixture
def everyone(alice, bob, carol, dave, olive, mallory, other_cio):
    """Org A's people in each role, org B's Owner, and a CIO reviewer without a share."""
    return {alice, bob, carol, dave, olive, mallory, other_cio}


@pytest.fixture
def org(write, db, org_a):
    load_shipped_rules()
    helpers.tiny(write)
    helpers.hold(org_a, "import-supplier")
    return org_a


@pytest.fixture
def ssa(org, everyone, alice, bob, dave):
    """A submitted SSA, its row T1 owned by Bob."""
    assessment = assessment_actions.create_assessment(org, kind="ssa", by=alice, title="SSA 2026").assessment
    assessment_actions.move(assessment, "preparation", by=bob)
    assessment_actions.assign_owner(assessment, [helpers.row(assessment, "T1").pk], bob, by=alice)
    return helpers.submit(assessment, maker=bob, checker=alice, approver=dave)


@pytest.fixture
def shared(ssa, alice, carol):
    review.share(ssa, carol, by=alice)
    ssa.refresh_from_db()
    return ssa


@pytest.fixture
def fusa(org, everyone, alice):
    return assessment_actions.create_assessment(org, kind="fusa", by=alice, title="FUSA 2026").assessment


@pytest.fixture
def fieldwork_under_way(fusa, alice, carol):
    review.share(fusa, carol, by=alice)
    fusa.refresh_from_db()
    return fusa


def ready(assessment, cio, results=None):
    """All the CIO needs to issue the report: dates, a result on every row, a summary."""
    fieldwork.record_fieldwork(assessment, by=cio, start=TODAY() - 5 * DAY, end=TODAY() - 3 * DAY)
    for item in helpers.rows_of(assessment):
        result, note = (results or {}).get(item.obligation.ref, ("compliant", ""))
        fieldwork.record_result(item, by=cio, result=result, note=note)
    fieldwork.write_report(assessment, by=cio, summary="Fieldwork on site; findings as listed.")


@pytest.fixture
def issued(fieldwork_under_way, carol):
    """The FUSA's report issued, finding T2 not compliant: one finding for the User to answer."""
    ready(fieldwork_under_way, carol, {"T2": ("actual", "No monitoring of the DCC interface.")})
    fieldwork.issue_report(fieldwork_under_way, by=carol)
    fieldwork_under_way.refresh_from_db()
    return fieldwork_under_way


def told(kind: str) -> set:
    return {n.recipient for n in Notification.objects.filter(kind=kind).select_related("recipient")}


def texts(kind: str) -> list[str]:
    """What the notifications of the kind said, each wording once, in the order they were written."""
    return list(dict.fromkeys(Notification.objects.filter(kind=kind).order_by("pk").values_list("text", flat=True)))


def opens_for_each(client, kind: str) -> None:
    """Every notification of the kind leads its recipient to a page they can open."""
    found = list(Notification.objects.filter(kind=kind).select_related("recipient"))
    assert found
    for n in found:
        client.force_login(n.recipient)
        assert client.get(n.url).status_code == 200, (n.recipient.email, n.url)


# --- 1. sharing with a CIO reviewer ------------------------------------------------------------------


def test_sharing_a_self_assessment_tells_the_reviewer_and_mails_them(django_capture_on_commit_callbacks, client,
                                                                    ssa, alice, carol):
    with django_capture_on_commit_callbacks(execute=True):
        review.share(ssa, carol, by=alice)
    assert told("shared") == {carol}
    assert texts("shared") == ["SSA 2026 shared with you for review"]
    assert [m.to for m in mail.outbox] == [[carol.email]]
    opens_for_each(client, "shared")


def test_sharing_an_assessment_the_cio_conducts_says_the_fieldwork_starts(client, fusa, alice, carol, other_cio):
    review.share(fusa, carol, by=alice)
    assert told("shared") == {carol}
    assert texts("shared") == ["FUSA 2026 shared with you: your fieldwork starts (G8.16)"]
    review.share(fusa, other_cio, by=alice)
    assert told("shared") == {carol, other_cio}
    assert "join the fieldwork under way" in texts("shared")[1]
    opens_for_each(client, "shared")


def test_a_refused_share_tells_no_one(ssa, bob, carol, alice):
    with pytest.raises(ActionError):
        review.share(ssa, carol, by=bob)
    with pytest.raises(ActionError):
        review.share(ssa, bob, by=alice)
    assert not Notification.objects.filter(kind="shared").exists()


# --- 2. queries and evidence requests ----------------------------------------------------------------


def test_a_query_goes_to_those_who_answer_and_the_rows_owner(client, shared, everyone, alice, bob, carol):
    review.raise_query(shared, helpers.row(shared, "T1"), by=carol, text="Show the alerts for March.")
    assert told("query-raised") == {alice, bob}  # not Carol who raised it, Dave, Olive, Mallory, the other CIO
    assert texts("query-raised") == ["The User CIO raised a query on T1 of SSA 2026: answer it"]
    opens_for_each(client, "query-raised")


def test_a_row_owner_whose_role_no_longer_lets_them_work_on_it_is_not_told(shared, alice, bob, carol):
    Membership.objects.filter(user=bob, organisation=shared.organisation).update(role="observer")
    review.raise_query(shared, helpers.row(shared, "T1"), by=carol, text="Show the alerts for March.")
    assert told("query-raised") == {alice}


def test_an_evidence_request_goes_to_those_who_answer(client, fieldwork_under_way, everyone, alice, bob, carol):
    review.raise_query(fieldwork_under_way, helpers.row(fieldwork_under_way, "T2"), by=carol,
                       text="The monitoring procedure, please.", purpose="evidence")
    assert told("evidence-requested") == {alice, bob}
    assert texts("evidence-requested") == [
        "The User CIO asks for evidence on T2 of FUSA 2026: send it from your register"]
    opens_for_each(client, "evidence-requested")


def test_a_query_from_a_reviewer_without_a_share_is_refused_and_tells_no_one(shared, other_cio, alice):
    for who in (other_cio, alice):
        with pytest.raises(ActionError, match="only a CIO reviewer"):
            review.raise_query(shared, helpers.row(shared, "T1"), by=who, text="?")
    assert not Notification.objects.filter(kind="query-raised").exists()


# --- 3. the User's answer -------------------------------------------------------------------------------


def test_the_users_answer_goes_to_the_cio_who_asked(client, shared, everyone, alice, bob, carol, other_cio):
    review.share(shared, other_cio, by=alice)
    query = review.raise_query(shared, helpers.row(shared, "T1"), by=carol, text="Show the alerts for March.")
    review.reply(query, by=bob, text="Attached to the row.")
    assert told("query-answered") == {carol}  # not the other CIO, though it is shared with them too
    assert texts("query-answered") == [
        "Your query on T1 of SSA 2026 is answered: read the answer and close the query or reply"]
    review.reply(query, by=other_cio, text="And April?")  # a CIO's reply answers nothing
    assert Notification.objects.filter(kind="query-answered").count() == 1
    opens_for_each(client, "query-answered")


def test_evidence_sent_goes_to_the_cio_who_asked_for_it(fieldwork_under_way, org, bob, carol):
    request = review.raise_query(fieldwork_under_way, helpers.row(fieldwork_under_way, "T2"), by=carol,
                                 text="The monitoring procedure, please.", purpose="evidence")
    procedure = evidence.add_document(org, title="Monitoring procedure", doc_type="procedure", by=None)
    evidence.add_version(procedure, chunks=[files.PDF], name="monitoring.pdf", by=None)
    review.reply(request, by=bob, text="Here it is.", document=procedure)
    assert told("query-answered") == {carol}
    assert texts("query-answered")[0].startswith("Evidence sent for your request on T2 of FUSA 2026")


def test_a_cio_whose_share_was_withdrawn_is_not_told(shared, alice, bob, carol):
    query = review.raise_query(shared, helpers.row(shared, "T1"), by=carol, text="Show the alerts for March.")
    review.revoke(shared.shares.get(reviewer=carol), by=alice)
    review.reply(query, by=bob, text="Attached to the row.")
    assert not Notification.objects.filter(kind="query-answered").exists()


def test_a_refused_answer_tells_no_one(shared, olive, carol):
    query = review.raise_query(shared, helpers.row(shared, "T1"), by=carol, text="Show the alerts for March.")
    with pytest.raises(ActionError, match="does not allow"):
        review.reply(query, by=olive, text="I only read.")
    assert not Notification.objects.filter(kind="query-answered").exists()


# --- 4. the CIO's final comments and report ------------------------------------------------------------


def test_final_comments_go_to_those_who_record_the_outcome(client, shared, everyone, alice, carol):
    review.finalise(shared, by=carol)
    assert told("report-issued") == {alice}
    assert texts("report-issued") == [
        "The User CIO's comments on SSA 2026 are final: send it to the SSC and record the SSC's outcome"]
    opens_for_each(client, "report-issued")


def test_final_comments_refused_while_a_query_is_open_tell_no_one(shared, carol):
    review.raise_query(shared, helpers.row(shared, "T1"), by=carol, text="Show the alerts for March.")
    with pytest.raises(ActionError, match="still open"):
        review.finalise(shared, by=carol)
    assert not Notification.objects.filter(kind="report-issued").exists()


def test_an_issued_report_goes_to_those_who_respond_and_send_the_response(client, issued, everyone, alice, bob):
    assert told("report-issued") == {alice, bob}  # Owners and Contributors; not the CIO, Dave or Olive
    assert texts("report-issued") == ["The User CIO's report on FUSA 2026 is issued: respond to its 1 finding (G8.24)"]
    opens_for_each(client, "report-issued")


def test_a_report_with_no_findings_goes_to_those_who_send_the_response(fieldwork_under_way, everyone, alice, carol):
    ready(fieldwork_under_way, carol)
    fieldwork.issue_report(fieldwork_under_way, by=carol)
    assert told("report-issued") == {alice}
    assert "finds no non-compliance: send the User's response" in texts("report-issued")[0]


def test_a_report_that_cannot_be_issued_tells_no_one(fieldwork_under_way, carol):
    with pytest.raises(ActionError, match="cannot be issued yet"):
        fieldwork.issue_report(fieldwork_under_way, by=carol)
    assert not Notification.objects.filter(kind="report-issued").exists()


# --- 5. the SSC's date for the response -------------------------------------------------------------------


def test_the_ssc_date_goes_to_those_who_manage_findings(client, issued, everyone, alice, bob):
    due = dt.date(2027, 3, 3)
    fieldwork.set_response_due(issued, by=alice, due=due)
    assert told("response-due") == {bob}
    assert texts("response-due") == ["The SSC wants the response to the User CIO's report on FUSA 2026 by 3 March 2027"]
    fieldwork.set_response_due(issued, by=alice, due=due)  # unchanged: no one is told again
    assert Notification.objects.filter(kind="response-due").count() == 1
    opens_for_each(client, "response-due")


def test_a_refused_ssc_date_tells_no_one(issued, bob):
    with pytest.raises(ActionError, match="does not allow"):
        fieldwork.set_response_due(issued, by=bob, due=dt.date(2027, 3, 3))
    assert not Notification.objects.filter(kind="response-due").exists()


# --- 6. a response for an Approver's sign-off -------------------------------------------------------------


def test_a_response_to_the_report_goes_to_the_approvers(client, issued, everyone, bob, dave):
    finding = issued.findings.get()
    remediation.respond(finding, by=bob, response="We will monitor the interface.", revision=finding.revision)
    assert told("response-to-approve") == {dave}
    assert texts("response-to-approve") == [f"The response to {finding.ref} (T2 of FUSA 2026) awaits your sign-off"]
    opens_for_each(client, "response-to-approve")


def test_a_response_with_no_sign_off_to_wait_for_tells_no_one(org, everyone, bob):
    own = remediation.add_finding(org, by=bob, kind="observation", description="Our own note.", source="self")
    remediation.respond(own, by=bob, response="Noted.", revision=own.revision)
    assert not Notification.objects.filter(kind="response-to-approve").exists()


def test_a_response_changed_after_the_users_response_went_tells_no_one(issued, alice, bob, dave):
    finding = issued.findings.get()
    finding = remediation.respond(finding, by=bob, response="We will monitor the interface.", revision=finding.revision)
    finding = fieldwork.approve_response(finding, by=dave, revision=finding.revision)
    fieldwork.send_response(issued, by=alice, sent_on=TODAY())
    Notification.objects.all().delete()
    remediation.respond(finding, by=bob, response="We monitor it daily.", revision=finding.revision)
    assert not Notification.objects.filter(kind="response-to-approve").exists()


def test_a_refused_response_tells_no_one(issued, olive):
    finding = issued.findings.get()
    with pytest.raises(ActionError, match="does not allow"):
        remediation.respond(finding, by=olive, response="I only read.", revision=finding.revision)
    assert not Notification.objects.filter(kind="response-to-approve").exists()


# --- 7. the SSC's outcome ------------------------------------------------------------------------------


@pytest.fixture
def final(shared, carol):
    review.finalise(shared, by=carol)
    shared.refresh_from_db()
    return shared


def test_an_outcome_goes_to_owners_approvers_and_the_reviewers_it_is_shared_with(client, final, everyone, alice,
                                                                                 carol, dave):
    review.record_outcome(final, by=alice, decision="actions", received_on=TODAY())
    assert told("outcome") == {carol, dave}  # not Alice who recorded it, Bob, Olive, Mallory, the other CIO
    by_person = {n.recipient: n for n in Notification.objects.filter(kind="outcome")}
    assert by_person[dave].text == ("The SSC's outcome on SSA 2026: actions requested; draft the remediation plan "
                                    "and have the director sign its letter")
    assert "/remediation/" in by_person[dave].url
    assert by_person[carol].text == "The SSC's outcome on SSA 2026, which you reviewed: actions requested"
    opens_for_each(client, "outcome")


def test_a_formal_cio_assessment_leads_to_the_new_assessment(client, final, alice, dave):
    outcome = review.record_outcome(final, by=alice, decision="cio-assessment", received_on=TODAY())
    notice = Notification.objects.get(kind="outcome", recipient=dave)
    assert f"/assessments/{outcome.follow_up.pk}/" in notice.url and outcome.follow_up.title in notice.text
    opens_for_each(client, "outcome")


def test_an_outcome_is_not_told_to_a_reviewer_whose_share_was_withdrawn(final, alice, carol, dave):
    review.revoke(final.shares.get(reviewer=carol), by=alice)
    review.record_outcome(final, by=alice, decision="satisfactory", received_on=TODAY())
    assert told("outcome") == {dave}
    assert texts("outcome") == ["The SSC's outcome on SSA 2026: satisfactory; the assessment is closed"]


def test_a_refused_outcome_tells_no_one(final, bob):
    with pytest.raises(ActionError, match="does not allow"):
        review.record_outcome(final, by=bob, decision="satisfactory", received_on=TODAY())
    assert not Notification.objects.filter(kind="outcome").exists()


# --- 8. a remediation action given to a person ----------------------------------------------------------


@pytest.fixture
def plan(final, alice):
    review.record_outcome(final, by=alice, decision="actions", received_on=TODAY())
    Notification.objects.all().delete()
    return final.remediation_plans.get()


def test_an_action_goes_to_its_owner(client, plan, everyone, alice, bob):
    action = remediation.add_action(plan, by=alice, description="Monitor the DCC interface.", owner=bob,
                                    target_date=dt.date(2027, 3, 31))
    assert told("action-assigned") == {bob}
    notice = Notification.objects.get(kind="action-assigned")
    assert notice.text == ("A remediation action after SSA 2026 is yours, due by 31 March 2027: "
                           "Monitor the DCC interface.")
    assert notice.url.endswith(f"#action-{action.pk}")
    opens_for_each(client, "action-assigned")


def test_an_action_given_to_someone_else_goes_to_them_and_nothing_else_does(org, plan, alice, bob):
    erin = persona("erin", org)
    action = remediation.add_action(plan, by=alice, description="Monitor the DCC interface.", owner=alice,
                                    target_date=dt.date(2027, 3, 31))
    assert not Notification.objects.exists()  # she gave it to herself
    action = remediation.update_action(action, by=alice, revision=action.revision, owner=erin)
    assert told("action-assigned") == {erin}
    action = remediation.update_action(action, by=alice, revision=action.revision, description="Monitor it daily.")
    action = remediation.update_action(action, by=alice, revision=action.revision, owner=erin)  # unchanged
    assert Notification.objects.count() == 1


def test_an_action_refused_tells_no_one(plan, alice, bob, olive, mallory):
    with pytest.raises(ActionError, match="does not allow"):
        remediation.add_action(plan, by=olive, description="Read it.", owner=bob, target_date=dt.date(2027, 3, 31))
    for owner in (olive, mallory):
        with pytest.raises(ActionError):
            remediation.add_action(plan, by=alice, description="Read it.", owner=owner,
                                   target_date=dt.date(2027, 3, 31))
    assert not Notification.objects.exists()


# --- 9. a provider's new version ------------------------------------------------------------------------


@pytest.fixture
def provided(org_a, everyone):
    """A document Northgate SRS maintains, with its first version, and their engineer."""
    provider = add_provider(org_a, name="Northgate SRS", kind="srp", by=None)
    document = evidence.add_document(org_a, title="SRP key management procedure", doc_type="procedure",
                                     provider=provider, by=None)
    evidence.add_version(document, chunks=[files.PDF], name="keys.pdf", by=None)
    engineer = persona("engineer", org_a)
    evidence.assign_provider_member(provider, engineer.membership, by=None)
    Notification.objects.all().delete()
    return {"document": document, "engineer": engineer}


def test_a_providers_version_goes_to_those_who_accept(django_capture_on_commit_callbacks, client, provided, alice,
                                                      dave):
    with django_capture_on_commit_callbacks(execute=True):
        evidence.add_version(provided["document"], chunks=[files.PDF + b"v2"], name="keys-v2.pdf",
                             by=provided["engineer"])
    assert told("version-to-accept") == {alice, dave}
    assert texts("version-to-accept") == [
        "Version 2 of SRP key management procedure, maintained by Northgate SRS, is uploaded: check it and "
        "record whether you accept it"]
    assert sorted(m.to[0] for m in mail.outbox) == [alice.email, dave.email]
    opens_for_each(client, "version-to-accept")


def test_a_version_uploaded_by_one_who_accepts_goes_to_the_others(provided, alice, dave):
    evidence.add_version(provided["document"], chunks=[files.PDF + b"v2"], name="keys-v2.pdf", by=alice)
    assert told("version-to-accept") == {dave}


def test_a_version_of_the_organisations_own_document_tells_no_one(org_a, everyone, bob):
    own = evidence.add_document(org_a, title="Board minutes", doc_type="record", by=None)
    evidence.add_version(own, chunks=[files.PDF], name="minutes.pdf", by=bob)
    assert not Notification.objects.exists()


def test_a_refused_version_tells_no_one(org_a, provided):
    own = evidence.add_document(org_a, title="Board minutes", doc_type="record", by=None)
    with pytest.raises(ActionError, match="does not allow"):
        evidence.add_version(own, chunks=[files.PDF], name="minutes.pdf", by=provided["engineer"])
    with pytest.raises(ActionError, match="empty"):
        evidence.add_version(provided["document"], chunks=[b""], name="keys-v2.pdf", by=provided["engineer"])
    assert not Notification.objects.exists()


# --- the hand-offs that close a loop ------------------------------------------------------------


def test_a_cios_follow_up_reply_tells_those_who_answer_again(client, shared, everyone, alice, bob, carol):
    query = review.raise_query(shared, helpers.row(shared, "T1"), by=carol, text="Show the alerts for March.")
    review.reply(query, by=bob, text="Attached to the row.")
    Notification.objects.all().delete()
    review.reply(query, by=carol, text="Please say which systems they cover.")
    assert told("query-raised") == {alice, bob}
    assert texts("query-raised") == ["The User CIO replied on T1 of SSA 2026: it is open again, answer it"]
    opens_for_each(client, "query-raised")


def test_the_last_response_signed_off_tells_those_who_send_it(client, issued, alice, bob, dave):
    finding = issued.findings.get()
    finding = remediation.respond(finding, by=bob, response="We will monitor the interface.", revision=finding.revision)
    Notification.objects.all().delete()
    fieldwork.approve_response(finding, by=dave, revision=finding.revision)
    assert told("response-due") == {alice}
    assert texts("response-due") == ["Every response to the CIO's report on FUSA 2026 is signed off: send the "
                                     "response to the SSC and the User CIO (G8.24)"]
    opens_for_each(client, "response-due")


def test_sending_the_response_tells_the_cio_and_the_status_tells_the_user(client, issued, org, alice, bob, carol,
                                                                          dave, olive, mallory):
    finding = issued.findings.get()
    finding = remediation.respond(finding, by=bob, response="We will monitor the interface.", revision=finding.revision)
    fieldwork.approve_response(finding, by=dave, revision=finding.revision)
    Notification.objects.all().delete()
    fieldwork.send_response(issued, by=alice, sent_on=TODAY())
    assert told("response-sent") == {carol}
    assert texts("response-sent")[0].startswith("Alpha Energy Ltd sent its response to your report on FUSA 2026 on ")
    opens_for_each(client, "response-sent")
    Notification.objects.all().delete()
    review.record_assurance(org, by=alice, name="Approved", effective_date=TODAY(), assessment=issued)
    assert told("outcome") == {dave}  # alice recorded it; olive and mallory may not act on it
    assert texts("outcome")[0].startswith("Alpha Energy Ltd's assurance status is Approved from ")
    opens_for_each(client, "outcome")
