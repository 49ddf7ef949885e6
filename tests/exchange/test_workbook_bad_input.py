"""Workbooks the import must refuse: files that are not workbooks, hostile containers and XML,
workbooks of another assessment or installation, and workbooks whose shape or locked content was
changed or whose input cells hold what secassure cannot store. Each refusal says where (sheet, row,
column, when it is about one) and what was expected, and leaves the database exactly as it was.
(A workbook saved by LibreOffice is not bad input: see test_workbook_roundtrip.)"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import sys
import threading
import time
import types
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
from django.utils import timezone

from secassure.assessments import actions
from secassure.errors import ActionError
from secassure.exchange import importing, layout, reading, workbook
from secassure.exchange.reading import Problem, WorkbookRefused
from tests.assessments import helpers
from tests.evidence import files
from tests.exchange import crafted

VALIDATION, QUESTIONS = layout.VALIDATION, layout.QUESTIONS
NOT_A_ZIP = "this is not an .xlsx workbook (an .xlsx file is a zip container, and this file is not one)"
LOCKED = "a locked cell was changed; only the shaded cells may be edited (export a new workbook to see the " \
         "current values)"
UNSIGNED = "sheet '_meta' does not carry this installation's signature: the workbook was not exported by this " \
           "secassure, or its hidden metadata was edited"


@pytest.fixture
def exported(drafting, bob, tmp_path) -> Path:
    """Bob's copy of the drafting assessment's Validation Workbook, as exported."""
    return crafted.export(drafting, tmp_path / "exported.xlsx", by=bob)


@pytest.fixture
def ids(drafting) -> dict[str, int]:
    return {**{r: helpers.row(drafting, r).pk for r in ("T1", "T2")},
            **{q: helpers.answer(drafting, q).pk for q in ("Q1", "Q2")}}


def quick_reads(path: Path) -> bool:
    """Whether calamine reads the workbook (the quick reading), its reading closed again."""
    quick = reading.quick_workbook(path)
    if quick is None:
        return False
    quick.close()
    return True


def refused(assessment, path: Path, by) -> list[Problem]:
    """Import path as by would (preview, then apply), expecting a refusal that leaves every row of
    the database as it was; the problems found."""
    with crafted.untouched(), pytest.raises(WorkbookRefused) as caught:
        result = importing.plan(assessment, path, by=by)
        importing.apply(result, path, by=by, name=path.name)
    assert caught.value.problems
    assert str(path.parent) not in str(caught.value), "a refusal must not show where the server keeps the file"
    return caught.value.problems


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def where(problem: Problem) -> tuple:
    return problem.sheet, problem.row, problem.column


def column(sheet: layout.DataSheet, key: str) -> str:
    """How a problem names the column: 'column F (Status)'."""
    return sheet.where(next(i for i, c in enumerate(sheet.columns) if c.key == key))


def edited(exported: Path, change) -> Path:
    return crafted.edit(exported, exported.with_name("edited.xlsx"), change)


# --- files that are not workbooks --------------------------------------------------------------------------

NOT_WORKBOOKS = {
    "random bytes": b"".join(hashlib.sha256(b"%d" % n).digest() for n in range(1600)),
    "a PDF": files.PDF,
    "a CSV": b"ID,Status,How it is met\n1,Compliant,=HYPERLINK(\"http://x\")\n",
    "a program": files.EXE,
    "an HTML page": files.HTML,
    "an empty file": b"",
}


@pytest.mark.parametrize("content", NOT_WORKBOOKS.values(), ids=NOT_WORKBOOKS.keys())
def test_a_file_that_is_not_a_zip_is_refused(drafting, bob, write, content):
    problem = only(refused(drafting, write("upload.xlsx", content), bob))
    assert (problem.message, where(problem)) == (NOT_A_ZIP, ("", None, ""))


def test_a_cut_off_upload_is_refused(drafting, bob, exported, write):
    data = exported.read_bytes()
    assert only(refused(drafting, write("cut.xlsx", data[:len(data) // 2]), bob)).message == NOT_A_ZIP


def test_a_zip_that_is_not_a_workbook_is_refused(drafting, bob, tmp_path):
    path = tmp_path / "notes.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "Not a workbook")
    assert only(refused(drafting, path, bob)).message == \
        "this zip file is not an .xlsx workbook (it has no xl/workbook.xml)"


def test_a_password_protected_workbook_is_refused(drafting, bob, write):
    # The container Office writes for an .xlsx saved with a password (msoffcrypto-tool reads this
    # one as an agile-encrypted OOXML file, which is how the helper was checked).
    problem = only(refused(drafting, write("protected.xlsx", crafted.encrypted_xlsx()), bob))
    assert problem.message.startswith("the workbook is password-protected (encrypted). Open it, remove the password")
    assert "save it as .xlsx and upload it again" in problem.message


def test_an_old_xls_workbook_is_refused(drafting, bob, write):
    problem = only(refused(drafting, write("old.xls", crafted.old_xls()), bob))
    assert problem.message == ("this is an Excel 97-2003 (.xls) or other compound file, not an .xlsx workbook; save "
                               "it as Excel Workbook (.xlsx)")


def test_an_xls_saved_by_libreoffice_is_refused(drafting, bob, exported, tmp_path):
    if crafted.soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed, so a real .xls cannot be made here")
    xls = crafted.libreoffice_save(exported, tmp_path / "xls", tmp_path / "libreoffice-profile", "xls")
    assert only(refused(drafting, xls, bob)).message.startswith("this is an Excel 97-2003 (.xls)")



def test_a_zip_with_two_parts_of_one_name_is_refused(drafting, bob, exported, tmp_path):
    """Zip readers differ on which of two parts of one name they read: the checks and the reader
    could look at different sheets, so such a file is refused before either looks."""
    import warnings

    path = tmp_path / "twice.xlsx"
    part = crafted.sheet_part(exported, "Validation")
    with zipfile.ZipFile(exported) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in source.infolist():
            archive.writestr(member, source.read(member))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile warns of the name written twice, as it should
            archive.writestr(part, source.read(part))
    assert only(refused(drafting, path, bob)).message == \
        "the file holds two parts of the same name; a workbook never does"

def test_a_workbook_whose_parts_overlap_is_refused_on_every_python(drafting, bob, exported, tmp_path):
    """A part whose bytes run into the next, a trick of zip bombs: Python's zip reader before 3.11.8
    reads it without complaint, so the container check finds it itself."""
    part = crafted.sheet_part(exported, "Validation")
    path = tmp_path / "overlapping.xlsx"
    path.write_bytes(files.overlapped(exported.read_bytes(), part))
    assert only(refused(drafting, path, bob)).message == (
        f"part {part} runs into the part after it: parts that share their bytes are a trick of zip bombs, so the "
        "file was not opened")


def test_a_zip_bomb_is_refused_without_being_expanded(drafting, bob, exported, tmp_path):
    bomb = crafted.zip_bomb(tmp_path / "bomb.xlsx", inside=exported)
    with zipfile.ZipFile(bomb) as archive:
        part = archive.getinfo("xl/worksheets/sheet3.xml")
    assert part.file_size == 300 << 20 and part.file_size > 100 * part.compress_size
    assert bomb.stat().st_size < 2 << 20
    problem = only(refused(drafting, bomb, bob))
    assert problem.message.startswith("part xl/worksheets/sheet3.xml would expand ")
    assert problem.message.endswith(" times: the file looks like a zip bomb, so it was not opened")


def test_a_bare_zip_bomb_is_refused(drafting, bob, tmp_path):
    problem = only(refused(drafting, crafted.zip_bomb(tmp_path / "bomb.xlsx", megabytes=120), bob))
    assert problem.message == "this zip file is not an .xlsx workbook (it has no xl/workbook.xml)"


# --- hostile XML -------------------------------------------------------------------------------------------

LAUGHS = (b'<!DOCTYPE worksheet [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
                     for n in range(1, 10)) + b"]>")
DECLARATIONS = {
    "a document type": (b"<!DOCTYPE worksheet>", None),
    "entity expansion": (LAUGHS, b"&lol9;"),
    "an external entity": (b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', b"&xxe;"),
    "an external parameter entity": (b'<!DOCTYPE worksheet [<!ENTITY % dtd SYSTEM "http://127.0.0.1:9/x.dtd">'
                                     b" %dtd;]>", None),
}
PADDING = {
    "at the start": b"",
    "after 70 KB of comment": b"<!--" + b"x" * 70_000 + b"-->",
    "after 70 KB of white space": b" \n" * 35_000,
}


def hostile(exported: Path, part: str, declaration: bytes, reference: bytes | None, padding: bytes = b"",
            encoding: str = "utf-8") -> Path:
    """The exported workbook with the declaration put in one of its XML parts, and its entity (if
    any) used in the first narrative."""
    xml = crafted.members(exported)[part]
    if reference is not None:
        assert b"Policy approved yearly" in xml
        xml = xml.replace(b"Policy approved yearly", reference)
    xml = crafted.with_prolog(xml, padding + declaration)
    if encoding != "utf-8":
        xml = xml.replace(b'encoding="UTF-8"', b'encoding="UTF-16"').decode("utf-8").encode(encoding)
    return crafted.rewrite(exported, exported.with_name("hostile.xlsx"), {part: xml})


def declares(part: str) -> str:
    return (f"part {part} declares an XML document type (DOCTYPE or ENTITY); workbooks never need one and "
            "secassure refuses them")


@pytest.mark.parametrize("padding", PADDING.values(), ids=PADDING.keys())
@pytest.mark.parametrize("declaration", DECLARATIONS.values(), ids=DECLARATIONS.keys())
def test_xml_with_a_document_type_is_refused(drafting, bob, exported, declaration, padding):
    part = crafted.sheet_part(exported, "Validation")
    problem = only(refused(drafting, hostile(exported, part, *declaration, padding), bob))
    assert (problem.message, where(problem)) == (declares(part), ("", None, ""))


@pytest.mark.parametrize("part", ["xl/workbook.xml", "[Content_Types].xml", "xl/_rels/workbook.xml.rels",
                                  "xl/styles.xml", "docProps/core.xml", "_meta"])
def test_a_document_type_is_refused_in_any_part(drafting, bob, exported, part):
    part = crafted.sheet_part(exported, part) if part == "_meta" else part
    path = hostile(exported, part, *DECLARATIONS["an external entity"][:1], None)
    assert only(refused(drafting, path, bob)).message == declares(part)


def test_a_document_type_in_utf16_xml_is_refused(drafting, bob, exported):
    part = crafted.sheet_part(exported, "Validation")
    path = hostile(exported, part, b"<!DOCTYPE worksheet>", None, b"", "utf-16")
    assert crafted.members(path)[part].startswith(b"\xff\xfe<\x00?\x00x\x00m\x00l\x00")
    assert only(refused(drafting, path, bob)).message == declares(part)


@pytest.mark.parametrize("declaration", [d for d in DECLARATIONS.values() if b"ENTITY" in d[0]],
                         ids=[k for k, d in DECLARATIONS.items() if b"ENTITY" in d[0]])
def test_the_xml_parser_refuses_entities_even_if_the_container_check_missed_them(drafting, bob, exported,
                                                                                   monkeypatch, declaration):
    """Two walls: were the scan of the container to miss a declaration, the parser (through
    defusedxml) still refuses to expand or fetch any entity."""
    monkeypatch.setattr(reading, "_declares", lambda archive, member: False)  # the scan, a chunk at a time
    monkeypatch.setattr(reading, "_declares_in", lambda data: False)  # and of a part read whole
    part = crafted.sheet_part(exported, "Validation")
    problem = only(refused(drafting, hostile(exported, part, *declaration), bob))
    assert problem.message == "the workbook's XML uses a forbidden construct (EntitiesForbidden); it was not read"


@pytest.mark.parametrize("place", ["XFD1048576", "xfd1048576", "A1048576", "AA2"])
def test_a_cell_placed_far_out_is_not_read_by_calamine(drafting, bob, exported, place):
    """calamine holds a sheet as a dense grid up to its furthest cell: one cell at XFD1048576 would
    ask for hundreds of GiB and abort the process, so such a sheet is left to openpyxl, which streams."""
    part = crafted.sheet_part(exported, "Validation")
    xml = crafted.members(exported)[part]
    far = f'<row r="{place.upper().lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}"><c r="{place}" t="inlineStr"><is><t>x</t>' \
          "</is></c></row></sheetData>"
    path = crafted.rewrite(exported, exported.with_name("far.xlsx"), {part: xml.replace(b"</sheetData>", far.encode())})
    assert quick_reads(exported) and not quick_reads(path)
    try:
        reading.read(path)
    except WorkbookRefused:
        pass


@pytest.mark.parametrize(("tag", "placed_far"), [
    ("""<c r="A2" r='AB30000' t="inlineStr">""", True),
    ('<c r="A2" r = "AB30000" t="inlineStr">', True),
    ('<c r="A2" t="inlineStr" r="AB30000">', True),
    ('<c r="$AB$30000" t="inlineStr">', False),
    ('<c r="&#65;B30000" t="inlineStr">', False),
], ids=["repeated-in-single-quotes", "repeated-with-spaces", "repeated-last", "absolute", "character-reference"])
def test_a_far_place_in_any_spelling_is_not_read_by_calamine(drafting, bob, exported, tag, placed_far):
    """calamine takes the last of a repeated attribute, in either quotes and spaced as XML allows:
    each of these puts the cell at AB30000 for calamine (a grid of 840,000 cells here, of hundreds
    of GiB at XFD1048576), so the sheet is left to openpyxl. Places in other spellings, which this
    calamine refuses and another might read, are left to openpyxl too."""
    from python_calamine import CalamineWorkbook

    part = crafted.sheet_part(exported, "Validation")
    xml = crafted.members(exported)[part]
    far = f'<row r="2">{tag}<is><t>x</t></is></c></row></sheetData>'
    path = crafted.rewrite(exported, exported.with_name("far.xlsx"), {part: xml.replace(b"</sheetData>", far.encode())})
    if placed_far:  # what calamine itself makes of the place
        grid = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Validation").to_python()
        assert (len(grid), len(grid[0])) == (30000, 28)
    assert quick_reads(exported) and not quick_reads(path)


@pytest.mark.parametrize("cell", [
    b'<x/y:c r="AB30000" t="inlineStr"><is><t>x</t></is></x/y:c>',
    b'<x\x0c:c r="AB30000" t="inlineStr"><is><t>x</t></is></x\x0c:c>',
    b'<x\x0b:c r="AB30000" t="inlineStr"><is><t>x</t></is></x\x0b:c>',
    b'<x"y>z":c r="AB30000" t="inlineStr"><is><t>x</t></is></x"y>z":c>',
], ids=["slash", "form-feed", "vertical-tab", "quoted-close"])
def test_a_cell_behind_any_prefix_calamine_reads_is_not_read_by_it(exported, cell):
    """calamine's reader takes an element's name up to a space, tab or line break, and then what
    follows its first colon: each of these names is a cell to it, at AB30000, so the sheet is left
    to openpyxl."""
    from python_calamine import CalamineWorkbook

    part = crafted.sheet_part(exported, "Validation")
    xml = crafted.members(exported)[part].replace(b"</sheetData>", b'<row r="2">' + cell + b"</row></sheetData>")
    path = crafted.rewrite(exported, exported.with_name("far.xlsx"), {part: xml})
    grid = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Validation").to_python()
    assert (len(grid), len(grid[0])) == (30000, 28)  # what calamine itself makes of it
    assert quick_reads(exported) and not quick_reads(path)


def _far_meta(xml: bytes) -> bytes:
    """The metadata sheet's XML with one more cell, at AB30000: a grid of 30,000 by 28 for calamine."""
    return xml.replace(b"</sheetData>", b'<row r="30000"><c r="AB30000" t="inlineStr"><is><t>x</t></is></c></row>'
                                        b"</sheetData>")


