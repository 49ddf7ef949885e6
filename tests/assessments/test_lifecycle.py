"""The lifecycle: draft -> preparation -> internal review -> sign-off -> submitted, who may make
each move, what stops it, what submission pins, and that nothing outside the table ever happens."""

import itertools

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secassure.assessments import actions, services
from secassure.assessments.choices import TRANSITIONS, AssessmentStatus
from secassure.assessments.declaration import DECLARATION
from secassure.assessments.models import Assessment, EvidenceLink, RiskSnapshot, StatusChange
from secassure.audit.models import Event
from secassure.errors import ActionError
from secassure.evidence import actions as evidence
from secassure.profile.models import RoleHolding
from secassure.tenancy import access
from secassure.tenancy.actions import change_role
from secassure.tenancy.models import Membership
from secassure.wording import in_sentence
from tests.assessments import helpers
from tests.assessments.helpers import S
from tests.evidence import files
from tests.personas import persona


def history(assessment):
    return [(c.from_status, c.to_status, c.by.email if c.by else None, c.reason)
            for c in StatusChange.objects.filter(assessment=assessment).select_related("by")]


def assessment_events(assessment):
    return list(Event.objects.filter(object_type="assessments.assessment", object_id=str(assessment.pk))
                .order_by("seq"))


def status_in_db(assessment):
    return Assessment.objects.values_list("status", flat=True).get(pk=assessment.pk)


def at(assessment, status):
    Assessment.objects.filter(pk=assessment.pk).update(status=status)
    assessment.refresh_from_db()
    return assessment


def ready_for_sign_off(assessment, *, maker, checker):
    actions.move(assessment, S.PREPARATION, by=maker)
    helpers.fill(assessment, maker, checker)
    actions.move(assessment, S.INTERNAL_REVIEW, by=maker)
    actions.move(assessment, S.SIGN_OFF, by=checker)
    assessment.refresh_from_db()
    return assessment


# --- the happy path ---------------------------------------------------------------------------------


def test_the_full_lifecycle_with_the_right_people(a, alice, bob, dave):
    actions.move(a, S.PREPARATION, by=bob)
    assert a.status == S.PREPARATION and status_in_db(a) == S.PREPARATION
    helpers.fill(a, bob, alice)
    actions.move(a, S.INTERNAL_REVIEW, by=bob)
    actions.move(a, S.SIGN_OFF, by=alice)
    a.refresh_from_db()
    actions.decide_materiality(a, by=dave, decision="not-material", reason="no risk rose to the threshold")
    submitted = actions.move(a, S.SUBMITTED, by=dave, declaration=DECLARATION.version)

    a.refresh_from_db()
    assert a.status == S.SUBMITTED and submitted.status == S.SUBMITTED
    assert a.submitted_by == dave and a.submitted_at is not None
    assert a.revision == 6  # four moves and the decision
    assert history(a) == [
        ("draft", "preparation", "bob@a.test", ""),
        ("preparation", "internal-review", "bob@a.test", ""),
        ("internal-review", "sign-off", "alice@a.test", ""),
        ("sign-off", "submitted", "dave@a.test", ""),
    ]
    moves = [(e.action, e.before, e.after) for e in assessment_events(a) if e.action.startswith("assessments.assess")]
    assert moves == [
        ("assessments.assessment.created", None, moves[0][2]),
        ("assessments.assessment.start", {"status": "draft"}, {"status": "preparation"}),
        ("assessments.assessment.send-for-review", {"status": "preparation"}, {"status": "internal-review"}),
        ("assessments.assessment.send-for-sign-off", {"status": "internal-review"}, {"status": "sign-off"}),
        ("assessments.assessment.submit", {"status": "sign-off"},
         {"status": "submitted", "pinned_links": 0, "risks_snapshotted": 0,
          "declaration": {"version": DECLARATION.version, "text": DECLARATION.text_for("Alpha Energy Ltd")}}),
    ]
    assert [e.action for e in assessment_events(a)].count("assessments.materiality.decided") == 1


