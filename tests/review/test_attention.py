# ruff: noqa: F811 (the fixtures are imported by name and used as arguments)
"""What needs attention (overdue and due-soon actions and responses, around the date boundaries),
and the findings and plan of one assessment as plain values; each read in a fixed number of
queries however many items there are."""

import json

from secassure.review import remediation_actions as remediation
from secassure.review.attention import DUE_SOON_DAYS, attention, findings_and_actions
from secassure.review.models import Finding, RemediationAction
from tests.review.remediation_fixtures import (  # noqa: F401 (fixtures)
    DAY,
    TODAY,
    action,
    cat,
    doc,
    finding,
    plan,
    ssa,
    their_ssa,
    today,
)


def test_the_window_is_fourteen_days():
    assert DUE_SOON_DAYS == 14


def test_action_dates_around_the_boundaries(plan, bob, org_a, today):
    for days in (-10, -1, 0, 1, 14, 15):
        action(plan, bob, description=f"Day {days:+d}", target_date=TODAY + days * DAY, owner=bob)
    found = attention(org_a, TODAY)
    assert [(x["description"], x["days"]) for x in found["overdue_actions"]] == [("Day -10", 10), ("Day -1", 1)]
    assert [(x["description"], x["days"]) for x in found["actions_due_soon"]] == [
        ("Day +0", 0), ("Day +1", 1), ("Day +14", 14)]
    first = found["overdue_actions"][0]
    assert first["date"] == TODAY - 10 * DAY and first["plan"] == plan.pk and first["owner"] == "bob@a.test"
    assert first["ref"] == ""
    assert not found["responses_overdue"] and not found["responses_due_soon"]


def test_done_and_cancelled_actions_need_no_attention_and_a_findings_ref_is_shown(plan, bob, org_a, doc, today):
    late = action(plan, bob, description="Done late", target_date=TODAY - 3 * DAY)
    remediation.update_action(late, by=bob, revision=1, status="done", closure_evidence=doc)
    dropped = action(plan, bob, description="Dropped", target_date=TODAY - 3 * DAY)
    remediation.update_action(dropped, by=bob, revision=1, status="cancelled")
    going = action(plan, bob, description="Going", target_date=TODAY - 3 * DAY, finding=finding(org_a, bob))
    remediation.update_action(going, by=bob, revision=1, status="in-progress")
    found = attention(org_a, TODAY)
    assert [(x["description"], x["ref"]) for x in found["overdue_actions"]] == [("Going", "F-001")]


def test_response_dates_around_the_boundaries(org_a, bob, today):
    for days in (-1, 0, 14, 15):
        finding(org_a, bob, description=f"Due {days:+d}", response_due=TODAY + days * DAY)
    finding(org_a, bob, description="No date")
    found = attention(org_a, TODAY)
    assert [(x["ref"], x["description"], x["days"]) for x in found["responses_overdue"]] == [("F-001", "Due -1", 1)]
    assert [(x["description"], x["days"]) for x in found["responses_due_soon"]] == [("Due +0", 0), ("Due +14", 14)]
    assert found["responses_overdue"][0]["date"] == TODAY - DAY
    assert not found["overdue_actions"] and not found["actions_due_soon"]


def test_an_answered_closed_or_accepted_finding_needs_no_attention(org_a, bob, today):
    answered = finding(org_a, bob, response_due=TODAY - DAY)
    remediation.respond(answered, by=bob, response="Done", revision=1)
    closed = finding(org_a, bob, response_due=TODAY - DAY)
    Finding.objects.filter(pk=closed.pk).update(status="closed")
    accepted = finding(org_a, bob, response_due=TODAY - DAY)
    remediation.set_finding_status(accepted, by=bob, status="risk-accepted", reason="SSC letter 2026/9")
    moved_on = finding(org_a, bob, response_due=TODAY - DAY)
    Finding.objects.filter(pk=moved_on.pk).update(status="in-remediation")
    found = attention(org_a, TODAY)
    assert [x["ref"] for x in found["responses_overdue"]] == ["F-004"]  # in remediation, and still unanswered