def test_a_sheet_calamine_would_find_elsewhere_is_not_read_by_it(exported):
    """calamine finds the workbook through the package's own relationships, where the product's
    mapping looks in xl/ alone: pointed at a copy of the workbook in y/ whose metadata sheet holds
    a far cell, calamine reads that copy. Every part holding sheet data must be fit for calamine,
    wherever it is and whichever sheet it turns out to be."""
    from python_calamine import CalamineWorkbook

    parts = crafted.members(exported)
    meta = crafted.sheet_part(exported, layout.META_SHEET)
    copied = {f"y/{name[3:]}": (_far_meta(data) if name == meta else data)
              for name, data in parts.items() if name.startswith("xl/")}
    path = crafted.rewrite(exported, exported.with_name("elsewhere.xlsx"), {
        "_rels/.rels": parts["_rels/.rels"].replace(b'Target="xl/workbook.xml"', b'Target="y/workbook.xml"'),
        **copied})
    grid = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(layout.META_SHEET).to_python()
    assert (len(grid), len(grid[0])) == (30000, 28)  # what calamine would read
    assert not quick_reads(path)
    unread = crafted.rewrite(exported, exported.with_name("unread.xlsx"), {"xl/worksheets/spare.xml": _far_meta(
        parts[meta])})  # even a part no relationship names
    assert not quick_reads(unread)


def test_only_parts_holding_sheet_data_are_scanned_for_calamine(exported, monkeypatch):
    """calamine reads cells only after a sheetData element, whatever prefix its name has: a part
    without one (shared strings, styles, properties, which may be as large as the sheets) gives it no
    cell, is not scanned and keeps no workbook from calamine, whatever markup it holds; every part
    with one is scanned, a prefixed one too (which then keeps the workbook from calamine)."""
    parts = crafted.members(exported)
    meta = crafted.sheet_part(exported, layout.META_SHEET)
    odd_strings = {"xl/sharedStrings.xml": SHARED.replace(b"</sst>", b"<x:f>1+1</x:f></sst>") % 1}
    strings_only = crafted.rewrite(exported, exported.with_name("strings.xlsx"), odd_strings)
    path = crafted.rewrite(exported, exported.with_name("prefixed.xlsx"), {
        **odd_strings, "xl/worksheets/spare.xml": parts[meta].replace(b"sheetData", b"x:sheetData")})
    scanned, real = [], reading._quick_sheet
    monkeypatch.setattr(reading, "_quick_sheet", lambda xml: scanned.append(xml) or real(xml))
    with reading.PartFacts() as facts:
        reading.inspect_container(path, facts)
    members = crafted.members(path)
    assert sorted(scanned) == sorted(data for data in members.values() if b"sheetData" in data)
    assert members["xl/worksheets/spare.xml"] in scanned and members["xl/sharedStrings.xml"] not in scanned
    assert quick_reads(strings_only) and not quick_reads(path)


@pytest.mark.parametrize("name", ["XL/worksheets/sheet1.xml", "xl\\worksheets\\sheet1.xml"])
def test_two_parts_of_one_name_but_for_case_or_slashes_are_refused(drafting, bob, exported, name):
    path = crafted.rewrite(exported, exported.with_name("twice.xlsx"), {name: b"<worksheet/>"})
    assert only(refused(drafting, path, bob)).message == ("the file holds two parts of the same name; a workbook "
                                                          "never does")


SHARED = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="%d"><si><t>a</t></si>'
          b"</sst>")


def test_shared_strings_that_claim_far_more_texts_than_they_hold_are_refused(drafting, bob, exported):
    """calamine makes room for the count a shared strings part claims before reading it: a few
    bytes claiming ten billion would ask for 240 GB and abort the process."""
    path = crafted.rewrite(exported, exported.with_name("sst.xlsx"), {"xl/sharedStrings.xml": SHARED % 10**10})
    assert only(refused(drafting, path, bob)).message == (
        "part xl/sharedStrings.xml says it holds 10,000,000,000 texts, far more than it can; the file is damaged")
    fair = crafted.rewrite(exported, exported.with_name("fair.xlsx"), {"xl/sharedStrings.xml": SHARED % 1})
    assert quick_reads(fair)


@pytest.mark.parametrize(("word", "rare"), [(b"uniqueCount", b"q"), (b"quota", b"q"), (b"unique", b"e"),
                                           (b"banana", b"n"), (b"x", b"x")],
                         ids=["middle", "first", "last", "twice", "alone"])
def test_a_word_is_found_wherever_it_is_and_however_often_its_rare_byte_comes(word, rare):
    """The word is looked for from each place of its rare byte (first, last, in the middle, or
    more than once in the word): it is found at the very start and the very end, beside runs of
    that byte, and past the budget of places, where the whole word is searched for instead; data
    that never spells it is passed, however many of the byte it holds."""
    import random

    chance = random.Random(20261206)  # noqa: S311 - repeatable test input, not a secret
    cut = word.index(rare)
    alphabet = [rare, word[:1], word[: cut + 1], word[cut + 1:], word[1:], b"<", b" "]
    strings = [b"".join(chance.choice(alphabet) for _ in range(chance.randint(0, size)))
               for size in (6, 30, 30, 3000) for _ in range(3000 if size < 3000 else 60)]
    strings += [word, word + rare * 5000, rare * 5000 + word, rare * 70 + word, word[:-1], word[1:],
                rare * 5000, rare * 3 + word[1:], word[:-1] + rare * 5000]
    for data in strings:
        assert reading.holds_word(data, word, rare) is (word in data), data[:80]
    assert reading.holds_word(rare * 400_000 + word, word, rare)  # past the budget: found by the whole word
    short = rare * 400_000 + word[:-1]
    assert reading.holds_word(short, word, rare) is (word in short)


def test_the_count_of_texts_is_found_behind_many_of_its_rare_byte():
    """A claim of ten billion texts hidden behind 20,000 of the count's rare byte is still refused."""
    oversized = b"q" * 20_000 + (SHARED % 10**10)
    assert reading._overstated_count(oversized, len(oversized)) == 10**10


