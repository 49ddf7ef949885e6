"""Applying an imported workbook writes its rows and answers together: one audit event for each item
changed, saying what saving that item alone would say; items not changed left alone; a row saved in
secassure after the preview refusing the whole import, naming it; and the same number of statements
for a few rows as for many."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from secassure.assessments import actions
from secassure.audit.models import ChainHead, Event
from secassure.audit.verify import verify
from secassure.errors import ActionError
from secassure.exchange import importing, layout
from tests.assessments import helpers
from tests.exchange import crafted

VALIDATION, QUESTIONS = layout.VALIDATION, layout.QUESTIONS
SAVED = ("assessments.row.saved", "assessments.answer.saved")


def put(ws, key: str, sheet: layout.DataSheet, excel_row: int, value) -> None:
    ref = f"{crafted.column_letter(sheet, key)}{excel_row}"
    if isinstance(value, str):
        crafted.set_text(ws, ref, value)
    else:
        ws[ref].value = value


def saves(assessment) -> list[tuple]:
    """The save events of the assessment's organisation, in order: what each says of which item."""
    return list(Event.objects.filter(organisation=assessment.organisation, action__in=SAVED).order_by("seq")
                .values_list("action", "object_type", "object_id", "object_repr", "before", "after", "reason",
                             "actor_id"))


def stored(assessment) -> dict:
    found = {f"row:{r['id']}": r for r in assessment.rows.values()}
    found.update({f"answer:{a['id']}": a for a in assessment.answers.values()})
    return found


class _Undone(Exception):
    pass


def test_each_item_changed_has_the_event_saving_it_alone_writes_and_nothing_else_changes(drafting, bob, tmp_path):
    path = crafted.export(drafting, tmp_path / "exported.xlsx", by=bob)

    def change(wb):  # T1: two fields; T2 left alone; Q1 answered; Q2 left alone
        put(wb["Validation"], "status", VALIDATION, 2, "Partially compliant")
        put(wb["Validation"], "narrative", VALIDATION, 2, "From the workbook ✓")
        put(wb["Questionnaire"], "answer", QUESTIONS, 2, "No")

    edited = crafted.edit(path, tmp_path / "edited.xlsx", change)
    result = importing.plan(drafting, edited, by=bob)
    assert [c.ref for c in result.changes] == ["T1", "Q1"]
    t1, t2 = helpers.row(drafting, "T1"), helpers.row(drafting, "T2")
    q1, q2 = helpers.answer(drafting, "Q1"), helpers.answer(drafting, "Q2")
    before = stored(drafting)
    existing = saves(drafting)

    # What saving each item alone writes, undone afterwards.
    try:
        with transaction.atomic():
            actions.save_row(helpers.row(drafting, "T1"), by=bob, revision=t1.revision, status="partial",
                             narrative="From the workbook ✓")
            actions.save_answer(helpers.answer(drafting, "Q1"), by=bob, revision=q1.revision, answer="no")
            alone = saves(drafting)[len(existing):]
            raise _Undone
    except _Undone:
        pass
    assert stored(drafting) == before

    seq = ChainHead.objects.get(chain=f"org:{drafting.organisation_id}").seq
    summary = importing.apply(result, edited, by=bob, name=edited.name)

    assert (summary["applied"], summary["changed"]) == (2, ["T1", "Q1"])
    written = saves(drafting)[len(existing):]
    assert written == alone and len(written) == 2
    assert written[0][0] == "assessments.row.saved" and written[0][3] == "T1"
    assert (written[0][4], written[0][5]) == ({"status": "compliant", "narrative": "Policy approved yearly"},
                                              {"status": "partial", "narrative": "From the workbook ✓"})
    assert (written[1][4], written[1][5]) == ({"answer": ""}, {"answer": "no"})
    now = stored(drafting)
    assert now[f"row:{t2.pk}"] == before[f"row:{t2.pk}"] and now[f"answer:{q2.pk}"] == before[f"answer:{q2.pk}"]
    assert now[f"row:{t1.pk}"]["revision"] == t1.revision + 1 and now[f"answer:{q1.pk}"]["revision"] == q1.revision + 1
    assert (now[f"row:{t1.pk}"]["narrative"], now[f"row:{t1.pk}"]["updated_by_id"]) == ("From the workbook ✓", bob.pk)
    # The two saves, then the kept file's events and the import's own: one chain, verified.
    events = list(Event.objects.filter(chain=f"org:{drafting.organisation_id}", seq__gt=seq).order_by("seq")
                  .values_list("action", flat=True))
    assert events[:2] == ["assessments.row.saved", "assessments.answer.saved"]
    assert events[-1] == "exchange.workbook.imported" and events.count("assessments.row.saved") == 1
    assert verify().ok


