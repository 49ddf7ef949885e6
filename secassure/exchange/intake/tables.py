"""Reading one sheet of a client's own spreadsheet into rows of text, refusing anything unsafe.

A client's file comes in whatever shape its author chose, so nothing is assumed about its layout:
the header row is looked for among the first rows (under titles, logos and notes), and every cell
becomes the text a person would read in it. Nothing is ever evaluated: a formula gives the value its
spreadsheet program last saved, and a text that starts with "=" stays text.

The container is checked before any reader sees it, with the defences that guard our own workbook
(``secassure.exchange.reading``): a password, a zip bomb, a document type declaration. Then, since
the spreadsheet reader lays a sheet out as one dense block of cells from its first to its last used
cell, the extent of every sheet is measured first with a streaming XML parser: two cells at opposite
corners of a sheet would otherwise make it allocate billions of cells and end the process."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from secassure import containers
from secassure.containers import ZIP_ERRORS, read_declared
from secassure.errors import ActionError
from secassure.exchange.reading import (
    MAX_MEMBERS,
    MAX_RATIO,
    MAX_UNCOMPRESSED,
    OLE_MAGIC,
    WorkbookRefused,
    _declares,
    _forbidden_xml,
    inspect_container,
    reader_failed,
)

HEADER_SEARCH = 30          # the header row is looked for among this many rows
MAX_COLUMNS = 200           # a register or workbook has tens of columns; thousands mean a hostile file
MAX_CELLS = 5_000_000       # the dense block the reader would allocate, at most
MAX_CSV_BYTES = 50 * 1024 * 1024
EXTENSIONS = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".ods": "ods", ".csv": "csv"}
FORMAT_NAMES = {"xlsx": "an Excel workbook (.xlsx)", "xls": "an Excel 97-2003 workbook (.xls)",
                "ods": "an OpenDocument spreadsheet (.ods)", "csv": "a CSV file (.csv)"}
PROTECTED = ("the file is password-protected (encrypted), so it cannot be read. Open it, remove the password, "
            "save it and upload it again")
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


class IntakeRefused(ActionError):
    """The file cannot be taken in; problems says everything found wrong with it."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems) or ["the file could not be read"]
        more = f" (and {len(self.problems) - 1} more problems)" if len(self.problems) > 1 else ""
        super().__init__(f"the file cannot be taken in: {self.problems[0]}{more}")


def _refuse(message: str):
    raise IntakeRefused([message])


@dataclass
class Row:
    number: int                 # the row number the person sees in the spreadsheet (a CSV file: the line)
    cells: list[str]            # one text per header column


@dataclass
class Table:
    sheet: str
    header_row: int
    headers: list[str]
    rows: list[Row] = field(default_factory=list)

    def column(self, ref: str | int) -> int:
        """The index of the column a person named: by its header text (as written, ignoring case and
        spacing), by its letter ("C") or by its number from 1 ("3"). A header wins over a letter, so
        that a column headed "ID" is not taken for column ID."""
        if isinstance(ref, int) and not isinstance(ref, bool):
            if 1 <= ref <= len(self.headers):
                return ref - 1
            _refuse(f"there is no column {ref}: the table has {len(self.headers)} columns")
        text = str(ref).strip()
        wanted = _squash(text)
        if wanted:
            for index, header in enumerate(self.headers):
                if _squash(header) == wanted:
                    return index
        if text.isdigit():
            return self.column(int(text))
        if re.fullmatch(r"[A-Za-z]{1,3}", text):
            index = _letter_index(text)
            if index < len(self.headers):
                return index
        shown = ", ".join(f"{self.letter(i)} '{h}'" for i, h in enumerate(self.headers) if h)
        _refuse(f"no column is called '{text}' (give a header, a letter such as C or a number such as 3; "
                f"the columns are {shown})")

    def letter(self, index: int) -> str:
        return column_letter(index)


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index: 0 is A, 26 is AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _letter_index(letters: str) -> int:
    index = 0
    for char in letters.upper():
        index = index * 26 + ord(char) - 64
    return index - 1


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().casefold()


