"""An assessment the User CIO conducts (FUSA, VUSA): sharing starts the fieldwork, the User's own
sign-off and submission are refused, evidence requests, the CIO's dates, results and report, the
User's response and its sign-off, and what follows by type (a remediation plan, closure, or the
assurance status the Panel assigns). Who conducts each type comes from the shipped rules."""

import datetime as dt

import pytest
from django.utils import timezone

from secassure.assessments import actions as assessment_actions
from secassure.assessments.declaration import DECLARATION
from secassure.assessments.models import Assessment, EvidenceLink, RiskSnapshot, StatusChange
from secassure.audit.models import Event
from secassure.errors import ActionError
from secassure.evidence import actions as evidence
from secassure.review import actions
from secassure.review import fieldwork_actions as fieldwork
from secassure.review import remediation_actions as remediation
from secassure.review.models import (
    AssuranceRecord,
    CioReport,
    Finding,
    Outcome,
    QueryMessage,
    RemediationPlan,
    ReviewQuery,
    RowResult,
)
from secassure.tenancy import actions as tenancy
from tests.assessments import helpers
from tests.evidence import files
from tests.personas import persona
from tests.shipped import load_shipped_rules

TODAY = timezone.localdate
DAY = dt.timedelta(days=1)


@pytest.fixture
def rules(db):
    load_shipped_rules()


@pytest.fixture
def org(write, org_a):
    """Org A on the small test catalogue, holding the import-supplier role: rows T1 and T2."""
    helpers.tiny(write)
    helpers.hold(org_a, "import-supplier")
    return org_a


def create(org, kind, by, title=""):
    return assessment_actions.create_assessment(org, kind=kind, by=by, title=title or f"{kind} 2026").assessment


@pytest.fixture
def fusa(rules, org, alice):
    return create(org, "fusa", alice, "FUSA 2026")


@pytest.fixture
def vusa(rules, org, alice):
    return create(org, "vusa", alice, "VUSA 2026")


@pytest.fixture
def under_way(fusa, alice, carol):
    """The FUSA shared with Carol: the fieldwork is under way."""
    actions.share(fusa, carol, by=alice)
    fusa.refresh_from_db()
    return fusa


def document(org, title="Access Control Policy", *, versions=1):
    found = evidence.add_document(org, title=title, doc_type="policy", by=None)
    for _ in range(versions):
        evidence.add_version(found, chunks=[files.PDF], name="policy.pdf", by=None)
    return found


def events(name):
    return list(Event.objects.filter(action=name).order_by("pk"))


def count(name):
    return Event.objects.filter(action=name).count()


def ready(assessment, cio, results=None, summary="Fieldwork on site; findings as listed."):
    """Dates, a result on every row (``results``: ref -> (result, note), the rest compliant) and a
    drafted summary: all the CIO needs to issue the report."""
    fieldwork.record_fieldwork(assessment, by=cio, start=TODAY() - 5 * DAY, end=TODAY() - 3 * DAY)
    for item in helpers.rows_of(assessment):
        result, note = (results or {}).get(item.obligation.ref, ("compliant", ""))
        fieldwork.record_result(item, by=cio, result=result, note=note)
    fieldwork.write_report(assessment, by=cio, summary=summary)


def reload(assessment):
    return Assessment.objects.get(pk=assessment.pk)


# --- 1. sharing starts the fieldwork ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["fusa", "vusa"])
@pytest.mark.parametrize("start", ["draft", "preparation", "internal-review"])
def test_sharing_an_assessment_the_cio_conducts_starts_the_fieldwork(rules, org, alice, bob, carol, kind, start):
    assessment = create(org, kind, alice)
    if start != "draft":
        assessment_actions.move(assessment, "preparation", by=bob)
    if start == "internal-review":
        assessment_actions.move(assessment, "internal-review", by=bob)
    shared = count("review.shared")
    actions.share(assessment, carol, by=alice)
    assert reload(assessment).status == "fieldwork"
    change = StatusChange.objects.filter(assessment=assessment).order_by("pk").last()
    clause = {"fusa": "G8.16", "vusa": "G8.22"}[kind]
    assert (change.from_status, change.to_status, change.by) == (start, "fieldwork", alice)
    assert "carol@cio.test" in change.reason and clause in change.reason
    assert count("review.shared") == shared + 1
    assert events("review.shared")[-1].after == {"reviewer": "carol@cio.test", "conducted_by": "cio"}
    with pytest.raises(ActionError, match="already shared with carol@cio.test"):
        actions.share(assessment, carol, by=alice)
    assert count("review.shared") == shared + 1


def test_a_second_cio_joins_the_fieldwork_without_moving_it_again(under_way, alice, org_a):
    other = persona("other_cio", org_a)
    moves = under_way.status_changes.count()
    actions.share(under_way, other, by=alice)
    assert reload(under_way).status == "fieldwork" and under_way.status_changes.count() == moves


def test_an_ssa_is_still_shared_only_once_submitted(rules, org, alice, carol):
    ssa = create(org, "ssa", alice)
    with pytest.raises(ActionError, match="submit it first"):
        actions.share(ssa, carol, by=alice)
    assert reload(ssa).status == "draft" and not ssa.shares.exists() and not events("review.shared")


def test_without_rules_a_vusa_keeps_the_self_assessment_flow(org, alice, bob, carol, dave):
    vusa = create(org, "vusa", alice)
    with pytest.raises(ActionError, match="submit it first"):
        actions.share(vusa, carol, by=alice)
    assert reload(vusa).status == "draft"
    helpers.submit(vusa, maker=bob, checker=alice, approver=dave)
    assert reload(vusa).status == "submitted"
    actions.share(vusa, carol, by=alice)
    assert reload(vusa).status == "cio-review"
    assert events("review.shared")[-1].after == {"reviewer": "carol@cio.test"}


# --- 2. the User's own flow is refused -----------------------------------------------------------------


