"""Writing the Validation Workbook (and the questionnaire on its own) as an .xlsx file.

The workbook is written with XlsxWriter in its constant-memory mode: each row goes to disk as it is
written, so memory stays flat however many rows an assessment has. XlsxWriter writes the workbook's
structure (formats, validations, protection, names); each row's XML is made here, the bytes
XlsxWriter's cell calls would make but always escaped, several times faster (bench/writers.py
compares this with the candidate writers). Every text a person wrote goes into a cell as text,
never as a formula. A very hidden sheet records what was exported (the assessment, each item's id
and revision, and hashes of the locked cells, of the inputs and of each row as read back) and is
signed, so that the import can tell edits from tampering and from changes made in the product
meanwhile."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from django.utils import timezone
from django.utils.crypto import salted_hmac
from openpyxl.utils import get_column_letter

from secassure import __version__
from secassure.assessments.choices import regime_of
from secassure.assessments.models import Assessment
from secassure.assessments.services import progress
from secassure.audit.models import ChainHead, chain_name
from secassure.exchange import flat, gathering, layout
from secassure.exchange.layout import CIO, USER, DataSheet, label_of
from secassure.people import name_and_email
from secassure.profile.services import CYCLE_RULES, PRIVACY_RULES
from secassure.review.services import bundle

SIGNING_SALT = "secassure.exchange.workbook"
INPUT_FILL = "#FFF6D5"
HEADER_FILL = "#1F3A5F"
A4 = 9  # the paper size's number in the file format
META_KEYS = ("format", "kind", "assessment", "organisation", "audience", "editable", "exported_at", "exported_by",
             "catalogue", "locked_hash", "items")


def sign(payload: dict) -> str:
    """The signature of a workbook's metadata as workbooks exported before sign_entries carry it:
    over the header and the items as JSON. Only this installation can make one."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return salted_hmac(SIGNING_SALT, text, algorithm="sha256").hexdigest()


def sign_entries(header: dict, entries: list[str]) -> str:
    """The signature of a workbook's metadata: over the header as JSON and each item's entry as its
    cell holds it, a line each (an entry holds no line break, and its fields no separator). Made
    and checked without turning thousands of entries into JSON; salted apart from sign's, so
    that neither form's signature can stand for the other's. Only this installation can make one."""
    text = json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n" + "\n".join(entries)
    return salted_hmac(f"{SIGNING_SALT}.entries", text, algorithm="sha256").hexdigest()


def chain_head(assessment: Assessment) -> dict:
    head = ChainHead.objects.filter(chain=chain_name(assessment.organisation_id)).first()
    return {"chain": chain_name(assessment.organisation_id), "seq": head.seq if head else 0,
            "hash": head.head_hash if head else ""}


# --- cells ----------------------------------------------------------------------------------------


class Styles:
    """The workbook's cell formats, made once: XlsxWriter shares a format between every cell that
    uses it. Each has a twin with a quote prefix, for text that starts like a formula, so that a
    spreadsheet program shows it, and keeps it on editing, as text."""

    def __init__(self, wb):
        wrap = {"text_wrap": True, "valign": "top"}
        shaded = {**wrap, "bg_color": INPUT_FILL, "pattern": 1, "locked": False}
        self._quoted: dict[int, object] = {}
        self._attributes: dict[int, str] = {}

        def make(**properties):
            fmt = wb.add_format(properties)
            self._quoted[id(fmt)] = wb.add_format({**properties, "quote_prefix": True})
            return fmt

        self.header = make(bold=True, font_color="#FFFFFF", bg_color=HEADER_FILL, pattern=1, **wrap)
        self.locked = make(**wrap)
        self.input = make(**shaded)
        self.locked_date = make(**wrap, num_format="yyyy-mm-dd")
        self.input_date = make(**shaded, num_format="yyyy-mm-dd")
        self.title = make(bold=True, size=14)
        self.label = make(bold=True, **wrap)

    def quoted(self, fmt):
        return self._quoted[id(fmt)]

    def attribute(self, fmt) -> str:
        """The style attribute of a cell with this format, as XlsxWriter writes it ("" for none)."""
        if fmt is None:
            return ""
        try:
            return self._attributes[id(fmt)]
        except KeyError:
            made = self._attributes[id(fmt)] = f' s="{fmt._get_xf_index()}"'
            return made


