# ruff: noqa: F811 (the fixtures are imported by name and used as arguments)
"""Findings and the remediation plan: numbering, management responses and stale ones, the finding
status table (every pair), evidence, actions and their closure, the director's letter (who may sign,
once per version, what a later change does), progress reports, sending and approval, and the audit
event of each action."""

import itertools

import pytest

from secassure.assessments.actions import StaleEdit
from secassure.audit.models import Event
from secassure.errors import ActionError
from secassure.review import remediation_actions as remediation
from secassure.review.models import DirectorLetter, Finding, RemediationAction, RemediationPlan
from tests.review.remediation_fixtures import (  # noqa: F401 (fixtures)
    DAY,
    TODAY,
    action,
    cat,
    doc,
    document,
    finding,
    plan,
    ssa,
    their_doc,
    their_ssa,
    today,
)


def events(action_name: str):
    return list(Event.objects.filter(action=action_name).order_by("pk"))


# --- findings -----------------------------------------------------------------------------------


def test_findings_are_numbered_per_organisation_and_a_number_is_never_given_twice(org_a, org_b, bob, mallory, ssa):
    first = finding(org_a, bob, assessment=ssa, clause="G5.14", severity="high", response_due=TODAY)
    second = finding(org_a, bob, kind="observation", source="self")
    theirs = finding(org_b, mallory)
    assert (first.ref, second.ref, theirs.ref) == ("F-001", "F-002", "F-001")
    assert (first.created_by, first.status, first.revision, first.assessment) == (bob, "open", 1, ssa)

    Finding.objects.filter(pk=second.pk).delete()  # as an operator might, in the admin
    assert finding(org_a, bob).ref == "F-003"
    added = events("review.finding.added")
    assert [(e.organisation_id, e.after["ref"]) for e in added] == [
        (org_a.pk, "F-001"), (org_a.pk, "F-002"), (org_b.pk, "F-001"), (org_a.pk, "F-003")]
    assert added[0].after == {"ref": "F-001", "kind": "actual", "severity": "high", "source": "cio-report",
                              "clause": "G5.14", "status": "open",
                              "description": "Privileged access is not reviewed quarterly",
                              "response_due": TODAY.isoformat(), "assessment": ssa.pk}


@pytest.mark.parametrize(("fields", "message"), [
    ({"kind": "serious"}, "'serious' is not a kind of finding"),
    ({"severity": "dire"}, "'dire' is not a severity"),
    ({"source": "rumour"}, "'rumour' is not a source of findings"),
    ({"description": "   "}, "give a description of the finding"),
    ({"clause": "G" * 41}, "the clause is 41 characters long"),
])
def test_a_finding_with_bad_fields_is_refused(org_a, bob, fields, message):
    with pytest.raises(ActionError, match=message):
        finding(org_a, bob, **fields)
    assert not Finding.objects.exists() and not events("review.finding.added")


def test_a_finding_on_another_organisations_assessment_is_refused(org_a, bob, their_ssa):
    with pytest.raises(ActionError, match="not one of this organisation's"):
        finding(org_a, bob, assessment=their_ssa)
    assert not Finding.objects.exists()


def test_who_may_record_findings(org_a, alice, bob, dave, olive, carol, mallory):
    assert finding(org_a, alice).ref == "F-001"
    assert finding(org_a, bob).ref == "F-002"
    assert finding(org_a, None).ref == "F-003"  # the command line
    for person in (dave, olive, carol, mallory):
        with pytest.raises(ActionError, match="does not allow this"):
            finding(org_a, person)
    assert Finding.objects.count() == 3


