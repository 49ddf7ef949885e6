"""``audit verify --state``: values changed in the tables outside secassure (by SQL, say) are found
by comparing them with the values the audit log last recorded for each object."""

import pytest
from django.db import connection

from secassure.assessments import actions
from secassure.assessments.audited_state import check_state
from secassure.assessments.models import Assessment, QuestionAnswer, ValidationRow
from secassure.audit.models import Event
from secassure.audit.verify import verify
from tests.assessments import helpers


def _sql(statement: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _found(report):
    return [(d.kind, d.object_id, d.field, d.audited, d.current) for d in report.differences]


def _never_saved(model):
    """Rows or answers no event names: their first values stand on their assessment's creation."""
    audited = Event.objects.filter(object_type=model._meta.label_lower).values_list("object_id", flat=True)
    return model.objects.exclude(pk__in=[int(pk) for pk in audited])


def test_the_demo_as_loaded_is_clean(demo_site, cli):
    report = check_state()
    assert report.ok, _found(report)
    assert report.checked == {"assessment": Assessment.objects.count(), "row": ValidationRow.objects.count(),
                              "answer": QuestionAnswer.objects.count()}
    assert set(report.unaudited.values()) == {0}
    # Among them statuses the review set, carried-forward items never saved and a materiality decision.
    assert Event.objects.filter(action="review.assessment.moved").exists()
    assert _never_saved(ValidationRow).filter(carried_forward=True).exists()
    assert Assessment.objects.exclude(decision="").exists()
    result = cli("audit", "verify", "--state", "--json")
    assert result.exit_code == 0 and result.json()["ok"] is True and result.json()["state"]["differences"] == []
    assert "as last audited" in cli("audit", "verify", "--state").stdout


def test_a_row_status_changed_by_sql_is_reported(demo_site, cli):
    row = ValidationRow.objects.filter(status="compliant").select_related("obligation", "assessment").first()
    _sql("UPDATE assessments_validationrow SET status = 'non-compliant' WHERE id = %s", row.pk)
    assert _found(check_state()) == [("row", row.pk, "status", "compliant", "non-compliant")]
    result = cli("audit", "verify", "--state")
    assert result.exit_code == 1
    assert (f"CHANGED {row.assessment.organisation.slug}: row {row.obligation.ref} of assessment "
            f"{row.assessment.title!r} (id {row.pk}), status: audited \"compliant\", now \"non-compliant\": "
            "changed outside secassure") in result.stdout
    data = cli("audit", "verify", "--state", "--json").json()
    assert data["ok"] is False and all(c["ok"] for c in data["chains"])  # the log itself is intact
    assert data["state"]["differences"] == [{
        "kind": "row", "object_id": row.pk,
        "object": f"row {row.obligation.ref} of assessment {row.assessment.title!r}",
        "organisation": row.assessment.organisation.slug, "field": "status", "audited": "compliant",
        "current": "non-compliant"}]


def test_an_assessment_status_changed_by_sql_is_reported(demo_site):
    """Including a status the review set (CIO review), which the review's move records."""
    reviewed = Assessment.objects.filter(status="cio-review", organisation__slug="demo-energy").get()
    _sql("UPDATE assessments_assessment SET status = 'preparation' WHERE id = %s", reviewed.pk)
    assert _found(check_state()) == [("assessment", reviewed.pk, "status", "cio-review", "preparation")]


def test_a_decision_an_answer_and_an_owner_changed_by_sql_are_reported(demo_site, cli):
    decided = Assessment.objects.exclude(decision="").first()
    answer = QuestionAnswer.objects.exclude(narrative="").first()
    row = ValidationRow.objects.filter(owner__isnull=True).first()
    someone = decided.organisation.memberships.select_related("user").first().user
    _sql("UPDATE assessments_assessment SET decision_reason = 'it was fine' WHERE id = %s", decided.pk)
    _sql("UPDATE assessments_questionanswer SET narrative = 'rewritten' WHERE id = %s", answer.pk)
    _sql("UPDATE assessments_validationrow SET owner_id = %s WHERE id = %s", someone.pk, row.pk)
    found = _found(check_state())
    assert sorted(found) == sorted([
        ("assessment", decided.pk, "decision_reason", decided.decision_reason, "it was fine"),
        ("answer", answer.pk, "narrative", answer.narrative, "rewritten"),
        ("row", row.pk, "owner", None, someone.email),
    ])


def test_a_carried_forward_row_never_saved_is_compared_with_what_it_carried(demo_site):
    row = _never_saved(ValidationRow).filter(carried_forward=True).select_related("assessment").first()
    baseline = row.assessment.baseline.rows.get(obligation__ref=row.obligation.ref)
    assert row.narrative == baseline.narrative
    _sql("UPDATE assessments_validationrow SET narrative = 'never written here' WHERE id = %s", row.pk)
    assert _found(check_state()) == [("row", row.pk, "narrative", baseline.narrative, "never written here")]


def test_changes_made_through_secassure_are_not_reported(demo_site):
    row = ValidationRow.objects.filter(assessment__status="preparation").select_related("assessment").first()
    editor = row.assessment.organisation.memberships.get(user__email="alice@demo.secassure.test").user
    actions.save_row(row, by=editor, revision=row.revision, status="partial", narrative="Partly, for now")
    actions.assign_owner(row.assessment, [row.pk], editor, by=editor)
    assert check_state().ok


@pytest.fixture
def fresh(org_a, alice, write):
    """A new SSA on the small catalogue: rows T1, T2 and answers Q1, Q2, none saved yet."""
    catalogue = helpers.tiny(write)
    helpers.hold(org_a, "import-supplier")
    return actions.create_assessment(org_a, kind="ssa", by=alice, catalogue=catalogue,
                                     title="SSA 2026").assessment


def test_rows_and_answers_never_saved_keep_the_values_their_creation_gave_them(fresh):
    assert check_state().ok
    t1, q1 = helpers.row(fresh, "T1"), helpers.answer(fresh, "Q1")
    _sql("UPDATE assessments_validationrow SET status = 'compliant', changed = %s WHERE id = %s", True, t1.pk)
    _sql("UPDATE assessments_questionanswer SET answer = 'yes' WHERE id = %s", q1.pk)
    assert sorted(_found(check_state())) == [
        ("answer", q1.pk, "answer", "", "yes"),
        ("row", t1.pk, "changed", None, True),
        ("row", t1.pk, "status", "not-assessed", "compliant"),
    ]


def test_objects_no_event_covers_have_no_audited_value_and_are_not_reported(fresh):
    """Made in the tables directly (as the older tests' helpers do), with no creation event: there is
    nothing to compare them with, so they are counted, not reported."""
    other = Assessment.objects.create(organisation=fresh.organisation, kind="ssa", catalogue=fresh.catalogue,
                                      title="Made by hand", status="closed")
    ValidationRow.objects.create(assessment=other, obligation=helpers.row(fresh, "T1").obligation,
                                 status="compliant")
    report = check_state()
    assert report.ok and report.unaudited == {"assessment": 1, "row": 1, "answer": 0}
    assert report.checked == {"assessment": 1, "row": 2, "answer": 2}
    assert verify().ok
