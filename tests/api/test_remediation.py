# ruff: noqa: F811 (the fixtures are imported by name and used as arguments)
"""The API's findings (with their management responses and status) and remediation actions, read
and written by each role through a token, exactly as the findings and plan pages allow."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from secassure.assessments import actions as assessment_actions
from secassure.audit.models import Event
from secassure.review import remediation_actions as remediation
from secassure.review.models import Finding, RemediationAction, RemediationPlan
from tests.api.client import Api, make_token
from tests.personas import join, persona
from tests.review.remediation_fixtures import (  # noqa: F401 - fixtures, used by name
    DAY,
    TODAY,
    cat,
    doc,
    plan,
    ssa,
    submitted_assessment,
    their_doc,
    their_ssa,
)
from tests.review.remediation_fixtures import action as add_action
from tests.review.remediation_fixtures import finding as add_finding

PROBLEM = "application/problem+json"
MEMBERS_WHO_READ = ["alice", "bob", "dave", "olive"]
_made = itertools.count()


@pytest.fixture
def engineer(org_a):
    return persona("engineer", org_a)


def api(user, org, *, read_only: bool = False) -> Api:
    """A client with a new token of the person's (each named afresh, since names may not repeat)."""
    return Api(make_token(user, org, read_only=read_only, name=f"remediation token {next(_made)}"))


def last_event(name: str) -> Event:
    return Event.objects.filter(action=name).order_by("-pk").first()


def assert_missing(response) -> None:
    assert response.status_code == 404, response.content
    assert response["Content-Type"] == PROBLEM


def refused(response, detail: str) -> None:
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == detail


def counted(client, path: str, **params) -> tuple[int, int]:
    """The database queries one page costs, and how many items it holds. A token's first request
    of the day also notes when it was used: a request is made first so that only the page is counted."""
    client.get(path, page_size=1, **params)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, page_size=100, **params)
    assert response.status_code == 200, response.content
    return len(queries), len(response.json()["results"])


@pytest.fixture
def found(ssa, org_a, alice):
    """F-001, a finding of org A's SSA."""
    return add_finding(org_a, by=alice, assessment=ssa, clause="G5.14")


@pytest.fixture
def their_finding(their_ssa, org_b, mallory):
    return add_finding(org_b, by=mallory, assessment=their_ssa)


@pytest.fixture
def their_action(their_ssa, mallory):
    their_plan = remediation.open_plan(their_ssa, by=mallory)
    return add_action(their_plan, by=mallory)


# --- findings: reading ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", MEMBERS_WHO_READ)
def test_each_member_reads_the_findings(found, name, request, doc, alice):
    remediation.link_finding_evidence(found, doc, by=alice)
    person = request.getfixturevalue(name)
    client = api(person, found.organisation)
    listed = client.get("/organisations/org-a/findings")
    assert listed.status_code == 200, listed.content
    assert [f["ref"] for f in listed.json()["results"]] == ["F-001"]
    one = client.get(f"/organisations/org-a/findings/{found.pk}")
    assert one.status_code == 200
    body = one.json()
    assert body["clause"] == "G5.14" and body["status"] == "open" and body["revision"] == 1
    assert body["evidence"] == [{"id": doc.pk, "title": "Patch report March 2026"}]
    assert body["moves"] == ["response-drafted", "risk-accepted"]


def test_a_provider_and_a_cio_reviewer_find_no_findings(found, engineer, carol, ssa, alice):
    for person in (engineer, carol):
        client = api(person, found.organisation)
        assert_missing(client.get("/organisations/org-a/findings"))
        assert_missing(client.get(f"/organisations/org-a/findings/{found.pk}"))
        assert_missing(client.post(f"/organisations/org-a/findings/{found.pk}/response",
                                   {"response": "Mine", "revision": 1}))
        assert_missing(client.post(f"/organisations/org-a/findings/{found.pk}/status", {"status": "risk-accepted",
                                                                                         "reason": "SSC"}))
    assert Finding.objects.get(pk=found.pk).revision == 1


