"""Reading a workbook someone edited offline, refusing anything unsafe or out of shape.

The container is inspected before any XML is parsed (a password, a zip bomb, a document type
declaration). The cells are then read with python-calamine, many times faster than openpyxl, when
the sheets to be read hold no formula and are of a size a workbook of this product has (calamine is
given the parts as the checks read them, never the uploaded file itself); otherwise
(and whenever calamine cannot read the file) openpyxl reads it in read-only mode through
defusedxml, which streams a sheet of any size and tells a formula from its cached value. The hidden metadata sheet
must carry this installation's signature and name the assessment being imported into; every data
row must be the exported item in the exported place with its locked cells untouched; every input
cell must hold a value of the column's vocabulary. Each problem names the sheet, row and column and
says what was expected."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import hmac
import io
import os
import re
import struct
import threading
import weakref
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from zlib_ng import zlib_ng

from secassure import containers
from secassure.containers import OLE_MAGIC, WORKBOOK_LIMITS
from secassure.errors import ActionError
from secassure.exchange import layout
from secassure.exchange.layout import DataSheet

# The limits live with the other container checks (secassure.containers); named here as well for
# the readers of other spreadsheets that hold their files to a workbook's limits.
MAX_MEMBERS = WORKBOOK_LIMITS.members
MAX_UNCOMPRESSED = WORKBOOK_LIMITS.uncompressed
MAX_RATIO = WORKBOOK_LIMITS.ratio  # a real workbook's XML compresses 5 to 20 times; a bomb thousands of times
MAX_PROBLEMS = 50
TRAILING_SCAN = 5_000
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
    """The problems found, up to a limit (MAX_PROBLEMS unless given), at which reading stops."""

    def __init__(self, limit: int | None = None):
        self.found: list[Problem] = []
        self.limit = limit

    def add(self, message: str, sheet: str = "", row: int | None = None, column: str = "") -> None:
        self.found.append(Problem(message, sheet, row, column))
        if len(self.found) >= (MAX_PROBLEMS if self.limit is None else self.limit):
            self.found.append(Problem(f"stopped after {MAX_PROBLEMS} problems"))
            raise WorkbookRefused(self.found)

    def raise_any(self) -> None:
        if self.found:
            raise WorkbookRefused(self.found)


@dataclass(slots=True)
class ReadItem:
    """One data row of the workbook, with what its input cells now say."""

    sheet: DataSheet
    excel_row: int
    id: int
    revision: int
    edited: bool
    values: dict = field(default_factory=dict)  # field -> parsed value, for every input column of an edited row

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


def inspect_container(path: Path, facts: PartFacts | None = None) -> None:
    """Refuse what is not a plain .xlsx zip of sane size before any XML parser sees it. ``facts``,
    when given, learns in the same pass what the quick reading must know of each part, so that no
    part is decompressed twice (see quick_workbook)."""
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
        with zipfile.ZipFile(path) as archive, open(path, "rb") as handle:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                _refuse(f"the file holds {len(members):,} parts; a workbook has far fewer")
            names = {m.filename for m in members}
            # Zip readers differ on which of two parts of one name they read, and some take names
            # regardless of case or of the kind of slash.
            if len({name.casefold().replace("\\", "/") for name in names}) != len(members):
                _refuse("the file holds two parts of the same name; a workbook never does")
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                _refuse("this zip file is not an .xlsx workbook (it has no xl/workbook.xml)")
            try:
                containers.check_sizes(members, WORKBOOK_LIMITS, refuse_encrypted=True)
            except containers.ContainerRefused as exc:
                _refuse(f"the workbook would expand to more than {MAX_UNCOMPRESSED >> 20} MiB; it is too large to "
                        "import" if exc.kind == "total" else str(exc))
            try:
                containers.check_overlaps(archive, handle)
            except containers.ContainerRefused as exc:
                _refuse(str(exc))
            parts = [member for member in members if not member.is_dir()]
            for member in parts if facts is None else facts.order(parts):
                if facts is not None and member.file_size <= QUICK_PART_LIMIT:
                    xml = containers.read_part(archive, handle, member)
                    declares = _declares_in(xml)
                    overstated = _overstated_count(xml, member.file_size)
                    facts.learn(member.filename, xml, member.CRC)
                else:
                    declares, overstated = _scan(archive, member)
                    if facts is not None:
                        facts.too_large(member.filename)
                if overstated:
                    _refuse(f"part {member.filename} says it holds {overstated:,} texts, far more than it can; the "
                            "file is damaged")
                if declares:
                    _refuse(f"part {member.filename} declares an XML document type (DOCTYPE or ENTITY); "
                            "workbooks never need one and secassure refuses them")
    except containers.ZIP_ERRORS as exc:
        _refuse(f"the zip container is damaged or uses a feature .xlsx files do not ({exc})")


def _declares_in(data: bytes) -> bool:
    """Whether these bytes hold a document type or entity declaration. Every declaration, in every
    encoding, holds a "!": most parts hold none, and a byte is found many times quicker than the
    words are."""
    if b"!" not in data:
        return False
    data = data.upper()
    return any(d in data for d in DECLARATIONS)


def _declares(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    """Whether the part holds a document type or entity declaration anywhere, read a chunk at a time."""
    return _scan(archive, member)[0]


def _scan(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> tuple[bool, int]:
    """Whether the part holds a document type or entity declaration anywhere, and the count of texts
    it overstates (see _overstated_count), read a chunk at a time."""
    keep = max(64, max(len(d) for d in DECLARATIONS) - 1)
    carry = b""
    with archive.open(member) as part:
        while chunk := part.read(SCAN_CHUNK):
            window = carry + chunk
            if _declares_in(window):
                return True, 0
            if overstated := _overstated_count(window, member.file_size):
                return False, overstated
            carry = window[-keep:]
    return False, 0


# calamine makes room for as many shared texts as the shared strings part says it holds (its
# uniqueCount) before reading one, so that a part of a few bytes saying 10,000,000,000 would ask
# for 240 GB and abort the process. Each text takes at least 8 bytes of the part (<si><t/></si> is
# 13), so a count above an eighth of the part's size is false, whatever reader follows.
UNIQUE_COUNT = re.compile(rb"""uniqueCount\s*=\s*["']\s*(\d{1,30})""")