def test_another_organisations_items_are_not_shown(org_a, org_b, mallory, their_ssa, today):
    theirs = remediation.open_plan(their_ssa, by=mallory)
    action(theirs, mallory, target_date=TODAY - DAY)
    finding(org_b, mallory, response_due=TODAY - DAY)
    assert attention(org_a, TODAY) == {"overdue_actions": [], "actions_due_soon": [], "responses_overdue": [],
                                       "responses_due_soon": []}
    assert len(attention(org_b, TODAY)["overdue_actions"]) == 1


def _fill(org, plan, by, count: int, start: int = 0):
    for n in range(start, start + count):
        offset = (2 * n - 15) * DAY  # from 15 days ago to 23 days ahead
        found = finding(org, by, response_due=TODAY + offset, assessment=plan.assessment)
        action(plan, by, description=f"Action {n}", target_date=TODAY + offset, finding=found, owner=by)


def test_attention_reads_two_queries_however_many_items(plan, bob, org_a, django_assert_num_queries, today):
    _fill(org_a, plan, bob, 1)
    with django_assert_num_queries(2):
        small = attention(org_a, TODAY)
    _fill(org_a, plan, bob, 19, start=1)
    with django_assert_num_queries(2):
        large = attention(org_a, TODAY)
    assert sum(map(len, small.values())) == 2
    in_window = RemediationAction.objects.filter(target_date__lte=TODAY + 14 * DAY).count()
    assert in_window == 15 and sum(map(len, large.values())) == 2 * in_window


# --- one assessment's findings and plan ---------------------------------------------------------------


def _everything(org, plan, by, signer, document, count: int, start: int = 0):
    for n in range(start, start + count):
        found = finding(org, by, assessment=plan.assessment, description=f"Finding {n}")
        remediation.link_finding_evidence(found, document, by=by)
        remediation.respond(found, by=by, response=f"Response {n}", revision=1)
        action(plan, by, description=f"Action {n}", finding=found, owner=by)
        remediation.record_report(plan, by=by, sent_on=TODAY, summary=f"Report {n}", document=document)
    if plan.status == "draft":
        remediation.sign_letter(plan, by=signer, signed_on=TODAY, commitments="As listed.")


def test_findings_and_actions_of_an_assessment(plan, org_a, bob, dave, doc, today):
    _everything(org_a, plan, bob, dave, doc, 1)
    finding(org_a, bob, description="Not this assessment's")
    data = findings_and_actions(plan.assessment)
    [found] = data["findings"]
    assert found["ref"] == "F-001" and found["response"] == "Response 0" and found["evidence"] == [doc.title]
    assert found["responded_by"] == "bob@a.test" and found["status"] == "response-drafted"
    [exported] = data["plans"]
    assert (exported["version"], exported["status"]) == (1, "signed")
    assert [(a["description"], a["finding"], a["owner"]) for a in exported["actions"]] == [
        ("Action 0", "F-001", "bob@a.test")]
    assert [(r["summary"], r["document"], r["sent_on"]) for r in exported["reports"]] == [
        ("Report 0", doc.title, TODAY.isoformat())]
    [letter] = exported["letters"]
    assert (letter["plan_version"], letter["signatory"], letter["signed_on"]) == (1, "dave@a.test", TODAY.isoformat())
    assert letter["snapshot"][0]["description"] == "Action 0"
    json.dumps(data)  # plain values, ready for an export


def test_findings_and_actions_reads_six_queries_for_one_or_twenty(plan, org_a, bob, dave, doc, today,
                                                                 django_assert_num_queries):
    _everything(org_a, plan, bob, dave, doc, 1)
    with django_assert_num_queries(6):
        small = findings_and_actions(plan.assessment)
    _everything(org_a, plan, bob, dave, doc, 19, start=1)
    with django_assert_num_queries(6):
        large = findings_and_actions(plan.assessment)
    assert (len(small["findings"]), len(large["findings"])) == (1, 20)
    assert len(large["plans"][0]["actions"]) == len(large["plans"][0]["reports"]) == 20
    assert len(large["plans"][0]["letters"]) == 2