def test_a_response_is_saved_and_a_stale_one_refused(org_a, alice, bob):
    found = finding(org_a, alice)
    stale = Finding.objects.get(pk=found.pk)

    saved = remediation.respond(found, by=bob, response="  We will review access every quarter.  ", revision=1)

    assert (saved.response, saved.responded_by, saved.status, saved.revision) == (
        "We will review access every quarter.", bob, "response-drafted", 2)
    assert saved.responded_at is not None
    [event] = events("review.finding.responded")
    assert event.before == {"response": "", "status": "open", "approved_by": None}
    assert event.after == {"response": "We will review access every quarter.", "status": "response-drafted",
                           "approved_by": None}

    with pytest.raises(StaleEdit) as caught:
        remediation.respond(stale, by=alice, response="Alice's words", revision=1)
    assert "changed after you opened it (its response was last saved by bob@a.test)" in str(caught.value)
    assert caught.value.current.response == "We will review access every quarter."
    assert caught.value.current.revision == 2
    found.refresh_from_db()
    assert found.response == "We will review access every quarter." and found.responded_by == bob
    assert len(events("review.finding.responded")) == 1


def test_a_later_response_keeps_the_status_and_an_empty_or_closed_one_is_refused(org_a, bob, doc):
    found = finding(org_a, bob)
    remediation.respond(found, by=bob, response="First", revision=1)
    remediation.set_finding_status(found, by=bob, status="action-planned")
    again = remediation.respond(found, by=bob, response="Second", revision=found.revision)
    assert (again.response, again.status) == ("Second", "action-planned")
    with pytest.raises(ActionError, match="give the management response"):
        remediation.respond(found, by=bob, response=" ", revision=again.revision)
    remediation.set_finding_status(found, by=bob, status="risk-accepted", reason="SSC letter 2026/7")
    with pytest.raises(ActionError, match="can no longer change"):
        remediation.respond(found, by=bob, response="Third", revision=found.revision)


def test_an_observer_or_approver_may_not_respond(org_a, bob, dave, olive):
    found = finding(org_a, bob)
    for person in (dave, olive):
        with pytest.raises(ActionError, match="does not allow this"):
            remediation.respond(found, by=person, response="No", revision=1)
    found.refresh_from_db()
    assert found.response == "" and found.revision == 1


STATUSES = ["open", "response-drafted", "action-planned", "in-remediation", "evidence-submitted", "closed",
            "risk-accepted"]
# The table, written out here on its own so that a change to the module's table shows.
ALLOWED = {
    ("open", "response-drafted"), ("response-drafted", "action-planned"), ("action-planned", "in-remediation"),
    ("in-remediation", "evidence-submitted"), ("evidence-submitted", "closed"),
    ("evidence-submitted", "in-remediation"),
    ("open", "risk-accepted"), ("response-drafted", "risk-accepted"), ("action-planned", "risk-accepted"),
}


def test_the_written_out_table_is_the_modules_table():
    assert {(a, b) for a, targets in remediation.FINDING_MOVES.items() for b in targets} == ALLOWED
    assert set(remediation.FINDING_MOVES) == set(STATUSES)


@pytest.mark.parametrize(("start", "to"), list(itertools.product(STATUSES, STATUSES + ["nonsense"])))
def test_every_finding_status_move(org_a, bob, doc, start, to):
    found = finding(org_a, bob)
    found.evidence.add(doc)
    Finding.objects.filter(pk=found.pk).update(status=start, response="Our response")
    found.refresh_from_db()
    if (start, to) in ALLOWED:
        moved = remediation.set_finding_status(found, by=bob, status=to, reason="SSC letter 2026/7")
        assert moved.status == to and moved.revision == 2
        [event] = events("review.finding.moved")
        assert (event.before, event.after, event.reason) == ({"status": start}, {"status": to}, "SSC letter 2026/7")
    else:
        with pytest.raises(ActionError, match=f"F-001 is {start.replace('-', ' ')}.* and cannot go to"):
            remediation.set_finding_status(found, by=bob, status=to, reason="SSC letter 2026/7")
        found.refresh_from_db()
        assert found.status == start and found.revision == 1
        assert not events("review.finding.moved")


