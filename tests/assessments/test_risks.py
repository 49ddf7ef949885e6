"""The risk register (numbering, history, stale edits, validation), material-increase suggestions
against the baseline's snapshot, and the materiality decision."""

import pytest
from django.utils import timezone

from secassure.assessments import actions, services
from secassure.assessments.actions import StaleEdit
from secassure.assessments.declaration import DECLARATION
from secassure.assessments.models import Assessment, Risk, RiskRevision
from secassure.audit.models import Event
from secassure.errors import ActionError
from tests.assessments import helpers
from tests.assessments.helpers import S


def scores(likelihood, impact, residual_likelihood=None, residual_impact=None):
    return {"inherent_likelihood": likelihood, "inherent_impact": impact,
            "residual_likelihood": residual_likelihood or likelihood, "residual_impact": residual_impact or impact}


def add(org, by, title, residual_likelihood, residual_impact, **extra):
    return actions.add_risk(org, by=by, title=title, **scores(5, 5, residual_likelihood, residual_impact), **extra)


# --- the register -------------------------------------------------------------------------------------


def test_add_risk_numbers_records_revision_one_and_audits(org_a, org_b, alice, bob, mallory):
    first = actions.add_risk(org_a, by=bob, title="  Phishing   of staff ", asset="email", threat="phishing",
                             treatment="modify", treatment_plan="training", owner=alice, **scores(4, 4, 2, 3))
    second = add(org_a, bob, "Lost laptop", 2, 2)
    theirs = add(org_b, mallory, "Their risk", 1, 1)

    assert (first.ref, second.ref, theirs.ref) == ("R-001", "R-002", "R-001")  # numbered per organisation
    assert first.title == "Phishing of staff" and first.revision == 1 and first.status == "open"
    assert (first.inherent_score, first.residual_score) == (16, 6)
    [revision] = RiskRevision.objects.filter(risk=first)
    assert (revision.number, revision.by, revision.reason) == (1, bob, "added")
    assert revision.data == first.as_dict()
    assert revision.data["residual"] == [2, 3, 6] and revision.data["owner"] == "alice@a.test"
    added = Event.objects.filter(action="assessments.risk.added", organisation=org_a).order_by("seq")
    assert [e.object_repr for e in added] == ["R-001 Phishing of staff", "R-002 Lost laptop"]
    assert added[0].after == first.as_dict()


def test_update_risk_grows_the_history_and_refuses_stale_edits(org_a, alice, bob):
    risk = add(org_a, bob, "Phishing", 2, 3)
    stale = Risk.objects.get(pk=risk.pk)

    updated = actions.update_risk(risk, by=alice, revision=1, reason="new campaign", residual_likelihood=4)

    assert updated.revision == 2 and updated.residual_score == 12
    event = Event.objects.get(action="assessments.risk.changed")
    assert event.before == {"residual": [2, 3, 6]} and event.after == {"residual": [4, 3, 12]}
    assert event.reason == "new campaign"

    with pytest.raises(StaleEdit) as caught:
        actions.update_risk(stale, by=bob, revision=1, residual_likelihood=1)
    assert str(caught.value) == "someone changed this risk after you opened it; your change was not saved"
    assert caught.value.current.revision == 2 and caught.value.current.residual_likelihood == 4
    assert Risk.objects.get(pk=risk.pk).residual_likelihood == 4

    actions.update_risk(updated, by=bob, revision=2, status="closed", reason="retired the system")
    history = list(RiskRevision.objects.filter(risk=risk).values_list("number", "reason", "by__email"))
    assert history == [(1, "added", "bob@a.test"), (2, "new campaign", "alice@a.test"),
                       (3, "retired the system", "bob@a.test")]
    assert RiskRevision.objects.get(risk=risk, number=3).data["status"] == "closed"

    unchanged = actions.update_risk(Risk.objects.get(pk=risk.pk), by=bob, revision=3, status="closed")
    assert unchanged.revision == 3 and RiskRevision.objects.filter(risk=risk).count() == 3  # nothing to record
    assert Event.objects.filter(action="assessments.risk.changed").count() == 2


@pytest.mark.parametrize(("fields", "message"), [
    ({"inherent_likelihood": 0}, "inherent likelihood is a whole number from 1 to 5"),
    ({"inherent_likelihood": 6}, "inherent likelihood is a whole number from 1 to 5"),
    ({"inherent_likelihood": "3"}, "inherent likelihood is a whole number from 1 to 5"),
    ({"residual_impact": True}, "residual impact is a whole number from 1 to 5"),
    ({"residual_impact": 2.5}, "residual impact is a whole number from 1 to 5"),
    ({"treatment": "ignore"}, "'ignore' is not a treatment; use one of modify, retain, avoid, share"),
    ({"status": "pending"}, "a risk is open or closed"),
    ({"score": 9}, "cannot set score on a risk"),
    ({"title": ""}, "a risk needs title"),
    ({"title": "   "}, "give the risk a title"),
    ({"inherent_impact": None}, "a risk needs inherent impact"),
])
def test_bad_risks_are_refused(org_a, bob, fields, message):
    values = {"title": "Phishing", **scores(3, 3), **fields}
    with pytest.raises(ActionError) as caught:
        actions.add_risk(org_a, by=bob, **values)
    assert str(caught.value) == message
    assert not Risk.objects.exists()
    assert not Event.objects.filter(action="assessments.risk.added").exists()