def test_signing_off_needs_the_declaration_in_force(a, alice, bob, dave):
    helpers.fill(a, bob, alice)
    actions.move(a, S.PREPARATION, by=bob)
    actions.move(a, S.INTERNAL_REVIEW, by=bob)
    actions.move(a, S.SIGN_OFF, by=alice)
    actions.decide_materiality(a, by=dave, decision="not-material", reason="no risk rose to the threshold")
    for accepted in (None, "", "2020.1"):
        with pytest.raises(ActionError, match=r"accept the director's declaration \(version 2026\.1\) first"):
            actions.move(a, S.SUBMITTED, by=dave, declaration=accepted)
    assert status_in_db(a) == S.SIGN_OFF and not a.status_changes.filter(to_status=S.SUBMITTED).exists()
    assert "Alpha Energy Ltd" in DECLARATION.text_for("Alpha Energy Ltd") and "{" not in DECLARATION.text_for("X")


def test_move_keeps_the_object_it_was_given_in_step(a, alice, bob, dave):
    """move() copies the new status and revision onto the object it was handed, but not who submitted
    and when: a caller that goes on using that object (as a baseline, say) sees an assessment that is
    submitted yet was never submitted (submitted_at None), and register_of() then reads the live
    register instead of the snapshot."""
    ready_for_sign_off(a, maker=bob, checker=alice)
    actions.decide_materiality(a, by=dave, decision="not-material", reason="nothing rose")
    actions.move(a, S.SUBMITTED, by=dave, declaration=DECLARATION.version)
    assert a.status == S.SUBMITTED
    assert a.submitted_by == dave
    assert a.submitted_at is not None


# --- what stops sign-off ------------------------------------------------------------------------------


def test_sign_off_lists_every_problem_and_refuses(cat, org_a, alice, bob):
    helpers.hold(org_a, "import-supplier")
    base = actions.create_assessment(org_a, kind="fusa", by=alice, title="FUSA 2025").assessment
    base.rows.update(status="compliant")
    base.answers.filter(question__ref="Q1").update(answer="yes")
    Assessment.objects.filter(pk=base.pk).update(status=S.SUBMITTED, submitted_at=timezone.now())
    base.refresh_from_db()
    helpers.hold(org_a, "export-supplier")
    a = actions.create_assessment(org_a, kind="ssa", by=alice, baseline=base).assessment
    # T1, T2 carried (compliant, unconfirmed); T3 new and not assessed; Q1 carried (yes), Q2 carried unanswered
    actions.move(a, S.PREPARATION, by=bob)
    actions.move(a, S.INTERNAL_REVIEW, by=bob)

    with pytest.raises(ActionError) as caught:
        actions.move(a, S.SIGN_OFF, by=alice)

    assert str(caught.value) == (
        "Send for management sign-off: not yet. "
        "1 row not assessed yet: T3; "
        "1 question not answered: Q2; "
        "4 carried-forward items not confirmed: T1, T2, Q1, Q2; "
        "5 items not checked by a second person: T1, T2, T3, Q1, Q2")
    assert status_in_db(a) == S.INTERNAL_REVIEW and a.status == S.INTERNAL_REVIEW
    assert [h[1] for h in history(a)] == ["preparation", "internal-review"]
    assert not Event.objects.filter(action="assessments.assessment.send-for-sign-off").exists()

    actions.move(a, S.PREPARATION, by=alice, reason="not ready")
    for item in helpers.rows_of(a):
        actions.save_row(item, by=bob, revision=item.revision, status="compliant")  # confirms T1, T2; assesses T3
    actions.move(a, S.INTERNAL_REVIEW, by=bob)
    with pytest.raises(ActionError) as caught:
        actions.move(a, S.SIGN_OFF, by=alice)
    assert str(caught.value) == (
        "Send for management sign-off: not yet. "
        "1 question not answered: Q2; "
        "2 carried-forward items not confirmed: Q1, Q2; "
        "5 items not checked by a second person: T1, T2, T3, Q1, Q2")

    actions.move(a, S.PREPARATION, by=alice, reason="questions next")
    for item in helpers.answers_of(a):
        actions.save_answer(item, by=bob, revision=item.revision, answer="yes")
    actions.move(a, S.INTERNAL_REVIEW, by=bob)
    with pytest.raises(ActionError) as caught:
        actions.move(a, S.SIGN_OFF, by=alice)
    assert str(caught.value) == ("Send for management sign-off: not yet. "
                                 "5 items not checked by a second person: T1, T2, T3, Q1, Q2")
    assert status_in_db(a) == S.INTERNAL_REVIEW

    for item in helpers.rows_of(a) + helpers.answers_of(a):
        actions.check_item(item, by=alice, revision=item.revision)
    actions.move(a, S.SIGN_OFF, by=alice)
    assert status_in_db(a) == S.SIGN_OFF