@pytest.mark.parametrize(("kind", "clause"), [("fusa", "G8.16"), ("vusa", "G8.22")])
def test_a_cio_led_assessment_is_not_sent_for_sign_off(rules, org, alice, bob, kind, clause):
    assessment = create(org, kind, alice)
    assessment_actions.move(assessment, "preparation", by=bob)
    helpers.fill(assessment, bob, alice)
    assessment_actions.move(assessment, "internal-review", by=bob)
    moves, logged = assessment.status_changes.count(), Event.objects.count()
    with pytest.raises(ActionError) as refused:
        assessment_actions.move(assessment, "sign-off", by=alice)
    message = str(refused.value)
    assert "conducted by the User CIO" in message and f"({clause})" in message
    assert "G8.22" in message and "G8.24" in message
    assert reload(assessment).status == "internal-review"
    assert assessment.status_changes.count() == moves and Event.objects.count() == logged


def test_a_vusa_already_at_sign_off_when_the_rules_arrive_is_not_submitted(org, alice, bob, dave):
    vusa = create(org, "vusa", alice)
    assessment_actions.move(vusa, "preparation", by=bob)
    helpers.fill(vusa, bob, alice)
    assessment_actions.move(vusa, "internal-review", by=bob)
    assessment_actions.move(vusa, "sign-off", by=alice)  # no rules yet: the old flow
    load_shipped_rules()
    logged = Event.objects.count()
    with pytest.raises(ActionError, match=r"Sign off and submit: not for this assessment.*G8\.22.*G8\.24"):
        assessment_actions.move(vusa, "submitted", by=dave, declaration=DECLARATION.version)
    found = reload(vusa)
    assert (found.status, found.submitted_at, found.submitted_by) == ("sign-off", None, None)
    assert Event.objects.count() == logged


def test_materiality_is_not_the_users_decision_on_a_vusa(vusa, dave):
    with pytest.raises(ActionError, match=r"User CIO identifies any material increase.*\(G8\.22\)"):
        assessment_actions.decide_materiality(vusa, by=dave, decision="material", reason="New hosting")
    found = reload(vusa)
    assert (found.decision, found.decision_reason, found.decided_by) == ("", "", None)
    assert not events("assessments.materiality.decided")


def test_materiality_is_still_decided_on_an_ssa(rules, org, alice, dave):
    ssa = create(org, "ssa", alice)
    assessment_actions.decide_materiality(ssa, by=dave, decision="material", reason="New hosting")
    found = reload(ssa)
    assert (found.decision, found.decided_by) == ("material", dave)
    assert [e.after for e in events("assessments.materiality.decided")] == [
        {"decision": "material", "reason": "New hosting"}]


def test_materiality_is_refused_on_a_fusa_too(fusa, dave):
    with pytest.raises(ActionError, match="has no materiality decision"):
        assessment_actions.decide_materiality(fusa, by=dave, decision="material", reason="New hosting")
    assert reload(fusa).decision == ""


# --- 3. evidence requests --------------------------------------------------------------------------------


def test_the_cio_asks_for_evidence_and_the_answer_is_linked_to_the_obligation(under_way, carol, bob):
    t1 = helpers.row(under_way, "T1")
    request = actions.raise_query(under_way, t1, by=carol, text="Send the access review records.",
                                  purpose="evidence")
    assert (request.purpose, request.status, request.row) == ("evidence", "open", t1)
    assert events("review.query.raised")[-1].after["purpose"] == "evidence"
    policy = document(under_way.organisation)

    actions.reply(request, by=bob, text="Attached.", document=policy)
    request.refresh_from_db()
    assert request.status == "answered"
    link = EvidenceLink.objects.get(assessment=under_way)
    assert (link.row_id, link.answer_id, link.document, link.added_by) == (t1.pk, None, policy, bob)
    [linked] = events("assessments.evidence.linked")
    assert linked.after == {"item": str(t1), "document": "Access Control Policy", "request": request.pk}
    assert events("review.query.replied")[-1].after["evidence"] == "Access Control Policy v1"

    actions.reply(request, by=bob, text="Attached again, as asked.", document=policy)
    assert EvidenceLink.objects.filter(assessment=under_way).count() == 1
    assert count("assessments.evidence.linked") == 1
    assert count("review.query.replied") == 2


def test_a_document_already_offered_on_the_obligation_is_not_linked_twice(under_way, carol, bob):
    t1 = helpers.row(under_way, "T1")
    policy = document(under_way.organisation)
    assessment_actions.link_evidence(t1, policy, by=bob)
    request = actions.raise_query(under_way, t1, by=carol, text="Send it.", purpose="evidence")
    actions.reply(request, by=bob, text="It is already there.", document=policy)
    assert EvidenceLink.objects.filter(assessment=under_way).count() == 1
    assert count("assessments.evidence.linked") == 1  # the User's own link, nothing more


def test_a_document_sent_in_answer_to_a_question_is_not_linked(under_way, carol, bob):
    t1 = helpers.row(under_way, "T1")
    query = actions.raise_query(under_way, t1, by=carol, text="Who reviews access?")
    assert query.purpose == "question"
    actions.reply(query, by=bob, text="See the policy.", document=document(under_way.organisation))
    assert not EvidenceLink.objects.exists() and not events("assessments.evidence.linked")


def test_evidence_is_requested_only_by_the_cio_on_an_obligation_during_the_fieldwork(under_way, carol, alice, bob,
                                                                                     org_a):
    t1, q1 = helpers.row(under_way, "T1"), helpers.answer(under_way, "Q1")
    with pytest.raises(ActionError, match="evidence is requested on an obligation"):
        actions.raise_query(under_way, q1, by=carol, text="Send it.", purpose="evidence")
    other = persona("other_cio", org_a)
    for person in (alice, bob, other):
        with pytest.raises(ActionError, match="only a CIO reviewer with whom the assessment is shared"):
            actions.raise_query(under_way, t1, by=person, text="Send it.", purpose="evidence")
    with pytest.raises(ActionError, match="'proof' is neither a query nor an evidence request"):
        actions.raise_query(under_way, t1, by=carol, text="Send it.", purpose="proof")
    assert not ReviewQuery.objects.exists() and not events("review.query.raised")

    ready(under_way, carol)
    fieldwork.issue_report(under_way, by=carol)
    with pytest.raises(ActionError, match="during the fieldwork"):
        actions.raise_query(under_way, t1, by=carol, text="One more thing.", purpose="evidence")
    assert not ReviewQuery.objects.exists()


