"""The Validation Workbook's round trip: what is exported comes back unchanged; a person's edits
come back exactly, and nothing else changes; a row changed in secassure since the export is a
conflict the person importing decides; each side may change only its own columns; no exported text
can become a formula; and a workbook saved by LibreOffice imports as it should."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import hypothesis
import openpyxl
import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from secassure.assessments import actions
from secassure.assessments.models import (
    Assessment,
    ChangeRecord,
    EvidenceLink,
    QuestionAnswer,
    Risk,
    RiskSnapshot,
    ValidationRow,
)
from secassure.catalogue.models import Obligation, Question
from secassure.errors import ActionError
from secassure.evidence.models import Document, DocumentVersion
from secassure.exchange import importing, layout, reading
from secassure.exchange.reading import WorkbookRefused
from secassure.review import actions as review
from secassure.review.models import Comment, Finding, Outcome, QueryMessage, RemediationAction
from secassure.tenancy.models import Organisation
from tests.assessments import helpers
from tests.exchange import crafted

VALIDATION, QUESTIONS = layout.VALIDATION, layout.QUESTIONS
ROW_FIELDS = layout.ITEM_FIELDS["row"]
ANSWER_FIELDS = layout.ITEM_FIELDS["answer"]


def items_of(assessment) -> dict[str, dict]:
    """Every stored field of the assessment's rows and answers, by key (row:ID, answer:ID)."""
    found = {f"row:{r['id']}": r for r in ValidationRow.objects.filter(assessment=assessment).values()}
    found.update({f"answer:{a['id']}": a for a in QuestionAnswer.objects.filter(assessment=assessment).values()})
    return found


def cell(sheet: layout.DataSheet, key: str, excel_row: int) -> str:
    return f"{crafted.column_letter(sheet, key)}{excel_row}"


def put(ws, ref: str, value) -> None:
    """Enter a value as a person would: text stays text (like '=... typed in Excel)."""
    if isinstance(value, str):
        crafted.set_text(ws, ref, value)
    else:
        ws[ref].value = value


# The longest text secassure takes, in characters a cell counts twice: more than a cell can hold.
LONGEST = "🙂" * actions.TEXT_LIMIT


@pytest.fixture
def filled(drafting, bob):
    """The drafting assessment with something unusual in every input column: text that starts like a
    formula, several lines, characters from far outside ASCII, a date, yes and no."""
    t1, t2 = helpers.row(drafting, "T1"), helpers.row(drafting, "T2")
    actions.save_row(t1, by=bob, revision=t1.revision, status="partial",
                     narrative='=HYPERLINK("http://x","y")\nsecond line', last_tested=dt.date(2025, 12, 31),
                     changed=True, change_note="+1+1 new firewall")
    actions.save_row(t2, by=bob, revision=t2.revision, status="not-applicable", narrative="-2",
                     na_reason="@SUM(A1) we hold no such role ✓ 漢字 🙂")
    q1, q2 = helpers.answer(drafting, "Q1"), helpers.answer(drafting, "Q2")
    actions.save_answer(q1, by=bob, revision=q1.revision, answer="partial", material=True,
                        material_rationale="=1+1 a new supplier", narrative="Ünïcödé\r\nacross lines", changed=False)
    actions.save_answer(q2, by=bob, revision=q2.revision, narrative="<b>&amp;</b> \"quoted\" 'single' 0042",
                        changed=True, change_note="-new hosting", material_rationale=LONGEST)
    drafting.refresh_from_db()
    return drafting


# --- 1. an untouched workbook -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [layout.VALIDATION_WORKBOOK, layout.QUESTIONNAIRE])
@pytest.mark.parametrize("resaved", [False, True], ids=["as-exported", "opened-and-saved"])
def test_an_untouched_workbook_changes_nothing(filled, bob, tmp_path, kind, resaved):
    path = crafted.export(filled, tmp_path / "exported.xlsx", by=bob, kind=kind)
    if resaved:
        path = crafted.edit(path, tmp_path / "resaved.xlsx", lambda wb: None)
    before = items_of(filled)

    result = importing.plan(filled, path, by=bob)

    assert len(result.workbook.items) == (4 if kind == layout.VALIDATION_WORKBOOK else 2)
    assert not any(item.edited for item in result.workbook.items)
    assert result.changes == [] and result.conflicts == []
    assert result.as_dict()["changes"] == 0 and result.as_dict()["rows"] == []
    summary = importing.apply(result, path, by=bob, name=path.name)
    assert summary["applied"] == 0 and summary["kept_product"] == 0 and summary["changed"] == []
    assert items_of(filled) == before


def test_text_a_worksheet_cannot_hold_is_exported_as_it_can_and_is_not_taken_for_an_edit(drafting, bob, tmp_path):
    t1 = helpers.row(drafting, "T1")
    pasted = "pasted\x0bfrom a word processor\ufffe"
    actions.save_row(t1, by=bob, revision=t1.revision, narrative=pasted)
    path = crafted.export(drafting, tmp_path / "exported.xlsx", by=bob)
    assert openpyxl.load_workbook(path)["Validation"][cell(VALIDATION, "narrative", 2)].value == \
        "pasted\nfrom a word processor"
    assert importing.plan(drafting, path, by=bob).changes == []

    # An edit to another cell of the row changes that cell only: the narrative stays as stored.
    edited = crafted.edit(path, tmp_path / "edited.xlsx",
                          lambda wb: put(wb["Validation"], cell(VALIDATION, "status", 2), "Partially compliant"))
    result = importing.plan(drafting, edited, by=bob)
    assert [[f.field for f in c.fields] for c in result.changes] == [["status"]]
    importing.apply(result, edited, by=bob, name=edited.name)
    t1 = ValidationRow.objects.get(pk=t1.pk)
    assert (t1.status, t1.narrative) == ("partial", "pasted\nfrom a word processor\ufffe")