def test_problem_lists_are_cut_short_after_five(write, org_a, alice, bob):
    seven = helpers.load_text(write, helpers.numbered(7, "n7"), "n7.yaml")
    a = actions.create_assessment(org_a, kind="fusa", by=alice, catalogue=seven).assessment
    at(a, S.INTERNAL_REVIEW)
    with pytest.raises(ActionError) as caught:
        actions.move(a, S.SIGN_OFF, by=alice)
    assert "7 rows not assessed yet: N0, N1, N2, N3, N4 and 2 more" in str(caught.value)


# --- what stops submission -------------------------------------------------------------------------


def test_an_owner_may_not_submit(a, alice, bob, dave):
    ready_for_sign_off(a, maker=bob, checker=alice)
    actions.decide_materiality(a, by=alice, decision="not-material", reason="nothing rose")
    with pytest.raises(ActionError) as caught:
        actions.move(a, S.SUBMITTED, by=alice, declaration=DECLARATION.version)
    assert str(caught.value) == "your role in Alpha Energy Ltd does not allow this (assessments.approve)"
    assert status_in_db(a) == S.SIGN_OFF and a.submitted_at is None


def test_an_approver_who_prepared_part_of_it_may_not_submit(a, org_a, alice, bob, dave):
    erin, frank = persona("erin", org_a), persona("frank", org_a)
    actions.move(a, S.PREPARATION, by=bob)
    helpers.fill(a, bob)
    t1 = helpers.row(a, "T1")
    actions.save_row(t1, by=erin, revision=t1.revision, narrative="erin's words")  # erin made the last change
    for item in helpers.rows_of(a) + helpers.answers_of(a):
        actions.check_item(item, by=alice, revision=item.revision)
    actions.move(a, S.INTERNAL_REVIEW, by=frank)  # frank only sent it for review
    actions.move(a, S.SIGN_OFF, by=alice)
    a.refresh_from_db()
    actions.decide_materiality(a, by=dave, decision="not-material", reason="nothing rose")
    for person in (erin, frank):
        change_role(Membership.objects.get(user=person, organisation=org_a), "approver", by=None)

    for person in (erin, frank):
        with pytest.raises(ActionError) as caught:
            actions.move(a, S.SUBMITTED, by=person, declaration=DECLARATION.version)
        assert str(caught.value) == ("Sign off and submit: not yet. you prepared part of this assessment; "
                                     "another Approver must sign it off")
        assert status_in_db(a) == S.SIGN_OFF

    actions.move(a, S.SUBMITTED, by=dave, declaration=DECLARATION.version)
    assert status_in_db(a) == S.SUBMITTED


def test_an_ssa_needs_its_materiality_decision_before_submission(a, alice, bob, dave):
    ready_for_sign_off(a, maker=bob, checker=alice)
    with pytest.raises(ActionError) as caught:
        actions.move(a, S.SUBMITTED, by=dave, declaration=DECLARATION.version)
    assert str(caught.value) == ("Sign off and submit: not yet. record the decision on whether security risk has "
                                 "materially increased, with its reason")
    assert status_in_db(a) == S.SIGN_OFF