# --- cells ------------------------------------------------------------------------------------------


def cell_text(value) -> str:
    """What a person reads in a cell: dates as YYYY-MM-DD (the time of day, which a date cell rarely
    means, dropped), whole numbers without a decimal point, everything stripped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S" if value.second else "%H:%M")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


# --- what the bytes are ---------------------------------------------------------------------------------


def _format_of(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in EXTENSIONS:
        _refuse(f"'{Path(name).name}' is not a spreadsheet secassure can read: upload an .xlsx, .xls, .ods or "
                ".csv file")
    return EXTENSIONS[suffix]


def _sniff(path: Path) -> str:
    """What the bytes hold, whatever the file is called: a zip container (and which), a compound
    (OLE) file, or text."""
    with open(path, "rb") as handle:
        start = handle.read(8)
    if not start:
        _refuse("the file is empty")
    if start == OLE_MAGIC:
        return "ole"
    if start.startswith(b"PK\x03\x04") and zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
                if "xl/workbook.xml" in names:
                    return "xlsx"
                if "mimetype" in names and archive.getinfo("mimetype").file_size < 200:
                    mimetype = read_declared(archive, archive.getinfo("mimetype"))
                    return "ods" if mimetype.strip() == ODS_MIMETYPE else "zip"
        except ZIP_ERRORS:
            _refuse("the file is a damaged zip container")
        return "zip"
    return "csv"


def _check_ole(path: Path) -> None:
    """A compound file: refuse it when it is an encrypted Office file. The check is the one our own
    workbook import makes, which refuses every compound file: only its password refusal is kept."""
    try:
        inspect_container(path)
    except WorkbookRefused as exc:
        message = exc.problems[0].message
        if "password-protected" in message:
            _refuse(PROTECTED)


def _check_xlsx(path: Path) -> None:
    try:
        inspect_container(path)
    except WorkbookRefused as exc:
        message = exc.problems[0].message
        _refuse(PROTECTED if "password-protected" in message else message)


def _check_ods(path: Path) -> None:
    """The OpenDocument container, held to the limits of an .xlsx one; its encryption is declared in
    its manifest rather than by a compound file."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                _refuse(f"the file holds {len(members):,} parts; a spreadsheet has far fewer")
            names = {m.filename for m in members}
            if "content.xml" not in names:
                _refuse("this zip file is not an OpenDocument spreadsheet (it has no content.xml)")
            total = 0
            for member in members:
                if member.flag_bits & 0x1:
                    _refuse(PROTECTED)
                total += member.file_size
                if member.file_size > 1 << 20 and member.file_size > MAX_RATIO * max(member.compress_size, 1):
                    _refuse(f"part {member.filename} would expand {member.file_size // max(member.compress_size, 1):,}"
                            " times: the file looks like a zip bomb, so it was not opened")
                if total > MAX_UNCOMPRESSED:
                    _refuse(f"the file would expand to more than {MAX_UNCOMPRESSED >> 20} MiB; it is too large")
            try:
                with open(path, "rb") as handle:
                    containers.check_overlaps(archive, handle)
            except containers.ContainerRefused as exc:
                _refuse(str(exc))
            if "META-INF/manifest.xml" in names:
                with archive.open("META-INF/manifest.xml") as manifest:
                    if b"encryption-data" in manifest.read(4 << 20):
                        _refuse(PROTECTED)
            for member in members:
                if not member.is_dir() and _declares(archive, member):
                    _refuse(f"part {member.filename} declares an XML document type (DOCTYPE or ENTITY); "
                            "spreadsheets never need one and secassure refuses them")
    except ZIP_ERRORS as exc:
        _refuse(f"the zip container is damaged ({type(exc).__name__})")


# --- the extent of each sheet, measured before the reader lays it out ------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# A row and a column beyond any a spreadsheet holds, for a reference of more digits or letters than
# any real one has: the reader would lay such a cell out further out still, and the extents check
# refuses it.
BEYOND_ROW, BEYOND_COLUMN = 10**8, 10**5