@pytest.mark.parametrize("stale", [["T2"], ["T1", "T2"]])
def test_a_row_saved_after_the_preview_refuses_the_whole_import_and_is_named(drafting, alice, bob, tmp_path, stale):
    """The first stale item (in the workbook's order) is named, though the rows before it were fine."""
    path = crafted.export(drafting, tmp_path / "exported.xlsx", by=bob)

    def change(wb):
        for excel_row in (2, 3):
            put(wb["Validation"], "narrative", VALIDATION, excel_row, f"From the workbook, row {excel_row}")
        put(wb["Questionnaire"], "answer", QUESTIONS, 2, "Yes")

    edited = crafted.edit(path, tmp_path / "edited.xlsx", change)
    result = importing.plan(drafting, edited, by=bob)
    assert len(result.clean) == 3
    for ref in stale:
        row = helpers.row(drafting, ref)
        actions.save_row(row, by=alice, revision=row.revision, change_note="Alice, meanwhile", changed=True)
    before = stored(drafting)
    head = ChainHead.objects.values("seq", "head_hash", "seal").get(chain=f"org:{drafting.organisation_id}")

    with pytest.raises(ActionError, match=f"^{stale[0]} was changed in secassure after the preview; nothing was "
                                          "imported"):
        importing.apply(result, edited, by=bob, name=edited.name)

    assert stored(drafting) == before
    assert ChainHead.objects.values("seq", "head_hash", "seal").get(chain=f"org:{drafting.organisation_id}") == head


def test_a_conflict_taken_is_written_with_its_event_and_one_not_taken_is_left_alone(drafting, alice, bob, tmp_path):
    path = crafted.export(drafting, tmp_path / "exported.xlsx", by=bob)
    t1, t2 = helpers.row(drafting, "T1"), helpers.row(drafting, "T2")
    actions.save_row(t1, by=alice, revision=t1.revision, narrative="Alice's wording")
    actions.save_row(t2, by=alice, revision=t2.revision, narrative="Alice on T2")

    def change(wb):
        put(wb["Validation"], "narrative", VALIDATION, 2, "Bob's wording")
        put(wb["Validation"], "narrative", VALIDATION, 3, "Bob on T2")

    edited = crafted.edit(path, tmp_path / "edited.xlsx", change)
    result = importing.plan(drafting, edited, by=bob)
    assert [c.key for c in result.conflicts] == [f"row:{t1.pk}", f"row:{t2.pk}"]
    kept = stored(drafting)[f"row:{t2.pk}"]
    existing = len(saves(drafting))
    summary = importing.apply(result, edited, by=bob, name=edited.name, take={f"row:{t1.pk}"})
    assert (summary["applied"], summary["kept_product"]) == (1, 1)
    assert helpers.row(drafting, "T1").narrative == "Bob's wording"
    assert stored(drafting)[f"row:{t2.pk}"] == kept
    written = saves(drafting)[existing:]
    assert [(e[3], e[4], e[5]) for e in written] == [("T1", {"narrative": "Alice's wording"},
                                                     {"narrative": "Bob's wording"})]


def _numbered(write, org, owner, maker, n: int):
    catalogue = helpers.load_text(write, helpers.numbered(n, f"bulk.{n}"), f"bulk-{n}.yaml")
    assessment = actions.create_assessment(org, kind="ssa", by=owner, catalogue=catalogue,
                                           title=f"Of {n} rows").assessment
    actions.move(assessment, "preparation", by=maker)
    assessment.refresh_from_db()
    return assessment


def test_applying_costs_the_same_statements_for_a_few_rows_as_for_many(write, org_a, alice, bob, tmp_path):
    counts = []
    for n in (3, 40):
        assessment = _numbered(write, org_a, alice, bob, n)
        path = crafted.export(assessment, tmp_path / f"exported-{n}.xlsx", by=bob)

        def change(wb, n=n):
            for excel_row in range(2, n + 2):
                put(wb["Validation"], "narrative", VALIDATION, excel_row, f"Edited offline, row {excel_row}")

        edited = crafted.edit(path, tmp_path / f"edited-{n}.xlsx", change)
        result = importing.plan(assessment, edited, by=bob)
        assert len(result.clean) == n
        with CaptureQueriesContext(connection) as queries:
            summary = importing.apply(result, edited, by=bob, name=edited.name)
        assert summary["applied"] == n
        counts.append(len(queries.captured_queries))
        assert set(assessment.rows.values_list("narrative", flat=True)) == {
            f"Edited offline, row {r}" for r in range(2, n + 2)}
    assert counts[0] == counts[1], counts
    assert Event.objects.filter(organisation=org_a, action="assessments.row.saved").count() == 43
    assert verify().ok
