# ruff: noqa: F811 (the fixtures are imported by name and used as arguments)
"""The findings and remediation pages: who sees and who may change what, another organisation's
ids, the stale response, the evidence picker, the plan board and the director's letter, and the
query count of each list pinned for one item and for twenty."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from secassure.review import remediation_actions as remediation
from secassure.review.models import DirectorLetter, Finding, RemediationPlan
from tests.personas import join, make_user
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

ROLES = ["owner", "contributor", "approver", "observer", "provider", "cio-reviewer"]


def findings_url(org, rest=""):
    return f"/orgs/{org.slug}/findings/{rest}"


def plan_url(plan, rest=""):
    return f"/orgs/{plan.organisation.slug}/remediation/{plan.pk}/{rest}"


@pytest.fixture
def person(request, org_a, settings):
    """Someone in org A in the role the test is parametrised with."""
    settings.SECASSURE_REQUIRE_MFA = False
    role = request.param
    user = make_user(f"{role}@x.test")
    join(user, org_a, role)
    user.role = role
    return user


# --- who sees, who may ----------------------------------------------------------------------------


@pytest.mark.parametrize("person", ROLES, indirect=True)
def test_who_sees_the_pages(client, person, org_a, plan, bob, today):
    found = finding(org_a, bob)
    action(plan, bob, finding=found)
    client.force_login(person)
    expected = 404 if person.role in ("provider", "cio-reviewer") else 200
    for path in (findings_url(org_a), findings_url(org_a, f"{found.pk}/"), plan_url(plan)):
        assert client.get(path).status_code == expected, path
    if expected == 200:
        listing = client.get(findings_url(org_a)).content.decode()
        board = client.get(plan_url(plan)).content.decode()
        page = client.get(findings_url(org_a, f"{found.pk}/")).content.decode()
        manages = person.role in ("owner", "contributor")
        assert ("Record a finding" in listing) is manages
        assert ("Add an action" in board) is manages and ("Save the response" in page) is manages
        assert ("Sign the letter for version 1" in board) is (person.role == "approver")


POST_CODES = {  # what each role gets: a change made (302), refused by role (403), or no such page (404)
    "owner": {"manage": 302, "sign": 403, "approve": 302},
    "contributor": {"manage": 302, "sign": 403, "approve": 403},
    "approver": {"manage": 403, "sign": 302, "approve": 403},
    "observer": {"manage": 403, "sign": 403, "approve": 403},
    "provider": {"manage": 404, "sign": 404, "approve": 404},
    "cio-reviewer": {"manage": 404, "sign": 404, "approve": 404},
}


@pytest.mark.parametrize("person", ROLES, indirect=True)
def test_only_the_right_roles_may_post(client, person, org_a, plan, bob, dave, doc, today):
    codes = POST_CODES[person.role]
    found = finding(org_a, bob)
    item = action(plan, bob)
    client.force_login(person)
    day = TODAY.isoformat()
    managed = {
        findings_url(org_a): {"kind": "actual", "severity": "low", "source": "self", "description": "New"},
        findings_url(org_a, f"{found.pk}/response/"): {"revision": "1", "response": "We will"},
        findings_url(org_a, f"{found.pk}/evidence/"): {"document": doc.pk},
        plan_url(plan, "actions/"): {"description": "Another", "target_date": day},
        plan_url(plan, f"actions/{item.pk}/"): {"revision": "1", "description": "Changed", "target_date": day,
                                                 "status": "in-progress"},
        plan_url(plan, "reports/"): {"sent_on": day, "summary": "Progress"},
    }
    for path, data in managed.items():
        assert client.post(path, data).status_code == codes["manage"], path
    assert Finding.objects.count() == (2 if codes["manage"] == 302 else 1)
    assert plan.reports.count() == (1 if codes["manage"] == 302 else 0)

    letter = client.post(plan_url(plan, "letters/"), {"signed_on": day, "commitments": "As listed."})
    assert letter.status_code == codes["sign"]
    assert DirectorLetter.objects.exists() is (codes["sign"] == 302)

    plan.refresh_from_db()
    if plan.status != "signed":
        remediation.sign_letter(plan, by=dave, signed_on=TODAY, commitments="As listed.")
    remediation.send_plan(plan, by=bob, sent_on=TODAY)
    approval = client.post(plan_url(plan, "approval/"), {"approved_on": day, "reference": "SSC/2026/41"})
    assert approval.status_code == codes["approve"]
    plan.refresh_from_db()
    assert plan.status == ("approved" if codes["approve"] == 302 else "sent")


def test_another_organisations_findings_plans_and_actions_answer_404(client, alice, org_a, org_b, plan, mallory,
                                                                      their_ssa, today):
    theirs = finding(org_b, mallory)
    their_plan = remediation.open_plan(their_ssa, by=mallory)
    their_action = action(their_plan, mallory)
    mine = action(plan, alice)
    client.force_login(alice)
    for path in (findings_url(org_a, f"{theirs.pk}/"), findings_url(org_b, f"{theirs.pk}/"),
                 findings_url(org_b), plan_url(their_plan), f"/orgs/{org_a.slug}/remediation/{their_plan.pk}/"):
        assert client.get(path).status_code == 404, path
    for path, data in ((findings_url(org_a, f"{theirs.pk}/response/"), {"revision": "1", "response": "Mine"}),
                       (findings_url(org_a, f"{theirs.pk}/status/"), {"status": "risk-accepted", "reason": "x"}),
                       (f"/orgs/{org_a.slug}/remediation/{their_plan.pk}/actions/", {"description": "x",
                                                                                    "target_date": "2026-03-02"}),
                       (plan_url(plan, f"actions/{their_action.pk}/"), {"revision": "1", "description": "x",
                                                                         "target_date": "2026-03-02",
                                                                         "status": "planned"})):
        assert client.post(path, data).status_code == 404, path
    theirs.refresh_from_db()
    their_action.refresh_from_db()
    assert theirs.response == "" and their_action.description == "Review privileged access"
    assert their_plan.actions.count() == 1 and mine.plan_id == plan.pk


def test_opening_a_plan_from_the_list(client, alice, org_a, ssa, their_ssa):
    client.force_login(alice)
    page = client.get(findings_url(org_a)).content.decode()
    assert "Open the plan for" in page and "SSA 2026" in page and "Bravo SSA 2026" not in page
    response = client.post(f"/orgs/{org_a.slug}/remediation/", {"assessment": ssa.pk})
    opened = RemediationPlan.objects.get(assessment=ssa)
    assert response.status_code == 302 and response["Location"] == plan_url(opened)
    assert "Open the plan for" not in client.get(findings_url(org_a)).content.decode()  # it has its plan now
    refused = client.post(f"/orgs/{org_a.slug}/remediation/", {"assessment": their_ssa.pk}, follow=True)
    assert "Choose a submitted assessment" in refused.content.decode()
    assert not RemediationPlan.objects.filter(assessment=their_ssa).exists()


# --- findings -----------------------------------------------------------------------------------------


def test_recording_a_finding_and_the_filters(client, bob, org_a, ssa):
    client.force_login(bob)
    response = client.post(findings_url(org_a), {"kind": "potential", "severity": "high", "source": "cio-report",
                                                 "clause": "G5.14", "description": "Logs are kept 30 days",
                                                 "assessment": ssa.pk, "response_due": "2026-04-01"})
    created = Finding.objects.get()
    assert response.status_code == 302 and response["Location"] == findings_url(org_a, f"{created.pk}/")
    assert (created.ref, created.assessment, created.response_due.isoformat()) == ("F-001", ssa, "2026-04-01")
    finding(org_a, bob, kind="observation", severity="low", description="Tidy the register")
    bad = client.post(findings_url(org_a), {"kind": "actual", "severity": "low", "source": "self",
                                            "description": " "})
    assert bad.status_code == 400 and Finding.objects.count() == 2

    def rows(query=""):
        return client.get(findings_url(org_a) + query).content.decode().count('<tr id="finding-')

    assert rows() == 2
    assert rows("?severity=high") == 1 and rows("?kind=observation") == 1
    assert rows("?kind=observation&severity=high") == 0
    assert rows("?status=closed") == 0 and rows("?status=bogus") == 2  # an unknown value filters nothing


def test_a_stale_response_answers_409_and_shows_both_texts(client, alice, bob, org_a):
    found = finding(org_a, bob)
    client.force_login(bob)
    assert client.post(findings_url(org_a, f"{found.pk}/response/"),
                       {"revision": "1", "response": "Bob's response"}).status_code == 302
    client.force_login(alice)
    stale = client.post(findings_url(org_a, f"{found.pk}/response/"), {"revision": "1", "response": "Alice's text"})
    assert stale.status_code == 409
    text = stale.content.decode()
    assert "its response was last saved by bob@a.test" in text
    assert "Bob&#x27;s response" in text and "Alice&#x27;s text" in text
    assert 'name="revision" value="2"' in text  # the form now carries the revision as it stands
    found.refresh_from_db()
    assert found.response == "Bob's response" and found.revision == 2


def test_status_moves_and_the_evidence_picker(client, bob, org_a, doc, their_doc):
    found = finding(org_a, bob)
    client.force_login(bob)
    page = client.get(findings_url(org_a, f"{found.pk}/")).content.decode()
    assert doc.title in page and their_doc.title not in page
    assert 'value="risk-accepted"' in page and 'value="closed"' not in page
    refused = client.post(findings_url(org_a, f"{found.pk}/evidence/"), {"document": their_doc.pk})
    assert refused.status_code == 400 and "Choose a document from this organisation" in refused.content.decode()
    assert client.post(findings_url(org_a, f"{found.pk}/evidence/"), {"document": doc.pk}).status_code == 302
    assert list(found.evidence.all()) == [doc]
    no_reason = client.post(findings_url(org_a, f"{found.pk}/status/"), {"status": "risk-accepted"})
    assert no_reason.status_code == 400 and "Give the reason the risk is accepted" in no_reason.content.decode()
    closed = client.post(findings_url(org_a, f"{found.pk}/status/"), {"status": "closed"})
    assert closed.status_code == 400 and "cannot go to closed" in closed.content.decode()
    accepted = client.post(findings_url(org_a, f"{found.pk}/status/"),
                           {"status": "risk-accepted", "reason": "SSC letter 2026/7"}, follow=True)
    assert "F-001 is now a risk accepted, as the SSC allowed." in accepted.content.decode()
    found.refresh_from_db()
    assert found.status == "risk-accepted"
    assert "Save the response" not in accepted.content.decode()


# --- the plan board -------------------------------------------------------------------------------


def test_the_board_groups_actions_and_flags_the_overdue(client, bob, org_a, plan, doc, today):
    action(plan, bob, description="Late one", target_date=TODAY - 2 * DAY)
    action(plan, bob, description="Soon one", target_date=TODAY + 3 * DAY)
    finished = action(plan, bob, description="Finished one", target_date=TODAY - 5 * DAY)
    remediation.update_action(finished, by=bob, revision=1, status="done", closure_evidence=doc)
    client.force_login(bob)
    text = client.get(plan_url(plan)).content.decode()
    assert text.index("<h3>Planned") < text.index("Late one") < text.index("Soon one") < text.index("<h3>Done")
    assert text.index("<h3>Done") < text.index("Finished one")
    assert "2 days overdue" in text and "due in 3 days" in text and text.count("overdue</span>") == 1
    assert "1 action past its target date" in text


def test_signing_changing_and_the_letters_on_the_board(client, alice, bob, dave, org_a, plan, today):
    item = action(plan, bob, owner=bob)
    client.force_login(dave)
    signed = client.post(plan_url(plan, "letters/"), {"signed_on": TODAY.isoformat(), "commitments": "As listed."},
                         follow=True)
    text = signed.content.decode()
    assert "The director&#x27;s letter for version 1 is recorded." in text and "Version 1 is signed." in text
    again = client.post(plan_url(plan, "letters/"), {"signed_on": TODAY.isoformat(), "commitments": "Again"})
    assert again.status_code == 400 and "a letter is never replaced" in again.content.decode()

    client.force_login(bob)
    changed = client.post(plan_url(plan, f"actions/{item.pk}/"), {
        "revision": "1", "description": "Review access monthly", "target_date": (TODAY + 40 * DAY).isoformat(),
        "status": "planned", "owner": bob.pk}, follow=True)
    text = changed.content.decode()
    assert "The plan is now version 2, in draft" in text
    assert "(superseded)" in text and "Review privileged access" in text  # the old letter, as signed
    plan.refresh_from_db()
    assert (plan.version, plan.status) == (2, "draft")

    stale = client.post(plan_url(plan, f"actions/{item.pk}/"), {
        "revision": "1", "description": "Older wording", "target_date": TODAY.isoformat(), "status": "planned"})
    assert stale.status_code == 409 and "changed by someone else after you opened it" in stale.content.decode()
    done = client.post(plan_url(plan, f"actions/{item.pk}/"), {
        "revision": "2", "description": "Review access monthly", "target_date": (TODAY + 40 * DAY).isoformat(),
        "status": "done", "owner": bob.pk})
    assert done.status_code == 400 and "marked done with its closure evidence" in done.content.decode()

    client.force_login(alice)
    assert "Sign the letter" not in client.get(plan_url(plan)).content.decode()


def test_send_and_approval_from_the_board(client, alice, bob, dave, plan, today):
    action(plan, bob)
    remediation.sign_letter(plan, by=dave, signed_on=TODAY, commitments="As listed.")
    client.force_login(bob)
    assert "Record as sent" in client.get(plan_url(plan)).content.decode()
    future = client.post(plan_url(plan, "send/"), {"sent_on": (TODAY + DAY).isoformat()})
    assert future.status_code == 400 and "is in the future" in future.content.decode()
    sent = client.post(plan_url(plan, "send/"), {"sent_on": TODAY.isoformat()}, follow=True)
    text = sent.content.decode()
    assert "was sent to the SSC on 2 Mar 2026" in text and "An Owner records the SSC" in text
    client.force_login(alice)
    approved = client.post(plan_url(plan, "approval/"), {"approved_on": TODAY.isoformat(),
                                                         "reference": "SSC/2026/41"}, follow=True)
    assert "approved by the SSC on 2 Mar 2026 (reference SSC/2026/41)" in approved.content.decode()


# --- query counts ---------------------------------------------------------------------------------


def _grow(org, plan, by, signer, document, count: int, start: int = 0):
    for n in range(start, start + count):
        found = finding(org, by, assessment=plan.assessment, response_due=TODAY + (n - 5) * DAY)
        remediation.link_finding_evidence(found, document, by=by)
        action(plan, by, description=f"Action {n}", target_date=TODAY + (n - 5) * DAY, finding=found, owner=by)
        remediation.record_report(plan, by=by, sent_on=TODAY, summary=f"Report {n}")
    if plan.status == "draft":
        remediation.sign_letter(plan, by=signer, signed_on=TODAY, commitments="As listed.")


def _count(client, path) -> int:
    client.get(path)  # the session and caches warm
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


@pytest.mark.parametrize(("who", "page", "expected"), [
    ("bob", "list", 9), ("bob", "board", 11), ("dave", "board", 11), ("bob", "finding", 8)])
def test_each_page_costs_the_same_queries_for_one_item_and_for_twenty(request, client, org_a, plan, bob, dave, doc,
                                                                      today, who, page, expected):
    client.force_login(request.getfixturevalue(who))
    _grow(org_a, plan, bob, dave, doc, 1)
    first = Finding.objects.get()
    path = {"list": findings_url(org_a), "board": plan_url(plan), "finding": findings_url(org_a, f"{first.pk}/")}
    small = _count(client, path[page])
    _grow(org_a, plan, bob, dave, doc, 19, start=1)
    for n in range(19):  # and the first finding gets 20 documents and 20 actions too
        remediation.link_finding_evidence(first, document(org_a, f"Document {n}"), by=bob)
        action(plan, bob, description=f"For F-001, {n}", finding=first)
    large = _count(client, path[page])
    assert plan.actions.count() == 39 and Finding.objects.count() == 20
    assert first.evidence.count() == first.actions.count() == 20
    assert small == large == expected, (small, large)
