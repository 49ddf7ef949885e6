"""Reading a workbook someone edited offline, refusing anything unsafe or out of shape.

The container is inspected before any XML is parsed (a password, a zip bomb, a document type
declaration); openpyxl then reads it in read-only mode through defusedxml. The hidden metadata sheet
must carry this installation's signature and name the assessment being imported into; every data
row must be the exported item in the exported place with its locked cells untouched; every input
cell must hold a value of the column's vocabulary. Each problem names the sheet, row and column and
says what was expected."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from secassure.errors import ActionError
from secassure.exchange import layout
from secassure.exchange.layout import DataSheet

MAX_MEMBERS = 2_000
MAX_UNCOMPRESSED = 400 * 1024 * 1024
MAX_RATIO = 150  # a real workbook's XML compresses 5 to 20 times; a bomb thousands of times
MAX_PROBLEMS = 50
TRAILING_SCAN = 5_000
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_STREAM = "EncryptionInfo".encode("utf-16-le")
# A document type or entity declaration, in each encoding an XML parser accepts without being told;
# looked for in every part (whatever its name: a worksheet is found through the relationships, not
# by its suffix) and all through it, since a declaration may follow any amount of comment.
DECLARATIONS = tuple(word.encode(codec) for word in ("<!DOCTYPE", "<!ENTITY")
                     for codec in ("utf-8", "utf-16-le", "utf-16-be"))
SCAN_CHUNK = 1 << 20


@dataclass(frozen=True)
class Problem:
    message: str
    sheet: str = ""
    row: int | None = None
    column: str = ""

    def __str__(self) -> str:
        where = []
        if self.sheet:
            where.append(f"sheet '{self.sheet}'")
        if self.row:
            where.append(f"row {self.row}")
        if self.column:
            where.append(self.column)
        return f"{', '.join(where)}: {self.message}" if where else self.message


class WorkbookRefused(ActionError):
    """The workbook cannot be imported; problems says everything that is wrong with it."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        super().__init__(f"the workbook cannot be imported: {problems[0]}{more}")


class Problems:
    def __init__(self):
        self.found: list[Problem] = []

    def add(self, message: str, sheet: str = "", row: int | None = None, column: str = "") -> None:
        self.found.append(Problem(message, sheet, row, column))
        if len(self.found) >= MAX_PROBLEMS:
            self.found.append(Problem(f"stopped after {MAX_PROBLEMS} problems"))
            raise WorkbookRefused(self.found)

    def raise_any(self) -> None:
        if self.found:
            raise WorkbookRefused(self.found)


@dataclass
class ReadItem:
    """One data row of the workbook, with what its input cells now say."""

    sheet: DataSheet
    excel_row: int
    id: int
    revision: int
    edited: bool
    values: dict = field(default_factory=dict)  # field -> parsed value, for every input column

    @property
    def key(self) -> str:
        return f"{self.sheet.item}:{self.id}"


@dataclass
class ReadWorkbook:
    header: dict
    items: list[ReadItem]

    @property
    def kind(self) -> str:
        return self.header["kind"]

    @property
    def audience(self) -> str:
        return self.header["audience"]


# --- the container ----------------------------------------------------------------------------------


def _refuse(message: str):
    raise WorkbookRefused([Problem(message)])


def inspect_container(path: Path) -> None:
    """Refuse what is not a plain .xlsx zip of sane size before any XML parser sees it."""
    with open(path, "rb") as handle:
        start = handle.read(8)
        if start == OLE_MAGIC:
            handle.seek(0)
            carry = b""
            while chunk := handle.read(1 << 20):
                if ENCRYPTED_STREAM in carry + chunk:
                    _refuse("the workbook is password-protected (encrypted). Open it, remove the password "
                            "(File, Info, Protect Workbook), save it as .xlsx and upload it again")
                carry = chunk[-len(ENCRYPTED_STREAM):]
            _refuse("this is an Excel 97-2003 (.xls) or other compound file, not an .xlsx workbook; save it as "
                    "Excel Workbook (.xlsx)")
    if not zipfile.is_zipfile(path):
        _refuse("this is not an .xlsx workbook (an .xlsx file is a zip container, and this file is not one)")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                _refuse(f"the file holds {len(members):,} parts; a workbook has far fewer")
            names = {m.filename for m in members}
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                _refuse("this zip file is not an .xlsx workbook (it has no xl/workbook.xml)")
            total = 0
            for member in members:
                if member.flag_bits & 0x1:
                    _refuse(f"part {member.filename} is encrypted; remove the password and save again")
                total += member.file_size
                if member.file_size > 1 << 20 and member.file_size > MAX_RATIO * max(member.compress_size, 1):
                    _refuse(f"part {member.filename} would expand {member.file_size // max(member.compress_size, 1):,}"
                            " times: the file looks like a zip bomb, so it was not opened")
                if total > MAX_UNCOMPRESSED:
                    _refuse(f"the workbook would expand to more than {MAX_UNCOMPRESSED >> 20} MiB; it is too large "
                            "to import")
            for member in members:
                if not member.is_dir() and _declares(archive, member):
                    _refuse(f"part {member.filename} declares an XML document type (DOCTYPE or ENTITY); "
                            "workbooks never need one and secassure refuses them")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError, EOFError, OSError) as exc:
        _refuse(f"the zip container is damaged or uses a feature .xlsx files do not ({exc})")