def test_the_findings_are_narrowed_by_status_kind_and_severity(ssa, org_a, alice):
    add_finding(org_a, by=alice, kind="actual", severity="high")
    add_finding(org_a, by=alice, kind="observation", severity="low")
    third = add_finding(org_a, by=alice, kind="actual", severity="low")
    remediation.set_finding_status(third, by=alice, status="risk-accepted", reason="SSC letter 12")
    client = api(alice, org_a)

    def refs(**params):
        return [f["ref"] for f in client.everything("/organisations/org-a/findings", **params)]

    assert refs() == ["F-001", "F-002", "F-003"]
    assert refs(kind="actual") == ["F-001", "F-003"]
    assert refs(severity="low", status="open") == ["F-002"]
    assert client.get("/organisations/org-a/findings", status="lost").status_code == 422


def test_the_findings_come_a_page_at_a_time_each_once_at_a_constant_cost(ssa, org_a, alice, bob, olive, doc):
    for _ in range(3):
        made = add_finding(org_a, by=alice, assessment=ssa)
        remediation.respond(made, by=bob, response="We will review access monthly.", revision=made.revision)
        remediation.link_finding_evidence(made, doc, by=alice)
    client = api(olive, org_a)
    few = counted(client, "/organisations/org-a/findings")
    for n in range(27):
        made = add_finding(org_a, by=bob, description=f"Finding {n}")
        if n % 2:
            remediation.respond(made, by=alice, response=f"Response {n}", revision=made.revision)
            remediation.link_finding_evidence(made, doc, by=alice)
    many = counted(client, "/organisations/org-a/findings")
    assert few[1] == 3 and many[1] == 30 and many[0] == few[0]
    first = client.get("/organisations/org-a/findings", page_size=4).json()
    assert len(first["results"]) == 4 and first["next"]
    seen = client.everything("/organisations/org-a/findings", page_size=4)
    assert [f["id"] for f in seen] == sorted(Finding.objects.filter(organisation=org_a).values_list("pk", flat=True))
    assert seen == client.everything("/organisations/org-a/findings", page_size=9)


def test_another_organisations_finding_answers_404_as_a_missing_one_does(found, their_finding, alice, mallory):
    client = api(alice, found.organisation)
    assert_missing(client.get(f"/organisations/org-a/findings/{their_finding.pk}"))
    assert_missing(client.post(f"/organisations/org-a/findings/{their_finding.pk}/response",
                               {"response": "Ours now", "revision": 1}))
    assert_missing(client.post(f"/organisations/org-a/findings/{their_finding.pk}/status",
                               {"status": "risk-accepted", "reason": "because"}))
    assert_missing(client.get("/organisations/org-b/findings"))
    assert_missing(client.get(f"/organisations/org-a/findings/{2**31 - 1}"))
    assert client.get(f"/organisations/org-a/findings/{2**40}").status_code == 422
    assert [f["ref"] for f in client.everything("/organisations/org-a/findings")] == ["F-001"]
    their_finding.refresh_from_db()
    assert their_finding.response == "" and their_finding.status == "open"


def test_a_token_reaches_only_its_own_organisation_whatever_else_its_person_belongs_to(
        found, their_finding, their_action, their_ssa, alice, org_b):
    join(alice, org_b, "owner")
    client = api(alice, found.organisation)
    assert client.get("/organisations/org-a/findings").status_code == 200
    assert_missing(client.get("/organisations/org-b/findings"))
    assert_missing(client.get(f"/organisations/org-b/findings/{their_finding.pk}"))
    assert_missing(client.post(f"/organisations/org-b/findings/{their_finding.pk}/response",
                               {"response": "Wrong token", "revision": 1}))
    assert_missing(client.post(f"/organisations/org-b/findings/{their_finding.pk}/status",
                               {"status": "risk-accepted", "reason": "Wrong token"}))
    assert_missing(client.get("/organisations/org-b/remediation/actions"))
    assert_missing(client.get(f"/organisations/org-b/remediation/actions/{their_action.pk}"))
    assert_missing(client.patch(f"/organisations/org-b/remediation/actions/{their_action.pk}",
                                {"revision": 1, "status": "cancelled"}))
    assert_missing(client.post(f"/organisations/org-b/assessments/{their_ssa.pk}/remediation/actions",
                               {"description": "Wrong token", "target_date": "2026-06-30"}))
    their_finding.refresh_from_db()
    their_action.refresh_from_db()
    assert their_finding.revision == 1 and their_action.revision == 1
    assert RemediationAction.objects.filter(plan__organisation=org_b).count() == 1