def test_evidence_is_not_requested_while_reviewing_a_self_assessment(rules, org, alice, bob, carol, dave):
    ssa = helpers.submit(create(org, "ssa", alice), maker=bob, checker=alice, approver=dave)
    actions.share(ssa, carol, by=alice)
    ssa.refresh_from_db()
    with pytest.raises(ActionError, match="during the fieldwork of an assessment the CIO conducts"):
        actions.raise_query(ssa, helpers.row(ssa, "T1"), by=carol, text="Send it.", purpose="evidence")
    assert not ReviewQuery.objects.exists()


def test_evidence_from_another_organisations_register_is_refused(under_way, carol, bob, org_b):
    t1 = helpers.row(under_way, "T1")
    request = actions.raise_query(under_way, t1, by=carol, text="Send it.", purpose="evidence")
    theirs = document(org_b, "Bravo's policy")
    with pytest.raises(ActionError, match="not in this organisation's register"):
        actions.reply(request, by=bob, text="Here.", document=theirs)
    request.refresh_from_db()
    assert request.status == "open" and request.messages.count() == 1
    assert not EvidenceLink.objects.exists() and not events("assessments.evidence.linked")


# --- 4. the User's rows during the fieldwork ----------------------------------------------------------------


def test_the_user_brings_rows_up_to_date_during_the_fieldwork_but_not_once_reported(under_way, carol, bob):
    t1 = helpers.row(under_way, "T1")
    saved = assessment_actions.save_row(t1, by=bob, revision=t1.revision, status="compliant",
                                        narrative="Quarterly access reviews")
    assert reload(under_way).rows.get(pk=t1.pk).narrative == "Quarterly access reviews"
    link = assessment_actions.link_evidence(saved, document(under_way.organisation), by=bob)
    assert link.row_id == t1.pk

    ready(under_way, carol)
    fieldwork.issue_report(under_way, by=carol)
    t1 = helpers.row(reload(under_way), "T1")
    logged = Event.objects.count()
    with pytest.raises(ActionError, match="locked while it is CIO report issued"):
        assessment_actions.save_row(t1, by=bob, revision=t1.revision, narrative="Changed afterwards")
    with pytest.raises(ActionError, match="locked"):
        assessment_actions.link_evidence(t1, document(under_way.organisation, "Another"), by=bob)
    assert t1.narrative == "Quarterly access reviews" and under_way.links.count() == 1
    assert Event.objects.count() == logged + 2  # the second document's creation and version only


# --- 5. the fieldwork's dates --------------------------------------------------------------------------------


def test_the_cio_records_the_fieldwork_dates_once(under_way, carol):
    start, end = TODAY() - 10 * DAY, TODAY() - 8 * DAY
    revision = reload(under_way).revision
    fieldwork.record_fieldwork(under_way, by=carol, start=start, end=end)
    found = reload(under_way)
    assert (found.fieldwork_start, found.fieldwork_end, found.revision) == (start, end, revision + 1)
    [recorded] = events("review.fieldwork.recorded")
    assert recorded.before == {"fieldwork": [None, None]}
    assert recorded.after == {"fieldwork": [start.isoformat(), end.isoformat()]}
    fieldwork.record_fieldwork(found, by=carol, start=start, end=end)  # saved unchanged
    assert count("review.fieldwork.recorded") == 1 and reload(under_way).revision == revision + 1


def test_the_fieldwork_dates_are_the_cios_and_cannot_be_untrue(under_way, carol, alice, bob, dave, org_a):
    other = persona("other_cio", org_a)
    earlier = TODAY() - 5 * DAY
    for person in (alice, bob, dave, other):
        with pytest.raises(ActionError, match="only a CIO reviewer with whom the assessment is shared"):
            fieldwork.record_fieldwork(under_way, by=person, start=earlier, end=earlier)
    with pytest.raises(ActionError, match="the fieldwork's start .* is in the future"):
        fieldwork.record_fieldwork(under_way, by=carol, start=TODAY() + DAY, end=None)
    with pytest.raises(ActionError, match="the fieldwork's end .* is in the future"):
        fieldwork.record_fieldwork(under_way, by=carol, start=earlier, end=TODAY() + DAY)
    with pytest.raises(ActionError, match="the fieldwork ends before it starts"):
        fieldwork.record_fieldwork(under_way, by=carol, start=earlier, end=earlier - DAY)
    found = reload(under_way)
    assert (found.fieldwork_start, found.fieldwork_end) == (None, None)
    assert not events("review.fieldwork.recorded")


def test_the_fieldwork_dates_wait_for_the_share_and_end_with_it(fusa, alice, carol):
    with pytest.raises(ActionError, match="only a CIO reviewer with whom the assessment is shared"):
        fieldwork.record_fieldwork(fusa, by=carol, start=TODAY() - DAY, end=TODAY() - DAY)
    actions.share(fusa, carol, by=alice)
    fusa.refresh_from_db()
    actions.revoke(fusa.shares.get(), by=alice)
    with pytest.raises(ActionError, match="only a CIO reviewer with whom the assessment is shared"):
        fieldwork.record_fieldwork(fusa, by=carol, start=TODAY() - DAY, end=TODAY() - DAY)
    assert not events("review.fieldwork.recorded")


def test_the_fieldwork_dates_are_closed_once_the_response_is_sent(fusa, alice, bob, carol, dave):
    helpers.conduct(fusa, owner=alice, cio=carol, responder=bob, approver=dave)
    with pytest.raises(ActionError, match="until the User has responded to the report"):
        fieldwork.record_fieldwork(fusa, by=carol, start=TODAY() - 20 * DAY, end=TODAY() - 19 * DAY)
    assert reload(fusa).fieldwork_end == TODAY() - 3 * DAY and count("review.fieldwork.recorded") == 1