def test_a_fusa_needs_no_materiality_decision(cat, org_a, alice, bob, dave):
    helpers.hold(org_a, "import-supplier")
    fusa = actions.create_assessment(org_a, kind="fusa", by=alice).assessment
    ready_for_sign_off(fusa, maker=bob, checker=alice)
    actions.move(fusa, S.SUBMITTED, by=dave, declaration=DECLARATION.version)
    assert status_in_db(fusa) == S.SUBMITTED


def test_a_linked_document_without_a_version_stops_submission(a, org_a, alice, bob, dave):
    empty = evidence.add_document(org_a, title="Empty plan", doc_type="plan", by=None)
    actions.link_evidence(helpers.row(a, "T1"), empty, by=bob)
    ready_for_sign_off(a, maker=bob, checker=alice)
    actions.decide_materiality(a, by=dave, decision="material", reason="a new site")
    with pytest.raises(ActionError) as caught:
        actions.move(a, S.SUBMITTED, by=dave, declaration=DECLARATION.version)
    assert str(caught.value) == "Sign off and submit: not yet. a linked document with no version uploaded: Empty plan"
    assert status_in_db(a) == S.SIGN_OFF
    evidence.add_version(empty, chunks=[files.PDF], name="plan.pdf", by=None)
    actions.move(a, S.SUBMITTED, by=dave, declaration=DECLARATION.version)
    assert status_in_db(a) == S.SUBMITTED


# --- what submission does -------------------------------------------------------------------------


def test_submission_pins_evidence_and_snapshots_the_risk_register(a, org_a, alice, bob, dave):
    policy = evidence.add_document(org_a, title="Security policy", doc_type="policy", by=None)
    v1 = evidence.add_version(policy, chunks=[files.PDF], name="policy-v1.pdf", by=None)
    actions.link_evidence(helpers.row(a, "T1"), policy, by=bob)
    actions.link_evidence(helpers.answer(a, "Q1"), policy, by=bob)
    r1 = actions.add_risk(org_a, by=bob, title="Phishing", inherent_likelihood=4, inherent_impact=4,
                          residual_likelihood=2, residual_impact=3)
    r2 = actions.add_risk(org_a, by=bob, title="Old server", inherent_likelihood=3, inherent_impact=3,
                          residual_likelihood=1, residual_impact=1, status="closed")
    ready_for_sign_off(a, maker=bob, checker=alice)
    v2 = evidence.add_version(policy, chunks=[files.PDF + b"% v2\n"], name="policy-v2.pdf", by=None)
    assert v1.number == 1 and v2.number == 2
    assert set(EvidenceLink.objects.filter(assessment=a).values_list("version", flat=True)) == {None}
    actions.decide_materiality(a, by=dave, decision="not-material", reason="nothing rose")

    actions.move(a, S.SUBMITTED, by=dave, declaration=DECLARATION.version)

    assert list(EvidenceLink.objects.filter(assessment=a).values_list("version", flat=True)) == [v2.pk, v2.pk]
    evidence.add_version(policy, chunks=[files.PDF + b"% v3\n"], name="policy-v3.pdf", by=None)
    assert list(EvidenceLink.objects.filter(assessment=a).values_list("version", flat=True)) == [v2.pk, v2.pk]

    snaps = {s.risk.ref: s for s in RiskSnapshot.objects.filter(assessment=a).select_related("risk")}
    assert set(snaps) == {"R-001", "R-002"}
    assert snaps["R-001"].residual_score == 6 and snaps["R-002"].residual_score == 1
    assert snaps["R-001"].data == r1.as_dict() and snaps["R-002"].data["status"] == "closed"
    event = Event.objects.get(action="assessments.assessment.submit")
    assert {k: v for k, v in event.after.items() if k != "declaration"} == {"status": "submitted", "pinned_links": 2,
                                                                           "risks_snapshotted": 2}

    actions.update_risk(r1, by=bob, revision=r1.revision, residual_likelihood=5, residual_impact=5)
    a.refresh_from_db()
    assert RiskSnapshot.objects.get(assessment=a, risk=r1).residual_score == 6  # the snapshot holds
    assert services.register_of(a)[r1.pk]["residual_score"] == 6
    assert r2.pk in services.register_of(a)


