"""Proposing which column fills which field and what each value means, for every layout a client
might send, and the person's own choices winning over the guess."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from secassure.exchange.intake import fields as F
from secassure.exchange.intake.mapping import guess_kind, propose, read_value
from secassure.exchange.intake.tables import IntakeRefused, Table, read_table
from tests.intake import layouts


def taken(builder, tmp_path, name, kind=None):
    path = builder(tmp_path / name)
    table = read_table(path, name, kind=kind)
    return table, propose(table, kind or guess_kind(table))


def test_a_titled_validation_workbook(tmp_path):
    table, proposal = taken(layouts.validation_workbook_titled, tmp_path, "workbook.xlsx")
    assert proposal.kind == "rows"
    assert proposal.headers(table) == {
        "ref": "SEC Ref", "obligation": "Requirement", "status": "Compliance", "narrative": "How is it met",
        "evidence": "Evidence", "owner": "Owner", "last_tested": "Last Tested", "comments": "Comments"}
    assert set(proposal.sure.values()) == {"header"}
    assert proposal.values["status"] == {"Compliant": "compliant", "Partial": "partial",
                                         "Not compliant": "non-compliant", "N/A": "not-applicable"}
    assert proposal.unmapped == {"status": ["Maybe"]}
    assert proposal.values["last_tested"] == {"2025-01-15": dt.date(2025, 1, 15), "15/02/2025": dt.date(2025, 2, 15),
                                              "2025-03-01": dt.date(2025, 3, 1)}
    assert "owner" not in proposal.values and "narrative" not in proposal.unmapped  # people and text are themselves


def test_a_consultancy_workbook_in_another_order_with_rag_statuses(tmp_path):
    table, proposal = taken(layouts.consultancy_workbook, tmp_path, "consultancy.xlsx")
    assert proposal.kind == "rows"
    assert proposal.headers(table) == {
        "ref": "Control ID", "obligation": "SEC Obligation", "status": "RAG Status",
        "narrative": "Management Response", "evidence": "Evidence Reference", "owner": "Action Owner",
        "last_tested": "Date of Last Test", "comments": "Consultant Notes"}
    assert proposal.mapping["status"] == 1 and proposal.mapping["ref"] == 0
    assert proposal.values["status"] == {"Green": "compliant", "Amber": "partial", "Red": "non-compliant"}
    assert proposal.values["last_tested"] == {"2025-02-03": dt.date(2025, 2, 3), "14/03/2025": dt.date(2025, 3, 14),
                                              "1/4/25": dt.date(2025, 4, 1), "March 2025": dt.date(2025, 3, 1)}
    assert proposal.unmapped == {"status": ["TBD"], "last_tested": ["TBC"]}


def test_ssa_answers(tmp_path):
    table, proposal = taken(layouts.ssa_answers, tmp_path, "ssa.xlsx")
    assert proposal.kind == "answers"
    assert proposal.headers(table) == {"ref": "Q No", "question": "Question", "answer": "Response (Y/N)",
                                       "narrative": "Supporting information", "material": "Material change?"}
    assert proposal.values["answer"] == {"Y": "yes", "N": "no", "Partially": "partial", "N/A": "not-applicable"}
    assert proposal.values["material"] == {"No": False, "Yes": True}
    assert proposal.unmapped == {"answer": ["Unsure"]}


def test_a_risk_register_csv(tmp_path):
    table, proposal = taken(layouts.risk_register_csv, tmp_path, "risks.csv")
    assert proposal.kind == "risks"
    assert proposal.headers(table) == {
        "title": "Risk Title", "likelihood": "Likelihood", "impact": "Impact", "treatment": "Treatment",
        "treatment_plan": "Mitigation", "owner": "Risk Owner", "review_date": "Review Date"}
    assert proposal.values["likelihood"] == {"Likely": 4, "3": 3, "Low": 2, "Almost certain": 5}
    assert proposal.values["impact"] == {"Major": 4, "4": 4, "Severe": 5, "2": 2, "Minor": 2}
    assert proposal.values["treatment"] == {"Mitigate": "modify", "Transfer": "share", "Accept": "retain",
                                            "Avoid": "avoid", "Reduce": "modify"}
    assert proposal.values["review_date"]["Jul 2025"] == dt.date(2025, 7, 1)
    assert proposal.unmapped == {"likelihood": ["TBD"]}


@pytest.mark.parametrize("builder, name", [(layouts.document_list_ods, "documents.ods"),
                                           (layouts.document_list_xls, "documents.xls")])
def test_a_document_list(tmp_path, builder, name):
    table, proposal = taken(builder, tmp_path, name)
    assert proposal.kind == "documents"
    assert proposal.headers(table) == {"title": "Document Title", "doc_type": "Type", "owner": "Owner",
                                       "version": "Version", "review_date": "Next Review Date"}
    assert proposal.values["doc_type"] == {"Policy": "policy", "Process": "procedure", "Register": "record",
                                           "Log": "record", "Contract": "contract"}
    assert proposal.unmapped == {"doc_type": ["Brochure"]}
    assert proposal.values["review_date"] == {"2025-09-30": dt.date(2025, 9, 30), "31/12/2025": dt.date(2025, 12, 31),
                                              "2026-01-31": dt.date(2026, 1, 31), "1 March 2026": dt.date(2026, 3, 1)}


def test_the_persons_mapping_wins(tmp_path):
    path = layouts.validation_workbook_titled(tmp_path / "workbook.xlsx")
    table = read_table(path, "workbook.xlsx", kind="rows")
    proposal = propose(table, "rows", mapping={"narrative": "comments", "comments": "", "evidence": "5",
                                               "owner": "F"})
    assert proposal.mapping["narrative"] == 7 and proposal.sure["narrative"] == "given"
    assert "comments" not in proposal.mapping  # given as "" and so left unmapped, not guessed
    assert proposal.mapping["evidence"] == 4 and proposal.mapping["owner"] == 5
    assert proposal.mapping["status"] == 2 and proposal.sure["status"] == "header"
    # the column "How is it met" is free, but no field may take the narrative's column twice
    assert list(proposal.mapping.values()).count(7) == 1


def test_the_persons_values_win(tmp_path):
    path = layouts.validation_workbook_titled(tmp_path / "workbook.xlsx")
    table = read_table(path, "workbook.xlsx", kind="rows")
    proposal = propose(table, "rows", values={"status": {"Maybe": "partial", "Partial": "", "N/A": "Not compliant"}})
    assert proposal.values["status"] == {"Compliant": "compliant", "Maybe": "partial",
                                         "Not compliant": "non-compliant", "N/A": "non-compliant"}
    assert proposal.unmapped == {"status": ["Partial"]}


def test_wrong_choices_are_refused(tmp_path):
    path = layouts.ssa_answers(tmp_path / "ssa.xlsx")
    table = read_table(path, "ssa.xlsx")
    with pytest.raises(IntakeRefused, match="no field 'status'"):
        propose(table, "answers", mapping={"status": "C"})
    with pytest.raises(IntakeRefused, match="no column is called 'Owner'"):
        propose(table, "answers", mapping={"answer": "Owner"})
    with pytest.raises(IntakeRefused, match="'sometimes' is not a value Answer can take"):
        propose(table, "answers", values={"answer": {"Unsure": "sometimes"}})
    with pytest.raises(IntakeRefused, match="not a kind of intake"):
        propose(table, "minutes")


def test_an_exact_header_beats_one_that_contains_the_name():
    table = Table("", 1, ["Evidence reference", "Reference", "Compliance status", "Status"], [])
    proposal = propose(table, "rows")
    assert proposal.mapping == {"ref": 1, "status": 3, "evidence": 0}


def test_a_name_inside_a_header_counts_only_as_whole_words():
    table = Table("", 1, ["Clause", "Storage location", "Ownership notes"], [])
    proposal = propose(table, "rows")
    assert "status" not in proposal.mapping  # "rag" is inside "storage", but not as a word
    assert "owner" not in proposal.mapping and proposal.mapping["comments"] == 2


def test_a_reference_column_is_found_by_its_values():
    from secassure.exchange.intake.tables import Row

    rows = [Row(2, ["1", "Establish an ISMS", "G3.1", "Yes"]), Row(3, ["2", "Review it", "G 3.2", "No"]),
            Row(4, ["3", "Keep records", "SEC G3.3", "Partly"])]
    table = Table("", 1, ["#", "Text", "", "Met?"], rows)
    proposal = propose(table, "rows")
    assert proposal.mapping["ref"] == 2 and proposal.sure["ref"] == "values"
    assert proposal.headers(table)["ref"] == "C"  # a blank header is shown by its letter


def test_guess_kind_by_headers_and_references():
    assert guess_kind(Table("", 1, ["Risk", "Likelihood", "Impact", "Owner"], [])) == "risks"
    assert guess_kind(Table("", 1, ["Document", "Type", "Version", "Review date"], [])) == "documents"
    assert guess_kind(Table("", 1, ["Clause", "Compliance", "Evidence"], [])) == "rows"
    assert guess_kind(Table("", 1, ["Question", "Answer", "Notes"], [])) == "answers"


def test_a_blank_headed_table_is_guessed_by_its_references(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Ref", "Text"])
    for number in range(1, 5):
        ws.append([f"SSA-0{number}", "Has anything changed?"])
    wb.save(tmp_path / "refs.xlsx")
    table = read_table(tmp_path / "refs.xlsx", "refs.xlsx")
    assert guess_kind(table) == "answers"


@pytest.mark.parametrize("text, value", [
    ("Compliant", "compliant"), ("Fully compliant", "compliant"), ("YES", "compliant"), ("Met", "compliant"),
    ("green", "compliant"), ("C", "compliant"), ("Partially compliant", "partial"), ("Partly", "partial"),
    ("Amber", "partial"), ("In progress", "partial"), ("PC", "partial"), ("Non-compliant", "non-compliant"),
    ("Non compliant", "non-compliant"), ("Not met", "non-compliant"), ("RED", "non-compliant"),
    ("NC", "non-compliant"), ("N/A", "not-applicable"), ("n.a.", "not-applicable"),
    ("Not applicable", "not-applicable"), ("Not assessed", "not-assessed"), ("TBC", "not-assessed"),
    ("non-compliant", "non-compliant"), ("Maybe", None), ("TBD", None), ("", None), ("  ", None)])
def test_statuses(text, value):
    assert read_value(F.STATUS, text) == value


@pytest.mark.parametrize("text, value", [
    ("Y", "yes"), ("True", "yes"), ("1", "yes"), ("No", "no"), ("FALSE", "no"), ("0", "no"), ("In part", "partial"),
    ("Partially", "partial"), ("NA", "not-applicable"), ("All closed", "all-closed"), ("On track", "on-track"),
    ("Overdue", "overdue"), ("Unsure", None)])
def test_answers(text, value):
    assert read_value(F.ANSWER, text) == value


@pytest.mark.parametrize("text, value", [("Yes", True), ("y", True), ("TRUE", True), ("No", False), ("0", False),
                                         ("Perhaps", None), ("", None)])
def test_yes_or_no(text, value):
    assert read_value(F.YESNO, text) is value


@pytest.mark.parametrize("text, value", [
    ("1", 1), ("5", 5), ("3 - Possible", 3), ("4 (High)", 4), ("Very low", 1), ("Low", 2), ("Medium", 3),
    ("High", 4), ("Very high", 5), ("Rare", 1), ("Unlikely", 2), ("Possible", 3), ("Likely", 4),
    ("Almost certain", 5), ("Insignificant", 1), ("Minor", 2), ("Moderate", 3), ("Major", 4), ("Severe", 5),
    ("Catastrophic", 5), ("0", None), ("6", None), ("25", None), ("1.5", None), ("TBD", None)])
def test_scales(text, value):
    assert read_value(F.SCALE, text) == value


def test_a_three_point_scale_is_not_stretched():
    assert [read_value(F.SCALE, t) for t in ("1", "2", "3")] == [1, 2, 3]


@pytest.mark.parametrize("text, value", [
    ("Reduce", "modify"), ("Mitigate", "modify"), ("Treat", "modify"), ("Modify", "modify"), ("Accept", "retain"),
    ("Retain", "retain"), ("Tolerate", "retain"), ("Avoid", "avoid"), ("Terminate", "avoid"), ("Transfer", "share"),
    ("Share", "share"), ("Insure", "share"), ("Ignore", None)])
def test_treatments(text, value):
    assert read_value(F.TREATMENT, text) == value


@pytest.mark.parametrize("text, value", [
    ("Policy", "policy"), ("Procedure", "procedure"), ("Process", "procedure"), ("Standard", "standard"),
    ("Plan", "plan"), ("Record", "record"), ("Register", "record"), ("Log", "record"), ("Report", "report"),
    ("Contract", "contract"), ("Letter", "letter"), ("Brochure", None)])
def test_document_types(text, value):
    assert read_value(F.DOC_TYPE, text) == value


@pytest.mark.parametrize("text, value", [
    ("2025-03-01", dt.date(2025, 3, 1)), ("01/02/2025", dt.date(2025, 2, 1)), ("1/2/25", dt.date(2025, 2, 1)),
    ("01-02-2025", dt.date(2025, 2, 1)), ("01.02.2025", dt.date(2025, 2, 1)), ("3 March 2025", dt.date(2025, 3, 3)),
    ("3rd Mar 2025", dt.date(2025, 3, 3)), ("March 3, 2025", dt.date(2025, 3, 3)), ("Mar 2025", dt.date(2025, 3, 1)),
    ("September 2025", dt.date(2025, 9, 1)), ("2025-03-01 10:30", dt.date(2025, 3, 1)), ("31/02/2025", None),
    ("13/13/2025", None), ("TBC", None), ("45000", None), ("", None)])
def test_dates_in_gb_order(text, value):
    assert read_value(F.DATE, text) == value


def test_free_text_and_people_are_themselves():
    assert read_value(F.PERSON, " Alice Smith ") == "Alice Smith"
    assert read_value(None, "anything at all") == "anything at all"
    assert read_value(None, "") is None