def test_text_longer_than_a_cell_holds_is_cut_in_the_workbook_and_kept_in_secassure(filled, bob, tmp_path):
    path = crafted.export(filled, tmp_path / "exported.xlsx", by=bob)
    shown = openpyxl.load_workbook(path)["Questionnaire"][cell(QUESTIONS, "material_rationale", 3)].value
    assert len(shown.encode("utf-16-le")) // 2 <= 32_767 and LONGEST.startswith(shown) and len(shown) > 15_000

    # Editing another cell of the row does not take the cut text for an edit.
    edited = crafted.edit(path, tmp_path / "edited.xlsx",
                          lambda wb: put(wb["Questionnaire"], cell(QUESTIONS, "answer", 3), "Yes"))
    result = importing.plan(filled, edited, by=bob)
    assert [[f.field for f in c.fields] for c in result.changes] == [["answer"]]
    importing.apply(result, edited, by=bob, name=edited.name)
    q2 = helpers.answer(filled, "Q2")
    assert (q2.answer, q2.material_rationale) == ("yes", LONGEST)


def test_an_emptied_material_cell_means_no(drafting, bob, tmp_path):
    q1 = helpers.answer(drafting, "Q1")
    actions.save_answer(q1, by=bob, revision=q1.revision, material=True, material_rationale="A new supplier")
    path = crafted.export(drafting, tmp_path / "exported.xlsx", by=bob)
    edited = crafted.edit(path, tmp_path / "edited.xlsx",
                          lambda wb: put(wb["Questionnaire"], cell(QUESTIONS, "material", 2), None))
    result = importing.plan(drafting, edited, by=bob)
    assert [(f.field, f.before, f.after) for c in result.changes for f in c.fields] == [("material", True, False)]
    importing.apply(result, edited, by=bob, name=edited.name)
    assert QuestionAnswer.objects.get(pk=q1.pk).material is False


# --- 2. random edits come back exactly -------------------------------------------------------------------

# (what is typed into the cell, what secassure stores for it)
STATUS_TYPED = [("Not assessed", "not-assessed"), ("Compliant", "compliant"), ("Partially compliant", "partial"),
                ("Non-compliant", "non-compliant"), ("Not applicable", "not-applicable"), ("compliant", "compliant"),
                ("NOT APPLICABLE", "not-applicable"), ("  Partially compliant ", "partial"),
                ("not-applicable", "not-applicable"), (None, "not-assessed")]
ANSWER_TYPED = [("Yes", "yes"), ("No", "no"), ("Partially", "partial"), ("Not applicable", "not-applicable"),
                ("yes", "yes"), ("PARTIALLY", "partial"), ("not-applicable", "not-applicable"), (None, "")]
CHANGED_TYPED = [("Yes", True), ("No", False), ("yes", True), ("NO", False), (True, True), (False, False),
                 (None, None)]
MATERIAL_TYPED = [("Yes", True), ("No", False), ("YES", True), (True, True), (False, False), (None, False)]
TRICKY_TEXT = ['=HYPERLINK("http://x","y")', "+1+1", "-2", "@SUM(A1)", "=1+1", "\t=tab first", "line one\nline two",
               "a\r\nb", "  padded  ", "Ünïcödé ✓ 漢字 🙂", "'quoted", "0042", "1e5", "TRUE", "#N/A", "<b>&amp;</b>",
               "", "   ", "\n"]
CHARACTERS = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff")
TEXT = st.one_of(st.sampled_from(TRICKY_TEXT), st.text(st.one_of(CHARACTERS, st.sampled_from("\n\r\t=+-@ ")),
                                                       max_size=30))
NON_BLANK = st.sampled_from([t for t in TRICKY_TEXT if t.strip()])
LATEST = timezone.localdate() - dt.timedelta(days=1)
DATES = st.one_of(
    st.none(),
    st.dates(min_value=dt.date(1990, 1, 1), max_value=LATEST),
    st.builds(lambda day, hour: dt.datetime.combine(day, dt.time(hour)),
              st.dates(min_value=dt.date(1990, 1, 1), max_value=LATEST), st.integers(0, 23)),
)
ROW_EDITS = st.fixed_dictionaries({}, optional={
    "status": st.sampled_from(STATUS_TYPED), "narrative": st.none() | TEXT, "na_reason": st.none() | TEXT,
    "last_tested": DATES, "changed": st.sampled_from(CHANGED_TYPED), "change_note": st.none() | TEXT})
ANSWER_EDITS = st.fixed_dictionaries({}, optional={
    "answer": st.sampled_from(ANSWER_TYPED), "narrative": st.none() | TEXT, "material": st.sampled_from(MATERIAL_TYPED),
    "material_rationale": st.none() | TEXT, "changed": st.sampled_from(CHANGED_TYPED),
    "change_note": st.none() | TEXT})