def _cell_position(ref: str) -> tuple[int, int] | None:
    found = re.fullmatch(r"\$?([A-Za-z]+)\$?(\d+)", ref.strip())
    if not found:
        return None
    letters, digits = found.groups()
    return (BEYOND_ROW if len(digits) > 7 else int(digits),
            BEYOND_COLUMN if len(letters) > 3 else _letter_index(letters) + 1)


def _xlsx_extents(path: Path) -> list[tuple[int, int]]:
    """The last used row and column of every part in the container holding sheet data, wherever
    the part lies and whatever its root: the reader finds sheets through relationships (which it
    may read otherwise than this product would), and lays out the cells after a sheetData element
    of any part it takes for a sheet."""
    from defusedxml.ElementTree import iterparse

    extents = []
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            if member.is_dir() or not _holds(archive, member, b"sheetData"):
                continue
            with archive.open(member) as part:
                extent = _xlsx_part_extent(part, iterparse, member.filename)
            if extent is not None:
                extents.append(extent)
    return extents


def _holds(archive: zipfile.ZipFile, member: zipfile.ZipInfo, word: bytes) -> bool:
    """Whether the part's bytes hold word, read a chunk at a time."""
    carry = b""
    with archive.open(member) as part:
        while chunk := part.read(1 << 20):
            if word in carry + chunk:
                return True
            carry = chunk[-len(word):]
    return False


def _xlsx_part_extent(part, iterparse, name_of_part: str) -> tuple[int, int] | None:
    rows = cols = 0
    row = 0
    col = 0
    valued = False
    try:
        events = iterparse(part, events=("start", "end"), forbid_dtd=True, forbid_entities=True,
                           forbid_external=True)
        for event, element in events:
            name = _local(element.tag)
            if event == "start":
                if name == "row":
                    number = element.get("r")
                    row = int(number) if number and number.isdigit() else row + 1
                    col = 0
                elif name == "c":
                    position = _cell_position(element.get("r") or "")
                    if position is not None:
                        row, col = position[0], position[1]
                    else:
                        col += 1
                    valued = element.get("t") == "inlineStr"
                elif name in ("v", "is"):
                    valued = True
            elif name == "c":
                if valued:
                    rows, cols = max(rows, row), max(cols, col)
                element.clear()
            elif name == "row":
                element.clear()
    except Exception as exc:  # noqa: BLE001 - a forbidden construct or XML the reader might read otherwise
        if _forbidden_xml(exc) is not None:
            _refuse("the file's XML uses a forbidden construct; it was not read")
        _refuse(f"part {name_of_part} of the file holds sheet data that is not well-formed XML; the file is damaged")
    return (rows, cols) if rows or cols else None


ODS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
ODS_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"


def _ods_extents(path: Path) -> list[tuple[int, int]]:
    """The last used row and column of every table in content.xml, counting repeated rows and
    columns as the reader expands them."""
    from defusedxml.ElementTree import iterparse

    extents = []
    rows = cols = row = col = 0
    row_repeat = col_repeat = 1
    valued = False
    repeat_rows = f"{{{ODS_TABLE}}}number-rows-repeated"
    repeat_cols = f"{{{ODS_TABLE}}}number-columns-repeated"
    value_type = f"{{{ODS_OFFICE}}}value-type"
    try:
        with zipfile.ZipFile(path) as archive, archive.open("content.xml") as part:
            for event, element in iterparse(part, events=("start", "end"), forbid_dtd=True, forbid_entities=True,
                                            forbid_external=True):
                name = _local(element.tag)
                in_table = element.tag.startswith(f"{{{ODS_TABLE}}}")
                if event == "start":
                    if in_table and name == "table":
                        rows = cols = row = 0
                    elif in_table and name == "table-row":
                        row_repeat = _count(element.get(repeat_rows))
                        col = 0
                    elif in_table and name in ("table-cell", "covered-table-cell"):
                        col_repeat = _count(element.get(repeat_cols))
                        valued = element.get(value_type) is not None
                    elif name == "p":
                        valued = True
                    continue
                if in_table and name in ("table-cell", "covered-table-cell"):
                    col += col_repeat
                    if valued:
                        rows, cols = max(rows, row + row_repeat), max(cols, col)
                    valued = False
                    element.clear()
                elif in_table and name == "table-row":
                    row += row_repeat
                    element.clear()
                elif in_table and name == "table":
                    extents.append((rows, cols))
                    element.clear()
    except IntakeRefused:
        raise
    except Exception as exc:  # noqa: BLE001 - the parser's failure is the file's fault
        _refuse(f"the spreadsheet's content cannot be read ({type(exc).__name__})")
    return extents


