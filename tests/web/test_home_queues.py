"""The home page for each role: what waits for the person where they act (rows, answers and actions
to prepare; sign-offs, checks and responses for an Approver; the User CIO's queue; a Provider's
documents), each item leading to the page where they act; the portfolio only for the organisations
they work in; nothing from beyond their door; and the same queries however much there is."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from secassure.assessments import actions as assessments
from secassure.assessments.models import Assessment, QuestionAnswer, StatusChange, ValidationRow
from secassure.evidence import actions as evidence
from secassure.evidence.models import Document
from secassure.profile.actions import add_provider
from secassure.review import actions as review
from secassure.review import fieldwork_actions as fieldwork
from secassure.review.models import (
    CioReport,
    Comment,
    Finding,
    QueryMessage,
    RemediationAction,
    RemediationPlan,
    ReviewQuery,
    Share,
)
from secassure.tenancy import actions as tenancy
from secassure.tenancy.models import Membership
from tests.assessments import helpers
from tests.evidence import files
from tests.personas import join, make_org, make_user, persona
from tests.shipped import load_shipped_rules

DAY = dt.timedelta(days=1)
TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def _setting(db, settings, write):
    """MFA not required (the personas sign in with force_login), the small test catalogue loaded."""
    settings.SECASSURE_REQUIRE_MFA = False
    helpers.tiny(write)


@pytest.fixture
def org(org_a):
    """Org A holding the import-supplier role: rows T1 and T2, questions Q1 and Q2."""
    helpers.hold(org_a, "import-supplier")
    return org_a


def _ssa(org, by, title="SSA 2026"):
    return assessments.create_assessment(org, kind="ssa", by=by, title=title).assessment


def _home(client, user) -> str:
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def _work(page: str) -> str:
    """The "Your work" part of the home page."""
    start = page.find('<div class="work">')
    return page[start:page.index("</div>", start)] if start >= 0 else ""


def _links(html: str) -> list[str]:
    return [href.replace("&amp;", "&") for href in re.findall(r'href="([^"]+)"', html)]


def _all_open(client, html: str) -> None:
    """Every link of the part leads to a page the person may open."""
    links = _links(html)
    assert links
    for href in links:
        assert client.get(href.split("#")[0]).status_code == 200, href


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- Owners and Contributors ----------------------------------------------------------------------


def test_a_contributor_sees_the_rows_and_answers_given_to_them_that_need_work(client, org, alice, bob, mallory):
    a = _ssa(org, alice)
    assessments.move(a, "preparation", by=bob)
    t1, t2 = helpers.row(a, "T1"), helpers.row(a, "T2")
    assessments.assign_owner(a, [t1.pk, t2.pk], bob, by=alice)
    t2 = helpers.row(a, "T2")
    assessments.save_row(t2, by=bob, revision=t2.revision, status="partial", narrative="Half")
    QuestionAnswer.objects.filter(assessment=a).update(owner=bob)
    # Another of Alpha's assessments, already submitted: nothing in it is to prepare any more.
    done = helpers.submit(_ssa(org, alice, "SSA 2025"), maker=bob, checker=alice, approver=persona("dave", org))
    ValidationRow.objects.filter(assessment=done).update(owner=bob, status="not-assessed")
    # Bravo's rows, even if recorded with Bob as their owner, are beyond his door.
    elsewhere = _ssa(mallory.membership.organisation, mallory, "Bravo SSA")
    ValidationRow.objects.filter(assessment=elsewhere).update(owner=bob)

    page = _home(client, bob)
    work = _work(page)
    text = _text(work)
    assert "To prepare" in text and "SSA 2026" in text
    assert "2 rows given to you need work" in text and "1 not assessed · 1 not compliant" in text
    assert "2 answers given to you need work" in text and "2 not answered" in text
    assert "SSA 2025" not in text and "Bravo SSA" not in text and "Bravo Power" not in page
    assert f"/orgs/org-a/assessments/{a.pk}/?owner={bob.pk}" in _links(work)
    assert f"/orgs/org-a/assessments/{a.pk}/questions/" in _links(work)
    _all_open(client, work)
    # The link leads to the workspace showing his rows.
    listed = client.get(f"/orgs/org-a/assessments/{a.pk}/?owner={bob.pk}").content.decode()
    assert "T1" in listed and "T2" in listed
    # Rows given to someone else are not his.
    assessments.assign_owner(a, [t1.pk], alice, by=alice)
    assert "1 row given to you needs work" in _text(_work(_home(client, bob)))


def test_an_assessment_returned_to_preparation_says_why(client, org, alice, bob, carol):
    a = _ssa(org, alice)
    assessments.move(a, "preparation", by=bob)
    assessments.assign_owner(a, [helpers.row(a, "T1").pk], bob, by=alice)
    helpers.fill(a, bob)
    assessments.move(a, "internal-review", by=bob)
    assessments.move(a, "preparation", by=alice, reason="T1 needs the new log policy")
    t1 = helpers.row(a, "T1")
    assessments.save_row(t1, by=bob, revision=t1.revision, status="non-compliant", narrative="Not yet")
    text = _text(_work(_home(client, bob)))
    assert "Returned to preparation: T1 needs the new log policy" in text and "1 not compliant" in text


def test_rows_queried_by_the_cio_during_fieldwork_need_work(client, org, alice, bob, carol):
    load_shipped_rules()
    fusa = assessments.create_assessment(org, kind="fusa", by=alice, title="FUSA 2026").assessment
    review.share(fusa, carol, by=alice)
    fusa.refresh_from_db()
    t1 = helpers.row(fusa, "T1")
    assessments.save_row(t1, by=bob, revision=t1.revision, status="compliant", narrative="Met")
    assessments.assign_owner(fusa, [t1.pk], bob, by=alice)
    assert "FUSA 2026" not in _text(_work(_home(client, bob)))  # compliant, nothing asked: nothing to do
    review.raise_query(fusa, helpers.row(fusa, "T1"), by=carol, text="The access log, please", purpose="evidence")
    text = _text(_work(_home(client, bob)))
    assert "FUSA 2026" in text and "1 row given to you needs work" in text and "1 queried by the User CIO" in text


def test_remediation_actions_they_own_overdue_first_and_only_their_own(client, org, alice, bob, mallory):
    erin = persona("erin", org)
    a = _ssa(org, alice)
    plan = RemediationPlan.objects.create(organisation=org, assessment=a)
    today = TODAY()
    later = RemediationAction.objects.create(plan=plan, description="Rotate keys", target_date=today + 9 * DAY,
                                             owner=bob)
    late = RemediationAction.objects.create(plan=plan, description="Patch the head-end",
                                            target_date=today - 3 * DAY, owner=bob)
    RemediationAction.objects.create(plan=plan, description="Already done", target_date=today - 9 * DAY, owner=bob,
                                     status="done")
    RemediationAction.objects.create(plan=plan, description="Erin's action", target_date=today, owner=erin)
    bravo = mallory.membership.organisation
    other = RemediationPlan.objects.create(organisation=bravo, assessment=_ssa(bravo, mallory, "Bravo SSA"))
    RemediationAction.objects.create(plan=other, description="Bravo's action", target_date=today, owner=bob)

    work = _work(_home(client, bob))
    text = _text(work)
    assert "Remediation actions you own" in text
    assert text.index("Patch the head-end") < text.index("Rotate keys")
    assert "overdue by 3 days" in text
    assert "Already done" not in text and "Erin's action" not in text and "Bravo's action" not in text
    assert f"/orgs/org-a/remediation/{plan.pk}/#action-{late.pk}" in _links(work)
    assert f"/orgs/org-a/remediation/{plan.pk}/#action-{later.pk}" in _links(work)
    _all_open(client, work)


def test_a_contributor_with_nothing_to_do_is_told_so(client, org, bob):
    text = _text(_work(_home(client, bob)))
    assert "None of the rows or answers given to you needs anything just now" in text
    assert "You own no open remediation action" in text
    assert "Nothing is waiting for you just now" in _text(_home(client, bob))


# --- Approvers ------------------------------------------------------------------------------------


def test_an_approver_sees_what_waits_for_sign_off_and_checks(client, org, alice, bob, dave, mallory):
    ready = _ssa(org, alice, "SSA ready")
    assessments.move(ready, "preparation", by=bob)
    helpers.fill(ready, bob, alice)
    assessments.move(ready, "internal-review", by=bob)
    assessments.move(ready, "sign-off", by=alice)
    checking = _ssa(org, alice, "SSA checking")
    assessments.move(checking, "preparation", by=bob)
    helpers.fill(checking, bob)
    assessments.move(checking, "internal-review", by=bob)
    assessments.check_item(helpers.row(checking, "T1"), by=alice, revision=helpers.row(checking, "T1").revision)
    preparing = _ssa(org, alice, "SSA preparing")
    assessments.move(preparing, "preparation", by=bob)
    # Bravo's sign-off is Bravo's business.
    bravo = mallory.membership.organisation
    theirs = _ssa(bravo, mallory, "Bravo SSA")
    Assessment.objects.filter(pk=theirs.pk).update(status="sign-off")

    work = _work(_home(client, dave))
    text = _text(work)
    assert "Waiting for your sign-off" in text and "SSA ready" in text
    assert "SSA checking" in text and "1 row to check" in text and "2 answers to check" in text
    assert "SSA preparing" not in text and "Bravo SSA" not in text
    assert f"/orgs/org-a/assessments/{ready.pk}/" in _links(work)
    assert f"/orgs/org-a/assessments/{checking.pk}/?unchecked=1" in _links(work)
    assert f"/orgs/org-a/assessments/{checking.pk}/questions/" in _links(work)
    _all_open(client, work)


def test_an_approver_sees_responses_to_the_cio_report_to_sign_off(client, org, alice, bob, dave, mallory):
    a = _ssa(org, alice)

    def finding(ref, org=org, **fields):
        return Finding.objects.create(organisation=org, assessment=a if org.pk == a.organisation_id else None,
                                      ref=ref, kind="potential", description=f"Finding {ref}", **fields)

    waiting = finding("F-001", response="We will fix it.", responded_by=bob, status="response-drafted",
                      response_due=TODAY() + 5 * DAY)
    finding("F-002", response="Signed already.", responded_by=bob, response_approved_by=dave)
    finding("F-003")  # no response yet
    finding("F-004", response="Theirs.", responded_by=dave)  # their own: another Approver signs it off
    finding("F-005", response="Raised ourselves.", responded_by=bob, source="self")
    finding("F-006", response="Closed.", responded_by=bob, status="closed")
    finding("F-007", org=mallory.membership.organisation, response="Bravo's.", responded_by=mallory)

    work = _work(_home(client, dave))
    text = _text(work)
    assert "Responses to the User CIO's report to sign off" in text and "F-001: Finding F-001" in text
    for ref in ("F-002", "F-003", "F-004", "F-005", "F-006", "F-007"):
        assert ref not in text, ref
    assert f"/orgs/org-a/findings/{waiting.pk}/" in _links(work)
    assert "Sign off this response" in client.get(f"/orgs/org-a/findings/{waiting.pk}/").content.decode()
    _all_open(client, work)


# --- CIO reviewers --------------------------------------------------------------------------------


@pytest.fixture
def shared(org, alice, bob, carol, dave):
    """An SSA under Carol's review: one query answered by the User, one waiting for it, one closed,
    and a draft comment of hers."""
    a = helpers.submit(_ssa(org, alice, "SSA under review"), maker=bob, checker=alice, approver=dave)
    review.share(a, carol, by=alice)
    answered = review.raise_query(a, helpers.row(a, "T1"), by=carol, text="Which logs?")
    review.reply(answered, by=bob, text="The SIEM report.")
    review.raise_query(a, helpers.answer(a, "Q1"), by=carol, text="What changed?")
    closed = review.raise_query(a, helpers.row(a, "T2"), by=carol, text="Fine?")
    review.reply(closed, by=bob, text="Yes.")
    review.close_query(closed, by=carol)
    review.comment(a, by=carol, text="Well evidenced.")
    a.refresh_from_db()
    return a, answered


def test_a_cio_reviewer_sees_their_queue_with_what_waits_for_them(client, shared, carol, org):
    a, answered = shared
    page = _home(client, carol)
    work = _work(page)
    text = _text(work)
    assert "Your work as User CIO" in text and "You are the User CIO for Alpha Energy Ltd" in text
    assert "SSA under review" in text and "T1: query answered, waiting for you" in text
    assert "T2" not in text  # closed: nothing waits
    assert "1 query is waiting for the User's answer" in text
    assert "1 draft comment of yours: make the comments final" in text
    row = helpers.row(a, "T1")
    assert f"/orgs/org-a/assessments/{a.pk}/review/rows/{row.pk}/" in _links(work)
    assert f"/orgs/org-a/assessments/{a.pk}/review/" in _links(work)
    assert "/review/" in _links(work)
    _all_open(client, work)
    # A CIO reviewer keeps no portfolio row, and is not offered to create an organisation.
    assert "table class=\"grid portfolio\"" not in page and "Create an organisation" not in page
    assert "Large Supplier" not in page


def test_a_share_withdrawn_or_a_cio_no_longer_a_member_drops_out(client, shared, alice, carol, org):
    a, _ = shared
    review.revoke(Share.objects.get(assessment=a, reviewer=carol), by=alice)
    text = _text(_work(_home(client, carol)))
    assert "SSA under review" not in text and "Nothing shared with you is waiting for you just now" in text
    Share.objects.filter(assessment=a, reviewer=carol).update(revoked_at=None)
    assert "SSA under review" in _text(_work(_home(client, carol)))
    tenancy.remove_member(Membership.objects.get(user=carol, organisation=org), by=None)
    page = _home(client, carol)
    assert "SSA under review" not in page and "Your work as User CIO" not in page


def test_an_assessment_the_cio_has_finished_with_leaves_their_queue(client, shared, carol, bob):
    a, answered = shared
    review.close_query(answered, by=carol)
    waiting = ReviewQuery.objects.get(assessment=a, status="open")
    review.reply(waiting, by=bob, text="Nothing changed.")
    review.close_query(waiting, by=carol)
    Comment.objects.filter(assessment=a).delete()
    page = _home(client, carol)  # no query and no comment left, but the comments are still to make final
    assert "Comment, then make the comments final" in _text(_work(page))
    assert "Nothing is waiting for you just now" not in page
    review.finalise(a, by=carol)
    page = _home(client, carol)
    text = _text(_work(page))
    assert "SSA under review" not in text and "Nothing shared with you is waiting for you just now" in text
    assert "Nothing is waiting for you just now" in page
    assert "SSA under review" in client.get("/review/").content.decode()  # still shared: listed in full there


def test_a_cio_reviewer_sees_nothing_shared_with_another_cio_or_of_another_organisation(client, shared, org, alice,
                                                                                        bob, dave, carol, mallory):
    other = persona("other_cio", org)
    theirs = helpers.submit(_ssa(org, alice, "SSA for the other CIO"), maker=bob, checker=alice, approver=dave)
    review.share(theirs, other, by=alice)
    bravo = mallory.membership.organisation
    elsewhere = _ssa(bravo, mallory, "Bravo SSA")
    Assessment.objects.filter(pk=elsewhere.pk).update(status="cio-review")
    Share.objects.create(assessment=elsewhere, reviewer=carol)  # recorded, but she is not Bravo's CIO
    text = _text(_work(_home(client, carol)))
    assert "SSA under review" in text
    assert "SSA for the other CIO" not in text and "Bravo SSA" not in text
    assert "SSA under review" not in _text(_work(_home(client, other)))


def test_an_assessment_the_cio_conducts_says_whether_the_report_is_to_issue(client, org, alice, carol):
    load_shipped_rules()
    fusa = assessments.create_assessment(org, kind="fusa", by=alice, title="FUSA 2026").assessment
    Assessment.objects.filter(pk=fusa.pk).update(planned_start=TODAY() + 10 * DAY, planned_end=TODAY() + 12 * DAY)
    review.share(fusa, carol, by=alice)
    work = _work(_home(client, carol))
    text = _text(work)
    start, end = (TODAY() + 10 * DAY).strftime("%-d %b %Y"), (TODAY() + 12 * DAY).strftime("%-d %b %Y")
    assert "FUSA 2026" in text and "The report is still to be issued" in text
    assert "2 obligations have no result yet · not drafted yet" in text
    assert f"Fieldwork planned from {start} to {end}" in text
    assert f"/orgs/org-a/assessments/{fusa.pk}/review/#report" in _links(work)
    _all_open(client, work)
    # Issued: the report is no longer to issue; the response's date is shown once the SSC sets it.
    fusa.refresh_from_db()
    fieldwork.record_fieldwork(fusa, by=carol, start=TODAY() - 5 * DAY, end=TODAY() - 3 * DAY)
    for item in helpers.rows_of(fusa):
        fieldwork.record_result(item, by=carol, result="compliant")
    fieldwork.write_report(fusa, by=carol, summary="All well.")
    fieldwork.issue_report(fusa, by=carol)
    text = _text(_work(_home(client, carol)))
    assert "The report is still to be issued" not in text
    assert "Report version 1 issued" in text and "the SSC has not yet set a date" in text
    assert "fieldwork recorded from" in text


# --- Providers ------------------------------------------------------------------------------------


@pytest.fixture
def provider_world(org, mallory):
    today = TODAY()
    northgate = add_provider(org, name="Northgate SRS", kind="srp", by=None)
    other = add_provider(org, name="Other Host", kind="hosting", by=None)
    engineer = persona("engineer", org)
    evidence.assign_provider_member(northgate, engineer.membership, by=None)

    def document(title, provider=northgate, organisation=org, *, accept=True, versions=1, review=None):
        found = evidence.add_document(organisation, title=title, doc_type="standard", provider=provider, by=None)
        evidence.add_version(found, chunks=[files.PDF], name="v1.pdf", by=None)
        if accept:
            evidence.accept(found, by=None, basis="Checked")
        for n in range(2, versions + 1):
            evidence.add_version(found, chunks=[files.PDF + f"\n% v{n}".encode()], name=f"v{n}.pdf", by=None)
        Document.objects.filter(pk=found.pk).update(next_review=review or today + 300 * DAY)
        return found

    made = {
        "awaiting": document("Hosting Security Policy", versions=2),
        "never": document("Key Procedure", accept=False),
        "due": document("Access Standard", review=today + 10 * DAY),
        "overdue": document("Old Runbook", review=today - DAY),
        "current": document("Current Standard"),
        "retired": document("Retired Standard", accept=False),
        "other": document("Other Host's Policy", provider=other, accept=False, review=today),
        "ours": evidence.add_document(org, title="Our Board Minutes", doc_type="record", by=None),
    }
    Document.objects.filter(pk=made["retired"].pk).update(status="retired")
    bravo = mallory.membership.organisation
    made["bravo"] = document("Bravo's Northgate Policy", organisation=bravo, accept=False,
                             provider=add_provider(bravo, name="Northgate SRS", kind="srp", by=None))
    return engineer, made


def test_a_provider_sees_their_documents_awaiting_acceptance_and_due_for_review(client, provider_world):
    engineer, made = provider_world
    page = _home(client, engineer)
    work = _work(page)
    text = _text(work)
    assert "Documents you maintain" in text and "Northgate SRS" in text
    assert "Versions awaiting Alpha Energy Ltd's acceptance" in text
    assert "Hosting Security Policy version 2" in text and "version 1 was the last accepted" in text
    assert "Key Procedure version 1" in text and "none accepted yet" in text
    assert "Due for review at Alpha Energy Ltd" in text
    assert text.index("Old Runbook") < text.index("Access Standard") and "overdue" in text
    for name in ("current", "retired", "other", "ours", "bravo"):
        assert made[name].title not in text, name
    for name in ("awaiting", "never", "due", "overdue"):
        assert f"/orgs/org-a/documents/{made[name].pk}/" in _links(work)
    assert "/orgs/org-a/documents/" in _links(work)
    _all_open(client, work)
    # No portfolio row, nothing of the organisation's own, and no offer to create an organisation.
    assert "Our Board Minutes" not in page and "Create an organisation" not in page
    assert "Open CIO queries" not in page


def test_a_provider_not_yet_linked_to_their_provider_is_told_so(client, org):
    engineer = persona("engineer", org)
    text = _text(_work(_home(client, engineer)))
    assert "No provider's documents are given to you yet" in text


# --- The portfolio and the offer to create an organisation ----------------------------------------


def test_the_portfolio_lists_only_the_organisations_a_person_works_in(client, consultant, org, alice):
    bravo = make_org("Bravo Supply", "bravo-supply")
    join(consultant, org, "cio-reviewer")
    join(consultant, bravo, "owner")
    client.force_login(consultant)
    response = client.get("/")
    assert [row["org"].slug for row in response.context["organisations"]] == ["bravo-supply"]
    page = response.content.decode()
    table = page[page.index('<table class="grid portfolio"'):page.index("</table>")]
    assert "Bravo Supply" in table and "Alpha Energy" not in table
    assert "You are the User CIO for Alpha Energy Ltd" in _text(_work(page))
    assert "Create an organisation" in page  # an Owner somewhere


@pytest.mark.parametrize("roles, offered", [
    ((), True),
    (("owner",), True), (("contributor",), True), (("approver",), True), (("observer",), True),
    (("cio-reviewer",), False), (("provider",), False), (("cio-reviewer", "provider"), False),
    (("cio-reviewer", "observer"), True),
])
def test_creating_an_organisation_is_offered_to_those_who_work_in_one_or_a_newcomer(client, db, roles, offered):
    person = make_user("someone@x.test")
    for n, role in enumerate(roles):
        join(person, make_org(f"Org {n}", f"org-{n}"), role)
    page = _home(client, person)
    assert ("Create an organisation" in page) is offered
    assert ("You do not belong to any organisation yet" in page) is (not roles)


# --- Queries: the same however much there is -----------------------------------------------------


def _world(n: int, tag: str):
    """A person who prepares in one organisation, approves in another, is the User CIO of a third
    and works for a provider of a fourth, with ``n`` things of every kind waiting in each."""
    today = TODAY()
    person = make_user(f"busy-{tag}@x.test")
    colleague = make_user(f"colleague-{tag}@x.test")
    orgs = {}
    for role in ("contributor", "approver", "cio-reviewer", "provider"):
        orgs[role] = make_org(f"{role.title()} {tag}", f"{role}-{tag}")
        helpers.hold(orgs[role], "import-supplier")
        join(person, orgs[role], role)
        join(colleague, orgs[role], "contributor")

    prep = orgs["contributor"]
    for i in range(n):
        a = _ssa(prep, None, f"Prep {i}")
        Assessment.objects.filter(pk=a.pk).update(status="preparation")
        StatusChange.objects.create(assessment=a, from_status="internal-review", to_status="preparation",
                                    reason="Again")
        ValidationRow.objects.filter(assessment=a).update(owner=person)
        QuestionAnswer.objects.filter(assessment=a).update(owner=person)
    plan = RemediationPlan.objects.create(organisation=prep, assessment=a)
    RemediationAction.objects.bulk_create([RemediationAction(plan=plan, description=f"Action {i}", owner=person,
                                                             target_date=today + (i - 5) * DAY) for i in range(n)])

    signing = orgs["approver"]
    for i in range(n):
        Assessment.objects.filter(pk=_ssa(signing, None, f"Sign {i}").pk).update(status="sign-off")
        checking = _ssa(signing, None, f"Check {i}")
        Assessment.objects.filter(pk=checking.pk).update(status="internal-review")
        ValidationRow.objects.filter(assessment=checking).update(updated_by=colleague)
        Finding.objects.create(organisation=signing, assessment=checking, ref=f"F-{i:03}", kind="potential",
                               description="Gap", response="Fixing", responded_by=colleague)

    cio = orgs["cio-reviewer"]
    for i in range(n):
        a = _ssa(cio, None, f"Review {i}")
        Assessment.objects.filter(pk=a.pk).update(status="cio-review")
        Share.objects.create(assessment=a, reviewer=person)
        query = ReviewQuery.objects.create(assessment=a, row=a.rows.first(), raised_by=person, status="answered")
        QueryMessage.objects.create(query=query, side="cio", author=person, text="Why?")
        ReviewQuery.objects.create(assessment=a, answer=a.answers.first(), raised_by=person)
        Comment.objects.create(assessment=a, author=person, text="Draft")
        led = _ssa(cio, None, f"Fieldwork {i}")
        Assessment.objects.filter(pk=led.pk).update(status="fieldwork", planned_start=today, planned_end=today)
        Share.objects.create(assessment=led, reviewer=person)
        CioReport.objects.create(assessment=led, version=1, summary="Draft", written_by=person)

    hosted = orgs["provider"]
    provider = add_provider(hosted, name=f"Host {tag}", kind="srp", by=None)
    evidence.assign_provider_member(provider, Membership.objects.get(user=person, organisation=hosted), by=None)
    for i in range(n):
        found = evidence.add_document(hosted, title=f"Doc {i}", doc_type="policy", provider=provider, by=None)
        evidence.add_version(found, chunks=[files.PDF], name="v1.pdf", by=None)
        Document.objects.filter(pk=found.pk).update(next_review=today + i * DAY)
    return person


def _queries(client, person) -> tuple[int, str]:
    client.force_login(person)
    client.get("/")  # warm the session
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/")
    assert response.status_code == 200
    return len(captured), _text(_work(response.content.decode()))


def test_the_home_page_costs_the_same_queries_for_one_item_of_each_kind_or_ten(client, db):
    one, ten = _world(1, "one"), _world(10, "ten")
    few, few_text = _queries(client, one)
    many, many_text = _queries(client, ten)
    # Everything is there, in both.
    for text, n in ((few_text, 1), (many_text, 10)):
        assert f"Prep {n - 1}" in text and f"Sign {n - 1}" in text and f"Check {n - 1}" in text
        assert f"F-{n - 1:03}" in text and f"Review {n - 1}" in text and f"Fieldwork {n - 1}" in text
        assert f"Doc {n - 1}" in text and "Returned to preparation: Again" in text
    assert "Action 9" in many_text and "overdue by 5 days" in many_text
    with CaptureQueriesContext(connection) as captured:
        client.get("/")
    assert many == few, [q["sql"][:160] for q in captured.captured_queries]