class Sheet:
    """A worksheet written a row at a time, top to bottom, as constant-memory mode requires.

    XlsxWriter keeps a constant-memory sheet's rows in a file of their own, placed between the
    sheet's head and its foot when the workbook closes. Each row's XML is made here (cell_xml) and
    goes straight into that file: the very bytes XlsxWriter's own cell calls would write for the
    same cells (a test compares the two, kind of cell by kind of cell), made many times faster,
    since those calls spend most of their time on generality this workbook does not need. One
    difference is deliberate: XlsxWriter writes text that starts <r> and ends </r> as rich-text XML,
    unescaped, through which a narrative could carry a formula into the sheet; here it is text.
    XlsxWriter still writes everything else: the formats, widths, panes, validations, protection,
    names and properties. Its version is pinned, as this depends on how it keeps a sheet's rows."""

    def __init__(self, wb: Workbook, title: str):
        self.ws = wb.xlsx.add_worksheet(title)
        if not self.ws.constant_memory or self.ws.fh is not self.ws.row_data_fh:
            raise RuntimeError("the workbook's sheets must be written in XlsxWriter's constant-memory mode")
        self.styles = wb.styles
        self.row = 0  # the next row to write, counted from 0

    def append(self, cells=()) -> None:
        """Write one row of (value, format) pairs; None leaves a cell empty and unstyled."""
        ws, row, styles = self.ws, self.row, self.styles
        self.row = row + 1
        xml, first, last = [], None, 0
        for column, pair in enumerate(cells):
            if pair is not None:
                xml.append(cell_xml(ws, row, column, *pair, styles))
                if first is None:
                    first = column
                last = column
        if first is None:
            return
        ws.fh.write(f'<row r="{row + 1}">{"".join(xml)}</row>')
        # What XlsxWriter's cell calls would have noted: the sheet's extent, and the last row written.
        if ws.dim_rowmin is None:
            ws.dim_rowmin = row
        ws.dim_rowmax = row
        if ws.dim_colmin is None or first < ws.dim_colmin:
            ws.dim_colmin = first
        if ws.dim_colmax is None or last > ws.dim_colmax:
            ws.dim_colmax = last
        ws.previous_row = row


class Workbook:
    """The XlsxWriter workbook and its formats, which every sheet shares.

    XlsxWriter keeps each sheet's rows in a temporary file until the workbook closes, and then each
    part of the package in another while it zips them. Those files hold what the rows say, so they
    are made in a folder of this workbook's own inside the scratch folder (local disk, where the
    deployment keeps what it stages, and swept of leftovers), never in the system's, and the folder
    goes when the workbook is done with: after close, or on leaving a with block (which writes the
    workbook out when the block ends normally, and discards it when an exception ends it), so that
    an export failing part-way leaves nothing behind."""

    def __init__(self, out):
        from secassure.evidence.blobs import scratch_dir

        self.folder = Path(tempfile.mkdtemp(prefix="workbook-", dir=scratch_dir()))
        self.closed = False
        try:
            # Dates are written as dates (no time zone in a cell); nothing is ever taken for a
            # formula, a number or a link: text is written as text, whatever it starts with.
            self.xlsx = xlsxwriter.Workbook(out, {"constant_memory": True, "remove_timezone": True,
                                                  "strings_to_formulas": False, "strings_to_urls": False,
                                                  "strings_to_numbers": False, "tmpdir": str(self.folder)})
            self.styles = Styles(self.xlsx)
        except BaseException:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise

    def sheet(self, title: str) -> Sheet:
        return Sheet(self, title)

    def close(self) -> None:
        """Write the workbook out (once); its temporary files go whether or not that succeeds."""
        if self.closed:
            return
        self.closed = True
        try:
            self.xlsx.close()
        finally:
            self.discard()

    def discard(self) -> None:
        """Remove the workbook's temporary files, closing any sheet's row file still open. What was
        written to the output stays as it is: removing a part-written file is its caller's part."""
        for ws in self.xlsx.worksheets():
            handle = getattr(ws, "row_data_fh", None)
            if handle is not None and not handle.closed:
                handle.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, kind, exc, traceback) -> None:
        """A block that ends normally writes the workbook out, if it was not closed in the block;
        one left by an exception discards it."""
        if kind is None:
            self.close()
        else:
            self.discard()