def test_bad_updates_are_refused_too(org_a, bob, mallory):
    risk = add(org_a, bob, "Phishing", 2, 2)
    for fields, message in (({"residual_likelihood": 6}, "residual likelihood is a whole number from 1 to 5"),
                            ({"treatment": "pray"}, "'pray' is not a treatment"),
                            ({"title": " "}, "give the risk a title"),
                            ({"owner": mallory}, "the risk owner must be a member of Alpha Energy Ltd")):
        with pytest.raises(ActionError, match=message):
            actions.update_risk(risk, by=bob, revision=1, **fields)
    assert Risk.objects.get(pk=risk.pk).revision == 1


@pytest.mark.parametrize("role", ["observer", "approver", "cio-reviewer"])
def test_only_owners_and_contributors_keep_the_register(org_a, bob, role):
    person = helpers.member(org_a, f"{role}@a.test", role)
    with pytest.raises(ActionError) as caught:
        add(org_a, person, "Phishing", 2, 2)
    assert str(caught.value) == "your role in Alpha Energy Ltd does not allow this (risks.edit)"
    assert not Risk.objects.exists()
    risk = add(org_a, bob, "Phishing", 2, 2)
    with pytest.raises(ActionError, match=r"\(risks\.edit\)"):
        actions.update_risk(risk, by=person, revision=1, residual_impact=5)


# --- suggestions ----------------------------------------------------------------------------------


@pytest.fixture
def register(cat, org_a, alice, bob):
    """A submitted baseline whose snapshot holds A (9), B (16) and F (20, closed); then the register
    moves on: A rises to 12, B to 20, F re-opens; C (15), D (6) and E (20, closed) are new."""
    org_a.material_risk_threshold = 12
    org_a.save()
    helpers.hold(org_a, "import-supplier")
    risks = {"A": add(org_a, bob, "A", 3, 3), "B": add(org_a, bob, "B", 4, 4),
             "F": add(org_a, bob, "F", 4, 5, status="closed")}
    base = actions.create_assessment(org_a, kind="ssa", by=alice, title="SSA 2025").assessment
    Assessment.objects.filter(pk=base.pk).update(status=S.SUBMITTED, submitted_at=timezone.now())
    base.refresh_from_db()
    assert actions.snapshot_risks(base) == 3
    for key, change in (("A", {"residual_impact": 4}), ("B", {"residual_impact": 5}), ("F", {"status": "open"})):
        actions.update_risk(risks[key], by=bob, revision=1, **change)
    risks |= {"C": add(org_a, bob, "C", 3, 5), "D": add(org_a, bob, "D", 2, 3),
              "E": add(org_a, bob, "E", 4, 5, status="closed")}
    ssa = actions.create_assessment(org_a, kind="ssa", by=alice, baseline=base, title="SSA 2026").assessment
    return ssa, risks


def found(assessment):
    return [(s.ref, s.title, s.kind, s.before, s.after) for s in services.suggestions(assessment)]


def test_suggestions_point_at_risks_that_rose_to_the_threshold_or_are_new_and_high(register, org_a):
    ssa, risks = register
    assert [r.ref for r in risks.values()] == ["R-001", "R-002", "R-003", "R-004", "R-005", "R-006"]

    assert found(ssa) == [
        ("R-001", "A", "rose", 9, 12),  # rose to the threshold
        # B was already high (16 -> 20): nothing new; D is new but low; E is new and high but closed
        ("R-003", "F", "rose", 20, 20),  # closed in the baseline, open now
        ("R-004", "C", "new-high", None, 15),
    ]
    texts = [s.text for s in services.suggestions(ssa)]
    assert texts[0] == "R-001 A: residual score rose from 9 to 12"
    assert texts[2] == "R-004 C: a new high risk, residual score 15"
    assert services.suggestions(ssa)[0].as_dict() == {"risk": "R-001", "title": "A", "kind": "rose", "before": 9,
                                                      "after": 12, "text": texts[0]}


def test_suggestions_follow_the_threshold(register, org_a):
    ssa, _ = register
    org_a.material_risk_threshold = 16
    org_a.save()
    assert ssa.organisation.material_risk_threshold == 16
    assert found(ssa) == [("R-003", "F", "rose", 20, 20)]  # A (12) and C (15) are below; B was 16 already

    org_a.material_risk_threshold = 20
    org_a.save()
    assert found(ssa) == [("R-002", "B", "rose", 16, 20), ("R-003", "F", "rose", 20, 20)]

    org_a.material_risk_threshold = 25
    org_a.save()
    assert found(ssa) == []