def typed(value):
    """What to put in the cell for a drawn edit."""
    return value[0] if isinstance(value, tuple) else value


def stored(value):
    """What secassure should then hold."""
    if isinstance(value, tuple):
        return value[1]
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def expected_of(current: dict, edits: dict) -> dict:
    state = dict(current)
    for field, value in edits.items():
        state[field] = None if field in ("last_tested", "changed") and value is None else stored(value)
    return state


NEEDS = {"say why the obligation does not apply": "na_reason",
         "a material increase in risk needs its rationale": "material_rationale",
         "say what changed since the baseline": "change_note"}


def broken_rule(item: str, state: dict) -> str | None:
    """The rule secassure applies that the state breaks (the first, as secassure checks them)."""
    if item == "row" and state["status"] == "not-applicable" and not state["na_reason"]:
        return "say why the obligation does not apply"
    if item == "answer" and state["material"] and not state["material_rationale"]:
        return "a material increase in risk needs its rationale"
    if state["changed"] and not state["change_note"]:
        return "say what changed since the baseline"
    return None


@hypothesis.settings(max_examples=25, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_random_edits_come_back_exactly_and_nothing_else_changes(drafting, bob, tmp_path, data):
    exported = tmp_path / "exported.xlsx"
    edited = tmp_path / "edited.xlsx"
    places = {  # key -> (sheet, excel row, item kind, its input fields)
        f"row:{helpers.row(drafting, 'T1').pk}": (VALIDATION, 2, "row", ROW_FIELDS),
        f"row:{helpers.row(drafting, 'T2').pk}": (VALIDATION, 3, "row", ROW_FIELDS),
        f"answer:{helpers.answer(drafting, 'Q1').pk}": (QUESTIONS, 2, "answer", ANSWER_FIELDS),
        f"answer:{helpers.answer(drafting, 'Q2').pk}": (QUESTIONS, 3, "answer", ANSWER_FIELDS),
    }
    with transaction.atomic():  # each example starts from the fixture's state and leaves it so
        crafted.export(drafting, exported, by=bob)
        before = items_of(drafting)
        edits, expected = {}, {}
        keep_valid = data.draw(st.sampled_from([True, True, True, False]), label="keep_valid")
        for key, (_, _, item, fields) in places.items():
            drawn = data.draw(ROW_EDITS if item == "row" else ANSWER_EDITS, label=key)
            current = {f: before[key][f] for f in fields}
            rule = broken_rule(item, expected_of(current, drawn))
            while keep_valid and rule is not None:  # give what the rule asks for
                drawn[NEEDS[rule]] = data.draw(NON_BLANK, label=f"{key} {NEEDS[rule]}")
                rule = broken_rule(item, expected_of(current, drawn))
            edits[key] = drawn
            expected[key] = expected_of(current, drawn)

        def change(wb):
            for key, drawn in edits.items():
                sheet, excel_row, _, _ = places[key]
                for field, value in drawn.items():
                    put(wb[sheet.title], cell(sheet, field, excel_row), typed(value))

        crafted.edit(exported, edited, change)
        effective = {key: [f for f in places[key][3] if expected[key][f] != before[key][f]] for key in places}
        refusals = {key: broken_rule(places[key][2], expected[key]) for key in places if effective[key]}
        refusals = {key: rule for key, rule in refusals.items() if rule}

        hypothesis.event("refused" if refusals else "applied")
        hypothesis.event(f"items changed: {sum(bool(f) for f in effective.values())}")
        if refusals:
            with pytest.raises(WorkbookRefused) as caught:
                importing.plan(drafting, edited, by=bob)
            problems = caught.value.problems
            assert len(problems) == len(refusals), [str(p) for p in problems]
            for key, rule in refusals.items():
                sheet, excel_row, _, _ = places[key]
                assert any(p.sheet == sheet.title and p.row == excel_row and rule in p.message for p in problems), \
                    (key, rule, [str(p) for p in problems])
            assert items_of(drafting) == before
        else:
            result = importing.plan(drafting, edited, by=bob)
            assert result.conflicts == []
            assert {c.key: sorted(f.field for f in c.fields) for c in result.changes} == \
                {key: sorted(fields) for key, fields in effective.items() if fields}
            importing.apply(result, edited, by=bob, name=edited.name)
            after = items_of(drafting)
            for key in places:
                if effective[key]:
                    bookkeeping = {"revision": before[key]["revision"] + 1, "updated_by_id": bob.pk,
                                   "confirmed": True, "checked_by_id": None, "checked_at": None,
                                   "updated_at": after[key]["updated_at"]}
                    assert after[key]["updated_at"] is not None
                    assert after[key] == {**before[key], **expected[key], **bookkeeping}, key
                else:
                    assert after[key] == before[key], key
        transaction.set_rollback(True)


def test_a_questionnaire_workbook_brings_answers_back(drafting, bob, tmp_path):
    path = crafted.export(drafting, tmp_path / "questionnaire.xlsx", by=bob, kind=layout.QUESTIONNAIRE)

    def change(wb):
        assert wb.sheetnames == list(layout.SHEETS[layout.QUESTIONNAIRE])
        put(wb["Questionnaire"], cell(QUESTIONS, "answer", 3), "Not applicable")
        put(wb["Questionnaire"], cell(QUESTIONS, "narrative", 3), "We import nothing.")

    edited = crafted.edit(path, tmp_path / "edited.xlsx", change)
    result = importing.plan(drafting, edited, by=bob)
    importing.apply(result, edited, by=bob, name=edited.name)
    q2 = helpers.answer(drafting, "Q2")
    assert (q2.answer, q2.narrative, q2.updated_by) == ("not-applicable", "We import nothing.", bob)


# --- 3. conflicts ------------------------------------------------------------------------------------------


def test_a_row_changed_on_both_sides_is_a_conflict_the_product_wins_unless_chosen(drafting, alice, bob, tmp_path):
    path = crafted.export(drafting, tmp_path / "exported.xlsx", by=bob)
    t1, t2 = helpers.row(drafting, "T1"), helpers.row(drafting, "T2")
    actions.save_row(t1, by=alice, revision=t1.revision, narrative="Alice's wording", status="partial")
    actions.save_row(t2, by=alice, revision=t2.revision, status="non-compliant", narrative="Alice found a gap")

    def change(wb):  # T1 differently from Alice; T2 left alone; Q1 answered
        put(wb["Validation"], cell(VALIDATION, "narrative", 2), "Bob's wording")
        put(wb["Questionnaire"], cell(QUESTIONS, "answer", 2), "No")

    edited = crafted.edit(path, tmp_path / "edited.xlsx", change)
    t1_key, q1_key = f"row:{t1.pk}", f"answer:{helpers.answer(drafting, 'Q1').pk}"
    before_t2 = items_of(drafting)[f"row:{t2.pk}"]

    result = importing.plan(drafting, edited, by=bob)
    assert [c.key for c in result.conflicts] == [t1_key]
    assert [c.key for c in result.clean] == [q1_key]
    shown = next(r for r in result.as_dict()["rows"] if r["key"] == t1_key)
    assert shown["conflict"] is True and (shown["sheet"], shown["row"], shown["ref"]) == ("Validation", 2, "T1")
    assert {f["field"]: (f["product"], f["workbook"]) for f in shown["fields"]} == {
        "narrative": ("Alice's wording", "Bob's wording"),
        "status": ("Partially compliant", "Compliant"),  # Bob's copy still says what was exported
    }

    # Without a choice the product's version stays; the clean change goes in.
    summary = importing.apply(result, edited, by=bob, name=edited.name)
    assert (summary["applied"], summary["kept_product"], summary["changed"]) == (1, 1, ["Q1"])
    t1_now = helpers.row(drafting, "T1")
    assert (t1_now.narrative, t1_now.status, t1_now.updated_by) == ("Alice's wording", "partial", alice)
    assert helpers.answer(drafting, "Q1").answer == "no"
    # A row changed in the product and not touched in the workbook is not reverted.
    assert items_of(drafting)[f"row:{t2.pk}"] == before_t2

    # Importing again and choosing the workbook's version for T1 writes it.
    again = importing.plan(drafting, edited, by=bob)
    assert [c.key for c in again.conflicts] == [t1_key] and again.clean == []
    summary = importing.apply(again, edited, by=bob, name=edited.name, take={t1_key})
    assert (summary["applied"], summary["kept_product"]) == (1, 0)
    t1_now = helpers.row(drafting, "T1")
    assert (t1_now.narrative, t1_now.status, t1_now.updated_by) == ("Bob's wording", "compliant", bob)
    assert items_of(drafting)[f"row:{t2.pk}"] == before_t2


def test_the_same_change_on_both_sides_is_no_conflict(drafting, alice, bob, tmp_path):
    path = crafted.export(drafting, tmp_path / "exported.xlsx", by=bob)
    t2 = helpers.row(drafting, "T2")
    actions.save_row(t2, by=alice, revision=t2.revision, status="compliant")
    edited = crafted.edit(path, tmp_path / "edited.xlsx",
                          lambda wb: put(wb["Validation"], cell(VALIDATION, "status", 3), "Compliant"))
    assert importing.plan(drafting, edited, by=bob).changes == []


def test_a_change_made_between_preview_and_apply_undoes_the_whole_import(drafting, alice, bob, tmp_path):
    path = crafted.export(drafting, tmp_path / "exported.xlsx", by=bob)

    def change(wb):
        put(wb["Validation"], cell(VALIDATION, "narrative", 2), "From the workbook")
        put(wb["Questionnaire"], cell(QUESTIONS, "answer", 3), "Yes")

    edited = crafted.edit(path, tmp_path / "edited.xlsx", change)
    result = importing.plan(drafting, edited, by=bob)
    assert len(result.clean) == 2
    q2 = helpers.answer(drafting, "Q2")
    actions.save_answer(q2, by=alice, revision=q2.revision, narrative="Alice, meanwhile")
    before = items_of(drafting)
    documents = Document.objects.count()

    with pytest.raises(ActionError, match="Q2 was changed in secassure after the preview; nothing was imported"):
        importing.apply(result, edited, by=bob, name=edited.name)

    assert items_of(drafting) == before  # T1's change, applied first, was undone with the rest
    assert Document.objects.count() == documents


# --- 4. who may change what --------------------------------------------------------------------------------


@pytest.fixture
def under_review(drafting, alice, bob, carol, dave):
    """The drafting assessment submitted and shared with carol: under CIO review."""
    assessment = helpers.submit(drafting, maker=bob, checker=alice, approver=dave)
    review.share(assessment, carol, by=alice)
    assessment.refresh_from_db()
    assert assessment.status == "cio-review"
    return assessment


def refused(assessment, path: Path, by, error=WorkbookRefused) -> str:
    """Import path as by would, expecting a refusal that leaves the database as it was."""
    with crafted.untouched(), pytest.raises(error) as caught:
        result = importing.plan(assessment, path, by=by)
        importing.apply(result, path, by=by, name=path.name)
    return str(caught.value)


def test_the_cio_reviewer_writes_comments_through_the_workbook(under_review, carol, tmp_path):
    path = crafted.export(under_review, tmp_path / "carol.xlsx", by=carol)
    before = items_of(under_review)

    def change(wb):
        put(wb["Validation"], cell(VALIDATION, "cio_comment", 3), "=Show twelve months of logs")
        put(wb["Questionnaire"], cell(QUESTIONS, "cio_comment", 2), "Agreed.\nNothing to add.")

    edited = crafted.edit(path, tmp_path / "edited.xlsx", change)
    result = importing.plan(under_review, edited, by=carol)
    assert [(c.ref, [(f.field, f.before, f.after) for f in c.fields]) for c in result.changes] == [
        ("T2", [("cio_comment", "", "=Show twelve months of logs")]),
        ("Q1", [("cio_comment", "", "Agreed.\nNothing to add.")]),
    ]
    importing.apply(result, edited, by=carol, name=edited.name)
    t2, q1 = helpers.row(under_review, "T2"), helpers.answer(under_review, "Q1")
    assert [(c.author, c.row_id, c.answer_id, c.text) for c in Comment.objects.order_by("pk")] == [
        (carol, t2.pk, None, "=Show twelve months of logs"), (carol, None, q1.pk, "Agreed.\nNothing to add.")]
    assert items_of(under_review) == before  # the User's rows and answers are untouched

    # Her next copy shows her comment; changing it edits that comment, it does not add one.
    path = crafted.export(under_review, tmp_path / "carol2.xlsx", by=carol)
    edited = crafted.edit(path, tmp_path / "edited2.xlsx",
                          lambda wb: put(wb["Validation"], cell(VALIDATION, "cio_comment", 3), "Twelve months, please"))
    importing.apply(importing.plan(under_review, edited, by=carol), edited, by=carol, name=edited.name)
    assert list(Comment.objects.order_by("pk").values_list("text", flat=True)) == [
        "Twelve months, please", "Agreed.\nNothing to add."]

    # Emptying it is refused: a comment is removed in secassure.
    path = crafted.export(under_review, tmp_path / "carol3.xlsx", by=carol)
    edited = crafted.edit(path, tmp_path / "edited3.xlsx",
                          lambda wb: put(wb["Validation"], cell(VALIDATION, "cio_comment", 3), None))
    assert "sheet 'Validation', row 3, column O (CIO comment): a comment cannot be removed" in \
        refused(under_review, edited, carol)


@pytest.mark.parametrize("key", ["status", "narrative", "owner", "ref"])
def test_the_cio_reviewer_cannot_change_the_users_columns(under_review, carol, tmp_path, key):
    path = crafted.export(under_review, tmp_path / "carol.xlsx", by=carol)
    edited = crafted.edit(path, tmp_path / "edited.xlsx",
                          lambda wb: put(wb["Validation"], cell(VALIDATION, key, 2), "Non-compliant"))
    message = refused(under_review, edited, carol)
    header = next(c.header for c in VALIDATION.columns if c.key == key)
    letter = crafted.column_letter(VALIDATION, key)
    assert f"sheet 'Validation', row 2, column {letter} ({header}): a locked cell was changed" in message


def test_the_users_team_cannot_write_cio_comments(drafting, bob, tmp_path):
    path = crafted.export(drafting, tmp_path / "bob.xlsx", by=bob)
    edited = crafted.edit(path, tmp_path / "edited.xlsx",
                          lambda wb: put(wb["Validation"], cell(VALIDATION, "cio_comment", 2), "Looks fine to me"))
    assert "sheet 'Validation', row 2, column O (CIO comment): a locked cell was changed" in \
        refused(drafting, edited, bob)


def test_during_the_review_the_users_copy_is_read_only(under_review, bob, tmp_path):
    path = crafted.export(under_review, tmp_path / "bob.xlsx", by=bob)
    for key, value in (("cio_comment", "My own comment"), ("narrative", "A late change")):
        edited = crafted.edit(path, tmp_path / f"{key}.xlsx",
                              lambda wb, key=key, value=value: put(wb["Validation"], cell(VALIDATION, key, 2), value))
        assert "the assessment is under CIO review, so nothing in it can change now" in refused(under_review, edited,
                                                                                                  bob)


def test_a_workbook_is_imported_only_by_the_side_it_was_written_for(under_review, bob, carol, tmp_path):
    carols = crafted.export(under_review, tmp_path / "carol.xlsx", by=carol)
    bobs = crafted.export(under_review, tmp_path / "bob.xlsx", by=bob)
    # While under review the User's side cannot import at all, whosever the copy ...
    assert "the assessment is under CIO review, so nothing in it can change now" in refused(under_review, carols, bob)
    # ... and the CIO cannot bring in the User's copy.
    assert "this workbook was written for the User's team" in refused(under_review, bobs, carol)
    # Were the assessment open again, the CIO's copy would still not be the User's to import.
    type(under_review).objects.filter(pk=under_review.pk).update(status="preparation")
    under_review.refresh_from_db()
    assert "this workbook was written for the CIO reviewer" in refused(under_review, carols, bob)


def test_an_observer_cannot_import(drafting, bob, olive, tmp_path):
    for by in (bob, olive):
        path = crafted.export(drafting, tmp_path / f"{by.pk}.xlsx", by=by)
        edited = crafted.edit(path, tmp_path / f"{by.pk}-edited.xlsx",
                              lambda wb: put(wb["Validation"], cell(VALIDATION, "narrative", 3), "Observed"))
        assert "does not allow this (assessments.edit)" in refused(drafting, edited, olive, error=ActionError)


def test_someone_of_another_organisation_cannot_import(drafting, bob, mallory, tmp_path):
    path = crafted.export(drafting, tmp_path / "bob.xlsx", by=bob)
    edited = crafted.edit(path, tmp_path / "edited.xlsx",
                          lambda wb: put(wb["Validation"], cell(VALIDATION, "narrative", 3), "From outside"))
    assert "your role in Alpha Energy Ltd does not allow this" in refused(drafting, edited, mallory, error=ActionError)


def test_nothing_is_imported_into_a_submitted_assessment(drafting, alice, bob, dave, tmp_path):
    path = crafted.export(drafting, tmp_path / "bob.xlsx", by=bob)
    edited = crafted.edit(path, tmp_path / "edited.xlsx",
                          lambda wb: put(wb["Validation"], cell(VALIDATION, "narrative", 3), "Too late"))
    helpers.submit(drafting, maker=bob, checker=alice, approver=dave)
    assert "the assessment is submitted, so nothing in it can change now" in refused(drafting, edited, bob)


def test_the_cio_comments_cannot_change_once_final(under_review, carol, tmp_path):
    path = crafted.export(under_review, tmp_path / "carol.xlsx", by=carol)
    edited = crafted.edit(path, tmp_path / "edited.xlsx",
                          lambda wb: put(wb["Validation"], cell(VALIDATION, "cio_comment", 2), "Late"))
    review.finalise(under_review, by=carol)
    assert "the CIO's comments are final" in refused(under_review, edited, carol)


# --- 5. no exported text becomes a formula ----------------------------------------------------------------

FORMULA_STARTS = ['=HYPERLINK("http://x","y")', "+1+1", "-2", "@SUM(A1)", "=1+1", "=cmd|' /C calc'!A0", "-@x"]


def inject(assessment) -> list[tuple[str, bool]]:
    """Put text that starts like a formula into every text field the workbook shows; returns each
    text with whether it stands alone in its cell (else it is part of a longer cell)."""
    org = assessment.organisation
    texts: list[tuple[str, bool]] = []

    def text(label: str, exact: bool = True) -> str:
        start = FORMULA_STARTS[len(texts) % len(FORMULA_STARTS)]
        value = start if len(texts) < len(FORMULA_STARTS) and exact else f"{start} {label}"
        texts.append((value, exact))
        return value

    for row in ValidationRow.objects.filter(assessment=assessment).order_by("pk"):
        ValidationRow.objects.filter(pk=row.pk).update(
            narrative=text(f"narrative {row.pk}"), na_reason=text(f"na reason {row.pk}"),
            change_note=text(f"change note {row.pk}"), group_ref=text(f"group {row.pk}"))
        Obligation.objects.filter(pk=row.obligation_id).update(
            title=text(f"obligation {row.pk}"), summary=text(f"summary {row.pk}"))
    for answer in QuestionAnswer.objects.filter(assessment=assessment).order_by("pk"):
        QuestionAnswer.objects.filter(pk=answer.pk).update(
            narrative=text(f"answer narrative {answer.pk}"), material_rationale=text(f"rationale {answer.pk}"),
            change_note=text(f"answer change {answer.pk}"))
        Question.objects.filter(pk=answer.question_id).update(text=text(f"question {answer.pk}"))
    Assessment.objects.filter(pk=assessment.pk).update(title=text("assessment title"))
    Organisation.objects.filter(pk=org.pk).update(name=text("organisation", exact=False))
    for document in Document.objects.filter(organisation=org):
        # a linked document is listed in the evidence index; one attached to a query reply is named in the thread
        linked = EvidenceLink.objects.filter(document=document).exists()
        Document.objects.filter(pk=document.pk).update(title=text(f"document {document.pk}", exact=linked))
        if linked:
            DocumentVersion.objects.filter(document=document).update(original_name=text(f"file {document.pk}"))
    for risk in Risk.objects.filter(organisation=org):
        fields = {"title": text(f"risk {risk.pk}"), "asset": text(f"asset {risk.pk}"),
                  "treatment_plan": text(f"treatment {risk.pk}")}
        Risk.objects.filter(pk=risk.pk).update(**fields)
        # once submitted, the exports show the register as it was then: its snapshot
        for snapshot in RiskSnapshot.objects.filter(risk=risk):
            RiskSnapshot.objects.filter(pk=snapshot.pk).update(data={**snapshot.data, **fields})
    for change in ChangeRecord.objects.filter(assessment=assessment):
        ChangeRecord.objects.filter(pk=change.pk).update(description=text(f"change {change.pk}"))
    for comment in Comment.objects.filter(assessment=assessment):
        Comment.objects.filter(pk=comment.pk).update(text=text(f"comment {comment.pk}"))
    for message in QueryMessage.objects.filter(query__assessment=assessment):
        QueryMessage.objects.filter(pk=message.pk).update(text=text(f"query message {message.pk}", exact=False))
    Outcome.objects.filter(assessment=assessment).update(reference=text("ssc reference"), text=text("ssc text"))
    for finding in Finding.objects.filter(assessment=assessment):
        Finding.objects.filter(pk=finding.pk).update(description=text(f"finding {finding.pk}"),
                                                     response=text(f"response {finding.pk}"))
    for action in RemediationAction.objects.filter(plan__assessment=assessment):
        RemediationAction.objects.filter(pk=action.pk).update(description=text(f"action {action.pk}"))
    assessment.refresh_from_db()
    return texts


def test_no_exported_text_becomes_a_formula(reviewed, bob, carol, tmp_path):
    texts = inject(reviewed)
    assert len(texts) > 35 and Comment.objects.filter(assessment=reviewed).count() == 2
    for name, by, kind in (("user", bob, layout.VALIDATION_WORKBOOK), ("cio", carol, layout.VALIDATION_WORKBOOK),
                           ("command-line", None, layout.VALIDATION_WORKBOOK), ("questionnaire", bob,
                                                                                layout.QUESTIONNAIRE)):
        path = crafted.export(reviewed, tmp_path / f"{name}.xlsx", by=by, kind=kind)
        assert crafted.formula_elements(path) == [], name
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames == list(layout.SHEETS[kind])
        values = []
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    assert c.data_type != "f", (name, ws.title, c.coordinate, c.value)
                    if isinstance(c.value, str):
                        values.append(c.value)
                        if c.value.startswith(layout.FORMULA_START):  # shown, and kept on editing, as text
                            assert c.quotePrefix, (name, ws.title, c.coordinate, c.value)
        if kind == layout.VALIDATION_WORKBOOK:  # each text comes back exactly
            for value, exact in texts:
                assert (value in values) if exact else any(value in v for v in values), (name, value)


def test_formula_like_text_in_input_cells_comes_back_as_text(filled, bob, tmp_path):
    path = crafted.export(filled, tmp_path / "exported.xlsx", by=bob)
    assert crafted.formula_elements(path) == []
    wb = openpyxl.load_workbook(path)
    assert wb["Validation"][cell(VALIDATION, "narrative", 2)].value == '=HYPERLINK("http://x","y")\nsecond line'
    assert wb["Validation"][cell(VALIDATION, "narrative", 3)].value == "-2"
    assert wb["Validation"][cell(VALIDATION, "na_reason", 3)].value == "@SUM(A1) we hold no such role ✓ 漢字 🙂"
    assert wb["Questionnaire"][cell(QUESTIONS, "material_rationale", 2)].value == "=1+1 a new supplier"
    assert importing.plan(filled, path, by=bob).changes == []


# --- 6. LibreOffice ---------------------------------------------------------------------------------------


@pytest.fixture
def libreoffice(tmp_path):
    """Save a workbook with LibreOffice, as a person who opened it there and saved it as .xlsx would."""
    if crafted.soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed, so a workbook saved by it cannot be made here")
    return lambda src, name: crafted.libreoffice_save(src, tmp_path / f"libreoffice-{name}",
                                                       tmp_path / "libreoffice-profile")


def test_a_workbook_saved_by_libreoffice_imports_with_no_changes(filled, bob, tmp_path, libreoffice):
    path = crafted.export(filled, tmp_path / "exported.xlsx", by=bob)
    saved = libreoffice(path, "saved")
    assert crafted.members(saved) != crafted.members(path)  # LibreOffice wrote the file anew
    wb = openpyxl.load_workbook(saved)
    assert wb.sheetnames == list(layout.SHEETS[layout.VALIDATION_WORKBOOK])
    assert wb["Validation"][cell(VALIDATION, "last_tested", 2)].value == dt.datetime(2025, 12, 31)
    before = items_of(filled)

    result = importing.plan(filled, saved, by=bob)

    assert result.changes == [], result.as_dict()
    importing.apply(result, saved, by=bob, name=saved.name)
    assert items_of(filled) == before


def test_edits_to_a_workbook_saved_by_libreoffice_come_back_exactly(filled, bob, tmp_path, libreoffice):
    saved = libreoffice(crafted.export(filled, tmp_path / "exported.xlsx", by=bob), "saved")
    before = items_of(filled)

    def change(wb):
        put(wb["Validation"], cell(VALIDATION, "status", 3), "Compliant")
        put(wb["Validation"], cell(VALIDATION, "narrative", 3), "=Now met\nsince March")
        put(wb["Validation"], cell(VALIDATION, "last_tested", 3), dt.date(2026, 3, 2))
        put(wb["Questionnaire"], cell(QUESTIONS, "answer", 3), "Yes")

    edited = crafted.edit(saved, tmp_path / "edited.xlsx", change)
    result = importing.plan(filled, edited, by=bob)
    t2, q2 = helpers.row(filled, "T2"), helpers.answer(filled, "Q2")
    assert {c.key: sorted(f.field for f in c.fields) for c in result.changes} == {
        f"row:{t2.pk}": ["last_tested", "narrative", "status"], f"answer:{q2.pk}": ["answer"]}
    importing.apply(result, edited, by=bob, name=edited.name)
    after = items_of(filled)
    assert (after[f"row:{t2.pk}"]["status"], after[f"row:{t2.pk}"]["narrative"],
            after[f"row:{t2.pk}"]["last_tested"]) == ("compliant", "=Now met\nsince March", dt.date(2026, 3, 2))
    assert after[f"answer:{q2.pk}"]["answer"] == "yes"
    unchanged = {k for k in before} - {f"row:{t2.pk}", f"answer:{q2.pk}"}
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}