COLUMN_LETTERS = [get_column_letter(n) for n in range(1, 703)]  # A to ZZ, far wider than any sheet here
# What a spreadsheet reads as an escaped character (_x000D_ is a carriage return): such text in a
# cell is written with its underscore escaped, so that it reads back as written.
ESCAPE_LIKE = re.compile("(_x[0-9a-fA-F]{4}_)")


def cell_xml(ws, row: int, column: int, value, style, styles: Styles) -> str:
    """The XML of the cell at (row, column), as XlsxWriter writes it in constant-memory mode. Text
    is always text, an inline string, escaped whatever it holds (a leading = + - @ cannot make it
    a formula, and it carries a quote prefix so that a spreadsheet program keeps it text on
    editing; nor can text that looks like XML become XML); None with a format is an empty cell
    with that format."""
    if isinstance(value, str):
        # The text is first cleaned of what a cell cannot hold (layout.cell_text), which leaves no
        # control character but tab, line feed and carriage return; printable text of a length no
        # cell cuts holds nothing to clean, and most text is so.
        text = value if len(value) <= layout.CELL_LIMIT // 2 and value.isprintable() else layout.cell_text(value)
        if text.startswith(layout.FORMULA_START):
            style = styles.quoted(style)
        if "_x" in text:
            text = ESCAPE_LIKE.sub(r"_x005F\1", text)
        if "\r" in text:
            text = text.replace("\r", "_x000D_")
        preserve = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return (f'<c r="{COLUMN_LETTERS[column]}{row + 1}"{styles.attribute(style)} t="inlineStr"><is><t{preserve}>'
                f"{text}</t></is></c>")
    where = f'<c r="{COLUMN_LETTERS[column]}{row + 1}"{styles.attribute(style)}'
    if value is None:
        return f"{where}/>"
    if isinstance(value, bool):
        return f'{where} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, dt.date):
        value = ws._convert_date_time(value)
    elif not isinstance(value, int | float | Decimal) or not math.isfinite(value):
        raise TypeError(f"a cell cannot hold {value!r}")
    return f"{where}><v>{value:.16G}</v></c>"


def _table(ws: Sheet, styles: Styles, headers: list[str], rows, widths: list[int] | None = None) -> int:
    ws.append([(h, styles.header) for h in headers])
    count = 0
    for row in rows:
        ws.append([(v, styles.locked_date if isinstance(v, dt.date) else styles.locked) for v in row])
        count += 1
    return count


def _widths(ws: Sheet, widths: list[int]) -> None:
    for i, width in enumerate(widths):
        ws.ws.set_column(i, i, width)


def _page(ws: Sheet, *, landscape: bool = True, repeat_heading: bool = True, pages_wide: int = 1) -> None:
    """Print on A4, fitted to pages_wide pages across, with the heading row on every page."""
    sheet = ws.ws
    sheet.set_paper(A4)
    if landscape:
        sheet.set_landscape()
    else:
        sheet.set_portrait()
    sheet.fit_to_pages(pages_wide, 0)
    if repeat_heading:
        sheet.repeat_rows(0)


def _freeze(ws: Sheet, at: str) -> None:
    """Freeze the panes above and left of the cell at (as "E2")."""
    from openpyxl.utils.cell import coordinate_to_tuple

    row, column = coordinate_to_tuple(at)
    ws.ws.freeze_panes(row - 1, column - 1)