def _declares(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    """Whether the part holds a document type or entity declaration anywhere."""
    keep = max(len(d) for d in DECLARATIONS) - 1
    carry = b""
    with archive.open(member) as part:
        while chunk := part.read(SCAN_CHUNK):
            window = carry + chunk.upper()
            if any(d in window for d in DECLARATIONS):
                return True
            carry = window[-keep:]
    return False


def _forbidden_xml(exc: BaseException) -> BaseException | None:
    """The defusedxml refusal behind an exception, if any (openpyxl wraps what its parser raises)."""
    from defusedxml import DefusedXmlException

    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, DefusedXmlException):
            return exc
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def _unreadable(exc: Exception, path: Path):
    """Refuse a file a parser failed on, saying why without naming where the server keeps it."""
    forbidden = _forbidden_xml(exc)
    if forbidden is not None:
        _refuse(f"the workbook's XML uses a forbidden construct ({type(forbidden).__name__}); it was not read")
    detail = str(exc).replace(str(path), Path(path).name).split("\n")[0][:200]
    _refuse(f"the file cannot be read as an .xlsx workbook ({type(exc).__name__}: {detail})" if detail else
            f"the file cannot be read as an .xlsx workbook ({type(exc).__name__})")


def open_workbook(path: Path):
    import openpyxl

    inspect_container(path)
    handle = open(path, "rb")  # noqa: SIM115 - read-only openpyxl reads from it until the workbook is closed
    try:
        # An open file, not a name: openpyxl would judge a name by its extension, not its content.
        wb = openpyxl.load_workbook(handle, read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # noqa: BLE001 - any parser failure is the file's fault, reported as such
        handle.close()
        _unreadable(exc, path)
    wb._secassure_handle = handle  # closed with the workbook by read()
    return wb


# --- the metadata ------------------------------------------------------------------------------------


def read_meta(wb) -> tuple[dict, list[list[str]]]:
    from secassure.exchange.workbook import META_KEYS, sign

    if layout.META_SHEET not in wb.sheetnames:
        _refuse(f"the hidden sheet '{layout.META_SHEET}' that identifies the workbook is missing, so secassure "
                "cannot tell which assessment and rows it holds. Export a new workbook and copy your entries "
                "into it")
    rows = _sheet(wb, layout.META_SHEET).iter_rows(values_only=True, max_col=6)
    header: dict[str, str] = {}
    signature = ""
    try:
        for key in (*META_KEYS, "signature"):
            row = next(rows)
            if not row or row[0] != key or not isinstance(row[1], str):
                _refuse(f"sheet '{layout.META_SHEET}': the entry '{key}' is missing or changed")
            if key == "signature":
                signature = row[1]
            else:
                header[key] = row[1]
        next(rows)  # the item table's header
        items = []
        for row in rows:
            if row is None or all(v is None for v in row):
                break
            entry = str(row[0] if row[0] is not None else "").split(layout.ITEM_SEPARATOR)
            if len(entry) != 6 or any(v is not None for v in row[1:]):
                _refuse(f"sheet '{layout.META_SHEET}', row {len(items) + len(META_KEYS) + 3}: the item entry is "
                        "damaged")
            items.append(entry)
            if len(items) > 1_000_000:
                _refuse(f"sheet '{layout.META_SHEET}' is far too long")
    except StopIteration:
        _refuse(f"sheet '{layout.META_SHEET}' is incomplete")
    if header.get("format") != layout.FORMAT:
        _refuse(f"this workbook's format is {header.get('format')!r}; this secassure reads {layout.FORMAT}")
    if not hmac.compare_digest(signature, sign({"header": header, "items": items})):
        _refuse(f"sheet '{layout.META_SHEET}' does not carry this installation's signature: the workbook was not "
                "exported by this secassure, or its hidden metadata was edited")
    if header["kind"] not in layout.KINDS or header["audience"] not in (layout.USER, layout.CIO):
        _refuse("the workbook's kind or audience is unknown")
    return header, items


def _sheet(wb, title: str):
    """A worksheet to read in full: the size a file declares for a sheet is only a hint (and may
    be false), and read-only openpyxl would stop reading at it."""
    ws = wb[title]
    if not hasattr(ws, "iter_rows"):
        _refuse(f"the sheet '{title}' is not a worksheet (a chart sheet?); sheets must not be replaced")
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()
    return ws


def check_sheets(wb, kind: str) -> None:
    expected, found = list(layout.SHEETS[kind]), list(wb.sheetnames)
    if expected == found:
        return
    problems = Problems()
    for name in expected:
        if name not in found:
            problems.add(f"the sheet '{name}' is missing; sheets must not be removed or renamed", name)
    for name in found:
        if name not in expected:
            problems.add(f"unexpected sheet '{name}'; sheets must not be added or renamed", name)
    if not problems.found:
        problems.add("the sheets were moved: expected them in the order " + ", ".join(expected))
    problems.raise_any()


# --- cells ------------------------------------------------------------------------------------------


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_cell(column: layout.Column, cell, problems: Problems, sheet: DataSheet, row: int, index: int, *,
               question: tuple[str, str] | None = None):
    """The value an input cell holds, in the form the product stores; a problem if it holds none.
    ``question`` is the (ref, answer kind) of an answer cell's question, when known: the cell then
    takes that kind's answers only."""
    where = sheet.where(index)
    value = getattr(cell, "value", None)
    if getattr(cell, "data_type", None) == "f" or (isinstance(value, str) and value.startswith("=")
                                                   and getattr(cell, "data_type", None) not in ("s", "inlineStr")):
        problems.add(f"holds a formula ({str(value)[:40]}); type the value itself", sheet.title, row, where)
        return None
    if column.kind == "text":
        text = layout.plain(value)
        if not isinstance(text, str):
            text = str(text)
        return text
    if column.kind == "date":
        if _blank(value):
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        problems.add(f"expected a date (entered as a date, e.g. 31/01/2026), found {value!r}", sheet.title, row,
                     where)
        return None
    if column.kind in ("choice", "yesno"):
        vocabulary = layout.accepted(column.vocabulary)
        if question is not None and column.key == "answer":
            ref, kind = question
            listed = layout.ANSWER_LISTS.get(kind, "answer")
            if listed is None:  # answered in words: the narrative is the answer, this cell stays empty
                if not _blank(value):
                    problems.add(f"{ref} is answered in words, in the Narrative column: expected this cell empty; "
                                 f"found {str(value)[:60]!r}", sheet.title, row, where)
                return ""
            vocabulary = layout.VOCABULARIES[listed]
        if _blank(value):
            if column.key == "material":  # a yes or no that secassure always holds: an emptied cell says No
                return False
            return {"status": "not-assessed", "answer": "", "yesno": None}[column.vocabulary]
        if isinstance(value, bool) and column.kind == "yesno":
            return value
        text = str(value).strip().casefold()
        for label, stored in vocabulary:
            if text == label.casefold() or (isinstance(stored, str) and text == stored):
                return stored
        shown = ", ".join(dict.fromkeys(label for label, _ in vocabulary))
        problems.add(f"expected one of: {shown}; found {str(value)[:60]!r}", sheet.title, row, where)
        return None
    return value


def _id_of(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def read_sheet(wb, sheet: DataSheet, meta_items: list[list[str]], header: dict, problems: Problems,
               answer_kinds: dict[int, str] | None = None) -> list[ReadItem]:
    """The data rows of one sheet, checked against what was exported. ``answer_kinds`` gives each
    answer's question kind by answer id, so that an answer cell is read against its own kind."""
    expected = [entry for entry in meta_items if entry[0] == sheet.title]
    editable = header.get("editable", "True") == "True"
    inputs = set(sheet.inputs(header["audience"])) if editable else set()
    width = len(sheet.columns)
    refs = next((i for i, c in enumerate(sheet.columns) if c.key == "ref"), None)
    read: list[ReadItem] = []
    rows = _sheet(wb, sheet.title).iter_rows(min_row=1)
    heading = next(rows, ())
    earlier = len(problems.found)  # an earlier sheet's problems do not stop this one being read
    for index, column in enumerate(sheet.columns):
        found = heading[index].value if index < len(heading) else None
        if found != column.header:
            problems.add(f"expected the heading '{column.header}', found {found!r}; columns must not be moved, "
                         "added or removed", sheet.title, 1, f"column {sheet.letter(index)}")
    if len(problems.found) > earlier:
        problems.raise_any()
    excel_row = 1
    for entry in expected:
        excel_row += 1
        cells = next(rows, None)
        _, row_text, id_text, revision_text, locked_text, input_digest = entry
        if cells is None:
            problems.add(f"expected the row of item {id_text}, found the end of the sheet; rows must not be removed",
                         sheet.title, excel_row)
            break
        cells = list(cells) + [None] * max(0, width - len(cells))
        found_row = getattr(cells[0], "row", excel_row) or excel_row
        if found_row != excel_row or int(row_text) != excel_row:
            problems.add(f"expected row {excel_row} here, found row {found_row}; rows must not be removed",
                         sheet.title, excel_row)
            break
        item_id = _id_of(getattr(cells[0], "value", None))
        if item_id != int(id_text):
            problems.add(f"expected the ID {id_text}, found {getattr(cells[0], 'value', None)!r}; rows must stay in "
                         "the order they were exported", sheet.title, excel_row, sheet.where(0))
            continue
        values = [getattr(c, "value", None) for c in cells[:width]]
        locked = [i for i in range(width) if i not in inputs]
        digests = locked_text.split(":")
        for position, index in enumerate(locked):
            if position < len(digests) and layout.digest([values[index]])[:8] != digests[position]:
                problems.add("a locked cell was changed; only the shaded cells may be edited (export a new "
                             "workbook to see the current values)", sheet.title, excel_row, sheet.where(index))
        for extra in cells[width:]:
            if not _blank(getattr(extra, "value", None)):
                problems.add("unexpected value beyond the last column", sheet.title, excel_row,
                             f"column {getattr(extra, 'column_letter', '?')}")
                break
        parsed = {}
        kind = (answer_kinds or {}).get(item_id) if sheet.item == "answer" else None
        question = (str(values[refs]) if refs is not None else "", kind) if kind else None
        for index in sorted(inputs):
            column = sheet.columns[index]
            parsed[column.key] = parse_cell(column, cells[index], problems, sheet, excel_row, index,
                                            question=question)
        edited = layout.digest([values[i] for i in sorted(inputs)]) != input_digest
        read.append(ReadItem(sheet, excel_row, int(id_text), int(revision_text), edited, parsed))
    scanned = 0
    for cells in rows:
        scanned += 1
        if any(not _blank(getattr(c, "value", None)) for c in cells):
            row_number = getattr(cells[0], "row", None) or excel_row + scanned
            problems.add(f"unexpected row: the sheet holds exactly {len(expected):,} {sheet.label}, and rows cannot "
                         "be added in the workbook", sheet.title, row_number)
            break
        if scanned >= TRAILING_SCAN:
            break
    return read


def read(path: Path, answer_kinds: dict[int, str] | None = None) -> ReadWorkbook:
    """Read and check a workbook file, without touching the database. ``answer_kinds``: each
    answer's question kind by answer id, as the caller found them."""
    wb = open_workbook(path)
    try:
        return _read(wb, answer_kinds)
    except WorkbookRefused:
        raise
    except Exception as exc:  # noqa: BLE001 - the sheets are parsed as they are read: a parser failure here
        _unreadable(exc, path)  # is the file's fault too
    finally:
        wb.close()
        wb._secassure_handle.close()


def _read(wb, answer_kinds: dict[int, str] | None = None) -> ReadWorkbook:
    header, meta_items = read_meta(wb)
    check_sheets(wb, header["kind"])
    problems = Problems()
    items: list[ReadItem] = []
    for sheet in layout.DATA_SHEETS[header["kind"]]:
        items.extend(read_sheet(wb, sheet, meta_items, header, problems, answer_kinds))
    locked = hashlib.sha256("\n".join(entry[4] for entry in meta_items).encode()).hexdigest()
    if locked != header["locked_hash"]:
        problems.add(f"sheet '{layout.META_SHEET}': the hash of the locked content does not match")
    if len(meta_items) != int(header["items"]):
        problems.add(f"sheet '{layout.META_SHEET}' lists {len(meta_items)} items, not {header['items']}")
    problems.raise_any()
    return ReadWorkbook(header, items)