def test_moves_that_need_something_first(org_a, bob, doc):
    found = finding(org_a, bob)
    with pytest.raises(ActionError, match="write the management response to F-001 first"):
        remediation.set_finding_status(found, by=bob, status="response-drafted")
    with pytest.raises(ActionError, match="give the reason the risk is accepted"):
        remediation.set_finding_status(found, by=bob, status="risk-accepted", reason="  ")
    Finding.objects.filter(pk=found.pk).update(status="in-remediation")
    found.refresh_from_db()
    with pytest.raises(ActionError, match="link the evidence submitted for F-001 first"):
        remediation.set_finding_status(found, by=bob, status="evidence-submitted")
    remediation.link_finding_evidence(found, doc, by=bob)
    assert remediation.set_finding_status(found, by=bob, status="evidence-submitted").status == "evidence-submitted"


def test_evidence_of_the_organisation_is_linked_and_another_organisations_refused(org_a, bob, olive, doc,
                                                                                   their_doc):
    found = finding(org_a, bob)
    remediation.link_finding_evidence(found, doc, by=bob)
    assert list(found.evidence.all()) == [doc]
    [event] = events("review.finding.evidence_linked")
    assert event.after == {"ref": "F-001", "document": doc.title, "document_id": doc.pk}
    with pytest.raises(ActionError, match="not in this organisation's register"):
        remediation.link_finding_evidence(found, their_doc, by=bob)
    with pytest.raises(ActionError, match="already linked to F-001"):
        remediation.link_finding_evidence(found, doc, by=bob)
    with pytest.raises(ActionError, match="does not allow this"):
        remediation.link_finding_evidence(found, document(org_a, "Another"), by=olive)
    assert list(found.evidence.all()) == [doc] and len(events("review.finding.evidence_linked")) == 1


# --- the plan and its actions ---------------------------------------------------------------------


def test_one_plan_per_assessment(ssa, alice, bob):
    first = remediation.open_plan(ssa, by=alice)
    again = remediation.open_plan(ssa, by=bob)
    assert first.pk == again.pk and (first.version, first.status) == (1, "draft")
    assert RemediationPlan.objects.filter(assessment=ssa).count() == 1
    [event] = events("review.plan.opened")
    assert event.after == {"assessment": ssa.pk, "title": "SSA 2026", "version": 1}


def test_a_plan_waits_for_submission_and_for_a_role_that_may(cat, org_a, alice, dave, olive):
    from secassure.assessments import actions as assessments

    draft = assessments.create_assessment(org_a, kind="ssa", by=alice, title="Not yet").assessment
    with pytest.raises(ActionError, match="has not been submitted"):
        remediation.open_plan(draft, by=alice)
    draft.status = "actions-requested"
    draft.save()
    for person in (dave, olive):
        with pytest.raises(ActionError, match="does not allow this"):
            remediation.open_plan(draft, by=person)
    assert not RemediationPlan.objects.exists()


def test_actions_are_added_with_owners_of_the_organisation_and_its_findings(plan, org_a, org_b, bob, carol, mallory,
                                                                            today):
    mine = finding(org_a, bob)
    theirs = finding(org_b, mallory)
    added = action(plan, bob, owner=bob, finding=mine, clause="G5.14", description=" Quarterly access review ")
    assert (added.description, added.owner, added.finding, added.status, added.revision) == (
        "Quarterly access review", bob, mine, "planned", 1)
    [event] = events("review.action.added")
    assert event.after == {"action": added.pk, "description": "Quarterly access review", "owner": "bob@a.test",
                           "target_date": (TODAY + 30 * DAY).isoformat(), "clause": "G5.14", "finding": "F-001",
                           "status": "planned", "closure_evidence": None}
    with pytest.raises(ActionError, match="owner must be a member of Alpha Energy Ltd"):
        action(plan, bob, owner=mallory)  # another organisation's Owner
    with pytest.raises(ActionError, match="cannot be the action's owner: a CIO reviewer may not work on findings"):
        action(plan, bob, owner=carol)  # the CIO reviews the remediation rather than doing it
    with pytest.raises(ActionError, match="not one of this organisation's"):
        action(plan, bob, finding=theirs)
    with pytest.raises(ActionError, match="give the target date as a date"):
        action(plan, bob, target_date="2026-04-01")
    with pytest.raises(ActionError, match="give a description of the action"):
        action(plan, bob, description="")
    assert plan.actions.count() == 1


