"""Reading a client's spreadsheet into a table of text: the header found under titles and notes,
cells as a person reads them, every layout in every format, and every file that must be refused."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from secassure.exchange.intake import tables
from secassure.exchange.intake.tables import IntakeRefused, Table, read_table, sheets
from tests.evidence import files
from tests.exchange import crafted
from tests.intake import layouts


def refused(path: Path, name: str, **options) -> str:
    with pytest.raises(IntakeRefused) as caught:
        read_table(path, name, **options)
    message = str(caught.value)
    assert message.startswith("the file cannot be taken in: ")
    assert str(path.parent) not in message  # where the server keeps the file is nobody's business
    return message


# --- the layouts ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [None, "rows"])
def test_the_header_is_found_under_a_merged_title_and_a_blank_row(tmp_path, kind):
    path = layouts.validation_workbook_titled(tmp_path / "Validation Workbook.xlsx")
    table = read_table(path, "Validation Workbook.xlsx", kind=kind)
    assert table.sheet == "Validation Workbook"  # the cover sheet before it holds no table
    assert table.header_row == 3
    assert table.headers == layouts.VALIDATION_HEADERS
    assert [row.number for row in table.rows] == [4, 5, 6, 7, 9, 10, 11]  # the blank row 8 left out
    first = table.rows[0].cells
    assert first[0] == "G3.1" and first[2] == "Compliant" and first[6] == "2025-01-15"
    assert table.rows[1].cells[6] == "15/02/2025"  # a date typed as text stays as typed
    assert [row.cells[0] for row in table.rows] == ["G3.1", "G 3.2", "SEC G3.3", "G3.4(a)", "G3.10", "G3.5", "G3.6"]
    assert table.rows[-1].cells[3] == "=see section 4"  # text that looks like a formula stays text
    assert all(len(row.cells) == 8 for row in table.rows)


@pytest.mark.parametrize("kind", [None, "rows"])
def test_a_consultancy_header_under_logo_and_notes_rows_is_found(tmp_path, kind):
    path = layouts.consultancy_workbook(tmp_path / "consultancy.xlsx")
    table = read_table(path, "consultancy.xlsx", kind=kind)
    assert table.header_row == 4  # not row 2, "Client: | Acme Energy Ltd | Prepared: | 01/03/2025"
    assert table.headers[:3] == ["Control ID", "RAG Status", "SEC Obligation"]
    assert [row.number for row in table.rows] == [5, 6, 7, 8, 9, 10]
    assert [row.cells[6] for row in table.rows] == ["2025-02-03", "14/03/2025", "1/4/25", "", "TBC", "March 2025"]


def test_ssa_answers_are_read_from_the_first_row(tmp_path):
    path = layouts.ssa_answers(tmp_path / "ssa.xlsx")
    table = read_table(path, "ssa.xlsx", kind="answers")
    assert (table.sheet, table.header_row) == ("SSA", 1)
    assert [row.cells[0] for row in table.rows] == ["SSA 1", "SSA-02", "SSA 03", "SSA-4", "SSA-05"]
    assert table.rows[3].cells[4] == ""


def test_a_semicolon_csv_in_windows_1252_is_read_with_its_line_numbers(tmp_path):
    path = layouts.risk_register_csv(tmp_path / "risks.csv")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    assert sheets(path, "risks.csv") == [""]
    table = read_table(path, "risks.csv")
    assert (table.sheet, table.header_row) == ("", 1)
    assert table.headers[:4] == ["Risk ID", "Risk Title", "Description", "Likelihood"]
    # the third risk's description is quoted over two lines, so the fourth risk starts on line 6
    assert [row.number for row in table.rows] == [2, 3, 4, 6, 7]
    assert table.rows[1].cells[2] == "\u00a3 losses through a supplier\u2019s breach"
    assert table.rows[2].cells[2] == "Keys used outside\nthe procedure; not logged"
    assert table.rows[4].cells[1] == "Caf\u00e9 Wi-Fi use"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_encodings_and_delimiters(tmp_path, encoding, delimiter):
    lines = [["Title", "Type", "Owner"], ["Caf\u00e9 policy, issue 2", "Policy", "Ren\u00e9e"], ["Log", "Log", ""]]
    text = "\r\n".join(delimiter.join(f'"{c}"' if "," in c and delimiter == "," else c for c in line)
                       for line in lines)
    path = tmp_path / "documents.csv"
    path.write_bytes(text.encode(encoding))
    table = read_table(path, "documents.csv")
    assert table.headers == ["Title", "Type", "Owner"]  # no byte order mark left on the first header
    assert table.rows[0].cells == ["Caf\u00e9 policy, issue 2", "Policy", "Ren\u00e9e"]
    assert table.rows[1].cells == ["Log", "Log", ""]


@pytest.mark.parametrize("builder, name", [(layouts.document_list_ods, "documents.ods"),
                                           (layouts.document_list_xls, "documents.xls"),
                                           (layouts.document_list_xlsx, "documents.xlsx")])
def test_a_document_list_in_each_format(tmp_path, builder, name):
    path = builder(tmp_path / name)
    assert sheets(path, name) == ["Documents"]
    table = read_table(path, name)
    assert table.header_row == 1
    assert table.headers == ["Document Title", "Type", "Owner", "Version", "Next Review Date"]
    assert [row.number for row in table.rows] == [2, 3, 4, 5, 6, 7]
    assert [row.cells[3] for row in table.rows] == ["2.0", "3", "1.5", "", "1", ""]  # 3.0 reads "3"
    assert [row.cells[4] for row in table.rows] == ["2025-09-30", "31/12/2025", "2026-01-31", "", "1 March 2026", ""]


def test_a_formula_gives_its_saved_value_and_is_never_evaluated(tmp_path):
    if layouts.soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed, so no workbook with saved formula values can be written")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Ref", "Status", "Score"])
    ws.append(["G3.1", "Compliant", "=1+2"])
    ws.append(["G3.2", None, None])
    crafted.set_text(ws, "B3", "=HYPERLINK(\"http://example.com\")")
    ws["C3"] = "=B2"
    wb.save(tmp_path / "formulas.xlsx")
    saved = crafted.libreoffice_save(tmp_path / "formulas.xlsx", tmp_path / "out", tmp_path / "profile")
    table = read_table(saved, "formulas.xlsx")
    assert table.rows[0].cells == ["G3.1", "Compliant", "3"]  # the value LibreOffice saved with the formula
    assert table.rows[1].cells == ["G3.2", "=HYPERLINK(\"http://example.com\")", "Compliant"]


def test_cells_read_as_a_person_reads_them():
    import datetime as dt

    assert tables.cell_text(3.0) == "3"
    assert tables.cell_text(3.25) == "3.25"
    assert tables.cell_text(0.1) == "0.1"
    assert tables.cell_text(12) == "12"
    assert tables.cell_text(dt.datetime(2025, 3, 1, 0, 0)) == "2025-03-01"
    assert tables.cell_text(dt.date(2025, 3, 1)) == "2025-03-01"
    assert tables.cell_text(True) == "TRUE"
    assert tables.cell_text("  spaced \r\n out ") == "spaced \n out"
    assert tables.cell_text(None) == ""


def test_duplicate_and_blank_headers(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Ref", "Status", "status", None, "Status"])
    ws.append(["G3.1", "Compliant", "Partial", "note", "Red"])
    wb.save(tmp_path / "t.xlsx")
    table = read_table(tmp_path / "t.xlsx", "t.xlsx")
    assert table.headers == ["Ref", "Status", "status (2)", "", "Status (3)"]
    assert table.column("D") == 3
    assert table.column("status (2)") == 2


def table() -> Table:
    return Table("Sheet", 1, ["SEC Ref", "Status", "ID", "", "Notes"], [])


def test_a_column_by_header_letter_or_number():
    t = table()
    assert t.column("Status") == 1
    assert t.column("  sec   REF ") == 0  # case and spacing aside
    assert t.column("B") == 1
    assert t.column("e") == 4
    assert t.column("3") == 2
    assert t.column(5) == 4
    assert t.column("ID") == 2  # a header called ID is that column, not column ID (the 238th)
    for wrong in ("Owner", "F", "0", "6", 6, "AAAA", ""):
        with pytest.raises(IntakeRefused, match="column"):
            t.column(wrong)


def test_column_letters():
    t = table()
    assert [t.letter(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == \
        ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]


def test_a_sheet_named_or_chosen_by_kind(tmp_path):
    wb = openpyxl.Workbook()
    risks = wb.active
    risks.title = "Risks"
    risks.append(["Risk", "Likelihood", "Impact"])
    risks.append(["Flood", "Low", "High"])
    rows = wb.create_sheet("Clauses")
    rows.append(["Clause", "Compliance status", "Evidence"])
    rows.append(["G3.1", "Compliant", "Policy"])
    wb.save(tmp_path / "two.xlsx")
    path = tmp_path / "two.xlsx"
    assert sheets(path, "two.xlsx") == ["Risks", "Clauses"]
    assert read_table(path, "two.xlsx").sheet == "Risks"  # no kind: the first sheet with a table
    assert read_table(path, "two.xlsx", kind="rows").sheet == "Clauses"
    assert read_table(path, "two.xlsx", sheet="Clauses").rows[0].cells == ["G3.1", "Compliant", "Policy"]
    message = refused(path, "two.xlsx", sheet="Actions")
    assert "no sheet called 'Actions'" in message and "'Risks', 'Clauses'" in message


def test_a_sheet_without_a_header_is_refused(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    for number in range(1, 10):
        ws.append([f"line {number}"])
    wb.save(tmp_path / "list.xlsx")
    assert "header row" in refused(tmp_path / "list.xlsx", "list.xlsx")


# --- refusals --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["empty.xlsx", "empty.csv", "empty.ods", "empty.xls"])
def test_an_empty_file_is_refused(tmp_path, name):
    (tmp_path / name).write_bytes(b"")
    assert refused(tmp_path / name, name).endswith("the file is empty")


def test_a_file_of_another_kind_is_refused(tmp_path):
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.7")
    assert "upload an .xlsx, .xls, .ods or .csv file" in refused(tmp_path / "a.pdf", "a.pdf")


def test_bytes_that_disagree_with_the_name_are_refused(tmp_path):
    xlsx = layouts.ssa_answers(tmp_path / "ssa.xlsx")
    csv_file = layouts.risk_register_csv(tmp_path / "risks.csv")
    assert "named 'ssa.csv' but holds an Excel workbook (.xlsx)" in refused(xlsx, "ssa.csv")
    assert "named 'ssa.ods' but holds an Excel workbook (.xlsx)" in refused(xlsx, "ssa.ods")
    assert "named 'ssa.xls' but holds an Excel workbook (.xlsx)" in refused(xlsx, "ssa.xls")
    assert "named 'risks.xlsx' but holds text" in refused(csv_file, "risks.xlsx")
    (tmp_path / "old.xls").write_bytes(crafted.old_xls())
    assert "holds an Excel 97-2003 workbook (.xls)" in refused(tmp_path / "old.xls", "old.xlsx")
    crafted.zip_bomb(tmp_path / "plain.zip", megabytes=1)
    assert "holds a zip archive" in refused(tmp_path / "plain.zip", "plain.xlsx")


@pytest.mark.parametrize("name", ["protected.xlsx", "protected.xls", "protected.ods", "protected.csv"])
def test_a_password_protected_xlsx_is_refused_whatever_its_name(tmp_path, name):
    (tmp_path / name).write_bytes(crafted.encrypted_xlsx())
    assert refused(tmp_path / name, name).endswith(
        "the file is password-protected (encrypted), so it cannot be read. Open it, remove the password, save it "
        "and upload it again")


def test_an_xls_that_says_it_is_encrypted_is_refused(tmp_path):
    path = layouts.filepass_xls(tmp_path / "protected.xls")
    assert "password-protected" in refused(path, "protected.xls")


def test_an_xls_saved_with_a_password_is_refused(tmp_path):
    path = layouts.password_protected_xls(tmp_path / "protected.xls")
    assert "password-protected" in refused(path, "protected.xls")
    assert "password-protected" in str(pytest.raises(IntakeRefused, sheets, path, "protected.xls").value)


def test_an_ods_with_a_password_is_refused(tmp_path):
    manifest = ('<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
                '<manifest:encryption-data manifest:checksum-type="SHA1/1K"/></manifest:file-entry>'
                '</manifest:manifest>')
    path = layouts.ods_with_content(tmp_path / "protected.ods", "not XML: encrypted bytes", manifest=manifest)
    assert "password-protected" in refused(path, "protected.ods")


@pytest.mark.parametrize(("suffix", "part"), [(".xlsx", "xl/workbook.xml"), (".ods", "content.xml")])
def test_a_spreadsheet_whose_parts_overlap_is_refused(tmp_path, suffix, part):
    made = layouts.ssa_answers(tmp_path / "ssa.xlsx") if suffix == ".xlsx" else \
        layouts.repeated_cells_ods(tmp_path / "small.ods", rows=1, columns=2)
    path = tmp_path / f"overlapping{suffix}"
    path.write_bytes(files.overlapped(made.read_bytes(), part))
    assert refused(path, path.name) == (f"the file cannot be taken in: part {part} runs into the part after it: "
                                        "parts that share their bytes are a trick of zip bombs, so the file was not "
                                        "opened")


def test_a_zip_bomb_is_refused(tmp_path):
    inside = layouts.ssa_answers(tmp_path / "ssa.xlsx")
    bomb = crafted.zip_bomb(tmp_path / "bomb.xlsx", inside=inside, megabytes=300)
    assert "zip bomb" in refused(bomb, "bomb.xlsx")
    content = layouts.repeated_cells_ods(tmp_path / "small.ods", rows=1, columns=2)
    with zipfile.ZipFile(content) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    with zipfile.ZipFile(tmp_path / "bomb.ods", "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
        archive.writestr("Thumbnails/big.xml", bytes(300 << 20))
    assert "zip bomb" in refused(tmp_path / "bomb.ods", "bomb.ods")


@pytest.mark.parametrize("declaration", [b'<!DOCTYPE x [<!ENTITY big "boom">]>', b"<!ENTITY big SYSTEM 'file:///etc/passwd'>"])
def test_document_type_declarations_are_refused(tmp_path, declaration):
    path = layouts.ssa_answers(tmp_path / "ssa.xlsx")
    part = crafted.sheet_part(path, "SSA")
    xml = crafted.members(path)[part]
    crafted.rewrite(path, tmp_path / "dtd.xlsx", {part: crafted.with_prolog(xml, declaration)})
    assert "DOCTYPE or ENTITY" in refused(tmp_path / "dtd.xlsx", "dtd.xlsx")
    ods = layouts.ods_with_content(tmp_path / "dtd.ods", '<?xml version="1.0"?>' + declaration.decode() +
                                   '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:'
                                   'office:1.0"/>')
    assert "DOCTYPE or ENTITY" in refused(ods, "dtd.ods")


def test_a_damaged_container_is_refused(tmp_path):
    path = layouts.ssa_answers(tmp_path / "ssa.xlsx")
    data = path.read_bytes()
    (tmp_path / "cut.xlsx").write_bytes(data[: len(data) // 2])
    refused(tmp_path / "cut.xlsx", "cut.xlsx")


def _read_in_a_child(path: Path, name: str) -> subprocess.CompletedProcess:
    """Read the file in a separate process limited to 2 GiB, so that a regression that lays out a
    huge sheet fails this test instead of ending the test run."""
    code = (
        "import django; django.setup()\n"
        "from secassure.exchange.intake.tables import read_table, IntakeRefused\n"
        "try:\n"
        f"    read_table({str(path)!r}, {name!r})\n"
        "    print('READ')\n"
        "except IntakeRefused as exc:\n"
        "    print(exc)\n")

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE",
                                                                          "secassure.settings")}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          preexec_fn=limit, env=environment, cwd=Path(__file__).resolve().parents[2], check=False)


def test_two_cells_at_opposite_corners_of_a_sheet_are_refused_before_the_sheet_is_laid_out(tmp_path):
    path = layouts.corner_to_corner_xlsx(tmp_path / "corners.xlsx")
    assert path.stat().st_size < 10_000
    done = _read_in_a_child(path, "corners.xlsx")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "has data in column XFD (16,384 columns)" in done.stdout


@pytest.mark.parametrize("rows, columns, expected", [
    (1_000_000, 2, "has data down to row 1,000,001"),
    (1, 1_000, "has data in column ALL (1,000 columns)"),
])
def test_cells_repeated_over_an_ods_sheet_are_refused(tmp_path, rows, columns, expected):
    path = layouts.repeated_cells_ods(tmp_path / "repeated.ods", rows=rows, columns=columns)
    assert path.stat().st_size < 10_000
    done = _read_in_a_child(path, "repeated.ods")
    assert done.returncode == 0, done.stderr[-2000:]
    assert expected in done.stdout, done.stdout


def test_a_sheet_far_down_is_refused(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Ref", "Status"])
    ws["A1048576"] = "x"
    wb.save(tmp_path / "deep.xlsx")
    assert "data down to row 1,048,576" in refused(tmp_path / "deep.xlsx", "deep.xlsx")


def test_too_many_columns_are_refused(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Ref", "Status"])
    ws.cell(row=2, column=tables.MAX_COLUMNS + 1, value="x")
    wb.save(tmp_path / "wide.xlsx")
    assert f"at most {tables.MAX_COLUMNS} columns" in refused(tmp_path / "wide.xlsx", "wide.xlsx")


def test_rows_beyond_the_limit_are_refused(tmp_path):
    path = layouts.many_rows_xlsx(tmp_path / "rows.xlsx", 100)
    assert len(read_table(path, "rows.xlsx", max_rows=100).rows) == 100
    layouts.many_rows_xlsx(tmp_path / "more.xlsx", 101)
    assert "more than 100 rows" in refused(tmp_path / "more.xlsx", "more.xlsx", max_rows=100)
    layouts.many_rows_xlsx(tmp_path / "far.xlsx", 200)
    assert "at most 100 rows" in refused(tmp_path / "far.xlsx", "far.xlsx", max_rows=100)
    (tmp_path / "rows.csv").write_text("Ref,Status\n" + "G3.1,Compliant\n" * 200)
    assert "at most 100 can be taken in" in refused(tmp_path / "rows.csv", "rows.csv", max_rows=100)


def test_csv_that_is_not_text_is_refused(tmp_path):
    (tmp_path / "utf16.csv").write_bytes("Ref,Status\nG3.1,Compliant\n".encode("utf-16"))
    assert "binary data" in refused(tmp_path / "utf16.csv", "utf16.csv")
    (tmp_path / "odd.csv").write_bytes(b"Ref,Status\nG3.1,\x81\x8d\xc3\n")
    assert "neither UTF-8 nor Windows-1252" in refused(tmp_path / "odd.csv", "odd.csv")


def _with_parts(source: Path, target: Path, parts: dict[str, bytes]) -> Path:
    """A copy of the workbook with parts replaced or added."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for member in old.infolist():
            if member.filename not in parts:
                new.writestr(member, old.read(member))
        for name, data in parts.items():
            new.writestr(name, data)
    return target


