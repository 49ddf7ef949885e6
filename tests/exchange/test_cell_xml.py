"""The workbook's rows are written as XML of its own making, straight into XlsxWriter's row stream:
the bytes must be exactly those XlsxWriter's own cell calls write for the same cells, for every kind
of cell the export writes (and the sheet's extent, which XlsxWriter records as cells are written)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest

from secassure.exchange import layout, workbook

TEXTS = [
    "plain", " leading space", "trailing space ", "\u00a0no-break space first", "a & b < c > d \"q\" 'a'",
    "_x0041_ looks escaped", "_X00e9_ and _x12G4_", "line\r\nbreak", "lone\rreturn\r", "tab\there", "", "\ttab first",
    "=SUM(A1:A3)", "+44 20", "-1", "@mention", "control\x01\x0bcharacters\x1f", "\ufffeno\uffffcharacter",
    "astral \U0001d518 text", "ends with a line break\n", "x" * 20_000, "\u00e9" * 40_000,
]
NUMBERS = [0, 7, -3, 2 ** 40, 1.5, 1e-7, 123456789.123456789, Decimal("1.10")]
OTHERS = [True, False, dt.date(2026, 1, 31), dt.datetime(2026, 1, 31, 12, 30)]


def rows_of(styles: workbook.Styles) -> list[list]:
    """Rows of (value, style) pairs (None: no cell) covering every kind of cell and gaps."""
    plain, shaded, date = styles.locked, styles.input, styles.locked_date
    rows = [[(text, plain if i % 2 else shaded) for i, text in enumerate(TEXTS[n:n + 6])]
            for n in range(0, len(TEXTS), 6)]
    rows.append([(number, plain) for number in NUMBERS])
    rows.append([(OTHERS[0], plain), (OTHERS[1], shaded), (OTHERS[2], date), (OTHERS[3], date)])
    rows.append([None, None, (None, shaded), None, ("after a gap", styles.header)])  # starts beyond column A
    rows.append([None, None])  # nothing at all: no row
    rows.append([("", plain)] * 3 + [None] * 20 + [("far right", styles.label)])
    rows.append([("title", styles.title)])
    return rows


def through_xlsxwriter(out) -> None:
    """The same rows through XlsxWriter's own cell calls, as the export wrote them before."""
    wb = workbook.Workbook(out)
    ws = wb.xlsx.add_worksheet("Sheet")
    for r, row in enumerate(rows_of(wb.styles)):
        for c, pair in enumerate(row):
            if pair is None:
                continue
            value, style = pair
            if isinstance(value, str):
                value = layout.cell_text(value)
                ws.write_string(r, c, value, wb.styles.quoted(style) if value.startswith(layout.FORMULA_START)
                                else style)
            elif value is None:
                ws.write_blank(r, c, None, style)
            elif isinstance(value, bool):
                ws.write_boolean(r, c, value, style)
            elif isinstance(value, dt.date):
                ws.write_datetime(r, c, value, style)
            else:
                ws.write_number(r, c, value, style)
    wb.close()


def through_rows(out) -> None:
    wb = workbook.Workbook(out)
    sheet = wb.sheet("Sheet")
    for row in rows_of(wb.styles):
        sheet.append(row)
    wb.close()


def parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()
                if name.startswith("xl/") and name.endswith(".xml")}


def test_rows_are_the_bytes_xlsxwriter_writes_for_the_same_cells(tmp_path):
    through_xlsxwriter(tmp_path / "reference.xlsx")
    through_rows(tmp_path / "direct.xlsx")
    reference, direct = parts(tmp_path / "reference.xlsx"), parts(tmp_path / "direct.xlsx")
    assert set(reference) == set(direct)
    sheet = "xl/worksheets/sheet1.xml"
    assert b'<dimension ref="A1:X' in reference[sheet]  # the far right cell counts in the extent
    assert b'xml:space="preserve"' in reference[sheet] and b"_x005F_x0041_" in reference[sheet]
    assert b"_x000D_" in reference[sheet] and b"&amp;" in reference[sheet]
    for name in reference:
        assert direct[name] == reference[name], name


def test_the_rows_read_back_as_written(tmp_path):
    from openpyxl import load_workbook
    from python_calamine import CalamineWorkbook

    through_rows(tmp_path / "direct.xlsx")
    values = CalamineWorkbook.from_path(str(tmp_path / "direct.xlsx")).get_sheet_by_name("Sheet").to_python()
    assert values[0][:6] == [layout.cell_text(t) for t in TEXTS[:6]]
    assert values[1][:3] == ["_X00e9_ and _x12G4_", "line\r\nbreak", "lone\rreturn\r"]
    assert values[2][0] == "=SUM(A1:A3)" and values[5][2] == dt.date(2026, 1, 31)
    assert values[4][:6] == [0, 7, -3, 2 ** 40, 1.5, 1e-7] and values[5][:2] == [True, False]
    ws = load_workbook(tmp_path / "direct.xlsx")["Sheet"]
    assert ws.cell(3, 1).data_type == "s" and ws.cell(3, 1).quotePrefix and not ws.cell(1, 1).quotePrefix
    assert ws.cell(1, 2).protection.locked and not ws.cell(1, 1).protection.locked
    assert ws.cell(6, 3).number_format == "yyyy-mm-dd"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), object(), b"bytes"])