def _count(text: str | None) -> int:
    return int(text) if text and text.isdigit() else 1


def _check_extents(extents: list[tuple[int, int]], max_rows: int) -> None:
    for rows, cols in extents:
        if cols > MAX_COLUMNS:
            _refuse(f"a sheet in the file has data in column {column_letter(cols - 1)} ({cols:,} columns); "
                    f"at most {MAX_COLUMNS} columns can be taken in. Delete the columns beyond your table")
        if rows > max_rows + HEADER_SEARCH:
            _refuse(f"a sheet in the file has data down to row {rows:,}; at most {max_rows:,} rows can be taken "
                    "in at once. Split the sheet, or delete the rows below your table")
        if rows * cols > MAX_CELLS:
            _refuse(f"a sheet in the file spans {rows:,} rows by {cols:,} columns, too large to take in")


# --- opening ------------------------------------------------------------------------------------------


def _open(path: Path, name: str, max_rows: int):
    """Check the file and open it with the spreadsheet reader; CSV files are not opened here."""
    fmt = _format_of(name)
    found = _sniff(path)
    if found == "ole":  # an encrypted Office file is a compound file whatever it is called
        _check_ole(path)
    if fmt != found and not (fmt == "xls" and found == "ole"):
        really = {"xlsx": "an Excel workbook (.xlsx)", "ods": "an OpenDocument spreadsheet (.ods)",
                  "ole": "an Excel 97-2003 workbook (.xls) or another compound file", "zip": "a zip archive",
                  "csv": "text"}[found]
        _refuse(f"the file is named '{Path(name).name}' but holds {really}, not {FORMAT_NAMES[fmt]}; save it again "
                "in the format its name says, or give it the extension of the format it is in")
    if fmt == "csv":
        return fmt, None
    if fmt == "xlsx":
        _check_xlsx(path)
        _check_extents(_xlsx_extents(path), max_rows)
    elif fmt == "ods":
        _check_ods(path)
        _check_extents(_ods_extents(path), max_rows)
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError:
        _refuse(PROTECTED)
    except BaseException as exc:  # any reader failure, a panic too, is the file's fault, reported as such
        if not reader_failed(exc):
            raise
        _refuse(_unreadable(exc, path, fmt))
    return fmt, book


def _unreadable(exc: BaseException, path: Path, fmt: str) -> str:
    """Why the reader failed, in words for the person, without naming where the server keeps the file."""
    detail = str(exc).replace(str(path), Path(path).name).split("\n")[0][:200]
    if "password" in detail.casefold() or "encrypt" in detail.casefold():
        return PROTECTED
    return f"the file cannot be read as {FORMAT_NAMES[fmt]} ({type(exc).__name__}{': ' + detail if detail else ''})"


def _worksheets(book) -> list[tuple[str, bool]]:
    """The worksheets (not chart sheets or macros) with whether each is visible."""
    import python_calamine

    found = []
    for meta in book.sheets_metadata:
        if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
            continue
        found.append((meta.name, meta.visible == python_calamine.SheetVisibleEnum.Visible))
    return found


def sheets(path: Path, name: str) -> list[str]:
    """The names of the file's worksheets, in order (a CSV file has one, named "")."""
    fmt, book = _open(Path(path), name, 20_000)
    if fmt == "csv":
        return [""]
    try:
        return [title for title, _ in _worksheets(book)]
    finally:
        book.close()