# --- findings: the management response and the status -------------------------------------------


@pytest.mark.parametrize("name", ["alice", "bob"])
def test_an_owner_or_contributor_writes_the_response(found, name, request):
    person = request.getfixturevalue(name)
    response = api(person, found.organisation).post(f"/organisations/org-a/findings/{found.pk}/response",
                                                    {"response": "Access is reviewed monthly from April.",
                                                     "revision": 1})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["response"] == "Access is reviewed monthly from April."
    assert body["status"] == "response-drafted" and body["revision"] == 2
    assert body["responded_by"]["id"] == person.pk
    assert last_event("review.finding.responded").actor_id == person.pk


@pytest.mark.parametrize("name", ["dave", "olive"])
def test_an_approver_or_observer_may_not_write_the_response_nor_move_the_finding(found, name, request):
    person = request.getfixturevalue(name)
    client = api(person, found.organisation)
    response = client.post(f"/organisations/org-a/findings/{found.pk}/response", {"response": "Mine", "revision": 1})
    assert response.status_code == 403 and response["Content-Type"] == PROBLEM
    response = client.post(f"/organisations/org-a/findings/{found.pk}/status",
                           {"status": "risk-accepted", "reason": "SSC letter"})
    assert response.status_code == 403
    found.refresh_from_db()
    assert found.response == "" and found.status == "open" and found.revision == 1


def test_a_stale_response_is_refused_with_the_finding_as_it_now_stands(found, alice, bob):
    path = f"/organisations/org-a/findings/{found.pk}/response"
    assert api(bob, found.organisation).post(path, {"response": "Bob's words", "revision": 1}).status_code == 200
    response = api(alice, found.organisation).post(path, {"response": "Alice's words", "revision": 1})
    assert response.status_code == 409, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert "was changed after you opened it" in body["detail"]
    assert body["current"]["id"] == found.pk and body["current"]["revision"] == 2
    assert body["current"]["response"] == "Bob's words"
    assert body["current"]["responded_by"]["email"] == "bob@a.test"
    assert Finding.objects.get(pk=found.pk).response == "Bob's words"


def test_an_empty_response_is_refused_with_the_products_message(found, bob):
    response = api(bob, found.organisation).post(f"/organisations/org-a/findings/{found.pk}/response",
                                                 {"response": "  ", "revision": 1})
    refused(response, "give the management response")
    assert Finding.objects.get(pk=found.pk).revision == 1


def test_a_read_only_token_writes_no_response_and_moves_nothing(found, alice):
    client = api(alice, found.organisation, read_only=True)
    assert client.post(f"/organisations/org-a/findings/{found.pk}/response",
                       {"response": "Words", "revision": 1}).status_code == 403
    assert client.post(f"/organisations/org-a/findings/{found.pk}/status",
                       {"status": "risk-accepted", "reason": "SSC"}).status_code == 403
    found.refresh_from_db()
    assert found.response == "" and found.status == "open"
    assert client.get(f"/organisations/org-a/findings/{found.pk}").status_code == 200