# --- 6. results ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("result", "note"), [
    ("compliant", ""), ("actual", "No quarterly review of privileged access"),
    ("potential", "The review relies on one person"), ("material", "New offshore hosting since the FUSA"),
])
def test_every_result_is_recorded_on_a_vusa(vusa, alice, carol, result, note):
    actions.share(vusa, carol, by=alice)
    vusa.refresh_from_db()
    t1 = helpers.row(vusa, "T1")
    found = fieldwork.record_result(t1, by=carol, result=result, note=note)
    stored = RowResult.objects.get(row=t1)
    assert (stored.pk, stored.assessment, stored.result, stored.note, stored.recorded_by, stored.revision) == (
        found.pk, vusa, result, note, carol, 1)
    [recorded] = events("review.result.recorded")
    assert recorded.before is None
    assert recorded.after == {"obligation": "T1", "result": result, "note": note, "examined": []}


def test_a_material_increase_is_what_a_vusa_reports_not_a_fusa(under_way, carol):
    with pytest.raises(ActionError, match=r"what a VUSA reports \(G8\.22\)"):
        fieldwork.record_result(helpers.row(under_way, "T1"), by=carol, result="material", note="New hosting")
    assert not RowResult.objects.exists() and not events("review.result.recorded")


@pytest.mark.parametrize("result", ["actual", "potential"])
def test_a_non_compliant_result_says_what_was_found(under_way, carol, result):
    with pytest.raises(ActionError, match="T1: say what was found"):
        fieldwork.record_result(helpers.row(under_way, "T1"), by=carol, result=result, note="  ")
    with pytest.raises(ActionError, match="'fine' is not a result"):
        fieldwork.record_result(helpers.row(under_way, "T1"), by=carol, result="fine")
    assert not RowResult.objects.exists()


def test_results_are_the_cios_alone(under_way, alice, bob, org_a):
    other = persona("other_cio", org_a)
    for person in (alice, bob, other, None):
        with pytest.raises(ActionError, match="only a CIO reviewer"):
            fieldwork.record_result(helpers.row(under_way, "T1"), by=person, result="compliant")
    assert not RowResult.objects.exists()


def test_the_evidence_examined_is_what_the_user_offered_on_that_obligation(under_way, carol, bob, org_b):
    t1, t2 = helpers.row(under_way, "T1"), helpers.row(under_way, "T2")
    on_t2 = document(under_way.organisation, "Monitoring procedure")
    assessment_actions.link_evidence(t2, on_t2, by=bob)
    with pytest.raises(ActionError, match="Monitoring procedure: not offered as evidence on T1"):
        fieldwork.record_result(t1, by=carol, result="compliant", examined=[on_t2])
    theirs = document(org_b, "Bravo's policy")
    with pytest.raises(ActionError, match="not offered as evidence on T1"):
        fieldwork.record_result(t1, by=carol, result="compliant", examined=[theirs])
    empty = document(under_way.organisation, "Empty record", versions=0)
    assessment_actions.link_evidence(t1, empty, by=bob)
    with pytest.raises(ActionError, match="'Empty record' has no version uploaded yet"):
        fieldwork.record_result(t1, by=carol, result="compliant", examined=[empty])
    assert not RowResult.objects.exists() and not events("review.result.recorded")


def test_the_versions_examined_are_kept_as_they_were_when_the_result_was_recorded(under_way, carol, bob):
    t1 = helpers.row(under_way, "T1")
    policy = document(under_way.organisation, versions=2)
    assessment_actions.link_evidence(t1, policy, by=bob)
    found = fieldwork.record_result(t1, by=carol, result="compliant", examined=[policy])
    evidence.add_version(policy, chunks=[files.PDF], name="policy-v3.pdf", by=None)
    assert [v.number for v in RowResult.objects.get(pk=found.pk).examined.all()] == [2]
    assert events("review.result.recorded")[-1].after["examined"] == ["Access Control Policy v2"]


def test_recording_the_same_result_again_changes_nothing_and_a_change_is_logged(under_way, carol, bob):
    t1 = helpers.row(under_way, "T1")
    policy = document(under_way.organisation)
    assessment_actions.link_evidence(t1, policy, by=bob)
    fieldwork.record_result(t1, by=carol, result="potential", note="One reviewer", examined=[policy])
    again = fieldwork.record_result(t1, by=carol, result="potential", note="One reviewer", examined=[policy])
    assert again.revision == 1 and count("review.result.recorded") == 1

    changed = fieldwork.record_result(t1, by=carol, result="actual", note="No review at all")
    assert (changed.revision, RowResult.objects.get(row=t1).result) == (2, "actual")
    assert list(changed.examined.all()) == []
    last = events("review.result.recorded")[-1]
    assert last.before == {"result": "potential", "note": "One reviewer", "examined": ["Access Control Policy v1"]}
    assert last.after == {"obligation": "T1", "result": "actual", "note": "No review at all", "examined": []}
    assert RowResult.objects.count() == 1


# --- 7. the report -----------------------------------------------------------------------------------------------


def test_the_report_waits_for_results_dates_summary_and_closed_queries(under_way, carol):
    query = actions.raise_query(under_way, helpers.row(under_way, "T1"), by=carol, text="Send it.",
                                purpose="evidence")
    logged = Event.objects.count()
    with pytest.raises(ActionError) as refused:
        fieldwork.issue_report(under_way, by=carol)
    message = str(refused.value)
    assert "2 obligations have no result yet: T1, T2" in message
    assert "1 query or evidence request is still open" in message
    assert "record the fieldwork's dates" in message and "write the report's summary" in message
    assert reload(under_way).status == "fieldwork" and Event.objects.count() == logged
    assert not CioReport.objects.exists() and not Finding.objects.exists()

    ready(under_way, carol)
    assert fieldwork.problems_before_issue(under_way) == [
        "1 query or evidence request is still open: close them first"]
    actions.close_query(query, by=carol)
    assert fieldwork.problems_before_issue(under_way) == []