# --- going back ---------------------------------------------------------------------------------------


def test_reopen_needs_an_owner_and_a_reason(a, alice, bob, dave):
    ready_for_sign_off(a, maker=bob, checker=alice)
    actions.decide_materiality(a, by=dave, decision="not-material", reason="nothing rose")
    actions.move(a, S.SUBMITTED, by=dave, declaration=DECLARATION.version)
    for person, permission in ((dave, "assessments.reopen"), (bob, "assessments.reopen")):
        with pytest.raises(ActionError) as caught:
            actions.move(a, S.PREPARATION, by=person, reason="a typo")
        assert str(caught.value) == f"your role in Alpha Energy Ltd does not allow this ({permission})"
    with pytest.raises(ActionError) as caught:
        actions.move(a, S.PREPARATION, by=alice, reason="   ")
    assert str(caught.value) == "Re-open: give a reason"
    assert status_in_db(a) == S.SUBMITTED

    actions.move(a, S.PREPARATION, by=alice, reason="the SSC asked for more on G3")

    assert status_in_db(a) == S.PREPARATION
    assert history(a)[-1] == ("submitted", "preparation", "alice@a.test", "the SSC asked for more on G3")
    event = Event.objects.get(action="assessments.assessment.reopen")
    assert event.reason == "the SSC asked for more on G3" and event.after == {"status": "preparation"}
    a.refresh_from_db()
    t1 = helpers.row(a, "T1")
    actions.save_row(t1, by=bob, revision=t1.revision, narrative="more on G3")  # editable again


def test_return_from_review_needs_a_reason(a, alice, bob, olive):
    actions.move(a, S.PREPARATION, by=bob)
    actions.move(a, S.INTERNAL_REVIEW, by=bob)
    with pytest.raises(ActionError) as caught:
        actions.move(a, S.PREPARATION, by=alice)
    assert str(caught.value) == "Return to preparation: give a reason"
    with pytest.raises(ActionError, match=r"\(assessments\.check\)"):
        actions.move(a, S.PREPARATION, by=olive, reason="no")
    assert status_in_db(a) == S.INTERNAL_REVIEW
    actions.move(a, S.PREPARATION, by=alice, reason="T2 needs evidence")
    assert history(a)[-1] == ("internal-review", "preparation", "alice@a.test", "T2 needs evidence")
    assert Event.objects.get(action="assessments.assessment.return").reason == "T2 needs evidence"


def test_reject_at_sign_off_needs_an_approver_and_a_reason(a, alice, bob, dave):
    ready_for_sign_off(a, maker=bob, checker=alice)
    with pytest.raises(ActionError) as caught:
        actions.move(a, S.PREPARATION, by=dave)
    assert str(caught.value) == "Return to preparation: give a reason"
    with pytest.raises(ActionError, match=r"\(assessments\.approve\)"):
        actions.move(a, S.PREPARATION, by=alice, reason="I changed my mind")
    assert status_in_db(a) == S.SIGN_OFF
    actions.move(a, S.PREPARATION, by=dave, reason="the risk register is out of date")
    assert history(a)[-1] == ("sign-off", "preparation", "dave@a.test", "the risk register is out of date")
    assert Event.objects.get(action="assessments.assessment.reject").before == {"status": "sign-off"}


def test_the_command_line_makes_no_moves(a):
    with pytest.raises(ActionError) as caught:
        actions.move(a, S.PREPARATION, by=None)
    assert str(caught.value) == "lifecycle moves are made by a person, through the web"
    assert status_in_db(a) == S.DRAFT and history(a) == []


# --- nothing outside the table ------------------------------------------------------------------------


ALL = list(AssessmentStatus.values)
OUTSIDE = [(f, t) for f, t in itertools.product(ALL, ALL) if (f, t) not in TRANSITIONS]