def _grid(book, title: str, path: Path, fmt: str, max_rows: int) -> list[list]:
    """The sheet's cells from A1, row by row, as the reader gives them."""
    try:
        sheet = book.get_sheet_by_name(title)
        end = sheet.end
        if end is not None and end[0] + 1 > max_rows + HEADER_SEARCH:
            _refuse(f"sheet '{title}' has data down to row {end[0] + 1:,}; at most {max_rows:,} rows can be taken "
                    "in at once. Split the sheet, or delete the rows below your table")
        if end is not None and end[1] + 1 > MAX_COLUMNS:
            _refuse(f"sheet '{title}' has data in {end[1] + 1:,} columns; at most {MAX_COLUMNS} can be taken in")
        return sheet.to_python(skip_empty_area=False) if end is not None else []
    except IntakeRefused:
        raise
    except BaseException as exc:  # the file's fault, a panic of the reader too
        if not reader_failed(exc):
            raise
        _refuse(_unreadable(exc, path, fmt))


# --- CSV --------------------------------------------------------------------------------------------


def _csv_text(path: Path) -> str:
    size = path.stat().st_size
    if size > MAX_CSV_BYTES:
        _refuse(f"the CSV file is {size >> 20} MiB; at most {MAX_CSV_BYTES >> 20} MiB can be taken in")
    data = path.read_bytes()
    if b"\0" in data:
        _refuse("the file holds binary data, not CSV text (was it saved in UTF-16? Save it as CSV UTF-8)")
    for codec in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    _refuse("the CSV file is neither UTF-8 nor Windows-1252 text; save it as CSV UTF-8 and upload it again")