def test_the_cio_drafts_the_report_as_often_as_they_like(under_way, carol, alice):
    with pytest.raises(ActionError, match="write the report's summary"):
        fieldwork.write_report(under_way, by=carol, summary="   ")
    with pytest.raises(ActionError, match="only a CIO reviewer"):
        fieldwork.write_report(under_way, by=alice, summary="Looks fine")
    first = fieldwork.write_report(under_way, by=carol, summary="Two days on site.")
    assert (first.version, first.issued, first.written_by) == (1, False, carol)
    fieldwork.write_report(under_way, by=carol, summary="Two days on site.")
    second = fieldwork.write_report(under_way, by=carol, summary="Three days on site.")
    assert (second.pk, CioReport.objects.get().summary) == (first.pk, "Three days on site.")
    drafted = events("review.cio_report.drafted")
    assert [(e.before, e.after) for e in drafted] == [
        (None, {"version": 1, "summary": "Two days on site."}),
        ({"summary": "Two days on site."}, {"version": 1, "summary": "Three days on site."})]


def test_issuing_the_report_raises_a_finding_per_non_compliance_and_pins_what_was_seen(under_way, org_a, alice, bob,
                                                                                       carol):
    t1 = helpers.row(under_way, "T1")
    policy = document(org_a)
    assessment_actions.link_evidence(t1, policy, by=bob)
    assessment_actions.add_risk(org_a, by=alice, title="Lost laptop", inherent_likelihood=2, inherent_impact=2,
                                residual_likelihood=1, residual_impact=1)
    ready(under_way, carol, {"T1": ("actual", "No quarterly review of privileged access")})
    evidence.add_version(policy, chunks=[files.PDF], name="policy-v2.pdf", by=None)

    report = fieldwork.issue_report(under_way, by=carol)
    found = reload(under_way)
    assert found.status == "report-issued"
    change = found.status_changes.order_by("pk").last()
    assert (change.from_status, change.to_status, change.by, change.reason) == (
        "fieldwork", "report-issued", carol, "User Security Assessment Report v1")
    report.refresh_from_db()
    assert (report.version, report.issued_by, report.issued) == (1, carol, True)
    assert report.results == [
        {"ref": "T1", "title": "For every party and role", "result": "actual", "result_label": "Actual non-compliance",
         "note": "No quarterly review of privileged access", "examined": []},
        {"ref": "T2", "title": "Large import suppliers", "result": "compliant", "result_label": "Compliant",
         "note": "", "examined": []}]
    assert [link.version.number for link in found.links.all()] == [2]
    assert list(RiskSnapshot.objects.filter(assessment=found).values_list("data__title", flat=True)) == [
        "Lost laptop"]
    [finding] = Finding.objects.all()
    assert (finding.ref, finding.source, finding.clause, finding.kind, finding.description, finding.assessment,
            finding.status, finding.organisation) == (
        "F-001", "cio-report", "T1", "actual", "No quarterly review of privileged access", found, "open", org_a)
    [issued] = events("review.cio_report.issued")
    assert issued.after == {"version": 1, "results": 2, "findings_raised": ["F-001"], "non_compliant": ["T1"]}
    assert count("review.finding.added") == 1
    with pytest.raises(ActionError, match="during the fieldwork"):
        fieldwork.issue_report(found, by=carol)
    assert count("review.cio_report.issued") == 1


def test_a_revised_report_is_a_new_version_and_raises_only_new_findings(under_way, alice, carol):
    ready(under_way, carol, {"T1": ("actual", "No quarterly review")}, summary="First look.")
    first = fieldwork.issue_report(under_way, by=carol)
    fieldwork.set_response_due(under_way, by=alice, due=TODAY() + 30 * DAY)
    first.refresh_from_db()
    issued_v1 = (first.summary, first.results, first.issued_at, first.issued_by)

    with pytest.raises(ActionError, match="say why the report is revised"):
        fieldwork.reopen_report(under_way, by=carol, reason=" ")
    with pytest.raises(ActionError, match="only a CIO reviewer"):
        fieldwork.reopen_report(under_way, by=alice, reason="Typo")
    assert reload(under_way).status == "report-issued" and CioReport.objects.count() == 1

    fieldwork.reopen_report(under_way, by=carol, reason="T2's sampling was incomplete")
    found = reload(under_way)
    assert found.status == "fieldwork"
    assert found.status_changes.order_by("pk").last().reason == "T2's sampling was incomplete"
    draft = CioReport.objects.get(version=2)
    assert (draft.summary, draft.issued, draft.written_by) == ("First look.", False, carol)
    [reopened] = events("review.cio_report.reopened")
    assert (reopened.reason, reopened.after) == ("T2's sampling was incomplete", {"next_version": 2})
    with pytest.raises(ActionError, match="only an issued report"):
        fieldwork.reopen_report(found, by=carol, reason="Again")

    fieldwork.record_result(helpers.row(found, "T2"), by=carol, result="potential", note="Sampling too small")
    fieldwork.write_report(found, by=carol, summary="Second look.")
    second = fieldwork.issue_report(found, by=carol)
    assert reload(under_way).status == "report-issued"
    assert (second.version, second.response_due) == (2, TODAY() + 30 * DAY)
    assert list(Finding.objects.order_by("ref").values_list("ref", "clause", "kind", "response_due")) == [
        ("F-001", "T1", "actual", TODAY() + 30 * DAY), ("F-002", "T2", "potential", TODAY() + 30 * DAY)]
    assert events("review.cio_report.issued")[-1].after["findings_raised"] == ["F-002"]
    first.refresh_from_db()
    assert (first.summary, first.results, first.issued_at, first.issued_by) == issued_v1
    assert [r["result"] for r in first.results] == ["actual", "compliant"]
    assert fieldwork.issued_report(found).version == 2


# --- 8. the User's response --------------------------------------------------------------------------------------


@pytest.fixture
def reported(fusa, alice, carol):
    """The FUSA with the CIO's report issued: F-001 (actual, T1)."""
    return helpers.conduct(fusa, owner=alice, cio=carol, results={"T1": ("actual", "No quarterly review")})