def test_the_table_is_what_the_lifecycle_says():
    assert len(OUTSIDE) == len(ALL) ** 2 - 7  # the statuses after submission are the review's to set
    assert {(f, t): m.name for (f, t), m in TRANSITIONS.items()} == {
        ("draft", "preparation"): "start", ("preparation", "internal-review"): "send-for-review",
        ("internal-review", "preparation"): "return", ("internal-review", "sign-off"): "send-for-sign-off",
        ("sign-off", "preparation"): "reject", ("sign-off", "submitted"): "submit",
        ("submitted", "preparation"): "reopen"}


@pytest.mark.parametrize(("frm", "to"), OUTSIDE)
def test_every_move_outside_the_table_is_refused(a, alice, bob, dave, frm, to):
    helpers.fill(a, bob, alice)
    actions.decide_materiality(a, by=dave, decision="not-material", reason="nothing rose")
    at(a, frm)
    for person in (alice, bob, dave):
        with pytest.raises(ActionError) as caught:
            actions.move(a, to, by=person, reason="because")
        assert str(caught.value) == (f"an assessment that is {in_sentence(AssessmentStatus(frm).label)} cannot go "
                                     f"to {in_sentence(AssessmentStatus(to).label)}")
        assert status_in_db(a) == frm and a.status == frm
    assert history(a) == []


def test_an_unknown_status_is_refused(a, alice):
    with pytest.raises(ActionError) as caught:
        actions.move(a, "archived", by=alice, reason="old")
    assert str(caught.value) == "an assessment that is draft cannot go to 'archived'"


MOVER = {"draft": "bob", "preparation": "bob", "internal-review": "alice", "sign-off": "dave", "submitted": "alice"}


@pytest.mark.parametrize(("frm", "to"), list(TRANSITIONS))
def test_every_move_in_the_table_is_made_by_someone_allowed(a, alice, bob, dave, frm, to):
    people = {"alice": alice, "bob": bob, "dave": dave}
    helpers.fill(a, bob, alice)
    actions.decide_materiality(a, by=dave, decision="not-material", reason="nothing rose")
    at(a, frm)
    actions.move(a, to, by=people[MOVER[frm]], reason="because", declaration=DECLARATION.version)
    assert status_in_db(a) == to
    assert history(a) == [(frm, to, f"{MOVER[frm]}@a.test", "because")]
    assert Event.objects.filter(action=f"assessments.assessment.{TRANSITIONS[(frm, to)].name}").count() == 1


# The stateful property: any sequence of attempted moves, by anyone, from anywhere. Each example
# runs on a fresh assessment inside a savepoint that is rolled back afterwards.

PEOPLE = ["alice", "bob", "dave", "olive", "carol", "mallory", "cli"]
step_strategy = st.tuples(
    st.one_of(st.none(), st.sampled_from(ALL)),  # None: from wherever it now is; else jump there first
    # a status, or (so that sequences get somewhere) the first or second move the table has from here
    st.one_of(st.sampled_from(ALL), st.sampled_from([0, 1])),
    st.sampled_from([*PEOPLE, "someone allowed"]),
    st.sampled_from(["", "because"]),
)
# who, for "someone allowed": a person whose role has the move's permission
ALLOWED = {"assessments.edit": "bob", "assessments.check": "alice", "assessments.approve": "dave",
           "assessments.reopen": "alice"}