def test_marking_an_action_done_needs_closure_evidence_of_the_organisation(plan, bob, doc, their_doc, today):
    item = action(plan, bob)
    with pytest.raises(ActionError, match="marked done with its closure evidence"):
        remediation.update_action(item, by=bob, revision=1, status="done")
    with pytest.raises(ActionError, match="not in this organisation's register"):
        remediation.update_action(item, by=bob, revision=1, status="done", closure_evidence=their_doc)
    item.refresh_from_db()
    assert (item.status, item.closed_at, item.revision) == ("planned", None, 1)

    done = remediation.update_action(item, by=bob, revision=1, status="done", closure_evidence=doc)
    assert (done.status, done.closure_evidence, done.revision) == ("done", doc, 2) and done.closed_at is not None
    with pytest.raises(ActionError, match="marked done with its closure evidence"):
        remediation.update_action(done, by=bob, revision=2, closure_evidence=None)
    with pytest.raises(ActionError, match="an action that is done cannot go to cancelled"):
        remediation.update_action(done, by=bob, revision=2, status="cancelled")
    reopened = remediation.update_action(done, by=bob, revision=2, status="in-progress")
    assert reopened.status == "in-progress" and reopened.closed_at is None
    changed = events("review.action.changed")
    assert [e.after.get("status") for e in changed] == ["done", "in-progress"]
    assert changed[0].before == {"status": "planned", "closure_evidence": None}


def test_a_stale_action_change_is_refused_and_an_unknown_field_too(plan, alice, bob, today):
    item = action(plan, bob)
    remediation.update_action(item, by=alice, revision=1, description="Alice's wording")
    with pytest.raises(StaleEdit) as caught:
        remediation.update_action(item, by=bob, revision=1, description="Bob's wording")
    assert caught.value.current.description == "Alice's wording"
    with pytest.raises(ActionError, match="cannot change plan on an action"):
        remediation.update_action(item, by=bob, revision=2, plan=None)
    item.refresh_from_db()
    assert (item.description, item.revision) == ("Alice's wording", 2)


def test_an_unchanged_save_writes_nothing(plan, bob, today):
    item = action(plan, bob, owner=bob)
    same = remediation.update_action(item, by=bob, revision=1, description=item.description, owner=bob,
                                     target_date=item.target_date, clause="", status="planned")
    assert same.revision == 1 and not events("review.action.changed")


# --- the director's letter ------------------------------------------------------------------------


def sign(plan, by, signed_on=TODAY, commitments="We commit to the actions listed, by their dates."):
    return remediation.sign_letter(plan, by=by, signed_on=signed_on, commitments=commitments)


@pytest.mark.parametrize("who", ["alice", "bob", "olive", "cli", "mallory", "carol"])
def test_only_an_approver_signs_the_directors_letter(request, plan, bob, who, today):
    action(plan, bob)
    person = None if who == "cli" else request.getfixturevalue(who)
    with pytest.raises(ActionError, match="only an Approver of Alpha Energy Ltd \\(a director\\) may sign"):
        sign(plan, person)
    plan.refresh_from_db()
    assert plan.status == "draft" and not DirectorLetter.objects.exists() and not events("review.letter.signed")