def _overstated_count(data: bytes, size: int) -> int:
    """The count of texts a part claims beyond what its size allows (see UNIQUE_COUNT), or 0."""
    if not holds_word(data, b"uniqueCount", b"q"):
        return 0
    for found in UNIQUE_COUNT.finditer(data):
        if int(found.group(1)) > max(1000, size // 8):
            return int(found.group(1))
    return 0


def holds_word(data: bytes, word: bytes, rare: bytes) -> bool:
    """Whether data holds word, looked for at each place of one of its bytes, ``rare`` (which word
    must hold), that is rare in a workbook's markup and in most English text: a single byte is
    found many times quicker than a word is (a byte search, against a word search that stops at
    every match of the word's last byte, which a common letter makes often). Past a budget of
    places (a part that is full of the rare byte after all, as French or Spanish text may be), the
    word is searched for as a whole instead, so a part costs at most about twice the word search."""
    offset = word.index(rare)
    find, budget = data.find, 64 + (len(data) >> 8)
    place = find(rare, offset)  # from offset, so that the word's start is never before the data's
    while place >= 0:
        if data.startswith(word, place - offset):
            return True
        budget -= 1
        if budget < 0:
            return word in data
        place = find(rare, place + 1)
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


def open_workbook(path: Path, *, inspected: bool = False):
    import openpyxl

    if not inspected:
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
    from secassure.exchange.workbook import META_KEYS, sign, sign_entries

    if layout.META_SHEET not in wb.sheetnames:
        _refuse(f"the hidden sheet '{layout.META_SHEET}' that identifies the workbook is missing, so secassure "
                "cannot tell which assessment and rows it holds. Export a new workbook and copy your entries "
                "into it")
    ws = _sheet(wb, layout.META_SHEET)
    rows = ws.iter_rows(values_only=True, max_col=6)
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
        first = len(META_KEYS) + 3  # the first item's row
        texts, items = [], []
        for text, alone in (ws.first_cells(first, 6) if isinstance(ws, QuickSheet) else _first_cells(rows)):
            if text is None and alone:
                break
            entry = str(text if text is not None else "").split(layout.ITEM_SEPARATOR)
            if not 6 <= len(entry) <= len(layout.ENTRY_FIELDS) or not alone:
                _refuse(f"sheet '{layout.META_SHEET}', row {len(items) + first}: the item entry is damaged")
            texts.append(str(text))
            items.append(entry)
            if len(items) > 1_000_000:
                _refuse(f"sheet '{layout.META_SHEET}' is far too long")
    except StopIteration:
        _refuse(f"sheet '{layout.META_SHEET}' is incomplete")
    if header.get("format") != layout.FORMAT:
        _refuse(f"this workbook's format is {header.get('format')!r}; this secassure reads {layout.FORMAT}")
    if not (hmac.compare_digest(signature, sign_entries(header, texts))
            or hmac.compare_digest(signature, sign({"header": header, "items": items}))):
        _refuse(f"sheet '{layout.META_SHEET}' does not carry this installation's signature: the workbook was not "
                "exported by this secassure, or its hidden metadata was edited")
    if header["kind"] not in layout.KINDS or header["audience"] not in (layout.USER, layout.CIO):
        _refuse("the workbook's kind or audience is unknown")
    return header, items


def _first_cells(rows):
    """Each row's first value, and whether the rest of it is empty; the end of the sheet ends it."""
    for row in rows:
        yield (row[0] if row else None), all(v is None for v in row[1:])


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


LOCKED_CHANGED = ("a locked cell was changed; only the shaded cells may be edited (export a new workbook to see the "
                  "current values)")


def read_sheet(wb, sheet: DataSheet, meta_items: list[list[str]], header: dict, problems: Problems,
               answer_kinds: dict[int, str] | None = None) -> list[ReadItem]:
    """The data rows of one sheet, checked against what was exported. ``answer_kinds`` gives each
    answer's question kind by answer id, so that an answer cell is read against its own kind."""
    expected = [entry for entry in meta_items if entry[0] == sheet.title]
    editable = header.get("editable", "True") == "True"
    inputs = set(sheet.inputs(header["audience"])) if editable else set()
    width = len(sheet.columns)
    refs = next((i for i, c in enumerate(sheet.columns) if c.key == "ref"), None)
    ordered_inputs = sorted(inputs)
    locked = [i for i in range(width) if i not in inputs]
    read: list[ReadItem] = []
    ws = _sheet(wb, sheet.title)
    # The quick reading's rows as calamine gave them, a row a list (None when openpyxl reads).
    raw = ws.rows if isinstance(ws, QuickSheet) else None
    rows = (tuple(map(UnescapedCell, row)) for row in ws.iter_rows(min_row=1)) if raw is None else None

    def cells_of(number: int):
        """The cells of row number (counted from 1), the rows being taken in order; None past the end."""
        if raw is None:
            return next(rows, None)
        return ws.cells(number) if number <= len(raw) else None

    heading = cells_of(1) or ()
    earlier = len(problems.found)  # an earlier sheet's problems do not stop this one being read
    for index, column in enumerate(sheet.columns):
        found = heading[index].value if index < len(heading) else None
        if found != column.header:
            problems.add(f"expected the heading '{column.header}', found {found!r}; columns must not be moved, "
                         "added or removed", sheet.title, 1, f"column {sheet.letter(index)}")
    if len(problems.found) > earlier:
        problems.raise_any()
    excel_row = 1
    as_read = len(layout.ENTRY_FIELDS) - 1  # the field of the row's hash as read
    quick = raw is not None and (len(raw[0]) if raw else 0) <= width  # no cell beyond the last column anywhere
    # The hash of each row as read, from the second (the first holds the headings), as far as rows are
    # expected; none when the entries keep no such hash (a workbook exported before they did).
    as_found = layout.quick_digests(raw[1:len(expected) + 1]) if quick and expected and len(expected[0]) > as_read \
        else []
    for entry in expected:
        excel_row += 1
        if excel_row - 2 < len(as_found) and len(entry) > as_read and entry[as_read] == as_found[excel_row - 2] \
                and entry[1] == str(excel_row):
            # Every cell as exported: its place, its ID and its locked cells unchanged, its inputs unedited.
            read.append(ReadItem(sheet, excel_row, int(entry[2]), int(entry[3]), False, {}))
            continue
        _, row_text, id_text, revision_text, locked_text, input_digest, *together = entry
        cells = cells_of(excel_row)
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
        if not together or layout.digest([values[i] for i in locked]) != together[0]:
            digests, hashed = layout.locked_checks(locked_text), layout.cell_hasher(entry)  # which cell it was
            named = len(problems.found)
            for position, index in enumerate(locked):
                if position < len(digests) and hashed(layout.plain(values[index])) != digests[position]:
                    problems.add(LOCKED_CHANGED, sheet.title, excel_row, sheet.where(index))
            if together and len(problems.found) == named:  # changed, though no cell's shorter hash says which
                problems.add(LOCKED_CHANGED, sheet.title, excel_row)
        for extra in cells[width:]:
            if not _blank(getattr(extra, "value", None)):
                problems.add("unexpected value beyond the last column", sheet.title, excel_row,
                             f"column {getattr(extra, 'column_letter', '?')}")
                break
        parsed = {}
        edited = layout.digest([values[i] for i in ordered_inputs]) != input_digest
        if edited:  # an unedited row's inputs are what was exported: nothing in them to read or refuse
            kind = (answer_kinds or {}).get(item_id) if sheet.item == "answer" else None
            question = (str(values[refs]) if refs is not None else "", kind) if kind else None
            for index in ordered_inputs:
                column = sheet.columns[index]
                parsed[column.key] = parse_cell(column, cells[index], problems, sheet, excel_row, index,
                                                question=question)
        read.append(ReadItem(sheet, excel_row, int(id_text), int(revision_text), edited, parsed))
    scanned = 0
    for cells in rows if raw is None else (ws.cells(n) for n in range(excel_row + 1, len(raw) + 1)):
        scanned += 1
        if any(not _blank(getattr(c, "value", None)) for c in cells):
            row_number = getattr(cells[0], "row", None) or excel_row + scanned
            problems.add(f"unexpected row: the sheet holds exactly {len(expected):,} {sheet.label}, and rows cannot "
                         "be added in the workbook", sheet.title, row_number)
            break
        if scanned >= TRAILING_SCAN:
            break
    return read


# --- the quick reading -------------------------------------------------------------------------------

# The largest worksheet part read with calamine, which holds a whole sheet in memory: a workbook of
# 5,000 rows is a few MiB of XML. A larger part is streamed by openpyxl instead.
QUICK_PART_LIMIT = 16 << 20
# calamine reads the parts the scans passed, gathered in memory and written into a package for each
# of its readings (two for a workbook laid out as the export lays one out, one of them holding every
# part but the worksheets not parsed in it: see PartFacts.order): at most this much XML in all (a
# workbook of some 30,000 rows), beyond which openpyxl streams the file instead.
QUICK_TOTAL_LIMIT = 32 << 20
# What keeps a worksheet from the quick reading: a formula element, or any element with a namespace
# prefix, which could be a formula's (calamine would give a formula's cached value, so a sheet
# holding either is read by openpyxl, which reports the formula; calamine takes the name after the
# first colon, whatever comes before it, so any colon in a name counts); and a cell whose start tag
# is not in the plain form every spreadsheet program writes. An element's name, as calamine's XML
# reader reads it, runs from its "<" to a space, tab or line break, and nothing else ends it: a "/",
# a form feed or a quote is part of it, and so is a "<" or ">" between quotes (<x/y:c, <x"y>z":c and
# <x\x0c:f are a c and an f to calamine). So a colon counts when no space, tab or line break comes
# between it and a "<" before it, and either no ">" does or a quote comes before the first ">".
#
# calamine holds a sheet as a dense grid from its first cell to its last, so one cell far out (at
# XFD1048576, say) in a tiny file would ask for hundreds of GiB and abort the process. A cell's
# place is its r attribute (calamine then ignores the row's own number; the sheet's declared
# dimension and merged cells do not size the grid either), and calamine takes the last of a
# repeated attribute, quoted either way and spaced around its "=" as XML allows. So the quick
# reading takes a cell only in the plain form: the place first, double-quoted, within column Z and
# row 99,999 (a grid of 2.6 million cells at most), followed by a style number, a type or both, in
# that order, and nothing else. Any other cell start (a repeated place, a place in single quotes or
# with spaces, any other attribute) leaves the sheet to openpyxl, whose parser refuses a repeated
# attribute and which streams a sheet of any extent.
#
# Two searches. The prefixed name is looked for from its colon back to its "<", since colons are
# few and tags many (see _prefixed). One regular expression finds either a formula or a cell start
# that is not plain: it stops at every "<" (its only fixed first byte), which in a part of many
# cells costs less than a second pass over the part would. The plain cell's forms are spelt out as
# alternatives, which the engine tries far quicker than optional groups (the tag's end too: ">",
# "/>", or spaces first), and the space, "/" or ">" that ends the name is matched after them.
PREFIXED_REVERSED = re.compile(rb""":(?:[^ \t\r\n<>:]*<|[^ \t\r\n:]*["'][^ \t\r\n:>]*<)""")  # read backwards
WHITESPACE_FREE = re.compile(rb"[^ \t\r\n]*")
NAME_BEFORE_COLON = re.compile(rb"[^ \t\r\n<>:]*")
QUOTE_IN_TAG = re.compile(rb"""<[^>"']*["']""")
SPACED_XML = frozenset((b" xml", b"\txml", b"\rxml", b"\nxml"))  # the xml: of an attribute, such as xml:space
FORMULA_OR_NOT_PLAIN_CELL = re.compile(
    rb'<(?:f|c(?! r="[A-Z][1-9][0-9]{0,4}"'
    rb'(?: s="[0-9]{1,5}" t="[a-zA-Z]{1,9}"| s="[0-9]{1,5}"| t="[a-zA-Z]{1,9}"|)(?:>|/>|[ \t\r\n]+/?>)))[\s/>]')
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
ZIP_DATE = 0x21  # 1 January 1980, the first date a zip entry can carry, as MS-DOS writes it
ZIP_UTF8_NAME = 0x800  # general purpose flag bit 11: the part's name is UTF-8
EXACT_INTEGER = 1e15  # below this a whole float reads as openpyxl reads the number: an int


class UnescapedCell:
    """A cell openpyxl read, its text as calamine and spreadsheet programs read it: openpyxl leaves
    the file format's escapes as written (_x000D_ for a carriage return, _x005F_ for an underscore
    that begins one), so that text holding them would read as changed."""

    __slots__ = ("value", "data_type", "row", "column_letter")

    def __init__(self, cell):
        from openpyxl.utils.escape import unescape

        self.value, self.data_type = getattr(cell, "value", None), getattr(cell, "data_type", None)
        if isinstance(self.value, str) and "_x" in self.value and self.data_type != "f":
            self.value = unescape(self.value)
        self.row, self.column_letter = getattr(cell, "row", None), getattr(cell, "column_letter", "?")


class QuickCell:
    """What the checks read of a cell, in openpyxl's terms (a cell read here never holds a formula)."""

    __slots__ = ("value", "row", "_column")

    def __init__(self, value, row: int, column: int):
        self.value, self.row, self._column = value, row, column

    @property
    def data_type(self) -> str:
        return "s" if isinstance(self.value, str) else "n"

    @property
    def column_letter(self) -> str:
        return layout.get_column_letter(self._column + 1)


def _quick_value(value: float):
    """A calamine number as openpyxl gives it: a whole number as an int."""
    if value.is_integer() and -EXACT_INTEGER < value < EXACT_INTEGER:
        return int(value)
    return value


class QuickSheet:
    def __init__(self, rows: list[list]):
        self.rows = rows

    def values(self, number: int, max_col: int | None = None) -> list:
        """The values of row number (counted from 1), as openpyxl gives them."""
        row = self.rows[number - 1]
        values = [None if v == "" else _quick_value(v) if type(v) is float else v
                  for v in (row if max_col is None else row[:max_col])]
        while values and values[-1] is None:  # as openpyxl: a row ends at its last cell
            values.pop()
        return values

    def first_cells(self, min_row: int, max_col: int):
        """_first_cells of the rows from min_row, read from calamine's rows as they are."""
        for row in self.rows[min_row - 1:]:
            first = row[0] if row else ""
            if len(row) == 2 and max_col >= 2:  # the metadata sheet's width: one cell to look at
                alone = row[1] == ""
            else:
                rest = row[1:max_col]
                alone = rest.count("") == len(rest)
            yield (None if first == "" else _quick_value(first) if type(first) is float else first), alone

    def cells(self, number: int) -> tuple[QuickCell, ...]:
        return tuple(QuickCell(v, number, i) for i, v in enumerate(self.values(number)))

    def iter_rows(self, min_row: int = 1, max_col: int | None = None, values_only: bool = False):
        for number in range(min_row, len(self.rows) + 1):
            yield tuple(self.values(number, max_col)) if values_only else self.cells(number)


class SheetAhead:
    """One sheet parsed by calamine straight away, in a thread of its own and a reading of its own
    (a reading parses one sheet at a time), while the checks read and check the other sheets:
    calamine lets go of Python's interpreter lock as it opens a reading and as it parses, so that
    on a machine of more than one processor the largest sheet's parse (and, in a workbook of shared
    texts, their second reading) and the rest of the check run at once. The thread opens its
    reading of the package (see Package), parses, and closes the reading, the parsed sheet standing
    on its own. What the opening or the parse raised is raised to whoever takes the sheet."""

    def __init__(self, package: Package, title: str):
        self.title = title
        self._sheet = self._failure = None
        try:
            self._thread = threading.Thread(target=self._parse, args=(package,), name="secassure-sheet-ahead",
                                            daemon=True)
            self._thread.start()
        except Exception:  # no thread started (once one runs, only an interrupt can come): done in its stead
            package.done()
            raise

    def _parse(self, package: Package) -> None:
        try:
            try:
                book = package.open()
            finally:
                package.done()
            try:
                self._sheet = book.get_sheet_by_name(self.title)
            finally:
                book.close()
        except BaseException as exc:  # noqa: BLE001 - a panic of calamine's too: raised again by take
            self._failure = exc

    def take(self):
        """The parsed sheet, once parsed, handed over (not kept here)."""
        self._thread.join()
        sheet, failure, self._sheet, self._failure = self._sheet, self._failure, None, None
        if failure is not None:
            raise failure
        return sheet

    def wait(self) -> None:
        """Wait for the thread to end, and let go of what it parsed."""
        self._thread.join()
        self._sheet = self._failure = None


class QuickWorkbook:
    """The few sheets the import reads, read by calamine, looking to the checks like openpyxl's.
    ``ahead``: the sheet being parsed in a thread of its own (see SheetAhead), if any."""

    def __init__(self, book, names: list[str], ahead: SheetAhead | None = None):
        self.book, self.sheetnames, self.ahead = book, names, ahead

    def __getitem__(self, title: str) -> QuickSheet:
        ahead = self.ahead
        if ahead is not None and title == ahead.title:
            sheet = ahead.take()
            self.ahead = None  # taken once (asked for again, it is parsed again)
        else:
            sheet = self.book.get_sheet_by_name(title)
        return QuickSheet(sheet.to_python(skip_empty_area=False))

    def close(self) -> None:
        """Close the reading, once any parse still going on in a thread of its own has ended."""
        try:
            if self.ahead is not None:
                self.ahead.wait()
        finally:
            self.book.close()


def _sheet_parts(book_xml: bytes, rels_xml: bytes) -> dict[str, str]:
    """Each sheet's name and zip member, from the workbook part and its relationships."""
    from defusedxml import ElementTree

    book = ElementTree.fromstring(book_xml)
    rels = ElementTree.fromstring(rels_xml)
    targets = {r.get("Id"): r.get("Target") or "" for r in rels.iter(f"{{{PACKAGE_REL_NS}}}Relationship")}
    parts = {}
    for sheet in book.iter(f"{{{MAIN_NS}}}sheet"):
        target = targets.get(sheet.get(f"{{{REL_NS}}}id"), "")
        parts[sheet.get("name")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return parts


XML_DECLARATION = re.compile(rb"<\?xml[^>]*>")
# A worksheet's part as spreadsheet programs name it: never the name of a part calamine reads as it
# opens a workbook (the workbook part, its relationships, the styles and the shared texts).
WORKSHEET_PART = re.compile(r"xl/worksheets/sheet[0-9]{1,5}\.xml")


def _plain_xml(xml: bytes) -> bool:
    """Whether a part is UTF-8 XML with no declaration of any kind (no "<!": a document type, an
    entity, a comment or a CDATA section), which is all this product writes. The container check
    refuses declarations already: this keeps a second wall in front of calamine, whose parser is
    not defusedxml, as openpyxl's parser is the second wall behind it. UTF-8 only (no NUL byte,
    which XML never holds but UTF-16 does, and no other encoding declared), so that what the scans
    of the quick reading look for is spelt in the part's bytes as calamine will read it."""
    if xml and not (xml.startswith(b"<") or xml.startswith(b"\xef\xbb\xbf<")):
        return False
    if b"\x00" in xml or (b"!" in xml and b"<!" in xml):
        return False
    head = XML_DECLARATION.match(xml.removeprefix(b"\xef\xbb\xbf"))
    return head is None or b"encoding" not in head.group() or bool(re.search(
        rb"""encoding\s*=\s*["']utf-?8["']""", head.group(), re.IGNORECASE))


class PartFacts:
    """What the quick reading must know of a workbook's parts: whether each is plain XML and, if
    so, whether calamine may read it as a worksheet; which parts hold sheet data calamine may not
    read (sheets); each part's size; and the workbook
    part and its relationships, which say where each sheet is. Learnt a part at a time, from the
    part's bytes, while the plain parts are gathered for calamine to read (see package), in the
    order that lets the largest sheet's parse start before the other sheets are learnt (see order
    and SheetAhead). Closed when done with (it is a context manager), which lets go of what was
    gathered and waits for that parse, unless the reading took it over (take_ahead)."""

    KEPT = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")

    def __init__(self):
        self.plain: dict[str, bool] = {}
        self.quick: dict[str, bool] = {}
        self.kept: dict[str, bytes] = {}
        self.sizes: dict[str, int] = {}  # each part's size, as read
        self.sheets: set[str] = set()
        self.size = 0
        self.off = False  # a part is not plain or is too large: the quick reading is off
        self._gathered: list[tuple[str, int, bytes]] = []  # (name, CRC-32, bytes) of each plain part
        self.ahead: SheetAhead | None = None  # the largest sheet's parse, once started
        self.ahead_failure: BaseException | None = None  # why it could not start

    def __enter__(self) -> PartFacts:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def learn(self, name: str, xml: bytes, crc: int | None = None) -> None:
        """Learn a part from its bytes; ``crc``: their CRC-32, when the zip reader has checked them
        against it already (worked out here otherwise)."""
        self.plain[name], self.sizes[name] = _plain_xml(xml), len(xml)
        if not self.plain[name]:
            self._stop()
        elif not self.off:
            # calamine reads cells only after a sheetData element (whatever prefix its name has): a
            # part without one gives calamine no cell, whichever sheet it turns out to be, and is not
            # scanned (a shared strings part is the size of the sheets it serves). Only a part with
            # one can keep calamine out.
            self.quick[name] = b"sheetData" not in xml or _quick_sheet(xml)
            if not self.quick[name]:
                self.sheets.add(name)
            self._gather(name, xml, zlib_ng.crc32(xml) if crc is None else crc)
        if name in self.KEPT:
            self.kept[name] = xml

    def too_large(self, name: str) -> None:
        self.plain[name] = False
        self._stop()

    def _gather(self, name: str, xml: bytes, crc: int) -> None:
        """Keep a plain part for the package, the bytes as they are (each part is held in memory
        once); beyond QUICK_TOTAL_LIMIT in all, stop."""
        self.size += len(xml)
        if self.size > QUICK_TOTAL_LIMIT:
            self.too_large(name)
            return
        self._gathered.append((name, crc, xml))

    def _stop(self) -> None:
        self.off = True
        self._gathered = []
        self.kept.clear()

    def order(self, parts: list[zipfile.ZipInfo]) -> Iterator[zipfile.ZipInfo]:
        """The parts in the order to learn them (each is learnt, and passes the container's checks,
        before the next is asked for): every part but the worksheets named as spreadsheet programs
        name them (xl/worksheets/sheetN.xml) first, among them the workbook part, its relationships,
        the styles and any shared texts, which calamine reads as it opens a workbook; then, in a
        workbook laid out as the export lays out one of its kinds, the largest of the sheets the
        import reads (by the size the zip's directory declares), after which its parse starts, in a
        thread of its own, on a package of the parts learnt so far (see start_ahead); then the other
        worksheets, whose scans run meanwhile."""
        sheets = [part for part in parts if WORKSHEET_PART.fullmatch(part.filename)]
        later = {part.filename for part in sheets}
        yield from (part for part in parts if part.filename not in later)
        first = self._ahead_of(sheets)
        if first is not None:
            title, part = first
            yield part
            self.start_ahead(title, part.filename)
            sheets = [other for other in sheets if other is not part]
        yield from sorted(sheets, key=lambda part: part.file_size, reverse=True)

    def _ahead_of(self, sheets: list[zipfile.ZipInfo]) -> tuple[str, zipfile.ZipInfo] | None:
        """The largest of the sheets the import reads, and its part, in a workbook laid out as the
        export lays out one of its kinds whose sheets to be read are all worksheets named as
        spreadsheet programs name them (so that none is in the package the parse starts on but the
        one parsed); None otherwise, or when the quick reading is off already."""
        if self.off or self.sheets or not all(self.plain.values()):
            return None
        try:
            parts = _sheet_parts(*(self.kept[name] for name in self.KEPT))
        except Exception:  # noqa: BLE001 - a workbook part this cannot read: the quick reading says what is wrong
            return None
        laid_out = next((kind for kind, titles in layout.SHEETS.items() if list(parts) == list(titles)), None)
        if laid_out is None:
            return None
        named = {part.filename: part for part in sheets}
        read = (layout.META_SHEET, *(sheet.title for sheet in layout.DATA_SHEETS[laid_out]))
        if not all(parts[title] in named for title in read):
            return None
        largest = max(read, key=lambda title: named[parts[title]].file_size)
        return largest, named[parts[largest]]

    def start_ahead(self, title: str, name: str) -> None:
        """Start the parse of sheet ``title`` (part ``name``, just learnt) in a thread of its own, on
        a package of every part learnt so far, when all are plain and the part is fit for calamine.
        A thread that cannot start is noted (ahead_failure): the reading then leaves the workbook to
        openpyxl, as after any failure of calamine's."""
        if self.off or self.sheets or not self.quick.get(name, False) or not all(self.plain.values()):
            return
        try:
            self.ahead = SheetAhead(Package(self._zip(self._gathered)), title)
        except Exception as exc:  # noqa: BLE001 - no package (no memory for it) or no thread: the
            self.ahead_failure = exc  # package, if made, was done with

    def take_ahead(self) -> SheetAhead | None:
        """The parse started here, handed over to the caller, who waits for it (see SheetAhead)."""
        ahead, self.ahead = self.ahead, None
        return ahead

    def package(self) -> list[bytes]:
        """The plain parts as one zip, stored without compression, in pieces (a part's bytes are
        not copied to make it), handed over for calamine to read (these facts hold them no longer):
        what calamine reads is then byte for byte what the scans passed, under the names they passed
        it, whatever else the uploaded file's zip structure might say to another reader; and it
        spends no time decompressing what was decompressed once already. Written here: a zip of
        stored parts is a header before each part and a directory after them (PKWARE's APPNOTE,
        sections 4.3.7, 4.3.12 and 4.3.16), and each part's CRC-32 is the one the upload's zip
        reader checked its bytes against."""
        if self.off or not self._gathered:
            raise ValueError("the workbook's parts were not gathered")
        pieces = self._zip(self._gathered)
        self._gathered = []
        return pieces

    @staticmethod
    def _zip(gathered: list[tuple[str, int, bytes]]) -> list[bytes]:
        """The zip of stored parts (see package) of gathered parts, in pieces."""
        pieces, directory, offset = [], [], 0
        for name, crc, xml in gathered:
            encoded = name.encode("utf-8")
            flags = 0 if encoded.isascii() else ZIP_UTF8_NAME
            local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, 0, 0, ZIP_DATE, crc, len(xml), len(xml),
                                len(encoded), 0)
            directory.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, 0, 0, ZIP_DATE, crc,
                                         len(xml), len(xml), len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
            pieces += (local, encoded, xml)
            offset += len(local) + len(encoded) + len(xml)
        listing = b"".join(directory)
        pieces += (listing, struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(directory), len(directory),
                                        len(listing), offset, 0))
        return pieces

    def close(self) -> None:
        """Let go of what was gathered and of the parts kept, and wait for any parse started here
        that no reading took over."""
        self._gathered = []
        self.kept.clear()
        ahead = self.take_ahead()
        if ahead is not None:
            ahead.wait()