def test_the_owner_records_the_sscs_date_for_the_response(reported, alice, bob, carol, dave):
    due = TODAY() + 20 * DAY
    for person in (bob, dave, carol):
        with pytest.raises(ActionError, match="does not allow this"):
            fieldwork.set_response_due(reported, by=person, due=due)
    with pytest.raises(ActionError, match="give the date the SSC set"):
        fieldwork.set_response_due(reported, by=alice, due=None)
    assert not events("review.response.due_set")
    revision = Finding.objects.get().revision

    report = fieldwork.set_response_due(reported, by=alice, due=due)
    assert (report.response_due, CioReport.objects.get().response_due) == (due, due)
    finding = Finding.objects.get()
    assert (finding.response_due, finding.revision) == (due, revision + 1)
    [set_] = events("review.response.due_set")
    assert (set_.before, set_.after) == ({"response_due": None},
                                         {"response_due": due.isoformat(), "findings": [finding.ref]})
    fieldwork.set_response_due(reported, by=alice, due=due)
    assert count("review.response.due_set") == 1 and Finding.objects.get().revision == revision + 1


def test_the_date_for_the_response_waits_for_the_issued_report(under_way, alice):
    with pytest.raises(ActionError, match="once the CIO has issued the report"):
        fieldwork.set_response_due(under_way, by=alice, due=TODAY())
    assert not events("review.response.due_set")


def test_an_approver_signs_off_each_response_as_it_stands(reported, alice, bob, dave, org_a):
    finding = Finding.objects.get()
    with pytest.raises(ActionError, match="F-001 has no management response to sign off yet"):
        fieldwork.approve_response(finding, by=dave, revision=finding.revision)
    finding = remediation.respond(finding, by=bob, response="Quarterly reviews from April.", revision=finding.revision)
    for person in (alice, bob):
        with pytest.raises(ActionError, match="does not allow this"):
            fieldwork.approve_response(finding, by=person, revision=finding.revision)
    with pytest.raises(ActionError, match="F-001's response was changed after you opened it"):
        fieldwork.approve_response(finding, by=dave, revision=finding.revision - 1)
    assert Finding.objects.get().response_approved_by is None and not events("review.response.approved")

    approved = fieldwork.approve_response(finding, by=dave, revision=finding.revision)
    stored = Finding.objects.get()
    assert (stored.response_approved_by, stored.revision) == (dave, finding.revision + 1)
    assert stored.response_approved_at is not None and approved.revision == stored.revision
    [event] = events("review.response.approved")
    assert event.after == {"ref": "F-001", "response": "Quarterly reviews from April.", "approved_by": dave.email}
    with pytest.raises(ActionError, match="already signed off"):
        fieldwork.approve_response(stored, by=dave, revision=stored.revision)
    assert count("review.response.approved") == 1


def test_the_person_who_wrote_a_response_does_not_sign_it_off(reported, alice, bob):
    finding = Finding.objects.get()
    finding = remediation.respond(finding, by=bob, response="We will fix it.", revision=finding.revision)
    tenancy.change_role(bob.memberships.get(), "approver", by=alice)  # Bob is made a director later
    with pytest.raises(ActionError, match="you wrote this response; another Approver must sign it off"):
        fieldwork.approve_response(finding, by=bob, revision=finding.revision)
    assert Finding.objects.get().response_approved_by is None


def test_a_changed_response_needs_signing_off_again(reported, alice, bob, dave):
    finding = Finding.objects.get()
    finding = remediation.respond(finding, by=bob, response="We will fix it.", revision=finding.revision)
    finding = fieldwork.approve_response(finding, by=dave, revision=finding.revision)
    same = remediation.respond(finding, by=bob, response="We will fix it.", revision=finding.revision)
    assert same.response_approved_by == dave  # saved unchanged: still signed off
    changed = remediation.respond(same, by=bob, response="We will fix it by June.", revision=same.revision)
    stored = Finding.objects.get()
    assert (changed.response_approved_by, stored.response_approved_by, stored.response_approved_at) == (
        None, None, None)
    assert events("review.finding.responded")[-1].before["approved_by"] == dave.email
    with pytest.raises(ActionError, match="not signed off by an Approver: F-001"):
        fieldwork.send_response(reported, by=alice, sent_on=TODAY())
    assert reload(reported).status == "report-issued"


def test_the_response_goes_only_when_every_finding_is_answered_and_signed_off(fusa, alice, bob, carol, dave):
    helpers.conduct(fusa, owner=alice, cio=carol, results={"T1": ("actual", "No review"),
                                                           "T2": ("potential", "One reviewer")})
    f1, f2 = Finding.objects.order_by("ref")
    with pytest.raises(ActionError, match="2 findings have no management response: F-001, F-002"):
        fieldwork.send_response(fusa, by=alice, sent_on=TODAY())
    f1 = remediation.respond(f1, by=bob, response="Reviews from April.", revision=f1.revision)
    with pytest.raises(ActionError) as refused:
        fieldwork.send_response(fusa, by=alice, sent_on=TODAY())
    assert "1 finding has no management response: F-002" in str(refused.value)
    assert "1 response is not signed off by an Approver: F-001" in str(refused.value)
    fieldwork.approve_response(f1, by=dave, revision=f1.revision)
    f2 = remediation.respond(f2, by=bob, response="A second reviewer.", revision=f2.revision)
    fieldwork.approve_response(f2, by=dave, revision=f2.revision)
    for person in (bob, dave, carol):
        with pytest.raises(ActionError, match="does not allow this"):
            fieldwork.send_response(fusa, by=person, sent_on=TODAY())
    with pytest.raises(ActionError, match="the date the response was sent .* is in the future"):
        fieldwork.send_response(fusa, by=alice, sent_on=TODAY() + DAY)
    with pytest.raises(ActionError, match="give the date the response was sent"):
        fieldwork.send_response(fusa, by=alice, sent_on=None)
    assert reload(fusa).status == "report-issued" and CioReport.objects.get().response_sent_on is None
    assert not events("review.response.sent")

    fieldwork.send_response(fusa, by=alice, sent_on=TODAY())
    found = reload(fusa)
    assert found.status == "response-sent" and not RemediationPlan.objects.exists()
    assert CioReport.objects.get().response_sent_on == TODAY()
    [sent] = events("review.response.sent")
    assert sent.after == {"sent_on": TODAY().isoformat(), "due": None, "late": False,
                          "responses": {"F-001": "Reviews from April.", "F-002": "A second reviewer."}, "plan": None}
    with pytest.raises(ActionError, match="the response has already been sent"):
        fieldwork.send_response(found, by=alice, sent_on=TODAY())
    assert count("review.response.sent") == 1


