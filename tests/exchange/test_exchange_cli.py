"""The command line of the exchange: workbook export and import (with --dry-run and conflicts),
CSV files, and the submission pack with its verification."""

import csv
import io
import json
import struct
import zipfile
import zlib

import openpyxl
import pytest

from secassure.assessments import actions as assessments
from secassure.audit.models import Event
from tests.assessments import helpers


def test_export_then_dry_run_then_import(cli, drafting, tmp_path):
    out = tmp_path / "book.xlsx"
    result = cli("workbook", "export", drafting.pk, "-o", out, "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["items"] == 4 and out.exists()
    wb = openpyxl.load_workbook(out)
    wb["Validation"]["G3"] = "Reviewed monthly"
    wb["Questionnaire"]["D2"] = "Yes"
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)

    dry = cli("workbook", "import", drafting.pk, edited, "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert "Validation row 3 (T2):" in dry.stdout and "'(blank)' -> 'Reviewed monthly'" in dry.stdout
    assert "Dry run: 2 changes" in dry.stdout
    assert helpers.row(drafting, "T2").narrative == ""

    done = cli("workbook", "import", drafting.pk, edited, "--json")
    assert done.exit_code == 0, done.stderr
    assert done.json()["applied"]["applied"] == 2
    assert helpers.row(drafting, "T2").narrative == "Reviewed monthly"
    assert helpers.answer(drafting, "Q1").answer == "yes"
    assert Event.objects.filter(action="exchange.workbook.imported").count() == 1


def test_a_conflict_needs_take_workbook_on_the_command_line(cli, drafting, tmp_path, alice):
    out = tmp_path / "book.xlsx"
    cli("workbook", "export", drafting.pk, "-o", out)
    t2 = helpers.row(drafting, "T2")
    assessments.save_row(t2, by=alice, revision=t2.revision, narrative="Alice's words")
    wb = openpyxl.load_workbook(out)
    wb["Validation"]["G3"] = "Workbook words"
    wb.save(out)
    kept = cli("workbook", "import", drafting.pk, out)
    assert kept.exit_code == 0 and "CONFLICT Validation row 3 (T2)" in kept.stdout
    assert "1 conflict kept secassure's version" in kept.stdout
    assert helpers.row(drafting, "T2").narrative == "Alice's words"
    wrong = cli("workbook", "import", drafting.pk, out, "--take-workbook", "T1")
    assert wrong.exit_code == 1 and "not a row in conflict: T1" in wrong.stderr
    taken = cli("workbook", "import", drafting.pk, out, "--take-workbook", "T2")
    assert taken.exit_code == 0, taken.stderr
    assert helpers.row(drafting, "T2").narrative == "Workbook words"


def test_problems_are_listed_one_per_line_and_exit_1(cli, drafting, tmp_path):
    out = tmp_path / "book.xlsx"
    cli("workbook", "export", drafting.pk, "-o", out)
    wb = openpyxl.load_workbook(out)
    wb["Validation"]["F2"] = "Sort of"
    wb["Validation"]["I3"] = "last Tuesday"
    wb.save(out)
    result = cli("workbook", "import", drafting.pk, out, "--json")
    assert result.exit_code == 1
    problems = result.json()["problems"]
    assert any(p.startswith("sheet 'Validation', row 2, column F (Status): expected one of") for p in problems)
    assert any(p.startswith("sheet 'Validation', row 3, column I (Last tested): expected a date") for p in problems)


def test_questionnaire_export_on_its_own_imports_the_same_way(cli, drafting, tmp_path):
    out = tmp_path / "questions.xlsx"
    assert cli("workbook", "export", drafting.pk, "-o", out, "--questionnaire").exit_code == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Instructions", "Cover", "Questionnaire", "Lists", "_meta"]
    wb["Questionnaire"]["D3"] = "Partially"
    wb["Questionnaire"]["E3"] = "Only for the main site"
    wb.save(out)
    result = cli("workbook", "import", drafting.pk, out)
    assert result.exit_code == 0, result.stderr
    q2 = helpers.answer(drafting, "Q2")
    assert (q2.answer, q2.narrative) == ("partial", "Only for the main site")


def test_csv_files_of_rows_risks_and_actions(cli, reviewed, tmp_path):
    for what, expected in (("rows", 2), ("risks", 1), ("actions", 1)):
        out = tmp_path / f"{what}.csv"
        result = cli("csv", reviewed.pk, what, "-o", out)
        assert result.exit_code == 0, result.stderr
        records = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
        assert len(records) == expected + 1, what
    rows = list(csv.DictReader(io.StringIO((tmp_path / "rows.csv").read_text(encoding="utf-8"))))
    assert rows[0]["ref"] == "T1" and rows[0]["status"] == "Compliant"
    assert "Information Security Policy" in rows[0]["evidence"]
    actions = list(csv.DictReader(io.StringIO((tmp_path / "actions.csv").read_text(encoding="utf-8"))))
    assert actions[0]["target date"] == "2026-09-30" and actions[0]["finding"].startswith("F-")
    assert cli("csv", reviewed.pk, "everything").exit_code == 1


def test_pack_holds_everything_and_verify_detects_any_altered_file(cli, reviewed, tmp_path):
    out = tmp_path / "pack.zip"
    made = cli("pack", reviewed.pk, "-o", out, "--json")
    assert made.exit_code == 0, made.stderr
    manifest = made.json()
    paths = {f["path"]: f for f in manifest["files"]}
    assert {"validation-workbook.xlsx", "report.pdf", "oscal/assessment-results.json", "oscal/poam.json"} <= set(paths)
    evidence = [f for f in manifest["files"] if f["role"] == "evidence"]
    assert {f["title"] for f in evidence} == {"Information Security Policy"}
    from secassure.evidence.models import DocumentVersion

    assert evidence[0]["sha256"] == DocumentVersion.objects.get(document__title="Information Security Policy").sha256
    assert manifest["audit_chain_head"]["seq"] > 0
    ok = cli("pack", "verify", out)
    assert ok.exit_code == 0 and ok.stdout.startswith("OK: "), ok.stdout + ok.stderr

    def rewritten(name: str, change) -> zipfile.Path:
        target = tmp_path / f"altered-{len(list(tmp_path.iterdir()))}.zip"
        with zipfile.ZipFile(out) as source, zipfile.ZipFile(target, "w") as copy:
            for info in source.infolist():
                data = source.read(info)
                if info.filename == name:
                    data = change(data)
                    if data is None:
                        continue
                copy.writestr(info, data)
        return target

    for name in paths:
        altered = rewritten(name, lambda data: data[:-1] + bytes([data[-1] ^ 1]))
        result = cli("pack", "verify", altered, "--json")
        assert result.exit_code == 1, name
        assert any(p.startswith(f"{name}: altered") for p in result.json()["problems"]), name
    removed = cli("pack", "verify", rewritten("report.pdf", lambda data: None), "--json")
    assert "report.pdf: listed in the manifest but missing from the pack" in removed.json()["problems"]

    def forge(data: bytes) -> bytes:
        doc = json.loads(data)
        doc["files"][0]["sha256"] = "0" * 64
        return json.dumps(doc).encode()

    forged = cli("pack", "verify", rewritten("manifest.json", forge), "--json")
    assert forged.exit_code == 1 and forged.json()["signature"] == "not valid"
    with zipfile.ZipFile(out, "a") as extra:
        extra.writestr("evidence/smuggled.txt", b"not listed")
    smuggled = cli("pack", "verify", out, "--json")
    assert "evidence/smuggled.txt: in the pack but not in the manifest" in smuggled.json()["problems"]
    assert cli("pack", "verify", tmp_path / "missing.zip").exit_code != 0
def test_org_set_classification(cli, org_a):
    result = cli("org", "set", org_a.slug, "--classification", "OFFICIAL-SENSITIVE", "--json")
    assert result.exit_code == 0, result.stderr
    org_a.refresh_from_db()
    assert org_a.classification_label == "OFFICIAL-SENSITIVE"


def test_a_pack_without_findings_leaves_out_the_plan_of_action_and_says_why(cli, drafting, tmp_path):
    out = tmp_path / "pack.zip"
    made = cli("pack", drafting.pk, "-o", out, "--json")
    assert made.exit_code == 0, made.stderr
    manifest = made.json()
    assert "oscal/poam.json" not in {f["path"] for f in manifest["files"]}
    assert "no findings and no remediation actions" in manifest["omitted"]["oscal/poam.json"]
    assert cli("pack", "verify", out).exit_code == 0


def test_an_empty_plan_of_action_is_refused_on_the_command_line(cli, drafting, tmp_path):
    out = tmp_path / "poam.json"
    result = cli("oscal", "export", drafting.pk, "--model", "poam", "-o", out)
    assert result.exit_code == 1
    assert "no findings and no remediation actions" in result.stderr
    assert not out.exists()
    done = cli("oscal", "export", drafting.pk, "--model", "assessment-results", "-o", out)
    assert done.exit_code == 0, done.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["assessment-results"]["results"]


@pytest.mark.filterwarnings("ignore:Duplicate name")  # the writer's warning: the duplicate is the point
@pytest.mark.parametrize("second", ["report.pdf", "Report.PDF", "oscal\\poam.json"])
def test_verify_refuses_a_pack_holding_a_file_twice(cli, reviewed, tmp_path, second):
    """A second copy of a listed file, put before the first, is what some zip tools open, while the
    check (and Python's reader) would read the copy that matches the manifest."""
    out = tmp_path / "pack.zip"
    assert cli("pack", reviewed.pk, "-o", out).exit_code == 0
    doubled = tmp_path / "doubled.zip"
    with zipfile.ZipFile(out) as source, zipfile.ZipFile(doubled, "w") as copy:
        copy.writestr(second, b"%PDF-1.7 a forged report")
        for info in source.infolist():
            copy.writestr(info, source.read(info))
    result = cli("pack", "verify", doubled, "--json")
    assert result.exit_code == 1
    listed = second.replace("\\", "/").lower()
    assert result.json()["problems"] == [f"{listed}: in the pack twice (also as {second}); zip tools differ on which "
                                         "copy they open, so the pack cannot be trusted"]


def test_verify_refuses_a_pack_whose_files_share_their_bytes(cli, reviewed, tmp_path):
    from tests.evidence import files

    out = tmp_path / "pack.zip"
    assert cli("pack", reviewed.pk, "-o", out).exit_code == 0
    overlapped = tmp_path / "overlapped.zip"
    overlapped.write_bytes(files.overlapped(out.read_bytes(), "report.pdf"))
    result = cli("pack", "verify", overlapped, "--json")
    assert result.exit_code == 1
    assert any("report.pdf runs into the part after it" in p for p in result.json()["problems"])


def _with_unlisted_part(pack: bytes, name: str, data: bytes) -> bytes:
    """The pack with a part the directory does not list put just before the directory (where a tool
    reading from the start would find it), the directory's place in the end records moved on."""
    one = io.BytesIO()
    with zipfile.ZipFile(one, "w") as archive:
        archive.writestr(name, data)
    with zipfile.ZipFile(io.BytesIO(one.getvalue())) as archive:
        forged = one.getvalue()[:archive.start_dir]
    with zipfile.ZipFile(io.BytesIO(pack)) as archive:
        start = archive.start_dir
    moved = bytearray(pack[:start] + forged + pack[start:])
    end = moved.rindex(b"PK\x05\x06")
    offset = int.from_bytes(moved[end + 16:end + 20], "little")
    if offset != 0xFFFFFFFF:
        moved[end + 16:end + 20] = (offset + len(forged)).to_bytes(4, "little")
    if (record := moved.rfind(b"PK\x06\x06")) >= 0:  # zip64's end record and its locator
        at = int.from_bytes(moved[record + 48:record + 56], "little")
        moved[record + 48:record + 56] = (at + len(forged)).to_bytes(8, "little")
        locator = moved.rindex(b"PK\x06\x07")
        at = int.from_bytes(moved[locator + 8:locator + 16], "little")
        moved[locator + 8:locator + 16] = (at + len(forged)).to_bytes(8, "little")
    return bytes(moved)


def test_verify_refuses_a_pack_hiding_a_file_its_directory_does_not_list(cli, reviewed, tmp_path):
    """A file put in the pack's bytes but not in its directory is what a tool reading the zip from
    its start shows, while the check reads the directory."""
    out = tmp_path / "pack.zip"
    assert cli("pack", reviewed.pk, "-o", out).exit_code == 0
    hidden = tmp_path / "hidden.zip"
    hidden.write_bytes(_with_unlisted_part(out.read_bytes(), "report.pdf", b"%PDF-1.7 a forged report"))
    with zipfile.ZipFile(hidden) as archive:  # the directory reads as ever
        assert archive.testzip() is None and "report.pdf" in archive.namelist()
    result = cli("pack", "verify", hidden, "--json")
    assert result.exit_code == 1
    assert result.json()["problems"] == [
        "bytes no listed file holds come before the zip's directory: a zip tool could show other files than "
        "those checked, so the pack cannot be trusted"]


def test_verify_refuses_a_pack_whose_file_carries_a_second_name(cli, reviewed, tmp_path):
    """Info-ZIP's Unicode path field gives a part a name that unzip and 7-Zip show instead of its
    own (Python's reader ignores it): two files could swap the names a reviewer sees."""
    out = tmp_path / "pack.zip"
    assert cli("pack", reviewed.pk, "-o", out).exit_code == 0
    renamed = tmp_path / "renamed.zip"
    with zipfile.ZipFile(out) as source, zipfile.ZipFile(renamed, "w") as copy:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "report.pdf":
                shown = b"oscal/poam.json"
                info.extra = struct.pack("<HHBI", 0x7075, 5 + len(shown), 1, zlib.crc32(b"report.pdf")) + shown
            copy.writestr(info, data)
    assert cli("pack", "verify", out).exit_code == 0
    result = cli("pack", "verify", renamed, "--json")
    assert result.exit_code == 1
    assert result.json()["problems"][0].startswith("report.pdf: it carries a second name")