def test_an_approver_signs_once_per_version_with_a_snapshot(plan, bob, dave, doc, today):
    with pytest.raises(ActionError, match="the plan has no actions yet"):
        sign(plan, dave)
    first = action(plan, bob, owner=bob, clause="G5.14")
    second = action(plan, bob, description="Patch the gateway", target_date=TODAY + 10 * DAY)
    with pytest.raises(ActionError, match="in the future"):
        sign(plan, dave, signed_on=TODAY + DAY)

    letter = remediation.sign_letter(plan, by=dave, signed_on=TODAY, commitments="As listed.", document=doc)

    plan.refresh_from_db()
    assert (plan.status, plan.version) == ("signed", 1)
    assert (letter.plan_version, letter.signatory, letter.signed_on, letter.document) == (1, dave, TODAY, doc)
    assert [row["description"] for row in letter.snapshot] == ["Patch the gateway", "Review privileged access"]
    assert letter.snapshot[1] == {"action": first.pk, "description": "Review privileged access",
                                  "owner": "bob@a.test", "target_date": (TODAY + 30 * DAY).isoformat(),
                                  "clause": "G5.14", "finding": None, "status": "planned", "closure_evidence": None}
    assert letter.snapshot[0]["action"] == second.pk
    [event] = events("review.letter.signed")
    assert event.after["version"] == 1 and event.after["signatory"] == "dave@a.test"

    with pytest.raises(ActionError, match="version 1 of the plan was signed by dave@a.test on 2 March 2026"):
        sign(plan, dave)
    assert DirectorLetter.objects.count() == 1


def test_a_commitment_change_after_signing_makes_a_new_version_and_the_letter_stays_as_signed(plan, bob, dave,
                                                                                              alice, today):
    item = action(plan, bob, owner=bob)
    letter = sign(plan, dave)
    as_signed = DirectorLetter.objects.get(pk=letter.pk).snapshot

    changed = remediation.update_action(item, by=bob, revision=1, target_date=TODAY + 60 * DAY, owner=alice)

    plan.refresh_from_db()
    assert (plan.version, plan.status) == (2, "draft") and changed.target_date == TODAY + 60 * DAY
    [revised] = events("review.plan.revised")
    assert revised.reason == "changed after the director signed version 1"
    assert revised.before == {"version": 1, "status": "signed"}
    assert revised.after["version"] == 2 and revised.after["status"] == "draft"
    assert "owner, target_date" in revised.after["change"]
    stored = DirectorLetter.objects.get(pk=letter.pk)
    assert stored.snapshot == as_signed and stored.plan_version == 1
    assert stored.snapshot[0]["owner"] == "bob@a.test"
    assert stored.snapshot[0]["target_date"] == (TODAY + 30 * DAY).isoformat()

    # a second change to version 2, not yet signed, stays in version 2
    remediation.update_action(item, by=bob, revision=2, clause="G5.15")
    plan.refresh_from_db()
    assert plan.version == 2 and len(events("review.plan.revised")) == 1
    # and version 2 is signed afresh, with its own letter
    second = sign(plan, dave)
    assert second.plan_version == 2 and second.snapshot[0]["owner"] == "alice@a.test"
    assert DirectorLetter.objects.get(pk=letter.pk).snapshot == as_signed


def test_adding_an_action_after_signing_makes_a_new_version(plan, bob, dave, today):
    action(plan, bob)
    sign(plan, dave)
    action(plan, bob, description="Another")
    assert (plan.version, plan.status) == (2, "draft")
    plan.refresh_from_db()
    assert (plan.version, plan.status) == (2, "draft")
    assert len(DirectorLetter.objects.get().snapshot) == 1


@pytest.mark.parametrize("status", ["in-progress", "cancelled"])
def test_a_status_change_after_signing_keeps_the_version(plan, bob, dave, status, today):
    item = action(plan, bob)
    sign(plan, dave)
    remediation.update_action(item, by=bob, revision=1, status=status)
    plan.refresh_from_db()
    assert (plan.version, plan.status) == (1, "signed")
    assert not events("review.plan.revised")
    assert DirectorLetter.objects.get().snapshot[0]["status"] == "planned"