def test_a_response_sent_after_the_sscs_date_is_late(reported, alice, bob, dave):
    fieldwork.set_response_due(reported, by=alice, due=TODAY() - 2 * DAY)
    finding = Finding.objects.get()
    finding = remediation.respond(finding, by=bob, response="We will fix it.", revision=finding.revision)
    fieldwork.approve_response(finding, by=dave, revision=finding.revision)
    fieldwork.send_response(reported, by=alice, sent_on=TODAY())
    assert events("review.response.sent")[-1].after["late"] is True


def test_after_a_vusa_non_compliance_that_remains_opens_a_remediation_plan(vusa, alice, bob, carol, dave):
    helpers.conduct(vusa, owner=alice, cio=carol, responder=bob, approver=dave,
                    results={"T2": ("material", "New offshore hosting")})
    found = reload(vusa)
    assert found.status == "actions-requested"
    assert list(found.status_changes.order_by("pk").values_list("to_status", flat=True))[-3:] == [
        "report-issued", "response-sent", "actions-requested"]
    plan = RemediationPlan.objects.get(assessment=found)
    assert (plan.status, plan.version) == ("draft", 1)
    assert Finding.objects.get().kind == "material"
    assert events("review.response.sent")[-1].after["plan"] == plan.pk
    assert count("review.plan.opened") == 1


def test_after_a_vusa_with_nothing_found_the_assessment_closes(vusa, alice, bob, carol, dave):
    helpers.conduct(vusa, owner=alice, cio=carol, responder=bob, approver=dave)
    found = reload(vusa)
    assert found.status == "closed" and not RemediationPlan.objects.exists() and not Finding.objects.exists()
    assert list(found.status_changes.order_by("pk").values_list("to_status", flat=True))[-2:] == [
        "response-sent", "closed"]



def test_while_the_report_is_revised_the_response_is_not_said_to_be_sent(reported, alice, carol):
    fieldwork.reopen_report(reported, by=carol, reason="T2's sample was too small")
    with pytest.raises(ActionError) as refused:
        fieldwork.send_response(reload(reported), by=alice, sent_on=TODAY())
    assert "already been sent" not in str(refused.value), "no response has been sent: the report is being revised"
    assert reload(reported).status == "fieldwork" and CioReport.objects.get(version=1).response_sent_on is None
    assert not events("review.response.sent")


def test_a_non_compliance_the_revised_report_withdraws_calls_for_no_response_and_no_plan(vusa, alice, carol):
    """The report in force is the latest issued: a finding raised from v1 on an obligation v2 finds
    compliant is not in it, so the User has nothing to answer and no non-compliance remains."""
    helpers.conduct(vusa, owner=alice, cio=carol, results={"T1": ("actual", "No quarterly review")})
    fieldwork.reopen_report(vusa, by=carol, reason="The quarterly reviews were found after all")
    found = reload(vusa)
    fieldwork.record_result(helpers.row(found, "T1"), by=carol, result="compliant")
    fieldwork.write_report(found, by=carol, summary="Everything met.")
    report = fieldwork.issue_report(found, by=carol)
    assert [r["result"] for r in report.results] == ["compliant", "compliant"]
    fieldwork.send_response(reload(vusa), by=alice, sent_on=TODAY())
    assert reload(vusa).status == "closed" and not RemediationPlan.objects.exists()

# --- 9. what follows, by type --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "respond", "status"), [
    ("fusa", False, "report-issued"), ("fusa", True, "response-sent"),
    ("vusa", False, "report-issued"), ("vusa", True, "actions-requested"),
])
def test_the_sscs_self_assessment_outcomes_are_not_for_an_assessment_the_cio_conducts(rules, org, alice, bob, carol,
                                                                                      dave, kind, respond, status):
    assessment = create(org, kind, alice)
    helpers.conduct(assessment, owner=alice, cio=carol, results={"T1": ("actual", "No review")},
                    **({"responder": bob, "approver": dave} if respond else {}))
    assert reload(assessment).status == status
    logged = Event.objects.count()
    for decision in ("satisfactory", "actions", "cio-assessment"):
        with pytest.raises(ActionError) as refused:
            actions.record_outcome(assessment, by=alice, decision=decision, received_on=TODAY())
        assert "G8.22" in str(refused.value) and "G8.24" in str(refused.value)
    assert not Outcome.objects.exists() and reload(assessment).status == status
    assert Event.objects.count() == logged


def test_the_sscs_outcome_still_follows_a_self_assessment(rules, org, alice, bob, carol, dave):
    ssa = helpers.submit(create(org, "ssa", alice), maker=bob, checker=alice, approver=dave)
    actions.share(ssa, carol, by=alice)
    actions.finalise(ssa, by=carol)
    outcome = actions.record_outcome(ssa, by=alice, decision="satisfactory", received_on=TODAY())
    assert (outcome.decision, reload(ssa).status) == ("satisfactory", "closed")
    assert count("review.outcome.recorded") == 1


def test_the_assurance_status_waits_for_the_response(reported, org_a, alice):
    with pytest.raises(ActionError, match="record that the response was sent to the SSC first"):
        actions.record_assurance(org_a, by=alice, name="Approved", effective_date=TODAY(), assessment=reported)
    assert not AssuranceRecord.objects.exists() and reload(reported).status == "report-issued"
    assert not events("review.assurance.recorded")


def test_approved_closes_a_fusa(fusa, org_a, alice, bob, carol, dave):
    helpers.conduct(fusa, owner=alice, cio=carol, responder=bob, approver=dave)
    record = actions.record_assurance(org_a, by=alice, name="Approved", effective_date=TODAY(), assessment=fusa)
    found = reload(fusa)
    assert (record.status, record.follow_up, found.status) == ("approved", None, "closed")
    change = found.status_changes.order_by("pk").last()
    assert (change.from_status, change.to_status, change.reason) == ("response-sent", "closed",
                                                                     "assurance status: Approved")
    assert not org_a.assessments.filter(kind="follow-up").exists()
    [event] = events("review.assurance.recorded")
    assert event.after["follow_up"] is None