def _protect(ws: Sheet) -> None:
    """Lock the sheet, leaving the unlocked (shaded) cells editable and the columns and rows resizable."""
    ws.ws.protect("", {"format_cells": True, "format_columns": True, "format_rows": True})


# --- rows and answers ------------------------------------------------------------------------------


def _evidence_text(item) -> str:
    return "\n".join(f"D-{document}{f' v{number}' if number else ' (no file yet)'} {title}"
                     for document, number, title in item.evidence)


def _cio_cell(item, audience: str, by) -> str:
    found = item.comment_list
    if audience == CIO:
        own = [c for c in found if by is not None and c.author_id == by.pk]
        return own[-1].text if own else ""
    return "\n\n".join(f"{name_and_email(c.author)}: {c.text}" for c in found)


def item_values(sheet: DataSheet, item, audience: str, by) -> list:
    """One data row of a sheet, in its columns' order, as written to the workbook."""
    if sheet.item == "row":
        o = item.obligation
        values = {
            "id": item.pk, "group": item.group_ref, "ref": o.ref, "title": o.title, "summary": o.summary,
            "status": label_of("status", item.status), "narrative": item.narrative, "na_reason": item.na_reason,
            "last_tested": item.last_tested,
            "changed": label_of("yesno", item.changed) if item.changed is not None else "",
        }
    else:
        q = item.question
        values = {
            "id": item.pk, "ref": q.ref, "text": q.text, "answer": label_of("answer", item.answer),
            "narrative": item.narrative, "material": label_of("yesno", bool(item.material)),
            "material_rationale": item.material_rationale,
            "changed": label_of("yesno", item.changed) if item.changed is not None else "",
        }
    values.update(change_note=item.change_note, owner=name_and_email(item.owner),
                  checked_by=name_and_email(item.checked_by), evidence=_evidence_text(item),
                  cio_comment=_cio_cell(item, audience, by))
    return [values[c.key] for c in sheet.columns]


# --- the sheets ------------------------------------------------------------------------------------


def _data_sheet(wb, sheet: DataSheet, items, audience: str, by, meta_items: list, editable: bool) -> None:
    ws = wb.sheet(sheet.title)
    _page(ws, pages_wide=2)  # fifteen columns do not fit one page at a readable size
    styles = wb.styles
    _widths(ws, [c.width for c in sheet.columns])
    _freeze(ws, "E2" if sheet.item == "row" else "D2")
    inputs = set(sheet.inputs(audience)) if editable else set()
    locked = [i for i in range(len(sheet.columns)) if i not in inputs]
    ordered_inputs = sorted(inputs)
    column_styles = []
    for i, column in enumerate(sheet.columns):
        if i in inputs:
            column_styles.append(styles.input_date if column.kind == "date" else styles.input)
        else:
            column_styles.append(styles.locked_date if column.kind == "date" else styles.locked)
    ws.append([(c.header, styles.header) for c in sheet.columns])
    answer_at = next((i for i, c in enumerate(sheet.columns) if c.key == "answer"), None)
    answer_rows: dict[str | None, list[int]] = {}  # the answer drop-down each row offers, by list
    excel_row = 1
    for item in items:
        excel_row += 1
        values = item_values(sheet, item, audience, by)
        row_styles = column_styles
        if answer_at in inputs:
            listed = layout.ANSWER_LISTS.get(item.question.answer_kind, "answer")
            answer_rows.setdefault(listed, []).append(excel_row)
            if listed is None:  # answered in words: nothing to choose, so the cell is not offered
                row_styles = [*column_styles[:answer_at], styles.locked, *column_styles[answer_at + 1:]]
        values = [layout.cell_text(v) if isinstance(v, str) else v for v in values]  # as the cells hold them
        ws.append(zip(values, row_styles, strict=True))
        written = [layout.plain_text(v) if isinstance(v, str) else layout.plain(v) for v in values]
        kept = [written[i] for i in locked]
        # Each locked cell's hash says which cell was changed; the hash of them all checks the locked
        # cells of a row whose inputs were edited with one hash instead of one a cell; the hash of
        # the row as read back lets the import take an unchanged row (nearly every row) as it is.
        meta_items.append([sheet.title, excel_row, item.pk, item.revision,
                           "".join(map(layout.cell_check, kept)),
                           layout.digest_plain([written[i] for i in ordered_inputs]), layout.digest_plain(kept),
                           layout.quick_digest([layout.quick_value(v) for v in values])])
    last = max(excel_row, 2)
    for i in sorted(inputs):
        column = sheet.columns[i]
        letter = sheet.letter(i)
        if i == answer_at:
            # Each question offers the answers of its kind; one drop-down a kind, over its rows.
            for listed, rows in answer_rows.items():
                if listed is not None:
                    ranges = [f"{letter}{first}:{letter}{end}" for first, end in _runs(rows)]
                    _validate(ws, ranges, _list_validation(column, listed))
            continue
        if column.vocabulary:
            rule = _list_validation(column, column.vocabulary)
        elif column.kind == "date":
            rule = {"validate": "date", "criteria": ">", "value": "1", "ignore_blank": True, "show_error": True,
                    "error_title": column.header, "error_message": "Enter a date"}
        else:
            continue
        _validate(ws, [f"{letter}2:{letter}{last}"], rule)
    _protect(ws)


