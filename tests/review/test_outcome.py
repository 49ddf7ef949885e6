"""The SSC's outcome: each of the three decisions leads where the process says; clause ids come from
the rule data; assurance status names are read by the letter's date."""

import datetime as dt

import pytest
import yaml

from secassure.assessments import actions as assessment_actions
from secassure.assessments.models import Assessment
from secassure.audit.models import Event
from secassure.errors import ActionError
from secassure.profile.actions import load_rules
from secassure.profile.services import read_rules, shipped_rule_files
from secassure.review import actions
from secassure.review.models import AssuranceRecord, Outcome, RemediationPlan
from tests.assessments import helpers
from tests.shipped import load_shipped_rules

TODAY = dt.date(2026, 11, 28)


@pytest.fixture
def rules(db):
    load_shipped_rules()


@pytest.fixture
def final(write, rules, org_a, alice, bob, carol, dave):
    """A submitted SSA whose CIO review is over (comments final)."""
    helpers.tiny(write)
    helpers.hold(org_a, "import-supplier")
    assessment = assessment_actions.create_assessment(org_a, kind="ssa", by=alice, title="SSA 2026").assessment
    helpers.submit(assessment, maker=bob, checker=alice, approver=dave)
    actions.share(assessment, carol, by=alice)
    actions.comment(assessment, by=carol, text="Proportionate responses.")
    actions.finalise(assessment, by=carol)
    assessment.refresh_from_db()
    return assessment


def test_satisfactory_closes_the_assessment(final, alice):
    outcome = actions.record_outcome(final, by=alice, decision="satisfactory", received_on=TODAY,
                                     reference="SSC/2026/114", text="No further action.")
    final.refresh_from_db()
    assert final.status == "closed" and outcome.clause == "" and outcome.rule_id == "OUT-SATISFACTORY"
    assert not RemediationPlan.objects.exists() and outcome.follow_up is None
    assert Event.objects.get(action="review.outcome.recorded").after["decision"] == "satisfactory"


def test_actions_requested_opens_a_remediation_plan_under_g8_28_b(final, alice):
    outcome = actions.record_outcome(final, by=alice, decision="actions", received_on=TODAY)
    final.refresh_from_db()
    assert final.status == "actions-requested"
    assert outcome.clause == "G8.28(b)" and outcome.rule_id == "OUT-ACTIONS"
    plan = RemediationPlan.objects.get(assessment=final)
    assert plan.status == "draft" and plan.organisation == final.organisation


def test_a_formal_cio_assessment_is_a_new_assessment_with_this_one_as_baseline(final, alice):
    outcome = actions.record_outcome(final, by=alice, decision="cio-assessment", received_on=TODAY)
    final.refresh_from_db()
    follow_up = outcome.follow_up
    assert final.status == "closed" and outcome.clause == "G8.3(d)"
    assert follow_up.kind == "cio-compliance" and follow_up.baseline == final
    assert follow_up.status == "draft" and "G8.3(d)" in follow_up.title
    # what the User submitted is its starting point, to confirm
    assert follow_up.rows.count() == final.rows.count() and not follow_up.rows.filter(confirmed=True).exists()


def test_the_clause_comes_from_the_rules_in_force(final, alice, write):
    path = shipped_rule_files()[0]
    doc = yaml.safe_load(path.read_text())
    doc["version"], doc["effective_date"] = "2026.9", "2026-06-01"
    next(o for o in doc["outcomes"] if o["decision"] == "actions")["clause"] = "G8.99(z)"
    load_rules(read_rules(write("newer.yaml", yaml.safe_dump(doc)), 10_000_000), by=None)
    outcome = actions.record_outcome(final, by=alice, decision="actions", received_on=TODAY)
    assert outcome.clause == "G8.99(z)"


