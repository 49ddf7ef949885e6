"""Spreadsheets laid out as clients and their consultancies lay them out, written to a path for the
intake tests: each builder writes one file and returns its path, and its docstring says what the
file holds (references, statuses, what should be read and what should be left unread).

The .ods and .xls files are written by LibreOffice, as a client's own program would write them;
the tests that need them are skipped, saying why, where LibreOffice is not installed."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest

VALIDATION_HEADERS = ["SEC Ref", "Requirement", "Compliance", "How is it met", "Evidence", "Owner", "Last Tested",
                      "Comments"]


def _text(ws, ref: str, text: str) -> None:
    """Type text into a cell as text, even when it starts with "=" (as '= does in Excel)."""
    ws[ref].value = text
    ws[ref].data_type = "s"


def validation_workbook_titled(path: Path) -> Path:
    """An .xlsx Validation Workbook as a client keeps it.

    Sheet "Cover" first (a title and a sentence, no table), then sheet "Validation Workbook": row 1
    a title merged across A1:H1, row 2 blank, row 3 the headers SEC Ref | Requirement | Compliance |
    How is it met | Evidence | Owner | Last Tested | Comments, data from row 4 with a blank row 8:

    row 4  G3.1      Compliant      evidence "Information Security Policy; ISMS Scope", owner
                                    alice@example.com, last tested a real date 2025-01-15
    row 5  G 3.2     Partial        owner "Bob Smith", last tested the text "15/02/2025"
    row 6  SEC G3.3  Not compliant  last tested blank, comment "Review due"
    row 7  G3.4(a)   N/A
    row 9  G3.10     Compliant      (must never be taken for G3.1)
    row 10 G3.5      Maybe          (read as nothing: listed unmapped)
    row 11 G3.6      Compliant      how it is met is the text "=see section 4" (stays text)

    Expected: mapping by header for all eight fields; status values Compliant -> compliant,
    Partial -> partial, Not compliant -> non-compliant, N/A -> not-applicable; unmapped ["Maybe"]."""
    wb = openpyxl.Workbook()
    cover = wb.active
    cover.title = "Cover"
    cover["A1"] = "Acme Energy Ltd"
    cover["A3"] = "Security assurance self-assessment, prepared for the SEC Panel"
    ws = wb.create_sheet("Validation Workbook")
    ws["A1"] = "SEC Section G Validation Workbook - Acme Energy Ltd"
    ws.merge_cells("A1:H1")
    for column, header in enumerate(VALIDATION_HEADERS, 1):
        ws.cell(row=3, column=column, value=header)
    rows = {
        4: ["G3.1", "The User shall establish an information security management system.", "Compliant",
            "ISMS certified to ISO 27001", "Information Security Policy; ISMS Scope", "alice@example.com",
            dt.date(2025, 1, 15), ""],
        5: ["G 3.2", "The User shall review the ISMS annually.", "Partial", "Review in progress", "Review minutes",
            "Bob Smith", "15/02/2025", ""],
        6: ["SEC G3.3", "The User shall maintain an asset register.", "Not compliant", "", "", "Bob Smith", None,
            "Review due"],
        7: ["G3.4(a)", "Where applicable, the User shall ...", "N/A", "Not applicable to us", "", "", None, ""],
        9: ["G3.10", "The User shall test its controls.", "Compliant", "Tested quarterly", "Test report Q1",
            "alice@example.com", dt.date(2025, 3, 1), ""],
        10: ["G3.5", "The User shall train its staff.", "Maybe", "", "", "", None, "Ask HR"],
        11: ["G3.6", "The User shall log access.", "Compliant", None, "Access Log", "", None, ""],
    }
    for number, values in rows.items():
        for column, value in enumerate(values, 1):
            if value not in (None, ""):
                ws.cell(row=number, column=column, value=value)
    _text(ws, "D11", "=see section 4")
    ws.column_dimensions["B"].width = 60
    wb.save(path)
    return Path(path)


def consultancy_workbook(path: Path) -> Path:
    """An .xlsx a consultancy hands back, in its own house style.

    Sheet "SEC Assessment": row 1 the consultancy's name (where its logo sits), row 2 "Client:" |
    "Acme Energy Ltd" | "Prepared:" | "01/03/2025" (two text cells, not the header), row 3 a note,
    row 4 the headers Control ID | RAG Status | SEC Obligation | Management Response | Evidence
    Reference | Action Owner | Date of Last Test | Consultant Notes, data from row 5:

    row 5  G5.1   Green  last test a real date 2025-02-03
    row 6  G5.2   Amber  "14/03/2025" (text, day first)
    row 7  G5.3   Red    "1/4/25" (text, two-digit year: 2025-04-01)
    row 8  G5.4   TBD    (status read as nothing)
    row 9  G5.5   Green  "TBC" (date read as nothing)
    row 10 G5.14  Amber  "March 2025" (the first of the month)

    Expected: status Green -> compliant, Amber -> partial, Red -> non-compliant, unmapped ["TBD"];
    last_tested 2025-02-03, 2025-03-14, 2025-04-01, 2025-03-01, unmapped ["TBC"]; the header
    found on row 4 with or without a kind."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "SEC Assessment"
    ws["A1"] = "Northgate Assurance Partners"
    ws["A2"], ws["B2"], ws["C2"], ws["D2"] = "Client:", "Acme Energy Ltd", "Prepared:", "01/03/2025"
    ws["A3"] = "Notes: RAG ratings give the consultant's view; management responses are the client's own."
    headers = ["Control ID", "RAG Status", "SEC Obligation", "Management Response", "Evidence Reference",
               "Action Owner", "Date of Last Test", "Consultant Notes"]
    for column, header in enumerate(headers, 1):
        ws.cell(row=4, column=column, value=header)
    data = [
        ["G5.1", "Green", "Maintain an incident management policy.", "Policy approved by the board",
         "Incident Management Policy", "Carol Jones", dt.date(2025, 2, 3), "Good"],
        ["G5.2", "Amber", "Test the incident plan.", "Tabletop planned", "", "Carol Jones", "14/03/2025", ""],
        ["G5.3", "Red", "Report incidents to the DCC.", "", "", "Dan Brown", "1/4/25", "Gap"],
        ["G5.4", "TBD", "Keep incident records.", "", "Incident Log", "", "", ""],
        ["G5.5", "Green", "Review lessons learnt.", "Done after each incident", "", "Carol Jones", "TBC", ""],
        ["G5.14", "Amber", "Share threat information.", "Joining the ISAC", "", "", "March 2025", ""],
    ]
    for offset, values in enumerate(data):
        for column, value in enumerate(values, 1):
            if value != "":
                ws.cell(row=5 + offset, column=column, value=value)
    wb.save(path)
    return Path(path)


def ssa_answers(path: Path) -> Path:
    """An .xlsx of SSA answers, sheet "SSA", header on row 1: Q No | Question | Response (Y/N) |
    Supporting information | Material change?

    row 2 SSA 1   Y          material No
    row 3 SSA-02  N          material No
    row 4 SSA 03  Partially  material Yes
    row 5 SSA-4   N/A        material blank
    row 6 SSA-05  Unsure     material No   (answer read as nothing)

    Expected: answer Y -> yes, N -> no, Partially -> partial, N/A -> not-applicable, unmapped
    ["Unsure"]; material Yes -> True, No -> False."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "SSA"
    ws.append(["Q No", "Question", "Response (Y/N)", "Supporting information", "Material change?"])
    ws.append(["SSA 1", "Has the User changed its systems since the last assessment?", "Y", "New DCC gateway", "No"])
    ws.append(["SSA-02", "Has the User outsourced any function?", "N", "", "No"])
    ws.append(["SSA 03", "Are all actions from the last assessment closed?", "Partially", "Two open", "Yes"])
    ws.append(["SSA-4", "Does the User operate a Shared Resource?", "N/A", "", None])
    ws.append(["SSA-05", "Has the User had a security incident?", "Unsure", "Being investigated", "No"])
    wb.save(path)
    return Path(path)


RISK_CSV = (
    "Risk ID;Risk Title;Description;Likelihood;Impact;Treatment;Mitigation;Risk Owner;Review Date\r\n"
    "R1;Loss of DCC connectivity;Links fail, so no commands reach meters;Likely;Major;Mitigate;"
    "Dual links \u2013 see plan;Alice Smith;01/06/2025\r\n"
    "R2;Supplier compromise;\u00a3 losses through a supplier\u2019s breach;3;4;Transfer;Cyber insurance;"
    "Bob Smith;2025-07-01\r\n"
    'R3;Insider misuse of keys;"Keys used outside\r\nthe procedure; not logged";Low;Severe;Accept;;Carol Jones;'
    "Jul 2025\r\n"
    "R4;Data centre flood;Flooding of the primary site;TBD;2;Avoid;Relocate;Dan Brown;\r\n"
    "R5;Caf\u00e9 Wi-Fi use;Staff work from caf\u00e9s;Almost certain;Minor;Reduce;VPN only;Alice Smith;"
    "31/12/2025\r\n"
)


def risk_register_csv(path: Path) -> Path:
    """A risk register saved by a European Excel as CSV: semicolons, Windows-1252 (£, é, an en dash
    and a curly apostrophe that are not UTF-8), CRLF line ends. Header on line 1: Risk ID | Risk
    Title | Description | Likelihood | Impact | Treatment | Mitigation | Risk Owner | Review Date.

    line 2 R1 "Loss of DCC connectivity"  Likely / Major          Mitigate  review 01/06/2025
    line 3 R2 "Supplier compromise"       3 / 4                   Transfer  review 2025-07-01
    line 4 R3 "Insider misuse of keys"    Low / Severe            Accept    review "Jul 2025"
           (its description is quoted, holds a semicolon and spans lines 4 and 5)
    line 6 R4 "Data centre flood"         TBD / 2                 Avoid     review blank
    line 7 R5 "Café Wi-Fi use"            Almost certain / Minor  Reduce    review 31/12/2025

    Expected: title from "Risk Title" (not "Description"); likelihood Likely 4, 3 3, Low 2,
    Almost certain 5, unmapped ["TBD"]; impact Major 4, 4 4, Severe 5, 2 2, Minor 2; treatment
    Mitigate/Reduce -> modify, Transfer -> share, Accept -> retain, Avoid -> avoid."""
    Path(path).write_bytes(RISK_CSV.encode("cp1252"))
    return Path(path)


DOCUMENT_ROWS = [
    ["Information Security Policy", "Policy", "Alice Smith", "2.0", dt.date(2025, 9, 30)],
    ["Access Control Process", "Process", "Bob Smith", 3, "31/12/2025"],
    ["Risk Register", "Register", "Carol Jones", 1.5, dt.date(2026, 1, 31)],
    ["Incident Log", "Log", "Carol Jones", "", ""],
    ["DCC Supplier Agreement", "Contract", "Dan Brown", "1", "1 March 2026"],
    ["Company Brochure", "Brochure", "", "", ""],
]


def _document_list_xlsx(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Documents"
    ws.append(["Document Title", "Type", "Owner", "Version", "Next Review Date"])
    for values in DOCUMENT_ROWS:
        ws.append([v if v != "" else None for v in values])
    wb.save(path)
    return Path(path)


def document_list_xlsx(path: Path) -> Path:
    """The document list of document_list_ods, as an .xlsx written by openpyxl (no LibreOffice)."""
    return _document_list_xlsx(path)


_converted: dict[str, bytes] = {}


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _through_libreoffice(path: Path, to: str) -> Path:
    """The document list written by LibreOffice in format to (converted once, then copied)."""
    if to not in _converted:
        program = soffice()
        if program is None:
            pytest.skip("LibreOffice (soffice) is not installed, so no .ods or .xls file can be written")
        with tempfile.TemporaryDirectory() as folder:
            folder = Path(folder)
            source = _document_list_xlsx(folder / "documents.xlsx")
            out = folder / "out"
            done = subprocess.run(
                [program, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless", "--norestore",
                 "--nolockcheck", "--convert-to", to, "--outdir", str(out), str(source)],
                capture_output=True, text=True, timeout=180, check=False)
            saved = out / f"documents.{to.split(':')[0]}"
            assert done.returncode == 0 and saved.exists(), (done.stdout, done.stderr)
            _converted[to] = saved.read_bytes()
    Path(path).write_bytes(_converted[to])
    return Path(path)


def document_list_ods(path: Path) -> Path:
    """A document list as an OpenDocument spreadsheet (.ods, written by LibreOffice), sheet
    "Documents", header on row 1: Document Title | Type | Owner | Version | Next Review Date.

    row 2 Information Security Policy  Policy    version "2.0" (text)  review 2025-09-30 (a date)
    row 3 Access Control Process       Process   version 3 (number)    review "31/12/2025" (text)
    row 4 Risk Register                Register  version 1.5           review 2026-01-31
    row 5 Incident Log                 Log       no version            no review date
    row 6 DCC Supplier Agreement       Contract  version "1"           review "1 March 2026"
    row 7 Company Brochure             Brochure  (type read as nothing)

    Expected: doc_type Policy -> policy, Process -> procedure, Register and Log -> record,
    Contract -> contract, unmapped ["Brochure"]; version cells "2.0", "3", "1.5", "", "1", "";
    review_date 2025-09-30, 2025-12-31, 2026-01-31, 2026-03-01."""
    return _through_libreoffice(path, "ods")


def document_list_xls(path: Path) -> Path:
    """The same document list as document_list_ods, as an Excel 97-2003 workbook (.xls) written by
    LibreOffice."""
    return _through_libreoffice(path, "xls:MS Excel 97")


# --- files that must be refused ---------------------------------------------------------------------------


def corner_to_corner_xlsx(path: Path) -> Path:
    """A tiny .xlsx with one cell in A1 and one in XFD1048576: read naively, a sheet of seventeen
    billion cells."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["B1"] = "Ref", "Status"
    ws["XFD1048576"] = "x"
    wb.save(path)
    return Path(path)


def repeated_cells_ods(path: Path, *, rows: int = 1_000_000, columns: int = 1_000) -> Path:
    """A tiny .ods whose one row, repeated rows times, holds a value repeated columns times."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Sheet1">'
        '<table:table-row><table:table-cell office:value-type="string"><text:p>Title</text:p></table:table-cell>'
        '<table:table-cell office:value-type="string"><text:p>Type</text:p></table:table-cell></table:table-row>'
        f'<table:table-row table:number-rows-repeated="{rows}">'
        f'<table:table-cell table:number-columns-repeated="{columns}" office:value-type="string">'
        '<text:p>x</text:p></table:table-cell></table:table-row>'
        '</table:table></office:spreadsheet></office:body></office:document-content>')
    return ods_with_content(path, content)


def ods_with_content(path: Path, content: str, *, manifest: str | None = None) -> Path:
    """An .ods container around the given content.xml (and manifest, when given)."""
    manifest = manifest or (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        '</manifest:manifest>')
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return Path(path)


def many_rows_xlsx(path: Path, rows: int) -> Path:
    """An .xlsx whose table (headers Ref | Status) has the given number of data rows."""
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Rows")
    ws.append(["Ref", "Status"])
    for number in range(1, rows + 1):
        ws.append([f"G3.{number}", "Compliant"])
    wb.save(path)
    return Path(path)


def filepass_xls(path: Path) -> Path:
    """A compound file whose Workbook stream says, by a FILEPASS record after its first record,
    that the workbook is encrypted (as an .xls saved with a password does); the rest is filler."""
    import struct

    from tests.exchange.crafted import compound_file

    bof = struct.pack("<HHHHHHII", 0x0809, 16, 0x0600, 0x0005, 0, 0, 0, 0)  # 16 bytes after its header
    filepass = struct.pack("<HHHHH", 0x002F, 54, 1, 1, 1) + bytes(48)
    eof = struct.pack("<HH", 0x000A, 0)
    filler = 4096 - len(bof) - len(filepass) - len(eof) - 4
    Path(path).write_bytes(compound_file({"Workbook": bof + filepass + struct.pack("<HH", 0x00E1, filler)
                                          + bytes(filler) + eof}))
    return Path(path)


SAVE_WITH_PASSWORD = '''
import subprocess, sys, time, uno
from com.sun.star.beans import PropertyValue
source, target, profile, pipe = sys.argv[1:5]
office = subprocess.Popen([sys.argv[5], "-env:UserInstallation=" + profile, "--headless", "--norestore",
                           "--nolockcheck", "--accept=pipe,name=" + pipe + ";urp;"])
context = uno.getComponentContext()
resolver = context.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", context)
for _ in range(120):
    try:
        remote = resolver.resolve("uno:pipe,name=" + pipe + ";urp;StarOffice.ComponentContext")
        break
    except Exception:
        time.sleep(0.5)
desktop = remote.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", remote)
def value(name, value):
    found = PropertyValue()
    found.Name, found.Value = name, value
    return found
document = desktop.loadComponentFromURL(uno.systemPathToFileUrl(source), "_blank", 0, (value("Hidden", True),))
document.storeToURL(uno.systemPathToFileUrl(target), (value("FilterName", "MS Excel 97"), value("Password", "secret")))
document.close(True)
try:
    desktop.terminate()
except Exception:
    pass
office.wait(60)
'''


def password_protected_xls(path: Path) -> Path:
    """The document list saved by LibreOffice as an Excel 97-2003 workbook with the password
    "secret" (through LibreOffice's Python bridge, which the command line cannot do)."""
    program = soffice()
    python = shutil.which("python3", path="/usr/bin:/usr/local/bin")
    if program is None or python is None:
        pytest.skip("LibreOffice (soffice) and a Python with its bridge are needed to save an .xls with a password")
    probe = subprocess.run([python, "-c", "import uno"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("LibreOffice's Python bridge (uno) is not installed, so no .xls can be saved with a password")
    if "password" not in _converted:
        with tempfile.TemporaryDirectory() as folder:
            folder = Path(folder)
            source = _document_list_xlsx(folder / "documents.xlsx")
            script = folder / "save.py"
            script.write_text(SAVE_WITH_PASSWORD)
            target = folder / "protected.xls"
            done = subprocess.run([python, str(script), str(source), str(target), (folder / "profile").as_uri(),
                                   f"intake{folder.name}", program], capture_output=True, text=True, timeout=180,
                                  check=False)
            assert target.exists(), (done.stdout, done.stderr)
            _converted["password"] = target.read_bytes()
    Path(path).write_bytes(_converted["password"])
    return Path(path)