def test_closing_an_action_after_signing_keeps_the_version(plan, bob, dave, doc, today):
    item = action(plan, bob)
    sign(plan, dave)
    remediation.update_action(item, by=bob, revision=1, status="done", closure_evidence=doc)
    plan.refresh_from_db()
    assert (plan.version, plan.status) == (1, "signed") and not events("review.plan.revised")


# --- reports, sending and approval ----------------------------------------------------------------


def test_a_progress_report_is_recorded_unless_it_is_dated_in_the_future(plan, bob, olive, doc, their_doc, today):
    with pytest.raises(ActionError, match="in the future"):
        remediation.record_report(plan, by=bob, sent_on=TODAY + DAY, summary="Half done")
    with pytest.raises(ActionError, match="not in this organisation's register"):
        remediation.record_report(plan, by=bob, sent_on=TODAY, summary="Half done", document=their_doc)
    with pytest.raises(ActionError, match="give a summary"):
        remediation.record_report(plan, by=bob, sent_on=TODAY, summary="")
    with pytest.raises(ActionError, match="does not allow this"):
        remediation.record_report(plan, by=olive, sent_on=TODAY, summary="Half done")
    assert not plan.reports.exists()
    report = remediation.record_report(plan, by=bob, sent_on=TODAY, summary="Half done", document=doc)
    assert (report.sent_on, report.summary, report.document, report.recorded_by) == (TODAY, "Half done", doc, bob)
    [event] = events("review.report.recorded")
    assert event.after == {"plan": plan.pk, "sent_on": TODAY.isoformat(), "summary": "Half done",
                           "document": doc.title}


def test_send_and_approval_go_in_order_and_only_an_owner_records_approval(plan, alice, bob, dave, today):
    action(plan, bob)
    with pytest.raises(ActionError, match="it is sent once the director has signed"):
        remediation.send_plan(plan, by=bob, sent_on=TODAY)
    with pytest.raises(ActionError, match="the SSC approves a plan that has been sent"):
        remediation.record_approval(plan, by=alice, approved_on=TODAY, reference="SSC/1")
    sign(plan, dave, signed_on=TODAY - DAY)
    with pytest.raises(ActionError, match="the SSC approves a plan that has been sent"):
        remediation.record_approval(plan, by=alice, approved_on=TODAY, reference="SSC/1")
    with pytest.raises(ActionError, match="before its letter was signed"):
        remediation.send_plan(plan, by=bob, sent_on=TODAY - 2 * DAY)
    with pytest.raises(ActionError, match="in the future"):
        remediation.send_plan(plan, by=bob, sent_on=TODAY + DAY)

    remediation.send_plan(plan, by=bob, sent_on=TODAY)
    assert plan.status == "sent"
    with pytest.raises(ActionError, match="the plan is sent to the SSC; it is sent once"):
        remediation.send_plan(plan, by=bob, sent_on=TODAY)
    for person in (bob, dave):
        with pytest.raises(ActionError, match="does not allow this"):
            remediation.record_approval(plan, by=person, approved_on=TODAY, reference="SSC/1")
    with pytest.raises(ActionError, match="in the future"):
        remediation.record_approval(plan, by=alice, approved_on=TODAY + DAY, reference="SSC/1")
    with pytest.raises(ActionError, match="give the SSC's reference"):
        remediation.record_approval(plan, by=alice, approved_on=TODAY, reference=" ")

    remediation.record_approval(plan, by=alice, approved_on=TODAY, reference="SSC/2026/41")
    plan.refresh_from_db()
    assert (plan.status, plan.approved_on, plan.approval_reference) == ("approved", TODAY, "SSC/2026/41")
    assert (plan.sent_on, plan.sent_version, plan.approved_version) == (TODAY, 1, 1)
    assert events("review.plan.sent")[0].after == {"status": "sent", "version": 1, "sent_on": TODAY.isoformat()}
    assert events("review.plan.approved")[0].after["reference"] == "SSC/2026/41"
    with pytest.raises(ActionError, match="the plan is approved by the SSC; the SSC approves"):
        remediation.record_approval(plan, by=alice, approved_on=TODAY, reference="SSC/2")


