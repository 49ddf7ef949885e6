"""Taking a client's spreadsheet in: the preview (what each row would become, what matches nothing,
what no row covers, conflicts, evidence), which writes nothing, and applying it, all or nothing,
every item and link together, each audited as taking it in alone would be, with who may do it and
into which assessment."""

import datetime as dt

import openpyxl
import pytest

from secassure.assessments import actions
from secassure.assessments.models import Assessment, EvidenceLink, Risk
from secassure.audit.models import Event
from secassure.errors import ActionError
from secassure.evidence.models import Document
from secassure.exchange.intake import taking
from secassure.exchange.intake.tables import IntakeRefused
from tests.assessments import helpers
from tests.intake import assessed, layouts
from tests.personas import persona


@pytest.fixture
def ssa(write, org_a, alice, bob):
    bob.first_name, bob.last_name = "Bob", "Smith"
    bob.save()
    return assessed.in_preparation(write, org_a, owner=alice, maker=bob)


@pytest.fixture
def titled(tmp_path):
    return layouts.validation_workbook_titled(tmp_path / "client.xlsx")


@pytest.fixture
def consultancy(tmp_path):
    return layouts.consultancy_workbook(tmp_path / "northgate.xlsx")


def actions_of(name: str) -> list[Event]:
    return list(Event.objects.filter(action=name).order_by("seq"))


def snapshot(assessment) -> list[tuple]:
    return list(assessment.rows.order_by("pk").values_list("status", "narrative", "na_reason", "owner_id",
                                                           "last_tested", "revision", "confirmed"))


def item(intake, ref: str):
    return next(i for i in intake.items if i.ref == ref)


# --- the preview -------------------------------------------------------------------------------------


def test_a_tidy_layout_is_read_into_the_rows_it_names(ssa, org_a, bob, titled):
    policy = assessed.document(org_a, "Information Security Policy")
    intake = taking.preview(org_a, titled, "client.xlsx", by=bob, assessment=ssa)
    assert intake.kind == "rows" and intake.table.sheet == "Validation Workbook" and intake.table.header_row == 3
    assert [i.ref for i in intake.items] == ["G3.1", "G3.2", "G3.3", "G3.4", "G3.10", "G3.5", "G3.6"]
    assert item(intake, "G3.2").match.how == "written differently"
    assert item(intake, "G3.4").match.how == "sub-clause"
    assert item(intake, "G3.10").values["status"] == "compliant"
    first = item(intake, "G3.1")
    assert first.values == {"status": "compliant", "narrative": "ISMS certified to ISO 27001",
                            "last_tested": dt.date(2025, 1, 15)}
    assert "the owner 'alice@example.com' is not a member of Alpha Energy Ltd, so it is left as it is" in first.warnings
    assert item(intake, "G3.2").values["owner"] == bob
    # A client's one column of justification is the reason on a row that does not apply.
    assert item(intake, "G3.4").values == {"status": "not-applicable", "na_reason": "Not applicable to us"}
    assert item(intake, "G3.3").values == {"status": "non-compliant", "narrative": "Review due", "owner": bob}
    assert item(intake, "G3.5").warnings == ["Compliance status 'Maybe' is not read as anything, so it is left as "
                                             "it is"]
    assert item(intake, "G3.6").values["narrative"] == "=see section 4"
    assert intake.unmatched == []
    assert intake.uncovered == ["G5.1", "G5.2", "G5.3", "G5.4", "G5.14", "G5.15"]
    assert intake.documents["Information Security Policy"] == policy.pk
    assert intake.documents["ISMS Scope"] is None
    assert intake.conflicts == [] and intake.problems == []
    data = intake.as_dict()
    assert data["rows"] == 7 and data["matched"] == 7 and data["changes"] == 7
    assert data["mapping"]["ref"] == "SEC Ref" and data["values"]["status"]["Partial"] == "partial"
    assert data["evidence"]["matched"] == {"Information Security Policy": policy.pk}
    assert data["items"][0]["values"]["last_tested"] == "2025-01-15"