def test_the_finding_moves_along_its_statuses_as_the_web_allows(found, bob, alice):
    client = api(bob, found.organisation)
    path = f"/organisations/org-a/findings/{found.pk}/status"
    refused(client.post(path, {"status": "closed"}), "F-001 is open and cannot go to closed")
    refused(client.post(path, {"status": "response-drafted"}), "write the management response to F-001 first")
    refused(client.post(path, {"status": "risk-accepted"}),
            "give the reason the risk is accepted, with the SSC's reference if it has one")
    assert client.post(path, {"status": "lost"}).status_code == 422
    remediation.respond(found, by=alice, response="Monthly reviews.", revision=1)
    response = client.post(path, {"status": "action-planned"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "action-planned"
    assert response.json()["moves"] == ["in-remediation", "risk-accepted"]
    event = last_event("review.finding.moved")
    assert event.actor_id == bob.pk and event.after == {"status": "action-planned"}
    response = client.post(path, {"status": "risk-accepted", "reason": "SSC letter ref 42"})
    assert response.status_code == 200 and response.json()["status"] == "risk-accepted"
    assert last_event("review.finding.moved").reason == "SSC letter ref 42"


# --- remediation actions: reading -----------------------------------------------------------------


@pytest.mark.parametrize("name", MEMBERS_WHO_READ)
def test_each_member_reads_the_actions(plan, found, name, request, bob, doc):
    made = add_action(plan, by=bob, owner=bob, finding=found, clause="G5.14")
    person = request.getfixturevalue(name)
    client = api(person, plan.organisation)
    listed = client.get("/organisations/org-a/remediation/actions")
    assert listed.status_code == 200, listed.content
    assert [a["id"] for a in listed.json()["results"]] == [made.pk]
    one = client.get(f"/organisations/org-a/remediation/actions/{made.pk}")
    assert one.status_code == 200
    body = one.json()
    assert body["plan_id"] == plan.pk and body["assessment_id"] == plan.assessment_id
    assert body["finding"] == {"id": found.pk, "ref": "F-001"} and body["owner"]["id"] == bob.pk
    assert body["target_date"] == (TODAY + 30 * DAY).isoformat() and body["status"] == "planned"
    assert body["revision"] == 1 and body["plan_version"] == 1 and body["plan_status"] == "draft"


def test_a_provider_and_a_cio_reviewer_find_no_actions(plan, engineer, carol, ssa):
    made = add_action(plan)
    for person in (engineer, carol):
        client = api(person, plan.organisation)
        assert_missing(client.get("/organisations/org-a/remediation/actions"))
        assert_missing(client.get(f"/organisations/org-a/remediation/actions/{made.pk}"))
        assert_missing(client.patch(f"/organisations/org-a/remediation/actions/{made.pk}",
                                    {"revision": 1, "status": "in-progress"}))
        assert_missing(client.post(f"/organisations/org-a/assessments/{ssa.pk}/remediation/actions",
                                   {"description": "Mine", "target_date": "2026-06-30"}))
    assert RemediationAction.objects.count() == 1 and RemediationAction.objects.get().revision == 1


def test_the_actions_of_every_plan_come_a_page_at_a_time_at_a_constant_cost(plan, org_a, alice, bob, doc, found):
    other = remediation.open_plan(submitted_assessment(org_a, alice, "SSA 2025"), by=alice)
    for n in range(3):
        add_action(plan if n % 2 else other, by=alice, owner=bob, finding=found, description=f"Action {n}")
    client = api(alice, org_a)
    few = counted(client, "/organisations/org-a/remediation/actions")
    for n in range(27):
        made = add_action(other if n % 2 else plan, by=alice, owner=bob if n % 3 else None,
                          finding=found if n % 4 else None, description=f"More {n}")
        if n % 5 == 0:
            remediation.update_action(made, by=alice, revision=made.revision, status="done", closure_evidence=doc)
    many = counted(client, "/organisations/org-a/remediation/actions")
    assert few[1] == 3 and many[1] == 30 and many[0] == few[0]
    seen = client.everything("/organisations/org-a/remediation/actions", page_size=8)
    assert [a["id"] for a in seen] == sorted(RemediationAction.objects.values_list("pk", flat=True))
    assert {a["plan_id"] for a in seen} == {plan.pk, other.pk}
    assert seen == client.everything("/organisations/org-a/remediation/actions", page_size=11)


def test_another_organisations_action_answers_404_as_a_missing_one_does(plan, their_action, their_ssa, alice):
    client = api(alice, plan.organisation)
    assert_missing(client.get(f"/organisations/org-a/remediation/actions/{their_action.pk}"))
    assert_missing(client.patch(f"/organisations/org-a/remediation/actions/{their_action.pk}",
                                {"revision": 1, "description": "Ours now"}))
    assert_missing(client.post(f"/organisations/org-a/assessments/{their_ssa.pk}/remediation/actions",
                               {"description": "Into their plan", "target_date": "2026-06-30"}))
    assert_missing(client.get("/organisations/org-b/remediation/actions"))
    assert client.everything("/organisations/org-a/remediation/actions") == []
    their_action.refresh_from_db()
    assert their_action.description == "Review privileged access" and their_action.revision == 1
    assert their_action.plan.actions.count() == 1


# --- remediation actions: adding ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["alice", "bob"])
def test_an_owner_or_contributor_adds_an_action_opening_the_plan(ssa, found, name, request, bob):
    person = request.getfixturevalue(name)
    assert not RemediationPlan.objects.exists()
    response = api(person, ssa.organisation).post(
        f"/organisations/org-a/assessments/{ssa.pk}/remediation/actions",
        {"description": "Review privileged access monthly", "target_date": "2026-06-30", "owner_id": bob.pk,
         "finding_id": found.pk, "clause": "G5.14"})
    assert response.status_code == 201, response.content
    body = response.json()
    plan = RemediationPlan.objects.get(assessment=ssa)
    assert body["plan_id"] == plan.pk and body["owner"]["id"] == bob.pk and body["finding"]["ref"] == "F-001"
    assert body["target_date"] == "2026-06-30" and body["clause"] == "G5.14"
    assert last_event("review.plan.opened").actor_id == person.pk
    assert last_event("review.action.added").actor_id == person.pk
    again = api(person, ssa.organisation).post(f"/organisations/org-a/assessments/{ssa.pk}/remediation/actions",
                                               {"description": "And a second", "target_date": "2026-07-31"})
    assert again.status_code == 201 and again.json()["plan_id"] == plan.pk
    assert RemediationPlan.objects.count() == 1 and plan.actions.count() == 2


@pytest.mark.parametrize("name", ["dave", "olive"])
def test_an_approver_or_observer_may_not_add_an_action(ssa, name, request):
    person = request.getfixturevalue(name)
    response = api(person, ssa.organisation).post(f"/organisations/org-a/assessments/{ssa.pk}/remediation/actions",
                                                  {"description": "Mine", "target_date": "2026-06-30"})
    assert response.status_code == 403 and response["Content-Type"] == PROBLEM
    assert not RemediationPlan.objects.exists() and not RemediationAction.objects.exists()


def test_an_action_is_refused_with_the_products_message(ssa, org_a, alice, bob, olive, mallory, their_finding):
    client = api(bob, org_a)
    path = f"/organisations/org-a/assessments/{ssa.pk}/remediation/actions"
    refused(client.post(path, {"description": " ", "target_date": "2026-06-30"}),
            "give a description of the action")
    refused(client.post(path, {"description": "Review", "target_date": "2026-06-30", "owner_id": olive.pk}),
            "olive@a.test cannot be the action's owner: an Observer may not work on findings and remediation in "
            "Alpha Energy Ltd. Choose an Owner or a Contributor.")
    refused(client.post(path, {"description": "Review", "target_date": "2026-06-30", "owner_id": mallory.pk}),
            "the action's owner must be a member of Alpha Energy Ltd")
    refused(client.post(path, {"description": "Review", "target_date": "2026-06-30",
                               "finding_id": their_finding.pk}),
            "choose one of this organisation's open findings, or none")
    draft = assessment_actions.create_assessment(org_a, kind="ssa", by=alice, title="Draft SSA").assessment
    refused(client.post(f"/organisations/org-a/assessments/{draft.pk}/remediation/actions",
                        {"description": "Review", "target_date": "2026-06-30"}),
            "'Draft SSA' has not been submitted; a remediation plan answers the SSC's request after submission")
    for malformed in ({"description": "No date"}, {"description": "Bad date", "target_date": "30/06/2026"},
                      {"description": "Huge owner", "target_date": "2026-06-30", "owner_id": 2**40}):
        response = client.post(path, malformed)
        assert response.status_code == 422 and response.json()["errors"], response.content
    assert not RemediationAction.objects.exists()


def test_a_read_only_token_adds_no_action(ssa, alice):
    response = api(alice, ssa.organisation, read_only=True).post(
        f"/organisations/org-a/assessments/{ssa.pk}/remediation/actions",
        {"description": "Review", "target_date": "2026-06-30"})
    assert response.status_code == 403
    assert not RemediationPlan.objects.exists() and not RemediationAction.objects.exists()


# --- remediation actions: changing ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["alice", "bob"])
def test_an_owner_or_contributor_moves_an_action_and_closes_it_with_evidence(plan, name, request, doc, bob):
    made = add_action(plan, owner=bob)
    person = request.getfixturevalue(name)
    client = api(person, plan.organisation)
    path = f"/organisations/org-a/remediation/actions/{made.pk}"
    response = client.patch(path, {"revision": 1, "status": "in-progress"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in-progress" and response.json()["revision"] == 2
    assert response.json()["owner"]["id"] == bob.pk  # left out: left as it was
    event = last_event("review.action.changed")
    assert event.actor_id == person.pk and event.after == {"status": "in-progress"}
    response = client.patch(path, {"revision": 2, "status": "done", "closure_evidence_id": doc.pk})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "done" and body["closure_evidence"] == {"id": doc.pk, "title": doc.title}
    assert body["closed_at"] and body["revision"] == 3
    response = client.patch(path, {"revision": 3, "owner_id": None, "target_date": "2026-09-30"})
    assert response.status_code == 200 and response.json()["owner"] is None
    assert response.json()["target_date"] == "2026-09-30"


@pytest.mark.parametrize("name", ["dave", "olive"])
def test_an_approver_or_observer_may_not_change_an_action(plan, name, request):
    made = add_action(plan)
    person = request.getfixturevalue(name)
    response = api(person, plan.organisation).patch(f"/organisations/org-a/remediation/actions/{made.pk}",
                                                    {"revision": 1, "status": "cancelled"})
    assert response.status_code == 403 and response["Content-Type"] == PROBLEM
    made.refresh_from_db()
    assert made.status == "planned" and made.revision == 1


def test_a_stale_change_is_refused_with_the_action_as_it_now_stands(plan, alice, bob):
    made = add_action(plan)
    path = f"/organisations/org-a/remediation/actions/{made.pk}"
    assert api(bob, plan.organisation).patch(path, {"revision": 1, "status": "in-progress"}).status_code == 200
    response = api(alice, plan.organisation).patch(path, {"revision": 1, "description": "Alice's words"})
    assert response.status_code == 409, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert "was changed by someone else after you opened it" in body["detail"]
    assert body["current"]["id"] == made.pk and body["current"]["revision"] == 2
    assert body["current"]["status"] == "in-progress" and body["current"]["description"] == "Review privileged access"
    assert RemediationAction.objects.get(pk=made.pk).description == "Review privileged access"


def test_a_change_is_refused_with_the_products_message(plan, alice, olive, mallory, their_doc):
    made = add_action(plan)
    client = api(alice, plan.organisation)
    path = f"/organisations/org-a/remediation/actions/{made.pk}"
    refused(client.patch(path, {"revision": 1, "status": "done"}),
            "an action is marked done with its closure evidence: choose the document that shows it is done")
    refused(client.patch(path, {"revision": 1, "closure_evidence_id": their_doc.pk}),
            "that document is not in this organisation's register; add it there first")
    refused(client.patch(path, {"revision": 1, "owner_id": mallory.pk}),
            "the action's owner must be a member of Alpha Energy Ltd")
    refused(client.patch(path, {"revision": 1, "description": ""}), "give a description of the action")
    for malformed in ({"status": "in-progress"}, {"revision": 0, "status": "in-progress"},
                      {"revision": 1, "status": "finished"}, {"revision": 1, "colour": "red"}):
        response = client.patch(path, malformed)
        assert response.status_code == 422 and response.json()["errors"], response.content
    made.refresh_from_db()
    assert made.revision == 1 and made.status == "planned" and made.closure_evidence is None


def test_a_read_only_token_changes_no_action(plan, alice):
    made = add_action(plan)
    client = api(alice, plan.organisation, read_only=True)
    response = client.patch(f"/organisations/org-a/remediation/actions/{made.pk}", {"revision": 1,
                                                                                     "status": "cancelled"})
    assert response.status_code == 403 and response["Content-Type"] == PROBLEM
    made.refresh_from_db()
    assert made.status == "planned" and made.revision == 1
    assert client.get(f"/organisations/org-a/remediation/actions/{made.pk}").status_code == 200