def test_bad_outcomes_are_refused(final, alice, bob, dave, write):
    for person in (bob, dave):
        with pytest.raises(ActionError, match="does not allow"):
            actions.record_outcome(final, by=person, decision="satisfactory", received_on=TODAY)
    with pytest.raises(ActionError, match="'approved' is not an SSC decision"):
        actions.record_outcome(final, by=alice, decision="approved", received_on=TODAY)
    with pytest.raises(ActionError, match="in the future"):
        actions.record_outcome(final, by=alice, decision="satisfactory", received_on=dt.date(2999, 1, 1))
    actions.record_outcome(final, by=alice, decision="satisfactory", received_on=TODAY)
    with pytest.raises(ActionError):
        actions.record_outcome(final, by=alice, decision="actions", received_on=TODAY)
    assert Outcome.objects.count() == 1


def test_no_outcome_while_the_cio_is_reviewing_or_before_submission(write, rules, org_a, alice, bob, carol, dave):
    helpers.tiny(write)
    helpers.hold(org_a, "import-supplier")
    assessment = assessment_actions.create_assessment(org_a, kind="ssa", by=alice).assessment
    with pytest.raises(ActionError, match="has no outcome to record"):
        actions.record_outcome(assessment, by=alice, decision="satisfactory", received_on=TODAY)
    helpers.submit(assessment, maker=bob, checker=alice, approver=dave)
    assessment.refresh_from_db()
    with pytest.raises(ActionError, match="share the assessment with the CIO first"):
        actions.record_outcome(assessment, by=alice, decision="satisfactory", received_on=TODAY)
    actions.share(assessment, carol, by=alice)
    assessment.refresh_from_db()
    with pytest.raises(ActionError, match="once the CIO's comments are final"):
        actions.record_outcome(assessment, by=alice, decision="satisfactory", received_on=TODAY)
    assert Assessment.objects.get(pk=assessment.pk).status == "cio-review"


@pytest.mark.parametrize(("name", "on", "status"), [
    ("Approved", "2019-06-01", "approved"),
    ("Provisionally Approved", "2019-06-01", "deferred"),
    ("Deferred", "2019-06-01", "rejected"),  # the old name for today's Rejected
    ("Deferred", "2020-02-27", "deferred"),  # renamed from that day
    ("Rejected", "2021-01-01", "rejected"),
    ("approved  subject to", "2024-03-01", "approved-subject-to"),
])
def test_assurance_names_are_read_by_the_letters_date(rules, org_a, alice, name, on, status):
    record = actions.record_assurance(org_a, by=alice, name=name, effective_date=dt.date.fromisoformat(on),
                                      conditions="Close finding F-001 by March")
    assert record.status == status
    assert Event.objects.get(action="review.assurance.recorded").after["status"] == status


def test_unknown_or_out_of_date_assurance_names_are_refused(rules, org_a, alice):
    with pytest.raises(ActionError, match="known names"):
        actions.record_assurance(org_a, by=alice, name="Provisionally Approved", effective_date=dt.date(2022, 1, 1))
    with pytest.raises(ActionError, match="give the conditions"):
        actions.record_assurance(org_a, by=alice, name="Approved subject to", effective_date=dt.date(2022, 1, 1))
    assert not AssuranceRecord.objects.exists()


@pytest.mark.parametrize(("change", "problem"), [
    (lambda d: d["outcomes"][0].update(decision="maybe"), "outcomes[0].decision"),
    (lambda d: d["outcomes"].append(dict(d["outcomes"][0], id="OUT-AGAIN")), "a second rule for 'satisfactory'"),
    (lambda d: d["assurance"][0]["before"].pop("rejected"), "assurance[0].before"),
    (lambda d: d["assurance"][0].update(renamed_on="soon"), "assurance[0].renamed_on"),
])
def test_bad_outcome_rules_are_refused(db, write, change, problem):
    doc = yaml.safe_load(shipped_rule_files()[0].read_text())
    change(doc)
    with pytest.raises(Exception, match=problem.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
                       .replace("]", r"\]")):
        read_rules(write("bad.yaml", yaml.safe_dump(doc)), 10_000_000)