@pytest.mark.parametrize(("name", "on", "status"), [("Deferred", dt.date(2021, 3, 1), "deferred"),
                                                    ("Rejected", dt.date(2022, 5, 1), "rejected")])
def test_deferred_or_rejected_calls_for_a_follow_up_assessment(fusa, org_a, alice, bob, carol, dave, name, on,
                                                                status):
    helpers.conduct(fusa, owner=alice, cio=carol, responder=bob, approver=dave)
    record = actions.record_assurance(org_a, by=alice, name=name, effective_date=on, assessment=fusa)
    follow_up = org_a.assessments.get(kind="follow-up")
    assert (record.status, record.follow_up, reload(fusa).status) == (status, follow_up, "closed")
    assert (follow_up.baseline, follow_up.status, follow_up.catalogue) == (fusa, "draft", fusa.catalogue)
    assert follow_up.rows.count() == fusa.rows.count()
    assert events("review.assurance.recorded")[-1].after["follow_up"] == follow_up.pk


def test_a_vusa_has_no_assurance_status(vusa, org_a, alice, bob, carol, dave):
    helpers.conduct(vusa, owner=alice, cio=carol, responder=bob, approver=dave)
    with pytest.raises(ActionError, match="after a FUSA or a follow-up assessment, not after a Verification"):
        actions.record_assurance(org_a, by=alice, name="Approved", effective_date=TODAY(), assessment=vusa)
    assert not AssuranceRecord.objects.exists() and reload(vusa).status == "closed"


def test_a_vusa_reviewed_as_a_self_assessment_before_the_rules_arrived_still_gets_its_outcome(org, alice, bob, carol,
                                                                                              dave):
    """A VUSA that went the old way (submitted, reviewed, CIO comments final) before the rules naming
    the CIO as its conductor were loaded has no report to answer: the SSC's decision on it must
    still be recordable, or it can never be closed."""
    vusa = helpers.submit(create(org, "vusa", alice), maker=bob, checker=alice, approver=dave)
    actions.share(vusa, carol, by=alice)
    actions.finalise(vusa, by=carol)
    load_shipped_rules()
    outcome = actions.record_outcome(vusa, by=alice, decision="satisfactory", received_on=TODAY())
    assert (outcome.decision, reload(vusa).status) == ("satisfactory", "closed")


# --- 10. one event per step ------------------------------------------------------------------------------------------


def test_each_step_writes_one_event_of_its_own(vusa, alice, bob, carol, dave):
    def step(name, run):
        before = {n: count(n) for n in STEPS}
        result = run()
        after = {n: count(n) for n in STEPS}
        assert after[name] == before[name] + 1, name
        assert {n for n in STEPS if after[n] != before[n]} == {name}, name
        return result

    t1 = helpers.row(vusa, "T1")
    policy = document(vusa.organisation)
    step("review.shared", lambda: actions.share(vusa, carol, by=alice))
    request = step("review.query.raised", lambda: actions.raise_query(vusa, t1, by=carol, text="Send it.",
                                                                      purpose="evidence"))
    step("review.query.replied", lambda: actions.reply(request, by=bob, text="Here.", document=policy))
    assert count("assessments.evidence.linked") == 1
    step("review.query.closed", lambda: actions.close_query(request, by=carol))
    step("review.fieldwork.recorded", lambda: fieldwork.record_fieldwork(vusa, by=carol, start=TODAY() - 2 * DAY,
                                                                         end=TODAY() - DAY))
    step("review.result.recorded", lambda: fieldwork.record_result(t1, by=carol, result="material",
                                                                   note="New hosting", examined=[policy]))
    step("review.result.recorded", lambda: fieldwork.record_result(helpers.row(vusa, "T2"), by=carol,
                                                                   result="compliant"))
    step("review.cio_report.drafted", lambda: fieldwork.write_report(vusa, by=carol, summary="On site."))
    step("review.cio_report.issued", lambda: fieldwork.issue_report(vusa, by=carol))
    step("review.cio_report.reopened", lambda: fieldwork.reopen_report(vusa, by=carol, reason="Typo in T1"))
    step("review.cio_report.drafted", lambda: fieldwork.write_report(vusa, by=carol, summary="On site, two days."))
    step("review.cio_report.issued", lambda: fieldwork.issue_report(vusa, by=carol))
    step("review.response.due_set", lambda: fieldwork.set_response_due(vusa, by=alice, due=TODAY()))
    finding = Finding.objects.get()
    finding = step("review.finding.responded", lambda: remediation.respond(finding, by=bob, response="Moving back.",
                                                                         revision=finding.revision))
    step("review.response.approved", lambda: fieldwork.approve_response(finding, by=dave, revision=finding.revision))
    step("review.response.sent", lambda: fieldwork.send_response(vusa, by=alice, sent_on=TODAY()))
    assert count("review.finding.added") == 1 and count("review.plan.opened") == 1


STEPS = ("review.shared", "review.query.raised", "review.query.replied", "review.query.closed",
         "review.fieldwork.recorded", "review.result.recorded", "review.cio_report.drafted", "review.cio_report.issued",
         "review.cio_report.reopened", "review.response.due_set", "review.finding.responded",
         "review.response.approved", "review.response.sent", "review.assurance.recorded", "review.outcome.recorded")


def test_a_refused_reply_adds_nothing_to_the_thread(under_way, carol):
    """A refused reply adds no message: the thread is the record of what each side said."""
    request = actions.raise_query(under_way, helpers.row(under_way, "T1"), by=carol, text="Send it.",
                                  purpose="evidence")
    with pytest.raises(ActionError, match="evidence is attached by the User"):
        actions.reply(request, by=carol, text="Here is mine.", document=document(under_way.organisation))
    assert list(QueryMessage.objects.values_list("side", flat=True)) == ["cio"]