def test_edits_saved_by_libreoffice_come_back_exactly(filled, bob, tmp_path, libreoffice):
    path = crafted.export(filled, tmp_path / "exported.xlsx", by=bob)

    def change(wb):
        put(wb["Validation"], cell(VALIDATION, "narrative", 2), "+Edited, then saved by LibreOffice ✓")
        put(wb["Validation"], cell(VALIDATION, "last_tested", 2), dt.date(2026, 1, 31))
        put(wb["Validation"], cell(VALIDATION, "changed", 2), "No")
        put(wb["Questionnaire"], cell(QUESTIONS, "material", 2), "No")

    saved = libreoffice(crafted.edit(path, tmp_path / "edited.xlsx", change), "saved")
    result = importing.plan(filled, saved, by=bob)
    t1, q1 = helpers.row(filled, "T1"), helpers.answer(filled, "Q1")
    assert {c.key: sorted(f.field for f in c.fields) for c in result.changes} == {
        f"row:{t1.pk}": ["changed", "last_tested", "narrative"], f"answer:{q1.pk}": ["material"]}
    importing.apply(result, saved, by=bob, name=saved.name)
    t1, q1 = helpers.row(filled, "T1"), helpers.answer(filled, "Q1")
    assert (t1.narrative, t1.last_tested, t1.changed) == ("+Edited, then saved by LibreOffice ✓",
                                                         dt.date(2026, 1, 31), False)
    assert (q1.material, q1.material_rationale) == (False, "=1+1 a new supplier")