def reader_failed(exc: BaseException) -> bool:
    """Whether an exception is a reader's failure, the file's fault: any Exception, or a panic of
    calamine's Rust code, which arrives as PanicException, a BaseException (as KeyboardInterrupt
    is, which is no reader's failure)."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _quick_sheet(xml: bytes) -> bool:
    """Whether calamine may read this worksheet: no formula, no namespace prefix to hide one, and
    every cell in the plain form, placed within a grid of sane size."""
    return not (FORMULA_OR_NOT_PLAIN_CELL.search(xml) or _prefixed(xml))


def _prefixed(xml: bytes) -> bool:
    """Whether an element's name may hold a colon, as calamine reads names (see the comment above
    FORMULA_OR_NOT_PLAIN_CELL). Colons are few in a sheet (one a row, perhaps, in an xml:space
    attribute): each is found by a byte search, many times quicker than a regular expression's, and
    looked back from to the last "<" before it. A colon before it in the same name would have been
    found first, so only what follows the colon before is looked at. Most colons have a space
    between them and that "<", and are done with (the commonest, the xml: of an xml:space attribute
    after a space, without a look back); one with none counts when no ">" comes between either, or
    when, in the run free of spaces, tabs and line breaks that ends at it, a quote follows a "<"
    before any ">" does. In a part of many colons, searching the reversed bytes (PREFIXED_REVERSED)
    is the quicker, and finds the same."""
    find, rfind = xml.find, xml.rfind
    after, budget = 0, 64 + (len(xml) >> 8)
    while (colon := find(b":", after)) >= 0:
        start = -1 if xml[colon - 4:colon] in SPACED_XML else rfind(b"<", after, colon)
        if start >= 0 and WHITESPACE_FREE.fullmatch(xml, start + 1, colon):
            if NAME_BEFORE_COLON.fullmatch(xml, start + 1, colon):
                return True
            run = max(rfind(space, after, start) for space in (b" ", b"\t", b"\r", b"\n"))
            if QUOTE_IN_TAG.search(xml, max(run + 1, after), colon):
                return True
        after, budget = colon + 1, budget - 1
        if budget < 0:
            return PREFIXED_REVERSED.search(xml[::-1]) is not None
    return False


# Where the system can hold a file in memory alone (Linux's memfd_create), the package is handed to
# calamine as such a file, opened by its path under /proc: calamine then reads each part straight
# from it. Handed a file object instead, calamine first copies the whole package into memory of its
# own, in blocks of growing size, and a process that has given its free memory back to the system
# pays for fresh pages each time (for 1,300 rows, about a thousand: some 1.5 ms of a 30 ms check).
def _in_memory_files() -> bool:
    """Whether this system makes files held in memory alone and opens them again by their path."""
    try:
        fd = os.memfd_create("secassure-probe", os.MFD_CLOEXEC)
    except (AttributeError, OSError):
        return False
    try:
        os.close(os.open(f"/proc/self/fd/{fd}", os.O_RDONLY | os.O_CLOEXEC))
    except OSError:
        return False
    finally:
        os.close(fd)
    return True


IN_MEMORY_FILES = _in_memory_files()


class Package:
    """A package calamine reads (see PartFacts.package; the largest sheet's parse has one of its
    own), written once, of which readings are opened, each calamine's own: from a file in memory
    where the system has them (see above), from a file object otherwise (or when making the file
    fails), which each reading copies in. Each of the ``parties`` that open readings of it (a
    thread each; one, unless it is shared) must say once that it is done opening them
    (done), also when its opening failed or its thread never started, and the last lets go of the
    package: the readings keep what they need. A package never let go of closes its file when it
    is itself let go of."""

    def __init__(self, pieces: list[bytes], parties: int = 1):
        self._lock = threading.Lock()
        self._parties = parties
        self._fd: int | None = None
        self._data: bytes | None = None
        self._release = None
        if IN_MEMORY_FILES:
            try:
                fd = os.memfd_create("secassure-quick-reading", os.MFD_CLOEXEC)
            except OSError:
                pass
            else:
                try:
                    with open(fd, "wb", closefd=False) as file:
                        file.writelines(pieces)
                except BaseException:
                    os.close(fd)
                    raise
                self._fd, self._release = fd, weakref.finalize(self, os.close, fd)  # closes it once, at most
        if self._fd is None:
            self._data = b"".join(pieces)

    def open(self):
        """A reading of the package, calamine's CalamineWorkbook (by a party not yet done)."""
        from python_calamine import CalamineWorkbook

        if self._fd is not None:
            return CalamineWorkbook.from_path(f"/proc/self/fd/{self._fd}")  # which keeps its own handle on it
        if self._data is not None:
            return CalamineWorkbook.from_filelike(io.BytesIO(self._data))
        raise ValueError("the package was let go of")

    def done(self) -> None:
        """One party is done opening readings; the last lets go of the package."""
        with self._lock:
            self._parties -= 1
            if self._parties > 0:
                return
            self._fd, self._data = None, None
        if self._release is not None:
            self._release()


