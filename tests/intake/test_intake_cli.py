"""``secassure intake``: the preview as JSON and as text, --map and --value overriding the guess,
--apply and --take, --as acting as a person with their role, and the refusals."""

import pytest

from secassure.assessments import actions
from secassure.assessments.models import Assessment
from secassure.audit.models import Event
from tests.assessments import helpers
from tests.intake import assessed, layouts


@pytest.fixture
def ssa(write, org_a, alice, bob):
    return assessed.in_preparation(write, org_a, owner=alice, maker=bob)


@pytest.fixture
def titled(tmp_path):
    return layouts.validation_workbook_titled(tmp_path / "client.xlsx")


def test_the_preview_as_json_says_how_every_column_and_row_is_read(cli, ssa, titled):
    result = cli("intake", "org-a", titled, "--assessment", ssa.pk, "--json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert {"mapping", "values", "rows", "matched", "unmatched", "uncovered", "conflicts", "evidence",
            "items"} <= set(data)
    assert data["ok"] and data["kind"] == "rows" and data["assessment"] == ssa.pk
    assert data["mapping"] == {"ref": "SEC Ref", "obligation": "Requirement", "status": "Compliance",
                               "narrative": "How is it met", "evidence": "Evidence", "owner": "Owner",
                               "last_tested": "Last Tested", "comments": "Comments"}
    assert data["values"]["status"] == {"Compliant": "compliant", "Partial": "partial",
                                        "Not compliant": "non-compliant", "N/A": "not-applicable"}
    assert data["unmapped"] == {"status": ["Maybe"]}
    assert (data["rows"], data["matched"]) == (7, 7)
    assert data["unmatched"] == [] and data["uncovered"] == ["G5.1", "G5.2", "G5.3", "G5.4", "G5.14", "G5.15"]
    assert data["items"][1] == {**data["items"][1], "row": 5, "ref": "G3.2", "how": "written differently"}
    assert "applied" not in data and helpers.row(ssa, "G3.1").status == "not-assessed"


def test_the_preview_as_text_ends_saying_nothing_was_written(cli, ssa, tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("Clause,Status\nG3.1,Compliant\nX1.1,Compliant\n", encoding="utf-8")
    result = cli("intake", "org-a", path, "--assessment", ssa.pk)
    assert result.exit_code == 0, result.stderr
    assert "Clause reference             <- 'Clause' (its header)" in result.stdout
    assert "unmatched row 3 'X1.1': no obligation of the assessment has this reference" in result.stdout
    assert "Not covered by any row (12): G3.2, G3.3" in result.stdout
    assert result.stdout.rstrip().endswith("Preview only: nothing was written. Run again with --apply to take it in.")


def test_map_and_value_override_the_guess(cli, ssa, titled):
    result = cli("intake", "org-a", titled, "--assessment", ssa.pk, "--map", "narrative=Comments", "--map",
                 "evidence=", "--value", "status:Maybe=partial", "--json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert data["mapping"]["narrative"] == "Comments" and "evidence" not in data["mapping"]
    assert data["sure"]["narrative"] == "given"
    assert data["values"]["status"]["Maybe"] == "partial" and data["unmapped"] == {}
    g35 = next(i for i in data["items"] if i["ref"] == "G3.5")
    assert g35["values"] == {"status": "partial", "narrative": "Ask HR"}
    bad = cli("intake", "org-a", titled, "--assessment", ssa.pk, "--map", "narrative=Nowhere")
    assert bad.exit_code == 1 and "no column is called 'Nowhere'" in bad.stderr
    malformed = cli("intake", "org-a", titled, "--value", "status-Maybe")
    assert malformed.exit_code == 1 and "write FIELD:TEXT=VALUE" in malformed.stderr


def test_apply_takes_the_file_in_and_take_chooses_the_files_version(cli, ssa, alice, titled):
    g31 = helpers.row(ssa, "G3.1")
    actions.save_row(g31, by=alice, revision=g31.revision, narrative="Alice's words")
    kept = cli("intake", "org-a", titled, "--assessment", ssa.pk, "--apply", "--json")
    assert kept.exit_code == 0, kept.stderr
    applied = kept.json()["applied"]
    assert applied["taken"] == 6 and applied["kept_product"] == [4] and applied["assessment"] == ssa.pk
    assert helpers.row(ssa, "G3.1").narrative == "Alice's words"
    assert helpers.row(ssa, "G3.2").status == "partial" and not helpers.row(ssa, "G3.2").confirmed
    event = Event.objects.get(action="exchange.intake.applied")
    assert event.actor_label.startswith("cli:") and event.actor_id is None
    taken = cli("intake", "org-a", titled, "--assessment", ssa.pk, "--take", "4", "--apply")
    assert taken.exit_code == 0, taken.stderr
    assert f"Taken in into assessment {ssa.pk}: 1 item written, 0 conflicts kept" in taken.stdout
    assert helpers.row(ssa, "G3.1").narrative == "ISMS certified to ISO 27001"


def test_apply_without_an_assessment_creates_a_new_ssa(cli, write, org_a, titled):
    assessed.catalogue(write)
    result = cli("intake", "org-a", titled, "--apply", "--placeholders", "--json")
    assert result.exit_code == 0, result.stderr
    applied = result.json()["applied"]
    created = Assessment.objects.get()
    assert applied["new_assessment"] and applied["assessment"] == created.pk and created.kind == "ssa"
    assert len(applied["placeholders"]) == 5 and applied["linked"] == 5


def test_as_acts_with_the_persons_role_and_is_named_in_the_audit_log(cli, ssa, org_a, bob, olive, mallory, titled):
    done = cli("intake", "org-a", titled, "--assessment", ssa.pk, "--as", "bob@a.test", "--apply", "--json")
    assert done.exit_code == 0, done.stderr
    event = Event.objects.get(action="exchange.intake.applied")
    assert event.actor_id == bob.pk and event.actor_label.endswith(" as bob@a.test")
    assert helpers.row(ssa, "G3.2").updated_by == bob
    for email in ("olive@a.test", "mallory@b.test"):
        refused = cli("intake", "org-a", titled, "--assessment", ssa.pk, "--as", email, "--apply")
        assert refused.exit_code == 1 and "your role in Alpha Energy Ltd does not allow" in refused.stderr
    create = cli("intake", "org-a", titled, "--as", "bob@a.test", "--json")
    assert create.exit_code == 1 and create.json() == {
        "ok": False, "problems": ["your role in Alpha Energy Ltd does not allow this (assessments.create)"]}
    nobody = cli("intake", "org-a", titled, "--as", "nobody@a.test")
    assert nobody.exit_code == 1 and "nobody signs in as 'nobody@a.test'" in nobody.stderr


def test_a_submitted_assessment_and_a_refused_row_exit_1_saying_why(cli, ssa, tmp_path, titled):
    path = tmp_path / "na.csv"
    path.write_text("Clause,Status\nG3.1,Compliant\nG3.2,N/A\n", encoding="utf-8")
    refused = cli("intake", "org-a", path, "--assessment", ssa.pk, "--apply")
    assert refused.exit_code == 1
    assert "error: row 3: G3.2: say why the obligation does not apply to you" in refused.stderr
    assert helpers.row(ssa, "G3.1").status == "not-assessed"
    Assessment.objects.filter(pk=ssa.pk).update(status="submitted")
    locked = cli("intake", "org-a", titled, "--assessment", ssa.pk)
    assert locked.exit_code == 1 and "SSA 2026 is submitted, so nothing in it can change now" in locked.stderr