def test_a_value_no_cell_can_hold_is_refused(tmp_path, value):
    with pytest.raises(TypeError), workbook.Workbook(tmp_path / "refused.xlsx") as wb:
        wb.sheet("Sheet").append([(value, wb.styles.locked)])
    assert not wb.folder.exists()


class FailingOutput(io.RawIOBase):
    """An output that takes the first ``room`` bytes and then fails, as a full disk does."""

    def __init__(self, room: int):
        self.room = room

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        if len(data) > self.room:
            raise OSError(28, "No space left on device")
        self.room -= len(data)
        return len(data)


def test_the_workbook_keeps_its_temporary_files_in_a_folder_of_its_own_and_removes_them(tmp_path, monkeypatch):
    import tempfile

    from secassure.evidence.blobs import scratch_dir

    system = tmp_path / "system-temp"
    system.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system))
    with workbook.Workbook(tmp_path / "kept.xlsx") as wb:
        for row in rows_of(wb.styles):
            wb.sheet(f"Sheet {len(wb.xlsx.worksheets()) + 1}").append(row)
        assert wb.folder.parent == scratch_dir()
        assert len(list(wb.folder.iterdir())) == len(wb.xlsx.worksheets())  # each sheet's rows
        wb.close()
        assert not wb.folder.exists()
    assert not any(system.iterdir())
    assert parts(tmp_path / "kept.xlsx")["xl/worksheets/sheet1.xml"].count(b"<row ") == 1


# XlsxWriter leaves its zip of a failed output open; when collected, it tries once more to write.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("room", [0, 3000, 9000])
def test_a_workbook_whose_output_fails_while_it_is_zipped_leaves_no_temporary_file(tmp_path, monkeypatch, room):
    """XlsxWriter writes every part of the package to a temporary file before zipping them, and
    removes each only once it is in the zip: an output that fails part-way leaves the rest, and the
    sheets' rows among them, unless the workbook's folder goes too."""
    import tempfile

    from xlsxwriter.exceptions import FileCreateError

    system = tmp_path / "system-temp"
    system.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system))
    with pytest.raises((OSError, FileCreateError), match="No space left"):  # noqa: PT012 (the folder is looked at on the way)
        wb = workbook.Workbook(FailingOutput(room))
        sheet = wb.sheet("Sheet")
        for row in rows_of(wb.styles) * 20:
            sheet.append(row)
        wb.close()
    assert not wb.folder.exists() and not any(system.iterdir())


def test_the_sheet_refuses_a_workbook_not_in_constant_memory_mode(tmp_path):
    import xlsxwriter

    with workbook.Workbook(tmp_path / "x.xlsx") as wb:
        wb.xlsx = xlsxwriter.Workbook(tmp_path / "y.xlsx")
        with pytest.raises(RuntimeError, match="constant-memory"):
            wb.sheet("Sheet")
        wb.close()


RICH_LOOKING = ('<r><t>a</t></r></is></c><c r="Z9"><f>HYPERLINK("http://x.test","y")</f><v>0</v></c>'
                '<c r="Z10" t="inlineStr"><is><r><t>b</t></r>')


def test_text_that_looks_like_rich_text_xml_is_written_as_text(tmp_path):
    """XlsxWriter writes a string that starts <r> and ends </r> as rich-text XML, unescaped: a
    narrative so written could carry a formula into the sheet. Here it is text like any other."""
    from python_calamine import CalamineWorkbook

    with workbook.Workbook(tmp_path / "rich.xlsx") as wb:
        wb.sheet("Sheet").append([(RICH_LOOKING, wb.styles.input), ("<r><t>x</t></r>", wb.styles.locked)])
        wb.close()
    xml = parts(tmp_path / "rich.xlsx")["xl/worksheets/sheet1.xml"]
    assert b"<f>" not in xml and b'<c r="Z9"' not in xml
    rows = CalamineWorkbook.from_path(str(tmp_path / "rich.xlsx")).get_sheet_by_name("Sheet").to_python()
    assert rows == [[RICH_LOOKING, "<r><t>x</t></r>"]]


def test_a_with_block_that_ends_normally_writes_the_workbook_out(tmp_path):
    with workbook.Workbook(tmp_path / "written.xlsx") as wb:
        wb.sheet("Sheet").append([("kept", wb.styles.locked)])
    assert not wb.folder.exists()
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(tmp_path / "written.xlsx"))
    assert book.get_sheet_by_name("Sheet").to_python() == [["kept"]]