class NotQuick(Exception):
    """The workbook is not one for the quick reading: openpyxl reads it."""


def quick_workbook(path: Path, facts: PartFacts | None = None) -> QuickWorkbook | None:
    """The workbook read by calamine, when every part is plain UTF-8 XML of at most
    QUICK_PART_LIMIT and every sheet the import reads is a worksheet of sane size without a
    formula; None when openpyxl must read it (or calamine cannot). ``facts``: what the container's
    inspection learnt of the parts, which the caller closes (when not given, the container is
    inspected here)."""
    from python_calamine import SheetTypeEnum

    read = (layout.META_SHEET, *(sheet.title for sheets in layout.DATA_SHEETS.values() for sheet in sheets))
    owned = None
    book = ahead = None
    try:
        if facts is None:
            facts = owned = PartFacts()
            inspect_container(path, facts)
        # The largest sheet to be read is being parsed already, in a thread of its own, where the
        # workbook is laid out as the export lays out one of its kinds (see PartFacts.order): any
        # other is refused before its data sheets are read.
        ahead = facts.take_ahead()
        if facts.ahead_failure is not None:
            raise facts.ahead_failure
        if not all(facts.plain.values()):
            raise NotQuick("not every part is plain")
        # calamine finds a sheet's part by its own reading of the package (the package's relationships,
        # case and slashes in part names, any namespace, the last of repeated attributes), which may
        # differ from _sheet_parts'; it reads cells only after a sheetData element, so every part
        # holding one must be fit for it, whichever sheet it turns out to be.
        if not all(facts.quick.get(name, False) for name in facts.sheets):
            raise NotQuick("a part holding sheet data is not fit for calamine")
        parts = _sheet_parts(*(facts.kept[name] for name in PartFacts.KEPT))
        if not all(facts.quick.get(parts[title], False) for title in read if title in parts):
            raise NotQuick("a sheet to be read is not fit for calamine")
        package = Package(facts.package())
        try:
            book = package.open()
        finally:
            package.done()
        kinds = {m.name: m.typ for m in book.sheets_metadata}
        if list(kinds) != list(parts) or any(kinds[t] != SheetTypeEnum.WorkSheet for t in read if t in kinds):
            raise NotQuick("calamine finds other sheets")
    except BaseException as exc:  # anything unusual is left to openpyxl, which says what is wrong
        try:
            if ahead is not None:
                ahead.wait()
        finally:
            if book is not None:
                book.close()
        if not reader_failed(exc):
            raise
        return None
    finally:
        if owned is not None:
            owned.close()
    return QuickWorkbook(book, list(kinds), ahead)