# A sheet with a cell at A1 and, after it, the cells given: calamine lays out a grid from the first
# cell to the last.
FAR_SHEET = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
             b'<c r="A1" t="inlineStr"><is><t>Ref</t></is></c>%s</row></sheetData></worksheet>')


@pytest.mark.parametrize(("part", "xml", "expected"), [
    # sheet data under another root, where the reader would lay it out if it took the part for a sheet
    ("xl/worksheets/extra.xml", b'<other xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
     b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Ref</t></is></c><c r="XFD1" t="inlineStr"><is><t>x'
     b'</t></is></c></row></sheetData></other>',
     "has data in column XFD"),
    # a place of more letters or digits than any real one
    ("xl/worksheets/sheet1.xml", FAR_SHEET % b'<c r="ZZZZZZ1" t="inlineStr"><is><t>x</t></is></c>',
     "(100,000 columns)"),
    ("xl/worksheets/sheet1.xml", FAR_SHEET % b'<c r="A99999999" t="inlineStr"><is><t>x</t></is></c>',
     "has data down to row 100,000,000"),
    # sheet data the XML parser cannot read, which the reader might still read its own way
    ("xl/worksheets/sheet1.xml", FAR_SHEET % b'<:c r="XFD1" t="inlineStr"><is><t>x</t></is></:c>',
     "part xl/worksheets/sheet1.xml of the file holds sheet data that is not well-formed XML"),
    # a shared strings part that claims far more texts than it holds (the reader makes room for them first)
    ("xl/sharedStrings.xml", b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
     b'uniqueCount="10000000000"><si><t>a</t></si></sst>', "says it holds 10,000,000,000 texts"),
], ids=["sheet-data-under-another-root", "place-of-six-letters", "place-of-eight-digits", "not-well-formed",
        "shared-strings-overstated"])