@pytest.fixture
def people(alice, bob, dave, carol, mallory, olive):
    return {"alice": alice, "bob": bob, "dave": dave, "carol": carol, "mallory": mallory, "olive": olive,
            "cli": None}


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(complete=st.booleans(), decided=st.booleans(), steps=st.lists(step_strategy, min_size=1, max_size=8))
def test_moves_happen_exactly_when_the_table_the_role_and_the_checks_allow(cat, org_a, people, complete, decided,
                                                                          steps):
    RoleHolding.objects.get_or_create(organisation=org_a, role="import-supplier", defaults={"user_ids": []})
    with transaction.atomic():
        a = actions.create_assessment(org_a, kind="ssa", by=people["alice"]).assessment
        if complete:
            helpers.fill(a, people["bob"], people["alice"])
        if decided:
            actions.decide_materiality(a, by=people["dave"], decision="not-material", reason="nothing rose")
        for jump, to, who, reason in steps:
            if jump is not None:
                at(a, jump)
            a.refresh_from_db()
            frm = a.status
            if isinstance(to, int):
                targets = sorted(t for f, t in TRANSITIONS if f == frm) or ALL  # no move from here: try any
                to = targets[to % len(targets)]
            step = TRANSITIONS.get((frm, to))
            if who == "someone allowed":
                who = ALLOWED[step.permission] if step else "alice"
            person = people[who]
            role = access.role_of(person, org_a)
            allowed = (step is not None and person is not None and role is not None
                       and access.role_allows(role, step.permission) and bool(reason or not step.needs_reason)
                       and not actions.problems_before(a, to, person))
            changes = StatusChange.objects.filter(assessment=a).count()
            recorded = Event.objects.filter(object_type="assessments.assessment", object_id=str(a.pk)).count()
            if allowed:
                actions.move(a, to, by=person, reason=reason, declaration=DECLARATION.version)
                assert status_in_db(a) == to and a.status == to
                last = StatusChange.objects.filter(assessment=a).last()
                assert (last.from_status, last.to_status, last.by, last.reason) == (frm, to, person, reason)
                assert Event.objects.filter(object_type="assessments.assessment", object_id=str(a.pk)).last(
                ).action == f"assessments.assessment.{step.name}"
            else:
                with pytest.raises(ActionError):
                    actions.move(a, to, by=person, reason=reason, declaration=DECLARATION.version)
                assert status_in_db(a) == frm and a.status == frm
                assert StatusChange.objects.filter(assessment=a).count() == changes
                assert Event.objects.filter(object_type="assessments.assessment",
                                            object_id=str(a.pk)).count() == recorded
        transaction.set_rollback(True)


def test_the_sign_off_page_shows_what_is_submitted_and_needs_the_declaration(client, settings, a, alice, bob, dave,
                                                                            olive):
    settings.SECASSURE_REQUIRE_MFA = False
    helpers.fill(a, bob, alice)
    actions.move(a, S.PREPARATION, by=bob)
    actions.move(a, S.INTERNAL_REVIEW, by=bob)
    actions.move(a, S.SIGN_OFF, by=alice)
    url = f"/orgs/{a.organisation.slug}/assessments/{a.pk}/sign-off/"
    client.force_login(dave)
    workspace = client.get(f"/orgs/{a.organisation.slug}/assessments/{a.pk}/").content.decode()
    assert f'href="{url}"' in workspace  # the header leads to the page, not straight to a submission
    page = client.get(url).content.decode()
    # Not decided yet: the page says what stops it and offers no declaration.
    assert "record the decision on whether security risk has materially increased" in page.lower()
    assert 'name="accept"' not in page
    actions.decide_materiality(a, by=dave, decision="not-material", reason="no risk rose to the threshold")
    page = client.get(url).content.decode()
    assert "What will be submitted" in page and "Validation rows" in page and 'name="accept"' in page
    assert DECLARATION.text_for("Alpha Energy Ltd").replace("'", "&#x27;") in page
    unticked = client.post(url, {"declaration": DECLARATION.version})
    assert unticked.status_code == 200 and b"Tick the declaration" in unticked.content
    stale = client.post(url, {"declaration": "2020.1", "accept": "on"})
    assert b"accept the director&#x27;s declaration (version 2026.1) first" in stale.content
    assert status_in_db(a) == S.SIGN_OFF
    client.force_login(olive)
    assert client.get(url).status_code == 403 and client.post(url, {"declaration": DECLARATION.version,
                                                                     "accept": "on"}).status_code == 403
    assert status_in_db(a) == S.SIGN_OFF
    client.force_login(dave)
    done = client.post(url, {"declaration": DECLARATION.version, "accept": "on"})
    assert done.status_code == 302 and status_in_db(a) == S.SUBMITTED
    event = Event.objects.get(action="assessments.assessment.submit")
    assert event.after["declaration"]["version"] == DECLARATION.version
    again = client.get(url, follow=True).content.decode()
    assert "is not awaiting sign-off" in again
