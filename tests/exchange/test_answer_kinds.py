"""The exports follow each question's kind of answer. In the workbook the questionnaire's drop-down
offers that kind's answers (none for a question answered in words, whose narrative is the answer) and
the import refuses an answer the question does not take, saying where and what was expected; OSCAL
and the report name an answer in words as such."""

from __future__ import annotations

import openpyxl
import pytest

from secassure.assessments import actions, services
from secassure.exchange import importing, layout, oscal, report
from secassure.exchange.reading import WorkbookRefused
from tests.assessments import helpers
from tests.exchange import crafted

ANSWER = "column D (Answer)"


@pytest.fixture
def k(write, org_a, alice, bob):
    """An SSA in preparation on the answer-kinds catalogue: K1, K2 yes-no, K3 status, K4 words, on
    rows 2 to 5 of the Questionnaire sheet."""
    return helpers.kinds_in_preparation(write, org_a, owner=alice, maker=bob)


@pytest.fixture
def exported(k, bob, tmp_path):
    return crafted.export(k, tmp_path / "questionnaire.xlsx", by=bob, kind=layout.QUESTIONNAIRE)


def test_each_question_offers_the_answers_of_its_kind(exported):
    assert layout.QUESTIONS.where(3) == ANSWER
    wb = openpyxl.load_workbook(exported)
    ws = wb["Questionnaire"]
    lists = {}
    for dv in ws.data_validations.dataValidation:
        cells = [f"D{row}" for r in dv.sqref.ranges if r.min_col <= 4 <= r.max_col
                 for row in range(r.min_row, r.max_row + 1)]
        if cells:
            lists[dv.formula1] = cells
    assert lists == {"secassure_answer": ["D2", "D3"], "secassure_answer_status": ["D4"]}
    assert [ws[f"D{n}"].protection.locked for n in range(2, 6)] == [False, False, False, True]
    assert ws["E5"].protection.locked is False  # the narrative of the question answered in words
    status = wb.defined_names["secassure_answer_status"].attr_text
    assert [c.value for row in wb["Lists"][status.split("!")[1].replace("$", "")] for c in row] == [
        "All closed", "Open and on track", "Overdue", "Not applicable"]


def _edit(exported, cells: dict):
    def change(wb):
        for ref, value in cells.items():
            crafted.set_text(wb["Questionnaire"], ref, value)

    return crafted.edit(exported, exported.with_name("edited.xlsx"), change)


def test_an_answer_the_question_does_not_take_is_refused_where_it_is(k, bob, exported):
    path = _edit(exported, {"D2": "Overdue", "D4": "Yes", "D5": "Yes", "E5": "What we learnt"})
    with crafted.untouched(), pytest.raises(WorkbookRefused) as caught:
        importing.plan(k, path, by=bob)
    assert [(p.sheet, p.row, p.column, p.message) for p in caught.value.problems] == [
        ("Questionnaire", 2, ANSWER, "expected one of: Yes, No, Partially, Not applicable; found 'Overdue'"),
        ("Questionnaire", 4, ANSWER, "expected one of: All closed, Open and on track, Overdue, Not applicable; "
                                     "found 'Yes'"),
        ("Questionnaire", 5, ANSWER, "K4 is answered in words, in the Narrative column: expected this cell empty; "
                                     "found 'Yes'"),
    ]
    assert str(caught.value.problems[1]).startswith("sheet 'Questionnaire', row 4, column D (Answer): expected")


def test_answers_of_each_kind_come_back_from_the_workbook(k, bob, exported):
    path = _edit(exported, {"D2": "No", "D4": "Overdue", "E5": "Tabletop exercises now include the DCC"})
    plan = importing.plan(k, path, by=bob)
    importing.apply(plan, path, by=bob, name=path.name)
    stored = {ref: (helpers.answer(k, ref).answer, helpers.answer(k, ref).narrative) for ref in ("K1", "K3", "K4")}
    assert stored == {"K1": ("no", ""), "K3": ("overdue", ""), "K4": ("", "Tabletop exercises now include the DCC")}
    assert services.progress(k)["questions"].assessed == 3  # K2 is still to answer


def test_oscal_and_the_report_name_an_answer_in_words_as_such(k, bob):
    actions.save_answer(helpers.answer(k, "K3"), by=bob, revision=1, answer="overdue")
    actions.save_answer(helpers.answer(k, "K4"), by=bob, revision=1, narrative="Shorter call trees", material=True,
                        material_rationale="The call tree failed in an exercise")
    results = oscal.build(k, "assessment-results")["assessment-results"]["results"][0]
    observed = {o["title"].split()[0]: o for o in results["observations"] if o["methods"] == ["INTERVIEW"]}
    props = {ref: {p["name"]: p["value"] for p in o["props"]} for ref, o in observed.items()}
    assert observed["K4"]["description"].startswith("Answer: Answered in words.\n\nShorter call trees")
    assert props["K4"]["answer-kind"] == "text" and "answer" not in props["K4"]
    assert observed["K3"]["description"].startswith("Answer: Overdue.")
    assert (props["K3"]["answer-kind"], props["K3"]["answer"]) == ("status", "overdue")
    assert props["K2"]["answer"] == "unanswered"
    (material,) = report.report_data(k)["material_answers"]
    assert (material["ref"], material["answer_label"]) == ("K4", "Answered in words")