@pytest.mark.parametrize(("xml", "plain"), [
    (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet/>', True),
    (b"<?xml version='1.0' encoding='utf8'?><worksheet/>", True),
    (b'<?xml version="1.0"?><worksheet/>', True),
    (b'\xef\xbb\xbf<worksheet/>', True),
    ('<worksheet/>'.encode("utf-16-le"), False),  # UTF-16 without its byte order mark
    (b'<?xml version="1.0" encoding="ISO-8859-1"?><worksheet/>', False),
    (b'<worksheet><!-- a comment --></worksheet>', False),
    (b'PK<worksheet/>', False),
], ids=["utf-8-declared", "utf8-single-quotes", "undeclared", "byte-order-mark", "utf-16-unmarked", "latin-1",
        "comment", "not-xml"])
def test_only_plain_utf8_xml_is_read_by_calamine(xml, plain):
    """The scans before calamine look for words spelt as UTF-8 bytes; a part in another encoding
    could hide them, so it is left to openpyxl."""
    assert reading._plain_xml(xml) is plain


class PanicException(BaseException):
    """What pyo3 raises when calamine's Rust code panics: not an Exception."""


def test_a_panic_of_calamine_leaves_the_workbook_to_openpyxl(exported, monkeypatch):
    """calamine's Rust code may panic on a file it cannot handle; that arrives as PanicException,
    which is not an Exception: the workbook is then read by openpyxl. An interrupt still interrupts."""
    from python_calamine import CalamineWorkbook

    expected = [(i.key, i.edited) for i in reading.read(exported).items]
    opening = _opening()
    for method in (opening, "get_sheet_by_name"):
        with monkeypatch.context() as patched:
            patched.setattr(CalamineWorkbook, method, lambda *a, **k: (_ for _ in ()).throw(PanicException("overflow")))
            assert [(i.key, i.edited) for i in reading.read(exported).items] == expected
    monkeypatch.setattr(CalamineWorkbook, opening, lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        reading.read(exported)


def _sheets_to_read_by_size(path: Path) -> list[str]:
    """The sheets the import reads of a Validation Workbook, the largest part's first."""
    with zipfile.ZipFile(path) as archive:
        parts = reading._sheet_parts(archive.read("xl/workbook.xml"), archive.read("xl/_rels/workbook.xml.rels"))
        sizes = {title: archive.getinfo(part).file_size for title, part in parts.items()}
    titles = [layout.META_SHEET, *(sheet.title for sheet in layout.DATA_SHEETS[layout.VALIDATION_WORKBOOK])]
    return sorted(titles, key=sizes.get, reverse=True)


def _ahead_threads() -> set:

    return {thread for thread in threading.enumerate() if thread.name == "secassure-sheet-ahead"}


def test_the_largest_sheet_is_parsed_at_once_in_a_reading_and_a_thread_of_its_own(exported, monkeypatch):
    """While the checks read the other sheets, calamine parses the largest sheet to be read in a
    second reading of the package, in a thread of its own (calamine lets go of the interpreter lock
    as it parses, so the two run at once). Each sheet is parsed once, and the workbook reads as it
    did."""

    from python_calamine import CalamineWorkbook

    expected = reading.read(exported)
    by_size = _sheets_to_read_by_size(exported)
    parsed, here, real = [], threading.current_thread(), CalamineWorkbook.get_sheet_by_name

    def noting(book, title):
        parsed.append((title, threading.current_thread() is here, book))  # kept, so no two are one object
        return real(book, title)

    monkeypatch.setattr(CalamineWorkbook, "get_sheet_by_name", noting)
    running = _ahead_threads()  # any that another test left
    assert reading.read(exported) == expected
    assert sorted(title for title, _, _ in parsed) == sorted(by_size)
    books = {title: book for title, _, book in parsed}
    assert [title for title, in_caller, _ in parsed if not in_caller] == [by_size[0]]
    assert all(books[by_size[0]] is not books[title] for title in by_size[1:])
    assert all(books[title] is books[by_size[1]] for title in by_size[1:])
    assert not _ahead_threads() - running


def _opening() -> str:
    """The CalamineWorkbook method a reading of the package is opened by (see reading.Package)."""
    return "from_path" if reading.IN_MEMORY_FILES else "from_filelike"


@pytest.mark.parametrize("step", ["opening", "parsing"])
def test_a_failure_of_the_sheet_parsed_ahead_leaves_the_workbook_to_openpyxl(exported, monkeypatch, step):
    """A panic of calamine's in the thread that parses the largest sheet, as it opens its reading or
    as it parses, reaches the reading when it takes that sheet (the other sheets read as ever): the
    import's check then has openpyxl read the workbook, as after any failure of calamine's, and no
    file is left open."""

    from python_calamine import CalamineWorkbook

    expected = [(i.key, i.edited) for i in reading.read(exported).items]
    largest, *others = _sheets_to_read_by_size(exported)
    method = _opening() if step == "opening" else "get_sheet_by_name"
    here, real = threading.current_thread(), getattr(CalamineWorkbook, method)

    def failing_elsewhere(*args):
        if threading.current_thread() is not here:
            raise PanicException("overflow")
        return real(*args)

    monkeypatch.setattr(CalamineWorkbook, method, failing_elsewhere)
    quick = reading.quick_workbook(exported)
    try:
        for title in others:
            assert quick[title].rows
        with pytest.raises(PanicException):
            quick[largest]
    finally:
        quick.close()

    openpyxl_read, real_open = [], reading.open_workbook
    monkeypatch.setattr(reading, "open_workbook", lambda *a, **k: openpyxl_read.append(1) or real_open(*a, **k))
    running, descriptors = _ahead_threads(), _open_descriptors()  # threads another test left
    assert [(i.key, i.edited) for i in reading.read(exported).items] == expected
    assert openpyxl_read == [1] and not _ahead_threads() - running and _open_descriptors() == descriptors


def test_a_failure_to_open_the_first_reading_waits_for_the_second_and_leaves_the_workbook_to_openpyxl(
        exported, monkeypatch):
    """calamine may fail as it opens the reading the checks read, while the thread parsing the
    largest sheet opens its own: the thread is waited for, the workbook is read by openpyxl, and no
    file is left open."""

    from python_calamine import CalamineWorkbook

    expected = [(i.key, i.edited) for i in reading.read(exported).items]
    here, real, parsed = threading.current_thread(), getattr(CalamineWorkbook, _opening()), []
    real_parse = CalamineWorkbook.get_sheet_by_name

    def failing_here(source):
        if threading.current_thread() is here:
            raise PanicException("overflow")
        return real(source)

    def slow_elsewhere(book, title):
        if threading.current_thread() is not here:
            time.sleep(0.3)
            parsed.append(title)
        return real_parse(book, title)

    monkeypatch.setattr(CalamineWorkbook, _opening(), failing_here)
    monkeypatch.setattr(CalamineWorkbook, "get_sheet_by_name", slow_elsewhere)
    running, descriptors = _ahead_threads(), _open_descriptors()  # threads another test left
    assert reading.quick_workbook(exported) is None
    assert parsed == _sheets_to_read_by_size(exported)[:1] and not _ahead_threads() - running
    assert [(i.key, i.edited) for i in reading.read(exported).items] == expected
    assert _open_descriptors() == descriptors


def test_no_sheet_is_parsed_ahead_in_a_workbook_the_import_refuses_for_its_sheets(exported, monkeypatch):
    """A workbook whose sheets are not those of a kind the export writes is refused before its data
    sheets are read: none of them is parsed in a thread of its own first."""

    from python_calamine import CalamineWorkbook

    path = edited(exported, lambda wb: wb.create_sheet("My notes", 2))
    here, real, elsewhere = threading.current_thread(), CalamineWorkbook.get_sheet_by_name, []

    def noting(book, title):
        if threading.current_thread() is not here:
            elsewhere.append(title)
        return real(book, title)

    monkeypatch.setattr(CalamineWorkbook, "get_sheet_by_name", noting)
    with pytest.raises(WorkbookRefused) as refusal:
        reading.read(path)
    assert "unexpected sheet 'My notes'" in refusal.value.problems[0].message
    assert elsewhere == []
    monkeypatch.setattr(CalamineWorkbook, "get_sheet_by_name", real)
    quick = reading.quick_workbook(path)  # read by calamine, all the same
    assert quick is not None and quick.ahead is None
    quick.close()


def test_the_package_is_let_go_of_when_the_last_party_is_done_opening_readings(exported):
    """The package calamine's readings are opened of: it is let go of (its file closed, or its
    bytes dropped) once every party that opens readings of it is done, not before; a party done
    once more closes nothing (not even a file opened since under the number the package's file
    had), and a reading asked for once it is let go of is refused."""
    with reading.PartFacts() as facts:
        reading.inspect_container(exported, facts)
        facts.take_ahead().wait()  # the largest sheet's parse, on a package of its own, done with
        descriptors = _open_descriptors()
        package = reading.Package(facts.package(), parties=2)
    package.done()
    book = package.open()
    assert book.sheet_names[-1] == layout.META_SHEET
    book.close()
    package.done()
    assert _open_descriptors() == descriptors
    reused = os.open(os.devnull, os.O_RDONLY)  # the lowest free number: the package's file's, where it had one
    try:
        package.done()
        os.fstat(reused)
    finally:
        os.close(reused)
    with pytest.raises(ValueError, match="let go of"):
        package.open()


@pytest.mark.parametrize("failure", [RuntimeError("can't start new thread"), MemoryError()],
                         ids=["no-thread", "no-memory"])
def test_a_thread_that_cannot_start_leaves_the_workbook_to_openpyxl_and_no_file_open(exported, monkeypatch,
                                                                                      failure):
    """When the thread that would parse the largest sheet cannot be started, the package is done with
    in its stead (its file closed) and the workbook is read by openpyxl."""

    class Unstartable(threading.Thread):
        def start(self):
            raise failure

    expected = [(i.key, i.edited) for i in reading.read(exported).items]
    monkeypatch.setattr(reading, "threading", types.SimpleNamespace(Thread=Unstartable, Lock=threading.Lock))
    descriptors = _open_descriptors()
    assert reading.quick_workbook(exported) is None
    assert [(i.key, i.edited) for i in reading.read(exported).items] == expected
    assert _open_descriptors() == descriptors


def test_a_refusal_before_the_sheet_parsed_ahead_is_taken_waits_for_its_parse(drafting, bob, exported, monkeypatch):
    """A workbook refused before the largest sheet is taken (its metadata's signature fails) is
    refused as ever; the parse of that sheet is waited for before its reading is closed, and no
    thread is left behind."""

    from python_calamine import CalamineWorkbook

    here, real = threading.current_thread(), CalamineWorkbook.get_sheet_by_name

    def slow_elsewhere(book, title):
        if threading.current_thread() is not here:
            time.sleep(0.3)
        return real(book, title)

    path = edited(exported, lambda wb: crafted.set_text(wb[layout.META_SHEET], f"B{META_ROWS['signature']}", "0" * 64))
    assert _sheets_to_read_by_size(path)[0] != layout.META_SHEET
    monkeypatch.setattr(CalamineWorkbook, "get_sheet_by_name", slow_elsewhere)
    running = _ahead_threads()  # any that another test left
    with pytest.raises(WorkbookRefused) as refusal:
        reading.read(path)
    assert [problem.message for problem in refusal.value.problems] == [UNSIGNED]
    assert not _ahead_threads() - running


def test_calamine_reads_the_parts_as_scanned_and_nothing_else(exported, monkeypatch):
    """calamine is handed the parts as the scans read them, byte for byte and under the names they
    passed them, in a zip of its own, never the uploaded file: whatever the file's zip structure
    might say to another reader, and with nothing left to decompress a second time. (The scans are
    shown one part a line longer than the file holds it, which calamine then reads.)"""
    from python_calamine import CalamineWorkbook

    class Shown(reading.PartFacts):
        def learn(self, name, xml, crc=None):
            if name == "docProps/app.xml":
                xml, crc = xml + b"\n", None  # its CRC-32 no longer the upload's
            super().learn(name, xml, crc)

    handed = []
    from_path, from_filelike = CalamineWorkbook.from_path, CalamineWorkbook.from_filelike
    monkeypatch.setattr(reading, "PartFacts", Shown)
    monkeypatch.setattr(CalamineWorkbook, "from_path",
                        lambda path: handed.append(Path(path).read_bytes()) or from_path(path))
    monkeypatch.setattr(CalamineWorkbook, "from_filelike",
                        lambda filelike: handed.append(filelike.read()) or from_filelike(io.BytesIO(handed[-1])))
    expected = [(i.key, i.edited) for i in reading.read(exported).items]
    as_scanned = {**crafted.members(exported)}
    as_scanned["docProps/app.xml"] += b"\n"
    assert len(handed) == 2
    packages = []
    for data in handed:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            assert {m.compress_type for m in package.infolist()} == {zipfile.ZIP_STORED}
            packages.append({m.filename: package.read(m) for m in package.infolist()})
    # The largest sheet's parse starts on a package of the parts learnt before the other worksheets.
    ahead, whole = sorted(packages, key=len)
    assert whole == as_scanned
    with zipfile.ZipFile(exported) as archive:
        parts = reading._sheet_parts(archive.read("xl/workbook.xml"), archive.read("xl/_rels/workbook.xml.rels"))
    largest = parts[_sheets_to_read_by_size(exported)[0]]
    assert ahead == {name: xml for name, xml in as_scanned.items()
                     if name == largest or not reading.WORKSHEET_PART.fullmatch(name)}
    assert len(ahead) < len(whole)
    monkeypatch.undo()
    monkeypatch.setattr(reading, "quick_workbook", lambda path, facts=None: None)  # openpyxl reads the same
    assert [(i.key, i.edited) for i in reading.read(exported).items] == expected


@pytest.fixture
def gathered(monkeypatch):
    """Every PartFacts made, to see what each still holds."""
    made = []

    class Watched(reading.PartFacts):
        def __init__(self):
            super().__init__()
            made.append(self)

    monkeypatch.setattr(reading, "PartFacts", Watched)
    return made


def test_what_was_gathered_for_calamine_is_let_go_whichever_way_the_reading_goes(drafting, bob, exported,
                                                                                 gathered, monkeypatch):
    """The parts gathered for calamine are let go when the reading ends: read quickly, refused by the
    inspection part-way through the parts, or left to openpyxl, before openpyxl reads."""
    part = crafted.sheet_part(exported, "Validation")
    xml = crafted.members(exported)[part]
    formula = crafted.rewrite(exported, exported.with_name("formula.xlsx"), {part: xml.replace(
        b"</sheetData>", b'<row r="5000"><c r="A5000"><f>1+1</f><v>2</v></c></row></sheetData>')})
    overstated = crafted.rewrite(exported, exported.with_name("sst.xlsx"), {"xl/sharedStrings.xml": SHARED % 10**10})
    held = []
    real_open = reading.open_workbook

    def opening(path, **kwargs):
        held.append([f for f in gathered if f._gathered or f.kept])
        return real_open(path, **kwargs)

    monkeypatch.setattr(reading, "open_workbook", opening)
    reading.read(exported)
    with pytest.raises(WorkbookRefused, match="says it holds 10,000,000,000 texts"):
        reading.read(overstated)
    with pytest.raises(WorkbookRefused, match="unexpected row"):
        reading.read(formula)
    assert held == [[]]  # openpyxl read one of them, with nothing gathered left
    assert len(gathered) == 3 and not any(f._gathered or f.kept for f in gathered)
    assert reading.quick_workbook(formula) is None  # inspected there, and let go there
    assert len(gathered) == 4 and not gathered[-1]._gathered


def test_a_workbook_too_large_to_hold_whole_is_streamed_by_openpyxl(exported, monkeypatch):
    """Beyond QUICK_TOTAL_LIMIT of XML in all, the workbook is left to openpyxl, which streams it, and
    what was gathered for calamine is let go at once, as it is after a part that is not plain XML."""
    expected = [(i.key, i.edited) for i in reading.read(exported).items]
    monkeypatch.setattr(reading, "QUICK_TOTAL_LIMIT", 50_000)
    with reading.PartFacts() as facts:
        reading.inspect_container(exported, facts)
        assert facts.off and not facts._gathered and reading.quick_workbook(exported, facts) is None
    assert [(i.key, i.edited) for i in reading.read(exported).items] == expected
    monkeypatch.undo()
    with reading.PartFacts() as facts:
        facts.learn("[Content_Types].xml", b"<Types/>")
        assert facts._gathered
        facts.learn("xl/media/image1.png", b"\x89PNG\r\n\x1a\n")
        facts.learn("xl/sharedStrings.xml", b"<sst/>")
        assert facts.off and not facts._gathered


def test_a_row_number_does_not_place_its_cells_for_calamine(exported):
    """Only a cell's own place sizes calamine's grid: a far row number around placed cells (which
    the quick reading therefore allows) leaves the grid as it was."""
    from python_calamine import CalamineWorkbook

    part = crafted.sheet_part(exported, "Validation")
    xml = crafted.members(exported)[part]
    far = '<row r="1000000"><c r="A2" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    path = crafted.rewrite(exported, exported.with_name("row.xlsx"), {part: xml.replace(b"</sheetData>", far.encode())})
    before = CalamineWorkbook.from_path(str(exported)).get_sheet_by_name("Validation").to_python()
    after = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Validation").to_python()
    assert (len(after), len(after[0])) == (len(before), len(before[0]))
    assert quick_reads(path)



SHEET = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://'
         b'schemas.openxmlformats.org/officeDocument/2006/relationships"><sheetData><row r="1">%s</row></sheetData>'
         b'</worksheet>')


@pytest.mark.parametrize(("cells", "quick"), [
    (b'<c r="A1" t="inlineStr"><is><t>plain</t></is></c>', True),
    (b'<c r="A1" t="inlineStr"><is><t>r="AAA1" and f&gt;</t></is></c>', True),
    (b'<c r="A1"><f>1+1</f><v>2</v></c>', False),
    (b'<c r="A1"><f/></c>', False),
    (b'<c r="A1"><f\tt="shared"/></c>', False),
    (b'<c r="A1"><x:f>1+1</x:f><v>2</v></c>', False),
    (b'<c r="A1"><x:is/></c>', False),
    (b'<c r="AA1"/>', False),
    (b'<c r="A100000"/>', False),
    (b'</row><row\tr="1000000"><c r="A1"/>', True),  # a cell's own place counts, not its row's number
    (b'<c r="A1" r="AB30000"/>', False),  # calamine takes the last of a repeated attribute
    (b"<c r=\"A1\" r='AB30000'/>", False),  # in either quotes
    (b'<c r="A1" r = "AB30000"/>', False),  # and spaced
    (b'<c r="$AB$30000"/>', False),
    (b'<c r="A&#49;00000"/>', False),
    (b'<c r="a1"/>', False),
    (b'<c r="A0"/>', False),
    (b'<c r="A1" cm="1"/>', False),
    (b'<c r="A1" s="1" t="n" />', True),
    (b'<c r="A1" t="n" s="1"/>', False),
    (b'<c r="A1" s="x"/>', False),
    (b'<c r="A1"  s="1"/>', False),
    (b'<c r="A1" t="inlineStr"><is><t>Note: a:b, x:f and &lt;y:c</t></is></c>', True),
    (b'<c\nr="A1"/>', False),
    (b'<c s="1" r="A1"/>', False),
    (b'<c r="Z99999"/>', True),
    (b'<c r="B7" s="12" t="s"><v>3</v></c>', True),
    (b'<c r="B7" t="inlineStr"><is><t>x</t></is></c><c r="C7" s="2"/>', True),
    (b'<c/>', False),
    (b'<cols><col min="1" max="2"/></cols>', True),
    (b'<:c r="AB30000"/>', False),  # calamine takes the name after the first colon, whatever is before it
    (b'<1:c r="AB30000"/>', False),
    ('<\u00e9:c r="AB30000"/>'.encode(), False),
    (b'<c r="A1" t="str"><:f>1+1</:f><v>2</v></c>', False),
    (b'<c r="A1" t="inlineStr"><is><t xml:space="preserve"> a: b </t></is></c>', True),
    (b'<c r="A1" t="inlineStr"><is><t>a:b</t></is></c><c r="B1"><x:f>1+1</x:f></c>', False),
    (b'<c r="A1" t="inlineStr"><is><t>' + b"a:" * 3000 + b'</t></is></c>', True),
    (b'<c r="A1" t="inlineStr"><is><t>' + b"a:" * 3000 + b'</t></is></c><c r="B1"><x:f>1</x:f></c>', False),
    (b'<c r="A1"><x/y:f>1+1</x/y:f><v>2</v></c>', False),  # a name runs to a space, tab or line break
    (b'<c r="A1"><x\x0c:f>1+1</x\x0c:f><v>2</v></c>', False),
    (b'<x"y>z":c r="AB30000"/>', False),  # a ">" between quotes ends no name
    (b"<x'a<b>c:c r=\"AB30000\"/>", False),
    (b'<c r="A1" s="1"\x0c/>', False),
], ids=["plain", "look-alikes-in-text", "formula", "empty-formula", "formula-tab", "prefixed-formula",
        "prefixed-element", "column-AA", "row-100000", "row-far-after-a-tab", "place-repeated-far",
        "place-repeated-in-single-quotes", "place-repeated-with-spaces", "place-absolute",
        "place-character-reference", "place-lower-case", "row-0", "other-attribute", "space-before-end",
        "type-before-style", "style-not-a-number", "two-spaces", "colons-in-text",
        "unplaced-after-a-new-line", "place-not-first", "edge-of-grid", "styled-shared-string",
        "inline-and-empty", "unplaced", "cols-not-cells", "empty-prefix", "digit-prefix", "non-ascii-prefix",
        "formula-behind-an-empty-prefix", "attribute-prefix", "prefixed-after-colons-in-text", "many-colons-in-text",
        "prefixed-after-many-colons", "slash-in-prefix", "form-feed-in-prefix", "quoted-close-in-prefix",
        "quoted-open-in-prefix", "form-feed-before-end"])
def test_only_a_sheet_without_formulas_or_far_cells_is_read_by_calamine(cells, quick):
    """The scan before calamine: a formula or any prefixed element, or a cell not in the plain form
    (its place first, double-quoted, within column Z and row 99,999, then a style or a type and
    nothing else) sends the sheet to openpyxl; text that looks like either, and the relationships
    namespace's r= on the root, do not."""
    assert reading._quick_sheet(SHEET % cells) is quick


def _plain_cell_start(rest: bytes) -> bool:
    """Whether what follows a cell's "<c" is a plain start tag, decided a byte at a time: the place
    (one capital letter, a row from 1 to 99,999), double-quoted, then a style, a type, both in that
    order or neither, then spaces, tabs or line breaks, perhaps a "/", and ">"."""
    def attribute(at: int, name: bytes, allowed: bytes, most: int) -> int | None:
        if not rest.startswith(name, at):
            return None
        end = at + len(name)
        while end < len(rest) and rest[end] in allowed:
            end += 1
        return end + 1 if 1 <= end - at - len(name) <= most and rest[end:end + 1] == b'"' else None

    digits, letters = b"0123456789", bytes(range(65, 91)) + bytes(range(97, 123))
    if not (rest.startswith(b' r="') and rest[4:5].isalpha() and rest[4:5].isupper() and rest[5:6]
            and rest[5:6] in b"123456789"):
        return False
    at = attribute(5, b"", digits, 5)  # the row's digits and the closing quote
    if at is None:
        return False
    at = attribute(at, b' s="', digits, 5) or at
    at = attribute(at, b' t="', letters, 9) or at
    while rest[at:at + 1] and rest[at:at + 1] in b" \t\r\n":
        at += 1
    at += rest[at:at + 1] == b"/"
    return rest[at:at + 1] == b">"


def _formula_or_not_plain_cell(xml: bytes) -> bool:
    """What FORMULA_OR_NOT_PLAIN_CELL finds, worked out without a regular expression: an element
    named f, or c, ended by a space of any kind, a "/" or a ">", and the c's start tag not plain."""
    at = 0
    while (start := xml.find(b"<", at)) >= 0:
        at = start + 1
        name, end = xml[start + 1:start + 2], xml[start + 2:start + 3]
        if name in (b"c", b"f") and end and end in b" \t\n\r\x0b\x0c/>" and (
                name == b"f" or not _plain_cell_start(xml[start + 2:])):
            return True
    return False


def test_the_cell_scan_finds_exactly_the_formulas_and_cell_starts_that_are_not_plain():
    """The search for a formula or a cell start that is not plain agrees with a byte-by-byte
    reading of the same rule, on every string of up to three pieces of a start tag and on many
    longer ones, both plain and not."""
    import itertools
    import random

    pieces = [b"<c", b"<f", b" r=", b'"', b"A", b"a", b"AA", b"1", b"0", b"9999", b" s=", b" t=", b"inlineStr",
              b">", b"/", b" ", b"\t", b"\x0c", b"<co", b"'", b"x", b'<c r="B12"', b' s="3"', b' t="s"']
    chance = random.Random(20261206)  # noqa: S311 - repeatable test input, not a secret
    strings = [b"".join(p) for n in range(4) for p in itertools.product(pieces, repeat=n)]
    strings += [b"".join(chance.choice(pieces) for _ in range(chance.randint(4, 14))) for _ in range(40_000)]
    strings += [b'<c r="%s%d"%s%s%s>' % (column, row, style, kind, end) for column in (b"A", b"Z", b"AA")
                for row in (0, 1, 99999, 100000) for style in (b"", b' s="1"', b' s="123456"')
                for kind in (b"", b' t="inlineStr"', b' t="inlineStrs"') for end in (b"", b"/", b" ", b" /", b"\t/")]
    found = [reading.FORMULA_OR_NOT_PLAIN_CELL.search(xml) is not None for xml in strings]
    for xml, search in zip(strings, found, strict=True):
        assert search is _formula_or_not_plain_cell(xml), xml
    plain = [xml for xml, search in zip(strings, found, strict=True) if b"<c" in xml and not search]
    assert len(plain) > 500 and sum(found) > 10_000  # both kinds met, many times


def element_names(xml: bytes, quoted: bool) -> list[bytes]:
    """The element names an XML reader like calamine's finds in xml, read as loosely as it reads:
    a tag runs from "<" to the first ">" (outside quotes, when ``quoted``), and its name to the
    first space, tab or line break in it."""
    names, at = [], 0
    while (start := xml.find(b"<", at)) >= 0:
        end, quote = start + 1, None
        while end < len(xml) and (quote or xml[end:end + 1] != b">"):
            char = xml[end:end + 1]
            if quoted and char in (b'"', b"'"):
                quote = None if quote == char else quote or char
            end += 1
        names.append(re.match(rb"[^ \t\r\n]*", xml[start + 1:end]).group())
        at = end + 1
    return names


def test_a_colon_in_any_element_name_a_reader_could_find_keeps_calamine_out():
    """Every string over the characters that matter, up to four of them, and many longer ones: when
    a reader as loose as calamine's could find a colon in an element's name, whether it reads
    quotes in a tag or not, the scan finds one too (it may find one where no reader does). The
    walk from colon to colon finds exactly what the search of the reversed bytes finds, which it
    falls back on in a part of many colons."""
    import itertools
    import random

    alphabet = [bytes([c]) for c in b'<>/: \t\n"\'a\x0c'] + [b"xml"]  # xml: before an attribute's name is skipped
    chance = random.Random(20261206)  # noqa: S311 - repeatable test input, not a secret
    strings = [b"".join(p) for n in range(5) for p in itertools.product(alphabet, repeat=n)]
    strings += [b"".join(chance.choice(alphabet) for _ in range(chance.randint(6, size)))
                for size in (24, 24, 24, 2000) for _ in range(5000 if size < 2000 else 200)]
    for xml in strings:
        found = reading._prefixed(xml)
        assert found is (reading.PREFIXED_REVERSED.search(xml[::-1]) is not None), xml
        if any(b":" in name for quoted in (True, False) for name in element_names(xml, quoted)):
            assert found, xml
    assert not reading._prefixed(b'<t>Note: a:b</t><t xml:space="preserve"> x:y </t><t>Q1: "a"</t>')
    assert reading._prefixed(b'<xml:c r="A1"/>') and reading._prefixed(b'<c xml:space="x"/><a\x0cxml:f/>')


def test_the_package_for_calamine_is_a_zip_any_reader_reads(tmp_path):
    """The package is written here, not by zipfile: the standard reader must find each part under
    its name (a name beyond ASCII too), its bytes, stored, and the CRC-32 given or worked out."""
    parts = {"[Content_Types].xml": b"<Types/>", "xl/worksheets/für.xml": "<worksheet>é</worksheet>".encode(),
             "xl/empty.xml": b""}
    with reading.PartFacts() as facts:
        for name, xml in parts.items():
            facts.learn(name, xml, zlib.crc32(xml) if name.startswith("[") else None)
        package = io.BytesIO(b"".join(facts.package()))
        assert not facts._gathered  # handed over
    with zipfile.ZipFile(package) as archive:
        assert archive.testzip() is None
        assert {m.filename: (m.compress_type, archive.read(m)) for m in archive.infolist()} == {
            name: (zipfile.ZIP_STORED, xml) for name, xml in parts.items()}
    with reading.PartFacts() as facts:
        facts.learn("xl/a.xml", b"<a/>", zlib.crc32(b"<b/>"))  # a CRC-32 the bytes do not have
        with zipfile.ZipFile(io.BytesIO(b"".join(facts.package()))) as archive, \
                pytest.raises(zipfile.BadZipFile, match="CRC"):
            archive.read("xl/a.xml")


class Opened:
    """python_calamine's CalamineWorkbook, noting how each workbook was opened."""

    def __init__(self, real):
        self.real, self.ways = real, []

    def from_path(self, path):
        self.ways.append("path")
        return self.real.from_path(path)

    def from_filelike(self, filelike):
        self.ways.append("file object")
        return self.real.from_filelike(filelike)


def _open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else 0


def test_on_linux_files_held_in_memory_alone_are_used():
    if sys.platform.startswith("linux") and os.path.isdir("/proc/self/fd"):
        assert reading.IN_MEMORY_FILES


@pytest.mark.parametrize("way", [
    pytest.param("file in memory", marks=pytest.mark.skipif(not reading.IN_MEMORY_FILES, reason="not here")),
    "file object",
    pytest.param("file in memory refused", marks=pytest.mark.skipif(not reading.IN_MEMORY_FILES, reason="not here")),
])
def test_calamine_reads_the_package_from_a_file_in_memory_or_else_a_file_object(exported, monkeypatch, way):
    """On Linux the package goes to calamine as a file held in memory, which it reads as it needs;
    elsewhere, or where the system refuses to make one, as a file object it copies in. Either way
    the workbook reads the same, and no file is left open."""
    import python_calamine

    expected = reading.read(exported)
    opened = Opened(python_calamine.CalamineWorkbook)
    monkeypatch.setattr(python_calamine, "CalamineWorkbook", opened)
    if way == "file object":
        monkeypatch.setattr(reading, "IN_MEMORY_FILES", False)
    if way == "file in memory refused":
        def refuse(*args):
            raise PermissionError("not here")
        monkeypatch.setattr(os, "memfd_create", refuse)
    before = _open_descriptors()
    for _ in range(3):
        assert reading.read(exported) == expected
    assert _open_descriptors() == before
    assert opened.ways == ["path" if way == "file in memory" else "file object"] * 3 * 2  # two readings each


def test_the_quick_reading_runs_with_the_cycle_collector_held_back_and_leaves_it_as_found(exported, monkeypatch):
    """The quick reading makes thousands of objects and no reference cycles: Python's cycle
    collector is held back while it runs, then left as it was found, also when the reading fails."""
    import gc

    states = []
    real = reading._read

    def noting(wb, answer_kinds=None):
        states.append(gc.isenabled())
        return real(wb, answer_kinds)

    monkeypatch.setattr(reading, "_read", noting)
    assert gc.isenabled()
    reading.read(exported)
    assert states == [False] and gc.isenabled()

    gc.disable()
    try:
        reading.read(exported)
        assert not gc.isenabled()  # off before, so off after
    finally:
        gc.enable()

    def failing(wb, answer_kinds=None):
        raise WorkbookRefused([Problem("refused")])

    monkeypatch.setattr(reading, "_read", failing)
    with pytest.raises(WorkbookRefused):
        reading.read(exported)
    assert gc.isenabled()

    with reading.collector_paused():  # readings in two threads at once: the first to end leaves it off
        with reading.collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_part_name_flagged_utf_8_that_is_not_is_refused_as_damage(exported, tmp_path):
    path = tmp_path / "named.xlsx"
    data = exported.read_bytes().replace(b"docProps/app.xml", "docProps/äpp.xml".encode("cp437"))
    local = data.index("docProps/äpp.xml".encode("cp437")) - 30  # its local header
    flags = int.from_bytes(data[local + 6:local + 8], "little") | 0x800
    path.write_bytes(data[:local + 6] + flags.to_bytes(2, "little") + data[local + 8:])
    for facts in (reading.PartFacts(), None):
        with pytest.raises(WorkbookRefused, match="the zip container is damaged"):
            reading.inspect_container(path, facts)


def test_a_sheet_whose_xml_is_cut_off_is_refused(drafting, bob, exported):
    part = crafted.sheet_part(exported, "Questionnaire")
    xml = crafted.members(exported)[part]
    path = crafted.rewrite(exported, exported.with_name("cut.xlsx"), {part: xml[:len(xml) * 2 // 3]})
    assert only(refused(drafting, path, bob)).message.startswith("the file cannot be read as an .xlsx workbook (")


# --- another assessment, another installation ----------------------------------------------------------------


def test_a_workbook_of_another_assessment_is_refused(drafting, org_a, alice, bob, tmp_path):
    other = actions.create_assessment(org_a, kind="vusa", by=alice, title="VUSA 2026").assessment
    path = crafted.export(other, tmp_path / "other.xlsx", by=bob)
    assert only(refused(drafting, path, bob)).message == (
        f"this workbook belongs to assessment {other.pk} of org-a, not to assessment {drafting.pk} of org-a")


def test_a_workbook_of_another_organisation_is_refused(drafting, org_b, bob, mallory, tmp_path):
    theirs = actions.create_assessment(org_b, kind="ssa", by=mallory, title="Bravo SSA").assessment
    path = crafted.export(theirs, tmp_path / "bravo.xlsx", by=mallory)
    assert only(refused(drafting, path, bob)).message == (
        f"this workbook belongs to assessment {theirs.pk} of org-b, not to assessment {drafting.pk} of org-a")
    # Someone with no role here is refused before their file is even read.
    with crafted.untouched(), pytest.raises(ActionError, match=r"does not allow this \(assessments.edit\)"):
        importing.plan(drafting, path, by=mallory)


def test_a_workbook_signed_by_another_installation_is_refused(drafting, bob, tmp_path, settings):
    real = settings.SECRET_KEY
    settings.SECRET_KEY = "another installation's secret key, long enough to be one"
    path = crafted.export(drafting, tmp_path / "elsewhere.xlsx", by=bob)
    settings.SECRET_KEY = real
    assert only(refused(drafting, path, bob)).message == UNSIGNED


# --- the hidden metadata ---------------------------------------------------------------------------------------

META_ROWS = {key: n for n, key in enumerate((*workbook.META_KEYS, "signature"), 1)}
FIRST_ITEM = len(META_ROWS) + 2


@pytest.mark.parametrize(("ref", "value"), [
    (f"B{META_ROWS['assessment']}", "999"),
    (f"B{META_ROWS['organisation']}", "org-b"),
    (f"B{META_ROWS['audience']}", "cio"),
    (f"B{META_ROWS['editable']}", "False"),
    (f"B{META_ROWS['locked_hash']}", "0" * 64),
    (f"B{META_ROWS['signature']}", "0" * 64),
], ids=["assessment", "organisation", "audience", "editable", "locked-hash", "signature"])
def test_an_edited_meta_sheet_fails_its_signature(drafting, bob, exported, ref, value):
    path = edited(exported, lambda wb: crafted.set_text(wb[layout.META_SHEET], ref, value))
    assert only(refused(drafting, path, bob)).message == UNSIGNED


@pytest.mark.parametrize(("field", "value"), [(3, "99"), (2, "2"), (4, "00000000:00000000"), (5, "0" * 16),
                                            (6, "0" * 16), (7, "0" * 16)],
                         ids=["revision", "id", "locked-cells", "inputs", "locked-row", "as-read"])
def test_an_edited_item_entry_fails_the_signature(drafting, bob, exported, field, value):
    """Each item is one cell, sheet|row|id|revision|locked|input|locked row|as read: changing any
    field breaks the signature."""
    def change(wb):
        ws = wb[layout.META_SHEET]
        parts = ws[f"A{FIRST_ITEM}"].value.split(layout.ITEM_SEPARATOR)
        assert len(parts) == len(layout.ENTRY_FIELDS) == 8 and parts[field] != value
        parts[field] = value
        crafted.set_text(ws, f"A{FIRST_ITEM}", layout.ITEM_SEPARATOR.join(parts))

    assert only(refused(drafting, edited(exported, change), bob)).message == UNSIGNED


def as_six_fields(wb, fields: int = 6) -> None:
    """The metadata as a workbook exported before each item's entry carried the hash of its locked
    cells together (six fields an item) or of the row as read (seven), with a hash of each locked
    cell as such workbooks have, signed by this installation."""
    ws = wb[layout.META_SHEET]
    header = {key: ws[f"B{n}"].value for key, n in META_ROWS.items() if key != "signature"}
    items, row = [], FIRST_ITEM
    while ws[f"A{row}"].value:
        entry = ws[f"A{row}"].value.split(layout.ITEM_SEPARATOR)[:fields]
        sheet = next(s for s in layout.DATA_SHEETS[header["kind"]] if s.title == entry[0])
        inputs = set(sheet.inputs(header["audience"])) if header["editable"] == "True" else set()
        cells = [wb[sheet.title].cell(int(entry[1]), i + 1).value for i in range(len(sheet.columns)) if i not in inputs]
        entry[4] = ":".join(layout.cell_digest(layout.plain(value)) for value in cells)
        items.append(entry)
        crafted.set_text(ws, f"A{row}", layout.ITEM_SEPARATOR.join(entry))
        row += 1
    header["locked_hash"] = hashlib.sha256("\n".join(entry[4] for entry in items).encode()).hexdigest()
    crafted.set_text(ws, f"B{META_ROWS['locked_hash']}", header["locked_hash"])
    crafted.set_text(ws, f"B{META_ROWS['signature']}", workbook.sign({"header": header, "items": items}))


@pytest.mark.parametrize("fields", [6, 7])
def test_a_workbook_with_fewer_fields_an_item_is_read_as_before(drafting, bob, exported, fields, monkeypatch):
    """A workbook exported before the locked row's hash or the row's hash as read was added still
    imports, and a changed locked cell in it is still found and named. Its rows are not hashed as
    read, since its entries keep no such hash to compare with."""
    sheet = VALIDATION
    status = crafted.column_letter(sheet, "status")
    path = edited(exported, lambda wb: (as_six_fields(wb, fields),
                                        crafted.set_text(wb[sheet.title], f"{status}2", "Partially compliant")))
    hashed = []
    monkeypatch.setattr(layout, "quick_digests", lambda rows: hashed.append(rows) or [])
    plan = importing.plan(drafting, path, by=bob)
    assert [change.ref for change in plan.changes] == ["T1"]
    assert hashed == []

    def locked_changed(wb):
        as_six_fields(wb, fields)
        crafted.set_text(wb[sheet.title], f"{crafted.column_letter(sheet, 'ref')}3", "T9")

    problem = only(refused(drafting, edited(exported, locked_changed), bob))
    assert (problem.sheet, problem.row, problem.column, problem.message) == (
        sheet.title, 3, column(sheet, "ref"), LOCKED)


def with_separated_checks(wb) -> None:
    """The metadata as a workbook exported before the locked cells' checks were run together: with
    ":" between them, and a hash of each row as read that this reading does not make (so that every
    row is read a cell at a time), signed by this installation."""
    ws = wb[layout.META_SHEET]
    header = {key: ws[f"B{n}"].value for key, n in META_ROWS.items() if key != "signature"}
    texts, row = [], FIRST_ITEM
    while ws[f"A{row}"].value:
        entry = ws[f"A{row}"].value.split(layout.ITEM_SEPARATOR)
        assert len(entry) == len(layout.ENTRY_FIELDS) and ":" not in entry[4]
        entry[4], entry[7] = ":".join(layout.locked_checks(entry[4])), "f" * 16
        texts.append(layout.ITEM_SEPARATOR.join(entry))
        crafted.set_text(ws, f"A{row}", texts[-1])
        row += 1
    header["locked_hash"] = hashlib.sha256("\n".join(t.split(layout.ITEM_SEPARATOR)[4] for t in texts).encode()
                                           ).hexdigest()
    crafted.set_text(ws, f"B{META_ROWS['locked_hash']}", header["locked_hash"])
    crafted.set_text(ws, f"B{META_ROWS['signature']}", workbook.sign_entries(header, texts))


def test_a_workbook_with_colons_between_the_locked_cells_checks_is_read_as_before(drafting, bob, exported):
    """Workbooks exported before each locked cell's check was run together keep ":" between them:
    their edits import, and a changed locked cell is still found and named."""
    sheet = VALIDATION
    status = crafted.column_letter(sheet, "status")
    path = edited(exported, lambda wb: (with_separated_checks(wb),
                                        crafted.set_text(wb[sheet.title], f"{status}2", "Partially compliant")))
    assert [change.ref for change in importing.plan(drafting, path, by=bob).changes] == ["T1"]

    def locked_changed(wb):
        with_separated_checks(wb)
        crafted.set_text(wb[sheet.title], f"{crafted.column_letter(sheet, 'title')}3", "Another title")

    problem = only(refused(drafting, edited(exported, locked_changed), bob))
    assert (problem.sheet, problem.row, problem.column, problem.message) == (
        sheet.title, 3, column(sheet, "title"), LOCKED)


def test_a_row_whose_locked_cells_hash_differs_is_refused_though_no_cell_says_which(drafting, bob, exported):
    """Each locked cell's own hash is short; the row's hash of them all is longer. A change that
    only the longer one sees (as a crafted collision of a short hash would be) still refuses the row."""
    def change(wb):
        ws = wb[layout.META_SHEET]
        header = {key: ws[f"B{n}"].value for key, n in META_ROWS.items() if key != "signature"}
        items, row = [], FIRST_ITEM
        while ws[f"A{row}"].value:
            items.append(ws[f"A{row}"].value.split(layout.ITEM_SEPARATOR))
            row += 1
        items[1][6] = items[1][7] = "0" * 16  # the second row's locked cells, as if they had changed
        crafted.set_text(ws, f"A{FIRST_ITEM + 1}", layout.ITEM_SEPARATOR.join(items[1]))
        crafted.set_text(ws, f"B{META_ROWS['signature']}", workbook.sign({"header": header, "items": items}))

    problem = only(refused(drafting, edited(exported, change), bob))
    assert (problem.sheet, problem.row, problem.column, problem.message) == (VALIDATION.title, 3, "", LOCKED)


def test_a_damaged_item_entry_is_refused(drafting, bob, exported):
    path = edited(exported, lambda wb: crafted.set_text(wb[layout.META_SHEET], f"A{FIRST_ITEM}", "Validation|2"))
    assert only(refused(drafting, path, bob)).message == f"sheet '_meta', row {FIRST_ITEM}: the item entry is damaged"


def test_a_meta_sheet_with_an_item_removed_fails_its_signature(drafting, bob, exported):
    path = edited(exported, lambda wb: wb[layout.META_SHEET].delete_rows(FIRST_ITEM + 3))
    assert only(refused(drafting, path, bob)).message == UNSIGNED


def test_a_meta_sheet_with_an_entry_renamed_is_refused(drafting, bob, exported):
    path = edited(exported, lambda wb: crafted.set_text(wb[layout.META_SHEET], f"A{META_ROWS['audience']}", "who"))
    assert only(refused(drafting, path, bob)).message == "sheet '_meta': the entry 'audience' is missing or changed"


def test_a_deleted_meta_sheet_is_refused(drafting, bob, exported):
    path = edited(exported, lambda wb: wb.remove(wb[layout.META_SHEET]))
    assert only(refused(drafting, path, bob)).message.startswith(
        "the hidden sheet '_meta' that identifies the workbook is missing, so secassure cannot tell which "
        "assessment and rows it holds")


# --- the sheets ---------------------------------------------------------------------------------------------


def test_a_removed_sheet_is_refused(drafting, bob, exported):
    path = edited(exported, lambda wb: wb.remove(wb["Changes"]))
    problem = only(refused(drafting, path, bob))
    assert (problem.sheet, problem.message) == ("Changes", "the sheet 'Changes' is missing; sheets must not be "
                                                           "removed or renamed")


def test_a_renamed_sheet_is_refused(drafting, bob, exported):
    def rename(wb):
        wb["Validation"].title = "Validation (mine)"

    problems = refused(drafting, edited(exported, rename), bob)
    assert [(p.sheet, p.message) for p in problems] == [
        ("Validation", "the sheet 'Validation' is missing; sheets must not be removed or renamed"),
        ("Validation (mine)", "unexpected sheet 'Validation (mine)'; sheets must not be added or renamed")]


def test_an_added_sheet_is_refused(drafting, bob, exported):
    path = edited(exported, lambda wb: wb.create_sheet("My notes", 2))
    problem = only(refused(drafting, path, bob))
    assert (problem.sheet, problem.message) == ("My notes", "unexpected sheet 'My notes'; sheets must not be "
                                                            "added or renamed")


def test_reordered_sheets_are_refused(drafting, bob, exported):
    path = edited(exported, lambda wb: wb.move_sheet("Questionnaire", offset=-1))
    assert openpyxl.load_workbook(path, read_only=True).sheetnames[2:4] == ["Questionnaire", "Validation"]
    assert only(refused(drafting, path, bob)).message == (
        "the sheets were moved: expected them in the order Instructions, Cover, Validation, Questionnaire, "
        "Evidence index, Changes, Risks, CIO review, Remediation, Lists, _meta")


def test_a_removed_column_is_refused(drafting, bob, exported):
    problems = refused(drafting, edited(exported, lambda wb: wb["Validation"].delete_cols(7)), bob)
    assert where(problems[0]) == ("Validation", 1, "column G")
    assert problems[0].message == ("expected the heading 'How it is met', found 'Why it does not apply'; columns "
                                   "must not be moved, added or removed")


# --- locked cells ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("sheet", "key", "row", "value"), [
    (VALIDATION, "ref", 2, "T9"),
    (VALIDATION, "title", 2, "Something easier"),
    (VALIDATION, "summary", 3, None),
    (VALIDATION, "group", 3, "G9"),
    (VALIDATION, "evidence", 2, "D-1 v9 A forged policy"),
    (VALIDATION, "owner", 2, "bob@a.test"),
    (VALIDATION, "checked_by", 3, "alice@a.test"),
    (QUESTIONS, "text", 3, "An easier question?"),
    (QUESTIONS, "evidence", 2, "D-1 v1 Information Security Policy"),
    (QUESTIONS, "owner", 3, "alice@a.test"),
], ids=lambda v: v.title if isinstance(v, layout.DataSheet) else str(v))
def test_a_changed_locked_cell_is_refused(drafting, bob, exported, sheet, key, row, value):
    ref = f"{crafted.column_letter(sheet, key)}{row}"
    path = edited(exported, lambda wb: crafted.set_text(wb[sheet.title], ref, value) if value else
                  setattr(wb[sheet.title][ref], "value", None))
    problem = only(refused(drafting, path, bob))
    assert (problem.message, where(problem)) == (LOCKED, (sheet.title, row, column(sheet, key)))


def test_a_changed_id_is_refused(drafting, bob, exported, ids):
    path = edited(exported, lambda wb: setattr(wb["Validation"]["A3"], "value", 999))
    problem = only(refused(drafting, path, bob))
    assert where(problem) == ("Validation", 3, "column A (ID)")
    assert problem.message == f"expected the ID {ids['T2']}, found 999; rows must stay in the order they were exported"


def test_a_formula_in_a_locked_cell_is_refused(drafting, bob, exported):
    path = edited(exported, lambda wb: setattr(wb["Validation"]["C2"], "value", '="T1"'))
    problem = only(refused(drafting, path, bob))
    assert (problem.message, where(problem)) == (LOCKED, ("Validation", 2, "column C (Ref)"))


# --- rows --------------------------------------------------------------------------------------------------

UNEXPECTED_ROW = "unexpected row: the sheet holds exactly 2 validation rows, and rows cannot be added in the workbook"


def test_a_hundred_thousand_added_rows_are_refused_at_the_first(drafting, bob, exported):
    def add(wb):
        ws = wb["Validation"]
        for n in range(100_000):
            ws.append([10_000 + n, f"An added obligation {n}"])

    path = edited(exported, add)
    problem = only(refused(drafting, path, bob))
    assert (problem.message, where(problem)) == (UNEXPECTED_ROW, ("Validation", 4, ""))


def test_added_rows_beyond_the_size_the_sheet_declares_are_refused(drafting, bob, exported):
    part = crafted.sheet_part(exported, "Validation")
    xml = crafted.members(exported)[part]
    if b"<dimension" not in xml:  # declare the size as exported: 2 rows under the headings, columns A to O
        xml = xml.replace(b"<sheetViews>", b'<dimension ref="A1:O3" /><sheetViews>', 1)
    assert b'<dimension ref="A1:O3"' in xml  # written "/>" or " />", by the writer's choice
    path = crafted.rewrite(exported, exported.with_name("rows.xlsx"), {part: crafted.append_rows(xml, 4, 100_000)})
    problem = only(refused(drafting, path, bob))
    assert (problem.message, where(problem)) == (UNEXPECTED_ROW, ("Validation", 4, ""))


def test_a_row_added_further_down_is_refused_where_it_is(drafting, bob, exported):
    path = edited(exported, lambda wb: crafted.set_text(wb["Questionnaire"], "D40", "Yes"))
    problem = only(refused(drafting, path, bob))
    assert where(problem) == ("Questionnaire", 40, "")
    assert problem.message == ("unexpected row: the sheet holds exactly 2 questionnaire answers, and rows cannot be "
                               "added in the workbook")


def test_a_value_beyond_the_last_column_is_refused(drafting, bob, exported):
    path = edited(exported, lambda wb: crafted.set_text(wb["Validation"], "P2", "my own note"))
    problem = only(refused(drafting, path, bob))
    assert (problem.message, where(problem)) == ("unexpected value beyond the last column", ("Validation", 2,
                                                                                             "column P"))


def test_a_removed_row_is_refused(drafting, bob, exported, ids):
    problems = refused(drafting, edited(exported, lambda wb: wb["Validation"].delete_rows(2)), bob)
    assert [(where(p), p.message) for p in problems] == [
        (("Validation", 2, "column A (ID)"),
         f"expected the ID {ids['T1']}, found {ids['T2']}; rows must stay in the order they were exported"),
        (("Validation", 3, ""),
         f"expected the row of item {ids['T2']}, found the end of the sheet; rows must not be removed"),
    ]


def test_an_inserted_row_is_refused(drafting, bob, exported, ids):
    problems = refused(drafting, edited(exported, lambda wb: wb["Validation"].insert_rows(3)), bob)
    assert [(where(p), p.message) for p in problems] == [
        (("Validation", 3, "column A (ID)"),
         f"expected the ID {ids['T2']}, found None; rows must stay in the order they were exported"),
        (("Validation", 4, ""), UNEXPECTED_ROW),
    ]


def test_reordered_rows_are_refused(drafting, bob, exported, ids):
    def swap(wb):
        ws = wb["Questionnaire"]
        for a, b in zip(ws[2], ws[3], strict=True):
            a.value, b.value = b.value, a.value

    problems = refused(drafting, edited(exported, swap), bob)
    assert [(where(p), p.message) for p in problems] == [
        (("Questionnaire", 2, "column A (ID)"),
         f"expected the ID {ids['Q1']}, found {ids['Q2']}; rows must stay in the order they were exported"),
        (("Questionnaire", 3, "column A (ID)"),
         f"expected the ID {ids['Q2']}, found {ids['Q1']}; rows must stay in the order they were exported"),
    ]


# --- input cells ---------------------------------------------------------------------------------------------


def test_values_outside_the_drop_downs_are_refused(drafting, bob, exported):
    def change(wb):
        crafted.set_text(wb["Validation"], "F2", "Maybe")
        crafted.set_text(wb["Validation"], "J3", "Perhaps")
        crafted.set_text(wb["Questionnaire"], "D2", "Sometimes")
        wb["Questionnaire"]["F3"].value = 1

    problems = refused(drafting, edited(exported, change), bob)
    assert [(where(p), p.message) for p in problems] == [
        (("Validation", 2, "column F (Status)"),
         "expected one of: Not assessed, Compliant, Partially compliant, Non-compliant, Not applicable; found 'Maybe'"),
        (("Validation", 3, "column J (Changed since baseline)"), "expected one of: Yes, No; found 'Perhaps'"),
        (("Questionnaire", 2, "column D (Answer)"),
         "expected one of: Yes, No, Partially, Not applicable; found 'Sometimes'"),
        (("Questionnaire", 3, "column F (Material increase in risk)"), "expected one of: Yes, No; found '1'"),
    ]


@pytest.mark.parametrize("value", ["31/01/2026", "2026-01-31", "last Tuesday", "45000", True])
def test_a_date_that_is_not_a_date_is_refused(drafting, bob, exported, value):
    path = edited(exported, lambda wb: crafted.set_text(wb["Validation"], "I2", value) if isinstance(value, str)
                  else setattr(wb["Validation"]["I2"], "value", value))
    problem = only(refused(drafting, path, bob))
    assert where(problem) == ("Validation", 2, "column I (Last tested)")
    assert problem.message == f"expected a date (entered as a date, e.g. 31/01/2026), found {value!r}"


def test_a_date_in_the_future_is_refused(drafting, bob, exported):
    path = edited(exported, lambda wb: setattr(wb["Validation"]["I3"], "value",
                                               timezone.localdate() + dt.timedelta(days=30)))
    problem = only(refused(drafting, path, bob))
    assert (where(problem), problem.message) == (("Validation", 3, ""), "the last tested date is in the future")


@pytest.mark.parametrize(("sheet", "ref", "formula"), [
    ("Validation", "G2", "=1+1"),
    ("Validation", "F3", '=IF(TRUE,"Compliant","")'),
    ("Validation", "I2", "=TODAY()"),
    ("Validation", "K3", '=HYPERLINK("http://x","y")'),
    ("Questionnaire", "D2", '="Yes"'),
    ("Questionnaire", "G3", "=A1"),
])
def test_a_formula_in_an_input_cell_is_refused(drafting, bob, exported, sheet, ref, formula):
    path = edited(exported, lambda wb: setattr(wb[sheet][ref], "value", formula))
    assert openpyxl.load_workbook(path)[sheet][ref].data_type == "f"
    problem = only(refused(drafting, path, bob))
    data_sheet = VALIDATION if sheet == "Validation" else QUESTIONS
    index = openpyxl.utils.column_index_from_string(ref[0]) - 1
    assert where(problem) == (sheet, int(ref[1:]), data_sheet.where(index))
    assert problem.message == f"holds a formula ({formula[:40]}); type the value itself"


def test_entries_secassure_refuses_are_refused_each_where_it_is(drafting, bob, exported):
    def change(wb):
        crafted.set_text(wb["Validation"], "F3", "Not applicable")  # without saying why
        crafted.set_text(wb["Validation"], "J2", "Yes")  # changed, without saying what
        crafted.set_text(wb["Questionnaire"], "F2", "Yes")  # a material increase, without the rationale
        crafted.set_text(wb["Questionnaire"], "E3", "x" * (actions.TEXT_LIMIT + 1))

    problems = refused(drafting, edited(exported, change), bob)
    assert [(where(p), p.message) for p in problems] == [
        (("Validation", 2, ""), "say what changed since the baseline"),
        (("Validation", 3, ""), "T2: say why the obligation does not apply to you"),
        (("Questionnaire", 2, ""), "Q1: a material increase in risk needs its rationale"),
        (("Questionnaire", 3, ""), "the narrative is 20,001 characters long; the most it can be is 20,000"),
    ]


# --- the row as read -----------------------------------------------------------------------------------


@pytest.fixture
def careful(monkeypatch) -> list[tuple[int, int]]:
    """The rows the quick reading read a cell at a time: (sheet's row count, row number) each."""
    taken: list[tuple[int, int]] = []
    cells = reading.QuickSheet.cells

    def counting(sheet, number):
        taken.append((len(sheet.rows), number))
        return cells(sheet, number)

    monkeypatch.setattr(reading.QuickSheet, "cells", counting)
    return taken


def test_an_unedited_row_is_taken_whole_by_its_hash_as_read(drafting, bob, exported, careful):
    """Every row of an export read back unchanged matches its hash as read: none is read a cell at
    a time (only the heading rows are), and what is read is what the careful reading finds."""
    read = reading.read(exported)
    assert [number for _, number in careful] == [1, 1]  # the Validation and Questionnaire headings
    assert len(read.items) == drafting.rows.count() + drafting.answers.count() and not any(
        item.edited or item.values for item in read.items)
    older = edited(exported, lambda wb: as_six_fields(wb, 7))
    careful.clear()
    again = reading.read(older)
    assert len(careful) == len(read.items) + 2  # without the hash as read, every row a cell at a time
    assert [(i.key, i.excel_row, i.revision, i.edited, i.values) for i in again.items] == [
        (i.key, i.excel_row, i.revision, i.edited, i.values) for i in read.items]


def test_a_row_whose_cells_changed_is_read_a_cell_at_a_time(drafting, bob, exported, careful):
    """Only the edited row loses its hash as read; it is read and checked as before, input and
    locked cells alike."""
    sheet = VALIDATION
    path = edited(exported, lambda wb: crafted.set_text(wb[sheet.title], f"{crafted.column_letter(sheet, 'status')}3",
                                                        "Partially compliant"))
    read = reading.read(path)
    # The Questionnaire's heading, read while the Validation sheet is parsed, and the Validation
    # sheet's heading and edited row.
    assert [number for _, number in careful] == [1, 1, 3]
    assert [(item.excel_row, item.values["status"]) for item in read.items if item.edited] == [(3, "partial")]

    careful.clear()
    ref = crafted.column_letter(sheet, "ref")
    problem = only(refused(drafting, edited(exported, lambda wb: crafted.set_text(wb[sheet.title], f"{ref}2", "T9")),
                           bob))
    assert (problem.message, where(problem)) == (LOCKED, (sheet.title, 2, column(sheet, "ref")))



def test_the_metadata_is_signed_over_its_entries_as_the_cells_hold_them(exported):
    """The signature covers the header and each entry's text as its cell holds it (so the import
    checks it without rebuilding thousands of entries as JSON); the two forms' salts differ."""
    ws = openpyxl.load_workbook(exported)[layout.META_SHEET]
    header = {key: ws[f"B{n}"].value for key, n in META_ROWS.items() if key != "signature"}
    entries, row = [], FIRST_ITEM
    while ws[f"A{row}"].value:
        entries.append(ws[f"A{row}"].value)
        row += 1
    signature = ws[f"B{META_ROWS['signature']}"].value
    assert signature == workbook.sign_entries(header, entries)
    assert signature != workbook.sign({"header": header, "items": [e.split(layout.ITEM_SEPARATOR) for e in entries]})


def _moved_heading(wb, sheet: layout.DataSheet) -> None:
    crafted.set_text(wb[sheet.title], f"{crafted.column_letter(sheet, 'ref')}1", "Reference")


def _changed_locked(wb, sheet: layout.DataSheet) -> None:
    key = "title" if sheet is VALIDATION else "text"
    crafted.set_text(wb[sheet.title], f"{crafted.column_letter(sheet, key)}2", "Something easier")


@pytest.mark.parametrize(("validation", "questions", "told"), [
    (_changed_locked, _changed_locked, [VALIDATION, QUESTIONS]),
    (_moved_heading, _changed_locked, [VALIDATION]),  # a sheet refused outright ends the list
    (_changed_locked, _moved_heading, [VALIDATION, QUESTIONS]),
], ids=["both-locked", "validation-heading", "questions-heading"])
def test_problems_are_told_in_the_sheets_order_though_the_sheet_parsed_ahead_is_read_last(
        drafting, bob, exported, monkeypatch, validation, questions, told):
    """The Validation sheet, parsed in a thread of its own, is read after the Questions sheet; the
    problems are told as openpyxl's reading, sheet after sheet, tells them."""
    assert _sheets_to_read_by_size(exported)[0] == VALIDATION.title  # the sheet parsed ahead
    order, real = [], reading.read_sheet
    monkeypatch.setattr(reading, "read_sheet", lambda wb, sheet, *a: order.append(sheet.title) or real(wb, sheet, *a))
    path = edited(exported, lambda wb: (validation(wb, VALIDATION), questions(wb, QUESTIONS)))
    quick = [str(problem) for problem in refused(drafting, path, bob)]
    assert order == [QUESTIONS.title, VALIDATION.title]
    assert [problem.split("'")[1] for problem in quick] == [sheet.title for sheet in told]
    monkeypatch.setattr(reading, "quick_workbook", lambda path, facts=None: None)  # openpyxl, in turn
    order.clear()
    assert [str(problem) for problem in refused(drafting, path, bob)] == quick
    assert order == [VALIDATION.title] + ([QUESTIONS.title] if told != [VALIDATION] else [])


def test_the_problems_stop_at_the_limit_counted_in_the_sheets_order(drafting, bob, exported, monkeypatch):
    """Each sheet's problems are kept apart while the sheets are read out of turn: the list still
    stops at MAX_PROBLEMS, counted from the first sheet's, as openpyxl's reading in turn stops it."""
    monkeypatch.setattr(reading, "MAX_PROBLEMS", 2)
    path = edited(exported, lambda wb: [crafted.set_text(wb[sheet.title], f"{crafted.column_letter(sheet, key)}{row}",
                                                        "changed")
                                        for sheet, key in ((VALIDATION, "title"), (QUESTIONS, "text"))
                                        for row in (2, 3)])
    quick = [str(problem) for problem in refused(drafting, path, bob)]
    assert len(quick) == 3 and quick[-1] == "stopped after 2 problems"
    assert all(problem.startswith(f"sheet '{VALIDATION.title}'") for problem in quick[:2])
    monkeypatch.setattr(reading, "quick_workbook", lambda path, facts=None: None)
    assert [str(problem) for problem in refused(drafting, path, bob)] == quick


def test_the_largest_sheet_s_parse_starts_before_the_other_worksheets_are_learnt(exported, monkeypatch):
    """The parts calamine reads as it opens a workbook are learnt first, then the largest sheet to
    be read, whose parse then starts; the other worksheets are learnt (and scanned) while it runs."""
    events = []

    class Watched(reading.PartFacts):
        def learn(self, name, xml, crc=None):
            events.append(name)
            super().learn(name, xml, crc)

        def start_ahead(self, title, name):
            super().start_ahead(title, name)
            events.append(("started", title, self.ahead is not None))

    monkeypatch.setattr(reading, "PartFacts", Watched)
    with zipfile.ZipFile(exported) as archive:
        parts = reading._sheet_parts(archive.read("xl/workbook.xml"), archive.read("xl/_rels/workbook.xml.rels"))
        worksheets = [name for name in archive.namelist() if reading.WORKSHEET_PART.fullmatch(name)]
    largest = _sheets_to_read_by_size(exported)[0]
    running = _ahead_threads()
    reading.read(exported)
    started = events.index(("started", largest, True))
    assert events[started - 1] == parts[largest]
    assert set(events[started + 1:]) == set(worksheets) - {parts[largest]}
    assert not set(events[:started - 1]) & set(worksheets)
    assert not _ahead_threads() - running


def test_a_sheet_learnt_after_the_parse_began_can_still_leave_the_workbook_to_openpyxl(drafting, bob, exported,
                                                                                      monkeypatch):
    """A formula in a smaller sheet, scanned while the largest is parsed, keeps the workbook from
    calamine as ever: the parse is waited for, and openpyxl reads and names the formula."""
    ref = f"{crafted.column_letter(QUESTIONS, 'text')}2"
    path = edited(exported, lambda wb: setattr(wb[QUESTIONS.title][ref], "value", '="An easier question?"'))
    assert _sheets_to_read_by_size(path)[0] == VALIDATION.title
    started, real = [], reading.PartFacts.start_ahead

    def starting(facts, title, name):
        real(facts, title, name)
        started.append((title, facts.ahead is not None))

    monkeypatch.setattr(reading.PartFacts, "start_ahead", starting)
    running, descriptors = _ahead_threads(), _open_descriptors()
    assert reading.quick_workbook(path) is None
    assert started == [(VALIDATION.title, True)]  # the parse did start
    problem = only(refused(drafting, path, bob))
    assert where(problem) == (QUESTIONS.title, 2, column(QUESTIONS, "text"))
    assert not _ahead_threads() - running and _open_descriptors() == descriptors


@pytest.mark.parametrize("sheet", [VALIDATION, QUESTIONS], ids=lambda sheet: sheet.title)
def test_a_data_sheet_replaced_by_a_chart_sheet_is_refused(drafting, bob, exported, sheet):
    """calamine leaves such a workbook to openpyxl, which reads a chart sheet as no worksheet: it is
    refused, after the problems of the sheets before it, never taken as a sheet without rows."""
    from openpyxl.chart import BarChart, Reference

    def to_chart(wb):
        _changed_locked(wb, VALIDATION)
        place = wb.sheetnames.index(sheet.title)
        del wb[sheet.title]
        chart = BarChart()
        chart.add_data(Reference(wb[layout.META_SHEET], min_col=2, min_row=1, max_row=3))
        wb.create_chartsheet(sheet.title, place).add_chart(chart)

    path = edited(exported, to_chart)
    problems = [str(problem) for problem in refused(drafting, path, bob)]
    outright = f"the sheet '{sheet.title}' is not a worksheet (a chart sheet?); sheets must not be replaced"
    assert problems[-1] == outright
    assert len(problems) == (1 if sheet is VALIDATION else 2)


def test_a_sheet_read_after_those_before_it_stops_where_the_list_does(drafting, bob, exported, monkeypatch):
    """Read in turn (by openpyxl here), the second sheet is read no further than the problem that
    fills the list: its own problems are counted from those the first sheet left room for."""
    monkeypatch.setattr(reading, "MAX_PROBLEMS", 3)
    monkeypatch.setattr(reading, "quick_workbook", lambda path, facts=None: None)
    path = edited(exported, lambda wb: [crafted.set_text(wb[sheet.title], f"{crafted.column_letter(sheet, key)}{row}",
                                                        "changed")
                                        for sheet, key in ((VALIDATION, "title"), (QUESTIONS, "text"))
                                        for row in (2, 3)])
    told, add = [], reading.Problems.add
    monkeypatch.setattr(reading.Problems, "add", lambda problems, message, sheet="", *a: told.append(sheet) or
                        add(problems, message, sheet, *a))
    problems = [str(problem) for problem in refused(drafting, path, bob)]
    assert [problem.split("'")[1] for problem in problems[:-1]] == [VALIDATION.title] * 2 + [QUESTIONS.title]
    assert told.count(QUESTIONS.title) == 2  # its second problem never found: once found, once told