def _delimiter(text: str) -> str:
    """The delimiter among comma, semicolon and tab that splits the first lines most consistently
    into more than one column (a European Excel writes semicolons, since its decimal point is a
    comma)."""
    sample = "\n".join(text.splitlines()[:HEADER_SEARCH + 20])
    best, best_score = ",", (0, 0)
    for delimiter in (",", ";", "\t"):
        try:
            widths = [len(r) for r in csv.reader(io.StringIO(sample), delimiter=delimiter) if any(c.strip() for c in r)]
        except csv.Error:
            continue
        wide = [w for w in widths if w > 1]
        if not wide:
            continue
        width, count = Counter(wide).most_common(1)[0]
        score = (count, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_grid(path: Path, max_rows: int) -> tuple[list[list[str]], list[int]]:
    """The CSV file's records and the line each starts on (a quoted cell may span lines)."""
    text = _csv_text(path)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    grid, lines = [], []
    line = 1
    try:
        for record in reader:
            grid.append(record)
            lines.append(line)
            line = reader.line_num + 1
            if len(record) > MAX_COLUMNS:
                _refuse(f"line {lines[-1]} has {len(record):,} cells; at most {MAX_COLUMNS} columns can be taken in")
            if len(grid) > max_rows + HEADER_SEARCH:
                _refuse(f"the file has more than {max_rows:,} rows; at most {max_rows:,} can be taken in at once. "
                        "Split it into smaller files")
    except csv.Error as exc:
        _refuse(f"the CSV file cannot be read near line {line}: {exc}")
    return grid, lines


# --- the header ----------------------------------------------------------------------------------------


def _texts(raw: list) -> list[str]:
    return [cell_text(v) for v in raw]


def _is_text(value) -> bool:
    return isinstance(value, str) and bool(value.strip()) and not re.fullmatch(r"[\d.,/:\s-]+", value.strip())


def _header_score(texts: list[str], kind: str) -> tuple[int, int]:
    """How well a row reads as the header of kind: (fields named, score)."""
    from secassure.exchange.intake.mapping import header_matches

    matched = header_matches(texts, kind)
    return len(matched), sum(matched.values())


def _find_header(grid: list[list], kind: str | None) -> int | None:
    """The 0-based index of the header row among the first rows: the row naming most of kind's
    fields (or, with no kind, of any kind's), else the first row of two or more text cells with
    data under it. A merged title is one cell, so it never qualifies."""
    from secassure.exchange.intake.fields import KINDS

    candidates = []
    for index, raw in enumerate(grid[:HEADER_SEARCH]):
        if sum(1 for v in raw if _is_text(v)) >= 2:
            candidates.append(index)
    if not candidates:
        return None
    kinds = (kind,) if kind else KINDS
    best, best_score = None, (1, 0)  # at least two fields named
    for index in candidates:
        texts = _texts(grid[index])
        score = max(_header_score(texts, k) for k in kinds)
        if score > best_score:
            best, best_score = index, score
    if best is not None:
        return best
    for index in candidates:
        if any(any(cell_text(v) for v in raw) for raw in grid[index + 1:index + 1 + HEADER_SEARCH]):
            return index
    return candidates[0]


def _unique(headers: list[str]) -> list[str]:
    seen: Counter = Counter()
    unique = []
    for header in headers:
        if not header:
            unique.append("")
            continue
        seen[_squash(header)] += 1
        count = seen[_squash(header)]
        unique.append(header if count == 1 else f"{header} ({count})")
    return unique


def _table(title: str, grid: list[list], numbers: list[int], kind: str | None, max_rows: int) -> Table | None:
    header = _find_header(grid, kind)
    if header is None:
        return None
    texts = [_texts(raw) for raw in grid]
    width = 0
    for cells in texts[header:]:
        used = [i for i, c in enumerate(cells) if c]
        if used:
            width = max(width, used[-1] + 1)
    headers = [re.sub(r"\s+", " ", h) for h in (texts[header] + [""] * width)[:width]]
    table = Table(title, numbers[header], _unique(headers))
    for cells, number in zip(texts[header + 1:], numbers[header + 1:], strict=True):
        if not any(cells):
            continue
        table.rows.append(Row(number, (cells + [""] * width)[:width]))
        if len(table.rows) > max_rows:
            _refuse(f"{'sheet ' + repr(title) + ' has' if title else 'the file has'} more than {max_rows:,} rows; "
                    f"at most {max_rows:,} can be taken in at once. Split it into smaller files")
    return table


def read_table(path: Path, name: str, *, sheet: str | None = None, kind: str | None = None,
               max_rows: int = 20_000) -> Table:
    """One sheet of the file as a table of text: the sheet named, or else the first sheet with a
    table (the one whose header names most of kind's fields, when kind is given)."""
    path = Path(path)
    fmt, book = _open(path, name, max_rows)
    if fmt == "csv":
        grid, lines = _csv_grid(path, max_rows)
        table = _table("", grid, lines, kind, max_rows)
        if table is None:
            _refuse("no header row was found in the first 30 lines (a row of at least two column names)")
        return table
    try:
        found = _worksheets(book)
        if sheet is not None:
            if sheet not in [title for title, _ in found]:
                shown = ", ".join(f"'{title}'" for title, _ in found)
                _refuse(f"there is no sheet called '{sheet}' (the sheets are {shown})")
            table = _read_sheet(book, sheet, path, fmt, kind, max_rows)
            if table is None:
                _refuse(f"sheet '{sheet}' has no header row in its first 30 rows (a row of at least two column "
                        "names)")
            return table
        ordered = [title for title, visible in found if visible] + [title for title, visible in found if not visible]
        best, best_score = None, None
        for title in ordered:
            table = _read_sheet(book, title, path, fmt, kind, max_rows)
            if table is None or not table.rows:
                continue
            if not kind:
                return table
            score = _header_score(table.headers, kind)
            if best_score is None or score > best_score:
                best, best_score = table, score
        if best is None:
            _refuse("no sheet of the file holds a table: a header row of at least two column names in its "
                    "first 30 rows, with rows under it")
        return best
    finally:
        book.close()


def _read_sheet(book, title: str, path: Path, fmt: str, kind: str | None, max_rows: int) -> Table | None:
    grid = _grid(book, title, path, fmt, max_rows)
    return _table(title, grid, list(range(1, len(grid) + 1)), kind, max_rows)


__all__ = ["IntakeRefused", "Row", "Table", "cell_text", "column_letter",
           "read_table", "sheets"]