def test_a_sheet_the_reader_would_lay_out_far_out_is_refused_first(tmp_path, part, xml, expected):
    """Each file asks the spreadsheet reader for a grid of billions of cells (or room for billions
    of texts) in a few bytes; it is refused before the reader opens it, in a process limited to
    2 GiB so that a regression fails here instead of ending the run."""
    source = tmp_path / "ssa.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["Ref", "Status"])
    wb.save(source)
    path = _with_parts(source, tmp_path / "hostile.xlsx", {part: xml})
    done = _read_in_a_child(path, "hostile.xlsx")
    assert done.returncode == 0, done.stderr[-2000:]
    assert expected in done.stdout, done.stdout


def test_two_parts_whose_names_differ_only_in_case_are_refused(tmp_path):
    source = tmp_path / "ssa.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["Ref", "Status"])
    wb.save(source)
    path = _with_parts(source, tmp_path / "twice.xlsx", {"XL/worksheets/sheet1.xml": FAR_SHEET % b""})
    assert "two parts of the same name" in refused(path, "twice.xlsx")


def test_a_panic_of_the_reader_is_the_files_fault(tmp_path, monkeypatch):
    """The reader's Rust code may panic on a file it cannot handle: that arrives as PanicException,
    which is not an Exception, and is reported as the file's fault; an interrupt still interrupts."""
    import python_calamine

    path = layouts.ssa_answers(tmp_path / "ssa.xlsx")
    PanicException = type("PanicException", (BaseException,), {})  # noqa: N806 - as pyo3 names it

    def panics(*args, **kwargs):
        raise PanicException("capacity overflow")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", panics)
    assert "(PanicException: capacity overflow)" in refused(path, "ssa.xlsx")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", interrupted)
    with pytest.raises(KeyboardInterrupt):
        read_table(path, "ssa.xlsx")