class _Collector:
    """How many readings hold the cycle collector back (it is one for the whole process, and a
    server may read in several threads at once), and whether it ran before the first of them."""

    lock = threading.Lock()
    holders = 0
    was_on = True


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector held back while the quick reading runs. The reading makes thousands
    of lists and records (a row of cells, an entry of the metadata, an item read) that live until it
    ends and form no reference cycles, so the collector has nothing to find in them. Yet they set
    it going every few hundred, and those that outlive two of its rounds count towards a full
    round, which scans every object the process holds: with the application loaded, one came every
    twenty or so readings of 1,300 rows and took as long as two of them. Every object is still
    freed when its last reference goes. Readings in other threads at the same time share the pause
    (other work in the process runs without the collector meanwhile, for as long as the readings
    last); the last to end leaves the collector as the first found it: one already off stays off."""
    with _Collector.lock:
        if _Collector.holders == 0:
            _Collector.was_on = gc.isenabled()
            gc.disable()
        _Collector.holders += 1
    try:
        yield
    finally:
        with _Collector.lock:
            _Collector.holders -= 1
            if _Collector.holders == 0 and _Collector.was_on:
                gc.enable()


def read(path: Path, answer_kinds: dict[int, str] | None = None) -> ReadWorkbook:
    """Read and check a workbook file, without touching the database. ``answer_kinds``: each
    answer's question kind by answer id, as the caller found them."""
    with PartFacts() as facts:
        inspect_container(path, facts)
        with collector_paused():
            quick = quick_workbook(path, facts)
            if quick is not None:
                try:
                    return _read(quick, answer_kinds)
                except WorkbookRefused:
                    raise
                except BaseException as exc:  # read again by openpyxl, which names what is wrong
                    if not reader_failed(exc):
                        raise
                finally:
                    quick.close()
    wb = open_workbook(path, inspected=True)
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
    sheets = layout.DATA_SHEETS[header["kind"]]
    # A sheet being parsed in a thread of its own (see SheetAhead) is read last, so that the others
    # are read while it is parsed; each sheet's problems are kept apart and told in the sheets'
    # order all the same, as if each had been read in turn: a sheet refused outright (its headings
    # moved, or not a worksheet) ends the list, and the list stops at MAX_PROBLEMS (a sheet read
    # after those before it stops where the list would; one read before them, at MAX_PROBLEMS).
    ahead = getattr(getattr(wb, "ahead", None), "title", None)
    found: dict[str, tuple[list[ReadItem], list[Problem], bool]] = {}
    refused_at = len(sheets)  # the place of the first sheet refused outright: none after it is read
    for place, sheet in sorted(enumerate(sheets), key=lambda placed: placed[1].title == ahead):
        if place > refused_at:
            continue
        before = [found.get(earlier.title) for earlier in sheets[:place]]
        own = Problems(None if None in before else MAX_PROBLEMS - sum(len(told) for _, told, _ in before))
        try:
            found[sheet.title] = (read_sheet(wb, sheet, meta_items, header, own, answer_kinds), own.found, False)
        except WorkbookRefused as refusal:  # its own problems, or the one that refused the sheet outright
            found[sheet.title] = ([], refusal.problems, True)
            refused_at = min(refused_at, place)
    problems = Problems()
    items: list[ReadItem] = []
    for sheet in sheets[:refused_at + 1]:
        read, own, refused = found[sheet.title]
        for problem in own:
            problems.add(problem.message, problem.sheet, problem.row, problem.column)
        if refused:
            problems.raise_any()
        items.extend(read)
    locked = hashlib.sha256("\n".join(entry[4] for entry in meta_items).encode()).hexdigest()
    if locked != header["locked_hash"]:
        problems.add(f"sheet '{layout.META_SHEET}': the hash of the locked content does not match")
    if len(meta_items) != int(header["items"]):
        problems.add(f"sheet '{layout.META_SHEET}' lists {len(meta_items)} items, not {header['items']}")
    problems.raise_any()
    return ReadWorkbook(header, items)