@pytest.mark.parametrize("kind", [layout.VALIDATION_WORKBOOK, layout.QUESTIONNAIRE])
def test_every_exported_row_is_known_by_its_hash_as_read(filled, bob, tmp_path, kind):
    """The export keeps a hash of each row as calamine will read it back, so that a row left as it
    was is taken without being read a cell at a time: it matches every row as exported, whatever
    the cells hold (a date, a number, text in any script, empty cells)."""
    path = crafted.export(filled, tmp_path / "exported.xlsx", by=bob, kind=kind)
    quick = reading.quick_workbook(path)
    try:
        _, entries = reading.read_meta(quick)
        rows = {title: quick[title].rows for title in {entry[0] for entry in entries}}
    finally:
        quick.close()
    held = {type(value) for sheet in rows.values() for row in sheet[1:] for value in row}
    assert {str, float} <= held
    if kind == layout.VALIDATION_WORKBOOK:
        assert held & {dt.date, dt.datetime}  # the date last tested
    assert [layout.quick_digest(rows[entry[0]][int(entry[1]) - 1]) for entry in entries] == \
        [entry[-1] for entry in entries]


def test_a_row_hash_as_read_takes_text_as_text_and_keeps_apart_what_differs():
    """quick_digest: text of a subclass of str hashes as the same text does once the export has
    made it plain (quick_value), as calamine gives it; a row holding what marshal cannot write (a
    date) still has its hash; a change of value or of type changes the hash."""
    from django.utils.safestring import mark_safe

    row = ["T1", 1.0, True, ""]
    assert layout.quick_digest([layout.quick_value(v) for v in [mark_safe("T1"), 1, True, None]]) == \
        layout.quick_digest(row)
    dated = [*row, dt.date(2026, 1, 31)]
    assert len(layout.quick_digest(dated)) == 16 and layout.quick_digest(dated) == layout.quick_digest(list(dated))
    assert len({layout.quick_digest(r) for r in (row, dated, ["T1", "1.0", True, ""], ["T1", 1.0, 1.0, ""],
                                                  ["T1", 1.0, True, " "], [*row[:-1], dt.date(2026, 2, 1)])}) == 6


def test_workbooks_saved_by_spreadsheet_programs_are_read_the_quick_way(filled, bob, tmp_path, libreoffice):
    """The scan before calamine takes cells only in the plain form: the form LibreOffice and openpyxl
    write, as the export does, so that their workbooks are not left to the slower reading."""
    path = crafted.export(filled, tmp_path / "exported.xlsx", by=bob)
    edited = crafted.edit(path, tmp_path / "edited.xlsx",
                          lambda wb: put(wb["Validation"], cell(VALIDATION, "narrative", 2), "Edited: and saved"))
    for saved in (path, edited, libreoffice(path, "saved"), libreoffice(edited, "edited")):
        quick = reading.quick_workbook(saved)
        assert quick is not None, saved.name
        quick.close()
