"""The shape of the Validation Workbook and of the questionnaire workbook: which sheets, in which
order, which columns each data sheet has, which of them a person may fill in, and the fixed
vocabularies behind the drop-downs. The export writes this shape and the import expects it, so both
read it from here."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import marshal
import re
import zlib
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from secassure.assessments.choices import ANSWERS_FOR, Compliance
from secassure.catalogue.choices import AnswerKind

FORMAT = "secassure-workbook/1"
VALIDATION_WORKBOOK = "validation-workbook"
QUESTIONNAIRE = "questionnaire"
KINDS = (VALIDATION_WORKBOOK, QUESTIONNAIRE)

# Who the workbook was written for: the User's people fill in the assessment; the CIO reviewer
# writes comments. Each may change only their own columns.
USER, CIO = "user", "cio"

META_SHEET = "_meta"
ITEM_SEPARATOR = "|"  # between the fields of one item's entry in the metadata sheet
# An item's entry: its place, its revision, the check of each locked cell (CHECK_LENGTH characters
# each, run together; ":" between them in workbooks exported before), the hash of its input cells,
# the hash of its locked cells together, and the hash of the whole row as the quick reading reads it
# back (quick_digest). Workbooks exported before the last fields were added have the first six or
# seven, with a hash of each locked cell (cell_digest) where entries of eight have a shorter check
# (cell_check), and are read as before.
ENTRY_FIELDS = ("sheet", "row", "id", "revision", "locked", "input", "locked row", "as read")
CHECK_LENGTH = 8
LISTS_SHEET = "Lists"

# The input vocabularies: (what the drop-down shows, what is stored).
VOCABULARIES: dict[str, list[tuple[str, object]]] = {
    "status": [(label, value) for value, label in Compliance.choices],
    "answer": [(a.label, a.value) for a in ANSWERS_FOR[AnswerKind.YES_NO]],
    "answer_status": [(a.label, a.value) for a in ANSWERS_FOR[AnswerKind.STATUS]],
    "yesno": [("Yes", True), ("No", False)],
}
# The drop-down of each kind of question's answer cell. A question answered in words has none: its
# narrative is the answer.
ANSWER_LISTS: dict[str, str | None] = {AnswerKind.YES_NO: "answer", AnswerKind.STATUS: "answer_status",
                                       AnswerKind.TEXT: None}
# The answer column holds the answers of every kind of question, so it reads any of their words;
# whether a question takes the one written is checked on import, against the question's kind.
ACCEPTED = {"answer": ("answer", "answer_status")}
# Defined names the drop-downs refer to (Excel and LibreOffice both keep them).
LIST_NAMES = {name: f"secassure_{name}" for name in VOCABULARIES}

# A cell holds at most 32,767 UTF-16 code units (Excel and LibreOffice both count so: a character
# beyond U+FFFF, an emoji say, counts twice) and LibreOffice cuts longer text when it saves. Text is
# cut to this many units, in the workbook and when comparing with it.
CELL_LIMIT = 32_000


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int
    kind: str = "display"  # id | display | text | choice | date | yesno
    vocabulary: str | None = None
    side: str | None = None  # who may fill it in: USER, CIO, or nobody (None)

    def editable_by(self, audience: str) -> bool:
        return self.side == audience


@dataclass(frozen=True)
class DataSheet:
    title: str
    item: str  # "row" or "answer"
    columns: tuple[Column, ...]
    label: str = field(default="")

    def letter(self, index: int) -> str:
        return get_column_letter(index + 1)

    def where(self, index: int) -> str:
        column = self.columns[index]
        return f"column {self.letter(index)} ({column.header})"

    def inputs(self, audience: str) -> list[int]:
        return [i for i, c in enumerate(self.columns) if c.editable_by(audience)]

    def locked(self, audience: str) -> list[int]:
        return [i for i, c in enumerate(self.columns) if not c.editable_by(audience)]


# What rows and answers both end with: the change since the baseline, who owns and checked it, the
# evidence, and the CIO's comment.
COMMON_TAIL = (
    Column("changed", "Changed since baseline", 12, "yesno", "yesno", USER),
    Column("change_note", "What changed", 36, "text", side=USER),
    Column("owner", "Owner", 24),
    Column("evidence", "Evidence", 40),
    Column("checked_by", "Checked by", 24),
    Column("cio_comment", "CIO comment", 48, "text", side=CIO),
)

VALIDATION = DataSheet("Validation", "row", (
    Column("id", "ID", 9, "id"),
    Column("group", "SEC group", 11),
    Column("ref", "Ref", 12),
    Column("title", "Obligation", 36),
    Column("summary", "What it requires", 60),
    Column("status", "Status", 20, "choice", "status", USER),
    Column("narrative", "How it is met", 60, "text", side=USER),
    Column("na_reason", "Why it does not apply", 30, "text", side=USER),
    Column("last_tested", "Last tested", 13, "date", side=USER),
    *COMMON_TAIL,
), "validation rows")

QUESTIONS = DataSheet("Questionnaire", "answer", (
    Column("id", "ID", 9, "id"),
    Column("ref", "Ref", 10),
    Column("text", "Question", 60),
    Column("answer", "Answer", 16, "choice", "answer", USER),
    Column("narrative", "Narrative", 60, "text", side=USER),
    Column("material", "Material increase in risk", 13, "yesno", "yesno", USER),
    Column("material_rationale", "Why (material increase)", 40, "text", side=USER),
    *COMMON_TAIL,
), "questionnaire answers")

DATA_SHEETS = {VALIDATION_WORKBOOK: (VALIDATION, QUESTIONS), QUESTIONNAIRE: (QUESTIONS,)}

# Every sheet of each kind of workbook, in order.
SHEETS = {
    VALIDATION_WORKBOOK: ("Instructions", "Cover", VALIDATION.title, QUESTIONS.title, "Evidence index", "Changes",
                          "Risks", "CIO review", "Remediation", LISTS_SHEET, META_SHEET),
    QUESTIONNAIRE: ("Instructions", "Cover", QUESTIONS.title, LISTS_SHEET, META_SHEET),
}

# Fields a person fills in, per kind of item (the CIO comment aside).
ITEM_FIELDS = {
    "row": ("status", "narrative", "na_reason", "last_tested", "changed", "change_note"),
    "answer": ("answer", "narrative", "material", "material_rationale", "changed", "change_note"),
}

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# What XML 1.0 (and so a worksheet) cannot hold: most control characters, lone surrogates and the
# non-characters U+FFFE and U+FFFF. Text pasted from elsewhere may carry them (a line break from a
# word processor is a vertical tab); the workbook holds them as a new line or not at all.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
BREAKS = str.maketrans({"\x0b": "\n", "\x0c": "\n"})


def _surely_xml(text: str) -> bool:
    """Whether text is printable but for tabs and line breaks, as most cells are: such text holds
    nothing XML cannot carry (every character NOT_XML finds is unprintable), and str.isprintable
    says so many times faster than the pattern can search a long text. False is no verdict: the
    pattern then looks."""
    return text.isprintable() or text.replace("\n", "").replace("\r", "").replace("\t", "").isprintable()


def cell_text(text: str) -> str:
    """Text as a cell can hold it: without what XML cannot carry, cut to CELL_LIMIT code units."""
    if not _surely_xml(text) and NOT_XML.search(text):
        text = NOT_XML.sub("", text.translate(BREAKS))
    if len(text) > CELL_LIMIT // 2 and len(encoded := text.encode("utf-16-le")) > 2 * CELL_LIMIT:
        text = encoded[:2 * CELL_LIMIT].decode("utf-16-le", errors="ignore")  # a pair cut in two is dropped
    return text


def quick_value(value) -> object:
    """A value the export wrote in a cell (text already as the cell holds it) as python-calamine
    reads it back: text as written, an empty or unwritten cell as "", a number as a float."""
    if value is None:
        return ""
    if isinstance(value, str):
        return str.__str__(value)  # a str itself, as calamine gives, even of a subclass (see quick_digest)
    if isinstance(value, bool | dt.date):
        return value
    return float(value)


def quick_digest(values: list) -> str:
    """A hash of a row's cells as python-calamine reads them, made by the export from quick_value
    of what it wrote: a row read back with this hash is the row as exported, in every cell, so the
    import takes it as it is, without reading it a cell at a time."""
    return quick_digests((values,))[0]


def quick_digests(rows) -> list[str]:
    """quick_digest of each of rows, made in one loop (the import makes one a row read)."""
    dumps, sha256, digests = marshal.dumps, hashlib.sha256, []
    for values in rows:
        try:
            data = dumps(values if type(values) is list else list(values), 2)
        except ValueError:  # a value marshal does not take, such as a date or a time
            data = repr(tuple(values)).encode("utf-8", "backslashreplace")
        digests.append(sha256(data).hexdigest()[:16])
    return digests


def plain_text(text: str) -> str:
    """plain() of text already as a cell holds it."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def plain(value) -> object:
    """The one comparable form of a cell's value: text as a cell holds it, trimmed, with newlines
    unified; empty as ""; dates as ISO text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return plain_text(cell_text(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# One encoder for every digest: json.dumps with options builds a new one each call, which the
# export, hashing each cell of thousands of rows, would feel.
_DIGEST_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)
_json_text = json.encoder.encode_basestring  # what that encoder uses for text


def digest(values) -> str:
    """A short hash of some values in their plain form."""
    return digest_plain([plain(v) for v in values])


def cell_digest(value) -> str:
    """The hash the metadata keeps of one locked cell, in its plain form: digest_plain([value])
    cut to 8 characters, made without the list around the value (the export makes one a cell)."""
    if type(value) is str:
        return hashlib.sha256(f"[{_json_text(value)}]".encode()).hexdigest()[:CHECK_LENGTH]
    return digest_plain([value])[:CHECK_LENGTH]


def cell_check(value) -> str:
    """The check the metadata keeps of one locked cell, in its plain form, in an entry that also
    keeps the row as read: a CRC-32, many times quicker to make than a hash. It only names which
    cell changed: that a locked cell changed at all is found by the hash of the row's locked cells
    together, which a change cannot slip past as it could past a check this short."""
    if type(value) is str:
        return f"{zlib.crc32(_json_text(value).encode()):08x}"
    return f"{zlib.crc32(_DIGEST_JSON.encode(value).encode()):08x}"


def locked_checks(text: str) -> list[str]:
    """The checks of an entry's locked cells, a cell's each: eight characters a cell, run together
    (with ":" between them in workbooks exported before, which are read as well)."""
    if ":" in text:
        return text.split(":")
    return [text[i:i + CHECK_LENGTH] for i in range(0, len(text), CHECK_LENGTH)]


def cell_hasher(entry: list[str]):
    """The function that made an entry's locked cells' hashes: cell_check in entries that keep the
    row as read, cell_digest in those of workbooks exported before."""
    return cell_check if len(entry) >= len(ENTRY_FIELDS) else cell_digest


def digest_plain(values: list) -> str:
    """digest() of values already in their plain form (the export has them so, for every cell).
    Text, most of what is hashed, is encoded as the JSON encoder would, without its overhead."""
    if all(type(v) is str for v in values):
        text = "[" + ",".join(map(_json_text, values)) + "]"
    else:
        text = _DIGEST_JSON.encode(values)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def accepted(vocabulary: str) -> list[tuple[str, object]]:
    """What a cell of a column with this vocabulary may hold: (label, stored) pairs."""
    return [pair for name in ACCEPTED.get(vocabulary, (vocabulary,)) for pair in VOCABULARIES[name]]


def label_of(vocabulary: str, value) -> str:
    for label, stored in accepted(vocabulary):
        if stored == value:
            return label
    return ""