def test_a_change_after_approval_needs_a_new_letter_and_approval(plan, alice, bob, dave, today):
    item = action(plan, bob)
    sign(plan, dave)
    remediation.send_plan(plan, by=bob, sent_on=TODAY)
    remediation.record_approval(plan, by=alice, approved_on=TODAY, reference="SSC/2026/41")
    remediation.update_action(item, by=bob, revision=1, description="Review privileged access monthly")
    plan.refresh_from_db()
    assert (plan.version, plan.status) == (2, "draft")
    assert (plan.sent_version, plan.approved_version) == (1, 1)  # what the SSC saw and approved was version 1
    with pytest.raises(ActionError, match="it is sent once the director has signed"):
        remediation.send_plan(plan, by=bob, sent_on=TODAY)


# --- the audit trail ------------------------------------------------------------------------------


def test_every_action_writes_its_audit_event(org_a, plan, alice, bob, dave, doc, today):
    found = finding(org_a, bob)
    remediation.respond(found, by=bob, response="We will", revision=1)
    remediation.set_finding_status(found, by=bob, status="action-planned")
    remediation.link_finding_evidence(found, doc, by=bob)
    item = action(plan, bob, finding=found)
    remediation.update_action(item, by=bob, revision=1, status="in-progress")
    sign(plan, dave)
    remediation.send_plan(plan, by=bob, sent_on=TODAY)
    remediation.record_approval(plan, by=alice, approved_on=TODAY, reference="SSC/1")
    remediation.record_report(plan, by=bob, sent_on=TODAY, summary="Under way")
    remediation.update_action(item, by=bob, revision=2, target_date=TODAY + 90 * DAY)

    recorded = list(Event.objects.filter(action__startswith="review.").order_by("pk"))
    assert [(e.action, e.object_type) for e in recorded] == [
        ("review.plan.opened", "review.remediationplan"),
        ("review.finding.added", "review.finding"),
        ("review.finding.responded", "review.finding"),
        ("review.finding.moved", "review.finding"),
        ("review.finding.evidence_linked", "review.finding"),
        ("review.action.added", "review.remediationaction"),
        ("review.action.changed", "review.remediationaction"),
        ("review.letter.signed", "review.directorletter"),
        ("review.plan.sent", "review.remediationplan"),
        ("review.plan.approved", "review.remediationplan"),
        ("review.report.recorded", "review.progressreport"),
        ("review.action.changed", "review.remediationaction"),
        ("review.plan.revised", "review.remediationplan"),
    ]
    assert {e.organisation_id for e in recorded} == {org_a.pk}


def test_no_code_path_changes_a_letter(plan, bob, dave, doc, today):
    """Everything that may follow a letter leaves it byte for byte as it was written."""
    item = action(plan, bob)
    letter = sign(plan, dave)
    before = DirectorLetter.objects.filter(pk=letter.pk).values().get()
    remediation.update_action(item, by=bob, revision=1, status="done", closure_evidence=doc)
    remediation.update_action(item, by=bob, revision=2, status="in-progress")
    remediation.update_action(item, by=bob, revision=3, description="Changed", owner=bob)
    action(plan, bob, description="More")
    remediation.record_report(plan, by=bob, sent_on=TODAY, summary="Progress")
    sign(plan, dave)
    assert DirectorLetter.objects.filter(pk=letter.pk).values().get() == before
    assert RemediationAction.objects.get(pk=item.pk).description == "Changed"