def _list_validation(column, vocabulary: str) -> dict:
    shown = ", ".join(label for label, _ in layout.VOCABULARIES[vocabulary])
    return {"validate": "list", "source": f"={layout.LIST_NAMES[vocabulary]}", "ignore_blank": True,
            "show_error": True, "error_title": column.header, "error_message": f"Choose one of: {shown}"}


def _validate(ws: Sheet, ranges: list[str], rule: dict) -> None:
    """One data validation over every range given (one rule, however many runs of rows it covers)."""
    from openpyxl.utils.cell import range_boundaries

    min_col, min_row, max_col, max_row = range_boundaries(ranges[0])
    if ws.ws.data_validation(min_row - 1, min_col - 1, max_row - 1, max_col - 1,
                             {**rule, "multi_range": " ".join(ranges)}) != 0:
        raise ValueError(f"the data validation of {ranges[0]} was refused: {rule}")


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Ascending row numbers as (first, last) runs of consecutive rows."""
    runs: list[list[int]] = []
    for row in rows:
        if runs and row == runs[-1][1] + 1:
            runs[-1][1] = row
        else:
            runs.append([row, row])
    return [(first, end) for first, end in runs]


def _lists(wb) -> None:
    ws = wb.sheet(layout.LISTS_SHEET)
    ws.ws.hide()
    styles = wb.styles
    names = list(layout.VOCABULARIES)
    ws.append([(name, styles.header) for name in names])
    depth = max(len(v) for v in layout.VOCABULARIES.values())
    for i in range(depth):
        row = []
        for name in names:
            vocabulary = layout.VOCABULARIES[name]
            row.append((vocabulary[i][0], styles.locked) if i < len(vocabulary) else None)
        ws.append(row)
    for n, name in enumerate(names, 1):
        letter = get_column_letter(n)
        ref = f"'{layout.LISTS_SHEET}'!${letter}$2:${letter}${len(layout.VOCABULARIES[name]) + 1}"
        wb.xlsx.define_name(layout.LIST_NAMES[name], f"={ref}")
    _protect(ws)


INSTRUCTIONS = (
    "How to use this workbook",
    "",
    "1. Fill in the shaded cells only. The other cells are locked: they are what secassure exported and "
    "what the import checks has not been changed.",
    "2. Use the drop-downs for status, answers and yes/no columns. Enter dates as dates. Each question's "
    "drop-down offers the answers of its kind; a question answered in words has none: write its answer in "
    "the Narrative column.",
    "3. Do not add, remove, move or sort rows or sheets, and do not rename sheets. The import matches each "
    "row by its ID and refuses a workbook whose rows or sheets were moved.",
    "4. Type values, not formulas: a formula in an input cell is refused.",
    "5. To bring your changes back, upload the workbook on the assessment's page (Workbook, Import) or run "
    "`secassure workbook import ID FILE --dry-run`. You will see every change before anything is saved.",
    "6. If someone changed a row in secassure after you exported the workbook, the import shows both "
    "versions and you choose which to keep, row by row.",
    "",
    "Evidence is linked in secassure, not here: the Evidence column and the Evidence index list what is "
    "linked, with the sha256 of each file version.",
)


def _instructions(wb, kind: str, audience: str) -> None:
    ws = wb.sheet("Instructions")
    _page(ws, landscape=False, repeat_heading=False)
    styles = wb.styles
    _widths(ws, [110])
    ws.append([(INSTRUCTIONS[0], styles.title)])
    lines = INSTRUCTIONS[1:]
    if audience == CIO:
        lines = ("", "This copy is for the CIO reviewer: only the CIO comment column can be filled in. The "
                 "User's answers are shown as submitted.") + lines[1:]
    for line in lines:
        ws.append([(line, styles.locked)])
    _protect(ws)


def _cover(wb, assessment: Assessment, facts: dict) -> None:
    ws = wb.sheet("Cover")
    _page(ws, landscape=False, repeat_heading=False)
    styles = wb.styles
    _widths(ws, [34, 80])
    ws.append([(f"{assessment.title}", styles.title)])
    for label, value in facts.items():
        ws.append([(label, styles.label), (value, styles.locked_date if isinstance(value, dt.date) else styles.locked)])
    _protect(ws)


def _cover_facts(assessment: Assessment, kind: str, audience: str, by, now) -> dict:
    from secassure.profile.models import RuleSet

    figures = progress(assessment)
    rows, questions = figures["rows"].as_dict(), figures["questions"].as_dict()
    # The rules of the assessment's own regime: the privacy-cycle rules for a privacy assessment.
    rules = (RuleSet.objects.filter(name=PRIVACY_RULES if regime_of(assessment.kind) == "privacy" else CYCLE_RULES,
                                    status="published", effective_date__lte=timezone.localdate())
             .order_by("-effective_date", "-loaded_at").first())
    head = chain_head(assessment)
    org = assessment.organisation
    return {
        "Organisation": f"{org.name} ({org.slug})",
        "Assessment": f"{assessment.get_kind_display()}: {assessment.title} (ID {assessment.pk})",
        "Status": assessment.get_status_display(),
        "Period": " to ".join(d.isoformat() for d in (assessment.period_start, assessment.period_end) if d) or "",
        "Regime": ("Privacy (SEC Section I)" if regime_of(assessment.kind) == "privacy"
                   else "Security (SEC Section G)"),
        "Catalogue": str(assessment.catalogue),
        "Assessment rules": str(rules) if rules else "none loaded",
        "Workbook": "Validation Workbook" if kind == layout.VALIDATION_WORKBOOK else "Questionnaire",
        "Written for": "the CIO reviewer" if audience == CIO else "the User's team",
        "Rows assessed": f"{rows.get('assessed', 0)} of {rows.get('total', 0)}",
        "Questions answered": f"{questions.get('assessed', 0)} of {questions.get('total', 0)}",
        "Materiality decision": (assessment.get_decision_display() if assessment.decision else "not decided"),
        "Exported at": now.isoformat(timespec="seconds"),
        "Exported by": name_and_email(by) if by is not None else "secassure command line",
        "Audit chain head": f"{head['chain']} #{head['seq']} {head['hash']}",
        "secassure version": __version__,
    }


def _listing(wb, title: str, widths: list[int], freeze: str | None = None):
    """A read-only listing sheet: printable, with set widths and, if given, frozen panes."""
    ws = wb.sheet(title)
    _page(ws)
    _widths(ws, widths)
    if freeze:
        _freeze(ws, freeze)
    return ws, wb.styles


def _evidence_index(wb, assessment: Assessment) -> None:
    headers = ["Document", "Title", "Type", "Version", "File", "sha256", "Size (bytes)", "Effective", "Expires",
               "Owner", "Provider", "Pinned at submission", "Linked from"]
    ws, styles = _listing(wb, "Evidence index", [10, 40, 12, 9, 30, 66, 12, 12, 12, 24, 24, 12, 30], "C2")

    def rows():
        for entry in gathering.evidence_index(assessment):
            d, v = entry["doc"], entry["version"]
            yield [f"D-{d.pk}", d.title, d.get_doc_type_display(), v.number if v else "", v.original_name if v else "",
                   v.sha256 if v else "", v.size if v else "", v.effective_date if v else "",
                   (v.expiry_date or "") if v else "", name_and_email(d.owner) if d.owner_id else "",
                   d.provider.name if d.provider_id else "", "yes" if entry["pinned"] else "no",
                   ", ".join(entry["refs"])]

    _table(ws, styles, headers, rows())
    _protect(ws)


def _changes_and_risks(wb, assessment: Assessment) -> None:

    ws, styles = _listing(wb, "Changes", [20, 70, 12, 12, 24])
    changes = assessment.changes.select_related("risk", "recorded_by").order_by("changed_on", "pk")
    _table(ws, styles, ["Area", "What changed", "When", "Risk", "Recorded by"],
           ([c.get_area_display(), c.description, c.changed_on or "", c.risk.ref if c.risk_id else "",
             name_and_email(c.recorded_by) if c.recorded_by_id else ""] for c in changes))
    _protect(ws)

    ws, styles = _listing(wb, "Risks", [9, 40, 24, 10, 10, 10, 10, 10, 10, 16, 40, 24, 12, 9], "C2")
    _table(ws, styles, flat.RISK_HEADERS, flat.risk_rows(assessment))
    _protect(ws)


def _review_sheets(wb, review: dict) -> None:
    ws, styles = _listing(wb, "CIO review", [10, 14, 10, 26, 90])
    _table(ws, styles, ["Query", "About", "Status", "Raised by", "Thread"],
           ([f"Q-{q['id']}", q["item"] or "overall", q["status"], q["raised_by"],
             "\n\n".join(f"{m['side'].upper()} {m['author']} ({m['at'][:16]}): {m['text']}"
                         + (f" [evidence: {m['evidence']}]" if m["evidence"] else "") for m in q["messages"])]
            for q in review["queries"]))
    ws.append([])
    _table(ws, styles, ["Comment", "About", "", "CIO", "Comment"],
           ([f"C-{n}", c["item"] or "overall", "", c["author"], c["text"]]
            for n, c in enumerate(review["comments"], 1)))
    outcome = review["outcome"]
    if outcome:
        ws.append([])
        _table(ws, styles, ["Outcome", "Clause", "Received", "Reference", "Decision text"],
               [[outcome["decision"], outcome["clause"] or "", outcome["received_on"], outcome["reference"] or "",
                 outcome["text"] or ""]])
    _protect(ws)

    ws, styles = _listing(wb, "Remediation", [10, 14, 10, 12, 60, 14, 50, 12])
    _table(ws, styles, ["Finding", "Kind", "Severity", "Clause", "Description", "Status", "Management response",
                        "Response due"],
           ([f["ref"], f["kind"], f["severity"], f["clause"], f["description"], f["status"], f["response"],
             f["response_due"] or ""] for f in review["findings"]))
    for plan in review["plans"]:
        ws.append([])
        _table(ws, styles, ["Plan", "Finding", "Clause", "Owner", "Action", "Target date", "Closure evidence",
                            "Status"],
               ([f"v{plan['version']} ({plan['status']})", a["finding"] or "", a["clause"], a["owner"] or "",
                 a["description"], a["target_date"], a["closure_evidence"] or "", a["status"]]
                for a in plan["actions"]))
    _protect(ws)


def _meta(wb, header: dict, items: list) -> str:
    ws = wb.sheet(layout.META_SHEET)
    ws.ws.very_hidden()
    locked = wb.styles.locked
    entries = [layout.ITEM_SEPARATOR.join(entry) for entry in items]
    signature = sign_entries(header, entries)
    for key in META_KEYS:
        ws.append([(key, locked), (str(header[key]), locked)])
    ws.append([("signature", locked), (signature, locked)])
    ws.append([(layout.ITEM_SEPARATOR.join(layout.ENTRY_FIELDS), locked)])
    for entry in entries:  # one cell an item keeps the sheet small and quick to write
        ws.append([(entry, locked)])
    _protect(ws)
    return signature


# --- the workbook ---------------------------------------------------------------------------------


def _may_edit(assessment: Assessment, by) -> bool:
    from secassure.tenancy.access import EDIT_ASSESSMENTS, door_of

    door = door_of(by, assessment.organisation)  # the command line's door opens to everything
    return door is not None and door.may(EDIT_ASSESSMENTS)


def audience_of(assessment: Assessment, by) -> str:
    from secassure.review.actions import is_reviewer

    return CIO if by is not None and is_reviewer(by, assessment) else USER


def write(assessment: Assessment, out, *, by=None, kind: str = layout.VALIDATION_WORKBOOK,
          record: bool = False) -> dict:
    """Write the workbook to out (a path or a binary file). by is the person it is for (None: the
    command line, which writes the User's copy); record writes the User's copy with every cell locked,
    whoever asks (for the submission pack). Returns what was written, for the caller to report."""
    if kind not in layout.KINDS:
        from secassure.errors import ActionError

        raise ActionError(f"{kind!r} is not a workbook kind; use one of {', '.join(layout.KINDS)}")
    audience = USER if record else audience_of(assessment, by)
    from secassure.assessments.choices import AssessmentStatus

    if record:
        editable = False
    elif audience == USER:  # an Observer's copy, like a submitted assessment's, opens no cell
        editable = assessment.editable and _may_edit(assessment, by)
    else:
        editable = assessment.status == AssessmentStatus.CIO_REVIEW
    now = timezone.now()
    with Workbook(out) as wb:
        _instructions(wb, kind, audience)
        _cover(wb, assessment, _cover_facts(assessment, kind, audience, by, now))
        meta_items: list = []
        for sheet in layout.DATA_SHEETS[kind]:
            _data_sheet(wb, sheet, gathering.items(assessment, sheet.item), audience, by, meta_items, editable)
        if kind == layout.VALIDATION_WORKBOOK:
            _evidence_index(wb, assessment)
            _changes_and_risks(wb, assessment)
            _review_sheets(wb, bundle(assessment))
        _lists(wb)
        locked_hash = hashlib.sha256("\n".join(entry[4] for entry in meta_items).encode()).hexdigest()
        header = {"format": layout.FORMAT, "kind": kind, "assessment": assessment.pk,
                  "organisation": assessment.organisation.slug, "audience": audience,
                  "exported_at": now.isoformat(timespec="seconds"), "exported_by": by.email if by else "command line",
                  "catalogue": str(assessment.catalogue), "locked_hash": locked_hash, "items": len(meta_items),
                  "editable": editable}
        header = {k: str(v) for k, v in header.items()}
        _meta(wb, {k: header[k] for k in META_KEYS}, [[str(v) for v in entry] for entry in meta_items])
        for name in ("format", "kind", "assessment", "organisation", "audience", "locked_hash"):
            wb.xlsx.set_custom_property(f"secassure.{name}", header[name], "text")
        what = "Validation Workbook" if kind == layout.VALIDATION_WORKBOOK else "Questionnaire"
        wb.xlsx.set_properties({"title": layout.cell_text(f"{assessment.title}: {what}"), "author": "secassure"})
        wb.close()
    return {"assessment": assessment.pk, "kind": kind, "audience": audience, "items": len(meta_items),
            "editable": editable, "locked_hash": locked_hash, "exported_at": header["exported_at"]}


def filename(assessment: Assessment, kind: str = layout.VALIDATION_WORKBOOK) -> str:
    from django.utils.text import slugify

    what = "validation-workbook" if kind == layout.VALIDATION_WORKBOOK else "questionnaire"
    return f"{slugify(assessment.organisation.slug)}-{assessment.pk}-{slugify(assessment.title)[:40]}-{what}.xlsx"