def test_no_baseline_no_suggestions(cat, org_a, alice, bob):
    helpers.hold(org_a, "import-supplier")
    add(org_a, bob, "High", 5, 5)
    ssa = actions.create_assessment(org_a, kind="ssa", by=alice).assessment
    assert services.suggestions(ssa) == []


def test_suggestions_right_after_submitting_the_baseline(cat, org_a, alice, bob, dave):
    """The same request submits the baseline and starts the next SSA from it. move() leaves the
    object's submitted_at None, so register_of(baseline) reads the live register instead of the
    snapshot, and A's rise (9 -> 12) goes unnoticed."""
    helpers.hold(org_a, "import-supplier")
    a_risk = add(org_a, bob, "A", 3, 3)
    base = actions.create_assessment(org_a, kind="ssa", by=alice, title="SSA 2025").assessment
    actions.move(base, S.PREPARATION, by=bob)
    helpers.fill(base, bob, alice)
    actions.move(base, S.INTERNAL_REVIEW, by=bob)
    actions.move(base, S.SIGN_OFF, by=alice)
    actions.decide_materiality(base, by=dave, decision="not-material", reason="nothing rose")
    actions.move(base, S.SUBMITTED, by=dave, declaration=DECLARATION.version)
    actions.update_risk(a_risk, by=bob, revision=1, residual_impact=4)

    ssa = actions.create_assessment(org_a, kind="ssa", by=alice, baseline=base).assessment

    assert found(ssa) == [("R-001", "A", "rose", 9, 12)]


# --- the materiality decision ---------------------------------------------------------------------


def test_decide_materiality_records_who_decided_and_why(cat, org_a, alice, dave):
    helpers.hold(org_a, "import-supplier")
    ssa = actions.create_assessment(org_a, kind="ssa", by=alice).assessment

    actions.decide_materiality(ssa, by=alice, decision="material", reason="  a new hosting provider  ")

    db = Assessment.objects.get(pk=ssa.pk)
    assert (db.decision, db.decision_reason, db.decided_by, db.revision) == (
        "material", "a new hosting provider", alice, 2)
    assert db.decided_at is not None and ssa.decision == "material"
    [event] = Event.objects.filter(action="assessments.materiality.decided")
    assert event.before == {"decision": None, "reason": None}
    assert event.after == {"decision": "material", "reason": "a new hosting provider"}

    actions.decide_materiality(ssa, by=dave, decision="not-material", reason="the provider is assured")
    db.refresh_from_db()
    assert (db.decision, db.decided_by, db.revision) == ("not-material", dave, 3)
    last = Event.objects.filter(action="assessments.materiality.decided").order_by("seq").last()
    assert last.before == {"decision": "material", "reason": "a new hosting provider"}


@pytest.mark.parametrize(("decision", "reason", "message"), [
    ("maybe", "because", "decide 'material' or 'not-material'"),
    ("", "because", "decide 'material' or 'not-material'"),
    ("material", "   ", "give the reason for the decision: it is what the CIO and the SSC will read"),
])
def test_a_decision_needs_a_valid_value_and_a_reason(cat, org_a, alice, decision, reason, message):
    helpers.hold(org_a, "import-supplier")
    ssa = actions.create_assessment(org_a, kind="ssa", by=alice).assessment
    with pytest.raises(ActionError) as caught:
        actions.decide_materiality(ssa, by=alice, decision=decision, reason=reason)
    assert str(caught.value) == message
    db = Assessment.objects.get(pk=ssa.pk)
    assert (db.decision, db.decided_by, db.revision) == ("", None, 1)
    assert not Event.objects.filter(action="assessments.materiality.decided").exists()


@pytest.mark.parametrize("role", ["contributor", "observer", "cio-reviewer"])
def test_only_owners_and_approvers_decide(cat, org_a, alice, role):
    helpers.hold(org_a, "import-supplier")
    ssa = actions.create_assessment(org_a, kind="ssa", by=alice).assessment
    person = helpers.member(org_a, f"{role}@a.test", role)
    with pytest.raises(ActionError) as caught:
        actions.decide_materiality(ssa, by=person, decision="material", reason="because")
    assert str(caught.value) == "your role in Alpha Energy Ltd does not allow this (assessments.decide)"
    assert Assessment.objects.get(pk=ssa.pk).decision == ""


def test_a_submitted_decision_stands_until_reopened(cat, org_a, alice):
    helpers.hold(org_a, "import-supplier")
    ssa = actions.create_assessment(org_a, kind="ssa", by=alice).assessment
    Assessment.objects.filter(pk=ssa.pk).update(status=S.SUBMITTED)
    ssa.refresh_from_db()
    with pytest.raises(ActionError, match="the assessment is submitted; re-open it to change the decision"):
        actions.decide_materiality(ssa, by=alice, decision="material", reason="because")