def test_a_messy_layout_lists_rows_matching_nothing_and_obligations_no_row_covers(ssa, org_a, bob, consultancy):
    intake = taking.preview(org_a, consultancy, "northgate.xlsx", by=bob, assessment=ssa)
    assert intake.table.header_row == 4
    assert intake.as_dict()["mapping"]["status"] == "RAG Status"
    assert [i.ref for i in intake.items] == ["G5.1", "G5.2", "G5.3", "G5.4", "G5.14"]
    assert intake.unmatched == [{"row": 9, "text": "G5.5", "why": "no obligation of the assessment has this reference"}]
    assert intake.uncovered == ["G3.1", "G3.2", "G3.3", "G3.4", "G3.5", "G3.6", "G3.10", "G5.15"]
    assert item(intake, "G5.3").values["last_tested"] == dt.date(2025, 4, 1)
    assert item(intake, "G5.1").values["narrative"] == "Policy approved by the board\n\nComments: Good"


def test_a_row_given_twice_is_taken_once_and_the_second_listed(ssa, org_a, bob, tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text("Clause,Status,Narrative\nG3.1,Compliant,First\nG3.1,Partial,Second\nZ9,Compliant,x\n",
                    encoding="utf-8")
    intake = taking.preview(org_a, path, "twice.csv", by=bob, assessment=ssa)
    assert [(i.number, i.values["narrative"]) for i in intake.items] == [(2, "First")]
    assert intake.unmatched == [{"row": 3, "text": "G3.1", "why": "G3.1 is already given in row 2"},
                                {"row": 4, "text": "Z9", "why": "no obligation of the assessment has this reference"}]


def test_the_preview_writes_nothing(ssa, org_a, bob, titled):
    rows, events = snapshot(ssa), Event.objects.count()
    documents = Document.objects.count()
    intake = taking.preview(org_a, titled, "client.xlsx", by=bob, assessment=ssa)
    assert intake.items
    assert snapshot(ssa) == rows and Event.objects.count() == events and Document.objects.count() == documents


def test_a_product_value_that_differs_is_a_conflict(ssa, org_a, alice, bob, titled):
    g31 = helpers.row(ssa, "G3.1")
    actions.save_row(g31, by=alice, revision=g31.revision, narrative="Alice's words")
    intake = taking.preview(org_a, titled, "client.xlsx", by=bob, assessment=ssa)
    conflict = item(intake, "G3.1")
    assert conflict.conflict and conflict.before["narrative"] == "Alice's words"
    assert intake.as_dict()["conflicts"] == [{"row": 4, "ref": "G3.1", "fields": {
        "status": {"product": "not-assessed", "file": "compliant"},
        "narrative": {"product": "Alice's words", "file": "ISMS certified to ISO 27001"},
        "last_tested": {"product": None, "file": "2025-01-15"}}}]
    assert not item(intake, "G3.2").conflict  # blank in the product: nothing to lose


# --- applying it ----------------------------------------------------------------------------------


def test_applying_takes_each_row_in_unconfirmed_and_unchecked_with_one_event_each(ssa, org_a, alice, bob, titled):
    g36 = helpers.row(ssa, "G3.6")
    actions.save_row(g36, by=alice, revision=g36.revision, last_tested=dt.date(2025, 1, 1))
    g36 = helpers.row(ssa, "G3.6")
    actions.check_item(g36, by=bob, revision=g36.revision)
    assessed.document(org_a, "Information Security Policy")
    intake = taking.preview(org_a, titled, "client.xlsx", by=bob, assessment=ssa)
    summary = taking.apply(intake, titled, "client.xlsx", by=bob)
    assert summary["taken"] == 7 and summary["kept_product"] == [] and summary["linked"] == 1
    assert summary["not_linked"] == ["Access Log", "ISMS Scope", "Review minutes", "Test report Q1"]
    taken = actions_of("assessments.row.taken_in")
    assert [e.object_repr.split()[0] for e in taken] == ["G3.1", "G3.2", "G3.3", "G3.4", "G3.10", "G3.5", "G3.6"]
    assert {e.reason for e in taken} == {"taken in from client.xlsx"}
    assert taken[0].after == {"status": "compliant", "narrative": "ISMS certified to ISO 27001",
                              "last_tested": "2025-01-15"}
    assert actions_of("assessments.row.saved")[-1].object_repr.startswith("G3.6")  # Alice's, not the intake's
    for ref in ("G3.1", "G3.6"):
        row = helpers.row(ssa, ref)
        assert row.carried_forward and not row.confirmed and row.checked_by is None and row.updated_by == bob
    assert helpers.row(ssa, "G3.4").na_reason == "Not applicable to us"
    assert helpers.row(ssa, "G3.2").owner == bob
    assert [link.document.title for link in EvidenceLink.objects.filter(row=helpers.row(ssa, "G3.1"))] == [
        "Information Security Policy"]
    kept = Document.objects.get(organisation=org_a, title="Intake: client.xlsx")
    assert kept.versions.get().original_name == "client.xlsx" and summary["document"] == kept.pk
    applied = actions_of("exchange.intake.applied")
    assert len(applied) == 1 and applied[0].organisation_id == org_a.pk and applied[0].after["taken"] == 7


def test_placeholders_are_added_for_evidence_not_in_the_register_and_linked(ssa, org_a, bob, titled):
    intake = taking.preview(org_a, titled, "client.xlsx", by=bob, assessment=ssa)
    summary = taking.apply(intake, titled, "client.xlsx", by=bob, placeholders=True)
    assert sorted(summary["placeholders"]) == ["Access Log", "ISMS Scope", "Information Security Policy",
                                               "Review minutes", "Test report Q1"]
    placeholder = Document.objects.get(organisation=org_a, title="ISMS Scope")
    assert (placeholder.doc_type, placeholder.status, placeholder.owner) == ("record", "draft", bob)
    assert not placeholder.versions.exists()
    assert EvidenceLink.objects.filter(assessment=ssa).count() == 5 and summary["linked"] == 5


def test_a_conflict_keeps_the_product_version_unless_its_row_is_taken(ssa, org_a, alice, bob, titled):
    g31 = helpers.row(ssa, "G3.1")
    actions.save_row(g31, by=alice, revision=g31.revision, narrative="Alice's words")
    intake = taking.preview(org_a, titled, "client.xlsx", by=bob, assessment=ssa)
    with pytest.raises(ActionError, match="not a row in conflict: 5"):
        taking.apply(intake, titled, "client.xlsx", by=bob, take={5})
    summary = taking.apply(intake, titled, "client.xlsx", by=bob)
    assert summary["kept_product"] == [4] and "G3.1" not in summary["written"]
    assert helpers.row(ssa, "G3.1").narrative == "Alice's words"

    again = taking.preview(org_a, titled, "client.xlsx", by=bob, assessment=ssa)
    assert [i.ref for i in again.conflicts] == ["G3.1"]
    taken = taking.apply(again, titled, "client.xlsx", by=bob, take={4})
    assert taken["written"] == ["G3.1"] and taken["kept_product"] == []
    assert helpers.row(ssa, "G3.1").narrative == "ISMS certified to ISO 27001"


def _nothing_written(ssa, org_a, rows, events):
    assert snapshot(ssa) == rows
    assert Event.objects.count() == events
    assert not Document.objects.filter(organisation=org_a, title__startswith="Intake:").exists()
    assert not Document.objects.filter(organisation=org_a, title="ISMS Scope").exists()


def test_a_row_the_product_would_refuse_stops_the_whole_file(ssa, org_a, bob, tmp_path):
    path = tmp_path / "na.csv"
    path.write_text("Clause,Status,Narrative,Evidence\nG3.1,Compliant,Met,ISMS Scope\nG3.2,N/A,,\n", encoding="utf-8")
    rows, events = snapshot(ssa), Event.objects.count()
    intake = taking.preview(org_a, path, "na.csv", by=bob, assessment=ssa)
    assert intake.problems == ["row 3: G3.2: say why the obligation does not apply to you"]
    with pytest.raises(IntakeRefused, match="say why the obligation does not apply"):
        taking.apply(intake, path, "na.csv", by=bob, placeholders=True)
    _nothing_written(ssa, org_a, rows, events)


def test_a_row_changed_after_the_preview_undoes_everything_already_taken(ssa, org_a, alice, bob, titled):
    intake = taking.preview(org_a, titled, "client.xlsx", by=bob, assessment=ssa)
    g36 = helpers.row(ssa, "G3.6")  # the last row of the file: six rows are written before it
    actions.save_row(g36, by=alice, revision=g36.revision, narrative="Meanwhile")
    rows, events = snapshot(ssa), Event.objects.count()
    with pytest.raises(ActionError, match="G3.6 was changed in secassure after the preview of client.xlsx; nothing "
                                          "was taken in"):
        taking.apply(intake, titled, "client.xlsx", by=bob, placeholders=True)
    _nothing_written(ssa, org_a, rows, events)
    assert EvidenceLink.objects.count() == 0


def test_without_an_assessment_applying_creates_a_new_ssa(write, org_a, alice, titled):
    assessed.catalogue(write)
    intake = taking.preview(org_a, titled, "client.xlsx", by=alice)
    assert intake.assessment is None and intake.uncovered[-1] == "G5.15"
    assert all(i.target is None and not i.conflict for i in intake.items)
    assert not Assessment.objects.exists()
    summary = taking.apply(intake, titled, "client.xlsx", by=alice)
    created = Assessment.objects.get()
    assert summary["assessment"] == created.pk and summary["new_assessment"] and created.kind == "ssa"
    assert helpers.row(created, "G3.2").status == "partial" and not helpers.row(created, "G3.2").confirmed


# --- answers, risks and documents -----------------------------------------------------------------------


def test_answers_are_taken_into_the_questionnaire(ssa, org_a, bob, tmp_path):
    path = layouts.ssa_answers(tmp_path / "ssa.xlsx")
    intake = taking.preview(org_a, path, "ssa.xlsx", by=bob, assessment=ssa)
    assert intake.kind == "answers"
    assert [(i.ref, i.values.get("answer")) for i in intake.items] == [
        ("SSA-01", "yes"), ("SSA-02", "no"), ("SSA-03", "partial"), ("SSA-04", "not-applicable"), ("SSA-05", None)]
    assert item(intake, "SSA-03").values["material_rationale"] == "Two open"
    assert intake.uncovered == ["SSA-06"]
    taking.apply(intake, path, "ssa.xlsx", by=bob)
    answer = helpers.answer(ssa, "SSA-03")
    assert (answer.answer, answer.material, answer.confirmed, answer.carried_forward) == ("partial", True, False, True)
    assert len(actions_of("assessments.answer.taken_in")) == 5


def _register(path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Risk Title", "Likelihood", "Impact", "Treatment", "Risk Owner"])
    for values in rows:
        ws.append(values)
    wb.save(path)
    return path


def test_risks_are_added_and_one_of_the_same_title_updated_only_when_taken(org_a, alice, bob, tmp_path):
    existing = actions.add_risk(org_a, by=alice, title="Supplier compromise", inherent_likelihood=2,
                                inherent_impact=2, residual_likelihood=2, residual_impact=2)
    path = _register(tmp_path / "risks.xlsx", [["Loss of DCC connectivity", "Likely", "Major", "Mitigate", ""],
                                               ["supplier  compromise", "3", "4", "Transfer", "Bob Smith"],
                                               ["No scores", "", "", "", ""]])
    intake = taking.preview(org_a, path, "risks.xlsx", by=bob, kind="risks")
    assert intake.problems == ["row 4: no likelihood or impact is read, and a risk needs both its likelihood and "
                               "its impact"]
    path = _register(tmp_path / "risks.xlsx", [["Loss of DCC connectivity", "Likely", "Major", "Mitigate", ""],
                                               ["supplier  compromise", "3", "4", "Transfer", ""]])
    intake = taking.preview(org_a, path, "risks.xlsx", by=bob, kind="risks")
    assert item(intake, "Loss of DCC connectivity").values == {
        "title": "Loss of DCC connectivity", "inherent_likelihood": 4, "inherent_impact": 4, "treatment": "modify",
        "residual_likelihood": 4, "residual_impact": 4}
    assert [i.number for i in intake.conflicts] == [3]
    kept = taking.apply(intake, path, "risks.xlsx", by=bob)
    assert kept["written"] == ["Loss of DCC connectivity"] and kept["kept_product"] == [3]
    existing.refresh_from_db()
    assert existing.inherent_likelihood == 2
    again = taking.preview(org_a, path, "risks.xlsx", by=bob, kind="risks")
    taking.apply(again, path, "risks.xlsx", by=bob, take={3})
    existing.refresh_from_db()
    assert (existing.inherent_likelihood, existing.treatment) == (3, "share")
    assert Risk.objects.filter(organisation=org_a).count() == 2
    assert actions_of("assessments.risk.changed")[-1].reason == "taken in from risks.xlsx"


def test_documents_are_added_and_one_already_in_the_register_is_left_as_it_is(org_a, alice, bob, tmp_path):
    assessed.document(org_a, "Information Security Policy")
    path = layouts.document_list_xlsx(tmp_path / "documents.xlsx")
    intake = taking.preview(org_a, path, "documents.xlsx", by=bob)
    assert intake.kind == "documents"
    assert intake.conflicts == []
    assert {"row": 2, "text": "Information Security Policy",
            "why": "a document of this title is already in the register; it is left as it is"} in intake.unmatched
    assert item(intake, "Company Brochure").values["doc_type"] == "record"
    assert any("version column is shown but not kept" in note for note in intake.notes)
    summary = taking.apply(intake, path, "documents.xlsx", by=bob)
    assert summary["taken"] == 5 and summary["kept_product"] == []
    assert Document.objects.filter(organisation=org_a, title="Information Security Policy").count() == 1
    assert Document.objects.get(organisation=org_a, title="Access Control Process").doc_type == "procedure"


# --- who may, and into what -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["olive", "carol", "engineer", "mallory"])
def test_people_whose_role_does_not_allow_it_are_refused_before_the_file_is_read(who, ssa, org_a, org_b, tmp_path):
    person = persona(who, org_b if who == "mallory" else org_a)
    unreadable = tmp_path / "not-a-spreadsheet.xlsx"
    unreadable.write_bytes(b"not a spreadsheet at all")
    for kind in ("rows", "risks", "documents", None):
        with pytest.raises(ActionError, match="your role in Alpha Energy Ltd does not allow") as refused:
            taking.preview(org_a, unreadable, "not-a-spreadsheet.xlsx", by=person, kind=kind, assessment=ssa)
        assert not isinstance(refused.value, IntakeRefused)


def test_a_contributor_may_not_create_the_assessment_to_take_rows_into(ssa, org_a, bob, titled):
    with pytest.raises(ActionError, match=r"\(assessments.create\)"):
        taking.preview(org_a, titled, "client.xlsx", by=bob, kind="rows")


def test_a_submitted_assessment_is_refused_with_a_clear_message(ssa, org_a, bob, titled):
    Assessment.objects.filter(pk=ssa.pk).update(status="submitted")
    ssa.refresh_from_db()
    with pytest.raises(ActionError, match="SSA 2026 is submitted, so nothing in it can change now; take the file into "
                                          "an assessment in preparation"):
        taking.preview(org_a, titled, "client.xlsx", by=bob, assessment=ssa)


def test_another_organisations_assessment_is_refused(ssa, org_b, mallory, titled):
    with pytest.raises(ActionError, match="that assessment is not one of Bravo Power plc's"):
        taking.preview(org_b, titled, "client.xlsx", by=mallory, assessment=ssa)


# --- the take_in action ---------------------------------------------------------------------------------


def test_take_in_refuses_a_stale_revision_and_does_nothing_when_nothing_changes(ssa, bob):
    row = helpers.row(ssa, "G3.1")
    with pytest.raises(actions.StaleEdit):
        actions.take_in(row, by=bob, revision=row.revision + 1, source="client.xlsx", narrative="x")
    row = helpers.row(ssa, "G3.1")
    assert actions.take_in(row, by=bob, revision=row.revision, source="client.xlsx", narrative="") is row
    assert actions_of("assessments.row.taken_in") == []
    with pytest.raises(ActionError, match="name the file"):
        actions.take_in(row, by=bob, revision=row.revision, source="  ", narrative="x")


# --- what it costs ---------------------------------------------------------------------------------------


def test_the_preview_reads_a_fixed_handful_of_queries_however_long_the_file(write, org_a, alice, bob, tmp_path,
                                                                            django_assert_max_num_queries):
    refs = [f"G3.{n}" for n in range(1, 301)]
    lines = ["format: secassure.catalogue/1", 'framework: {slug: sec-g, name: "SEC", kind: regulation}',
             'version: {version: "many.1", status: published}', "groups:", "  - {ref: G3, title: Security}",
             "obligations:"] + [f"  - {{ref: '{r}', group: G3, title: Obligation {r}, summary: x}}" for r in refs]
    version = helpers.load_text(write, "\n".join(lines) + "\n", "many.yaml")
    assessment = actions.create_assessment(org_a, kind="ssa", by=alice, catalogue=version).assessment
    assessed.document(org_a, "Information Security Policy")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["SEC Ref", "Compliance", "How is it met", "Evidence", "Owner", "Last Tested"])
    for n, ref in enumerate(refs):
        ws.append([ref, "Compliant", f"Met {n}", "Information Security Policy; Missing", "bob@a.test",
                   dt.date(2025, 1, 1)])
    path = tmp_path / "many.xlsx"
    wb.save(path)
    with django_assert_max_num_queries(6):
        intake = taking.preview(org_a, path, "many.xlsx", by=bob, assessment=assessment)
    assert len(intake.items) == 300 and intake.items[0].values["owner"] == bob


def test_a_file_the_register_would_not_keep_is_a_problem_of_the_preview(ssa, org_a, bob, titled, monkeypatch):
    """Applying keeps the file in the register; one it would refuse is said before the rows are read
    through, and nothing is written."""
    from secassure.evidence.filetypes import FileRefused

    def refuse(path, name):
        raise FileRefused(f"{name}: not a kind of file the register keeps")

    monkeypatch.setattr(taking, "identify", refuse)
    rows, events = snapshot(ssa), Event.objects.count()
    intake = taking.preview(org_a, titled, "client.xlsx", by=bob, assessment=ssa)
    assert intake.problems == ["the file cannot be kept in the document register as the record of this intake "
                               "(client.xlsx: not a kind of file the register keeps)"]
    with pytest.raises(IntakeRefused, match="cannot be kept in the document register"):
        taking.apply(intake, titled, "client.xlsx", by=bob)
    _nothing_written(ssa, org_a, rows, events)


def test_a_row_saved_after_the_preview_the_person_saw_refuses_the_intake(ssa, org_a, alice, bob, titled):
    """The web reads the file again to apply it: the revisions the preview showed travel with the
    form, so a colleague's save in between is not overwritten unseen."""
    shown = taking.preview(org_a, titled, "client.xlsx", by=bob, assessment=ssa)
    seen = {i.number: i.target.revision for i in shown.items}
    g31 = helpers.row(ssa, "G3.1")
    actions.save_row(g31, by=alice, revision=g31.revision, narrative="Alice's words")
    again = taking.preview(org_a, titled, "client.xlsx", by=bob, assessment=ssa)
    events = Event.objects.count()
    with pytest.raises(ActionError, match="G3.1 was changed in secassure after the preview"):
        taking.apply(again, titled, "client.xlsx", by=bob, seen=seen)
    assert Event.objects.count() == events and helpers.row(ssa, "G3.1").narrative == "Alice's words"


def test_applying_takes_as_many_statements_for_two_rows_as_for_five(ssa, org_a, bob, tmp_path):
    """Every row taken in, its owner given and its evidence linked, together, each with its own
    audit event: a file of a thousand rows costs the statements of a file of two."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for title in ("Information Security Policy", "Access Log"):
        assessed.document(org_a, title)

    def applied(refs: list[str]) -> tuple[int, int, int]:
        wb = openpyxl.Workbook()
        wb.active.append(["Ref", "Status", "Owner", "Evidence"])
        for ref in refs:
            wb.active.append([ref, "Compliant", "Bob Smith", "Information Security Policy; Access Log"])
        path = tmp_path / f"rows-{len(refs)}.xlsx"
        wb.save(path)
        intake = taking.preview(org_a, path, path.name, by=bob, assessment=ssa)
        with CaptureQueriesContext(connection) as captured:
            summary = taking.apply(intake, path, path.name, by=bob)
        return summary["taken"], summary["linked"], len(captured)

    two, five = applied(["G3.1", "G3.2"]), applied(["G3.3", "G3.4", "G3.5", "G3.6", "G3.10"])
    assert (two[:2], five[:2]) == ((2, 4), (5, 10))
    assert two[2] == five[2]
    assert len(actions_of("assessments.row.taken_in")) == 7 and len(actions_of("assessments.evidence.linked")) == 14
    assert {helpers.row(ssa, ref).owner for ref in ("G3.1", "G3.2", "G3.3", "G3.4", "G3.5", "G3.6", "G3.10")} == {bob}
