"""Which column of a client's table fills which field, and what each distinct cell means.

The proposal is only a proposal: the person sees every column chosen and every distinct value read,
with the values nothing was read from listed, and may correct any of it. So the guess is kept
simple and explainable: a column is chosen because its header is one of the field's usual names
(or, for a reference, because its cells look like references), and a cell is read against a fixed
vocabulary of the words clients and consultancies use."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from secassure.exchange.intake import fields as F
from secassure.exchange.intake.tables import IntakeRefused, Table

EXACT, CONTAINED = 3, 2
MIN_CONTAINED = 3  # a synonym shorter than this ("l", "q", "id") names a column only on its own


def normalise(text: str) -> str:
    """Case, punctuation and spacing set aside: "Response (Y/N)" reads as "response y n"."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", str(text).casefold()).split())


def _header_score(header: str, synonyms: tuple[str, ...]) -> tuple[int, int]:
    """How well a header names a field: (EXACT, CONTAINED or 0; then a rank). Between two exact
    names the field's more usual name (listed earlier) wins, so that "Risk title" beats
    "Description" for a risk's title; between two names found inside headers, the longer wins."""
    words = normalise(header)
    if not words:
        return 0, 0
    best = (0, 0)
    for position, synonym in enumerate(synonyms):
        wanted = normalise(synonym)
        if not wanted:
            continue
        if words == wanted:
            best = max(best, (EXACT, 1000 - position))
        elif len(wanted) >= MIN_CONTAINED and f" {wanted} " in f" {words} ":
            best = max(best, (CONTAINED, len(wanted)))
    return best


def _assign(headers: list[str], kind: str, taken_fields=(), taken_columns=()) -> dict[str, tuple[int, int]]:
    """Each field the column whose header best names it, each column to one field at most: the
    strongest pairs first (an exact name before a name found inside a header)."""
    candidates = []
    for order, spec in enumerate(F.fields_of(kind)):
        if spec.key in taken_fields:
            continue
        for index, header in enumerate(headers):
            if index in taken_columns:
                continue
            score = _header_score(header, spec.synonyms)
            if score[0]:
                candidates.append((score, -order, -index, spec.key, index))
    candidates.sort(reverse=True)
    chosen: dict[str, tuple[int, int]] = {}
    used = set(taken_columns)
    for score, _, _, key, index in candidates:
        if key in chosen or index in used:
            continue
        chosen[key] = (index, score[0])
        used.add(index)
    return chosen


def header_matches(headers: list[str], kind: str) -> dict[str, int]:
    """Field key -> how well a header names it, for the fields a row of headers names."""
    return {key: score for key, (_, score) in _assign(headers, kind).items()}


# --- the vocabularies -----------------------------------------------------------------------------------------


def _words(pairs: dict[str, tuple[str, ...]]) -> dict[str, object]:
    table: dict[str, object] = {}
    for value, words in pairs.items():
        for word in words:
            table[normalise(word)] = value
    return table


STATUS_WORDS = _words({
    "compliant": ("compliant", "fully compliant", "yes", "y", "met", "fully met", "green", "g", "c", "complies",
                  "complete", "implemented", "in place", "true"),
    "partial": ("partially compliant", "partial", "partly", "partly compliant", "partially", "partially met",
                "amber", "a", "in progress", "pc", "partly met", "part", "ongoing"),
    "non-compliant": ("not compliant", "non-compliant", "non compliant", "noncompliant", "no", "n", "not met",
                      "red", "r", "nc", "not implemented", "gap", "false"),
    "not-applicable": ("n/a", "na", "not applicable", "n a", "not relevant", "excluded"),
    "not-assessed": ("not assessed", "not yet assessed", "tbc", "to be confirmed", "not started", "unassessed"),
})
ANSWER_WORDS = _words({
    "yes": ("yes", "y", "true", "1"),
    "no": ("no", "n", "false", "0"),
    "partial": ("partially", "partial", "in part", "partly"),
    "not-applicable": ("n/a", "na", "not applicable"),
    "all-closed": ("all closed", "closed"),
    "on-track": ("on track", "open and on track", "open on track"),
    "overdue": ("overdue", "late"),
})
YESNO_WORDS = _words({
    True: ("yes", "y", "true", "1", "material", "material change", "material increase"),
    False: ("no", "n", "false", "0", "not material", "no change", "none"),
})
SCALE_WORDS = _words({
    1: ("very low", "rare", "insignificant", "negligible", "very unlikely", "remote"),
    2: ("low", "unlikely", "minor"),
    3: ("medium", "med", "possible", "moderate"),
    4: ("high", "likely", "major", "significant"),
    5: ("very high", "almost certain", "severe", "catastrophic", "critical", "extreme"),
})
TREATMENT_WORDS = _words({
    "modify": ("reduce", "reduced", "mitigate", "mitigated", "mitigation", "treat", "treated", "modify", "control"),
    "retain": ("accept", "accepted", "retain", "retained", "tolerate", "tolerated"),
    "avoid": ("avoid", "avoided", "terminate", "terminated", "eliminate"),
    "share": ("transfer", "transferred", "share", "shared", "insure", "insured"),
})
DOC_TYPE_WORDS = _words({
    "policy": ("policy", "policies"),
    "procedure": ("procedure", "procedures", "process", "processes", "sop", "standard operating procedure",
                  "work instruction", "instruction", "guideline", "guidelines", "guidance"),
    "standard": ("standard", "standards", "specification"),
    "plan": ("plan", "plans", "bcp", "drp", "strategy"),
    "record": ("record", "records", "register", "log", "minutes", "form", "evidence", "inventory", "list"),
    "report": ("report", "reports", "assessment", "audit", "audit report", "review"),
    "contract": ("contract", "contracts", "agreement", "nda", "sla", "terms"),
    "letter": ("letter", "letters", "memo", "correspondence"),
})
WORDS = {F.STATUS: STATUS_WORDS, F.ANSWER: ANSWER_WORDS, F.YESNO: YESNO_WORDS, F.SCALE: SCALE_WORDS,
         F.TREATMENT: TREATMENT_WORDS, F.DOC_TYPE: DOC_TYPE_WORDS}
# The product's own values, which a person correcting a value may give as they are.
PRODUCT_VALUES = {
    F.STATUS: ("compliant", "partial", "non-compliant", "not-applicable", "not-assessed"),
    F.ANSWER: ("yes", "no", "partial", "not-applicable", "all-closed", "on-track", "overdue"),
    F.TREATMENT: ("modify", "retain", "avoid", "share"),
    F.DOC_TYPE: ("policy", "procedure", "standard", "plan", "record", "report", "contract", "letter"),
}
VOCABULARIES = (*WORDS, F.DATE)

MONTHS = {name: number for number, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")), 1) for name in names}


def read_date(text: str) -> dt.date | None:
    """A date as people in Great Britain write one: 2025-03-01, 01/03/2025 (day first), 1/3/25,
    1 March 2025, 1st Mar 2025, March 1 2025; a month alone ("Mar 2025") is its first day."""
    text = text.strip().casefold()
    found = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?", text)
    if found:
        return _date(int(found[1]), int(found[2]), int(found[3]))
    found = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?: \d{1,2}:\d{2}(?::\d{2})?)?", text)
    if found:
        year = int(found[3]) + (2000 if len(found[3]) == 2 else 0)
        return _date(year, int(found[2]), int(found[1]))
    words = re.sub(r"[,.]", " ", text).split()
    if len(words) == 3:
        day, month, year = words
        if day.isalpha() and not month.isalpha():  # March 1 2025
            day, month = month, day
        day = re.sub(r"(st|nd|rd|th)$", "", day)
        if day.isdigit() and month in MONTHS and year.isdigit() and len(year) in (2, 4):
            return _date(int(year) + (2000 if len(year) == 2 else 0), MONTHS[month], int(day))
    if len(words) == 2 and words[0] in MONTHS and words[1].isdigit() and len(words[1]) == 4:
        return _date(int(words[1]), MONTHS[words[0]], 1)
    found = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
    if found:
        return _date(int(found[1]), int(found[2]), 1)
    return None


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def read_value(vocabulary: str, text: str) -> object | None:
    """What a cell's text means in the vocabulary; None when it means nothing there (and for a blank
    cell, which is not listed as unread). Free text, people and references are their own text."""
    text = str(text or "").strip()
    if not text:
        return None
    if vocabulary == F.DATE:
        return read_date(text)
    words = WORDS.get(vocabulary)
    if words is None:
        return text
    key = normalise(text)
    if key in words:
        return words[key]
    if vocabulary in PRODUCT_VALUES and text.casefold() in PRODUCT_VALUES[vocabulary]:
        return text.casefold()
    if vocabulary == F.SCALE:
        # "3", "3.0", "3 - Possible", "4 (High)": the number leads
        found = re.match(r"\s*([1-5])(?:\.0+)?(?![\d.])", text)
        if found:
            return int(found[1])
        for word in sorted(words, key=len, reverse=True):  # "High (4)", "Medium risk"
            if f" {word} " in f" {key} ":
                return words[word]
    return None


def _given_value(spec: F.Field, text: str, value) -> object | None:
    """A value the person gave for a cell text: a product value, or a word the vocabulary reads."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if spec.vocabulary == F.YESNO and isinstance(value, bool):
        return value
    if spec.vocabulary == F.SCALE and isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
        return value
    if spec.vocabulary == F.DATE and isinstance(value, dt.date):
        return value
    read = read_value(spec.vocabulary, str(value))
    if read is None:
        raise IntakeRefused([f"'{value}' is not a value {spec.label} can take (given for '{text}')"])
    return read


# --- the proposal -----------------------------------------------------------------------------------------------

REF_LIKE = re.compile(
    r"(?i)^\s*(?:(?:sec|section|clause|para(?:graph)?|ref)\b[\s.:]*)?"
    r"(?:[a-z]{1,4}\s?[-.]?\s?\d+(?:\s?\.\s?\d+)*(?:\s?\(\s?[a-z0-9]{1,4}\s?\))*[a-z]?|q\s?\d+|\d+(?:\.\d+)+)\.?\s*$")


def ref_likeness(texts: list[str]) -> float:
    """The share of the non-blank cells that look like a clause or question reference."""
    filled = [t for t in texts if t.strip()]
    if not filled:
        return 0.0
    return sum(1 for t in filled if REF_LIKE.match(t)) / len(filled)


@dataclass
class Proposal:
    kind: str
    mapping: dict[str, int] = field(default_factory=dict)
    values: dict[str, dict[str, object]] = field(default_factory=dict)
    unmapped: dict[str, list[str]] = field(default_factory=dict)
    sure: dict[str, str] = field(default_factory=dict)

    def headers(self, table: Table) -> dict[str, str]:
        """Field key -> the header of its column, or the column's letter when the header is blank."""
        return {key: table.headers[index] or table.letter(index) for key, index in self.mapping.items()}


def propose(table: Table, kind: str, *, mapping: dict[str, str] | None = None,
            values: dict[str, dict[str, str]] | None = None) -> Proposal:
    """Which column fills each field and what each distinct value of a vocabulary field means. The
    person's own choices (mapping and values) win over every guess."""
    if kind not in F.KINDS:
        raise IntakeRefused([f"'{kind}' is not a kind of intake; choose one of {', '.join(F.KINDS)}"])
    specs = {spec.key: spec for spec in F.fields_of(kind)}
    proposal = Proposal(kind)
    given = mapping or {}
    for key, ref in given.items():
        if key not in specs:
            raise IntakeRefused([f"{F.KIND_LABELS[kind]} have no field '{key}'; the fields are "
                                 f"{', '.join(specs)}"])
        if ref is None or str(ref).strip() == "":
            continue
        proposal.mapping[key] = table.column(ref)
        proposal.sure[key] = "given"
    taken_columns = set(proposal.mapping.values())
    for key, (index, _) in _assign(table.headers, kind, taken_fields=set(given),
                                   taken_columns=taken_columns).items():
        proposal.mapping[key] = index
        proposal.sure[key] = "header"
        taken_columns.add(index)
    for key, spec in specs.items():
        if spec.vocabulary == F.REF and key not in given and key not in proposal.mapping:
            best, likeness = None, 0.5  # at least half the cells must look like references
            for index in range(len(table.headers)):
                if index in taken_columns:
                    continue
                share = ref_likeness([row.cells[index] for row in table.rows])
                if share > likeness:
                    best, likeness = index, share
            if best is not None:
                proposal.mapping[key] = best
                proposal.sure[key] = "values"
                taken_columns.add(best)
    proposal.mapping = {key: proposal.mapping[key] for key in specs if key in proposal.mapping}
    proposal.sure = {key: proposal.sure[key] for key in proposal.mapping}
    chosen = values or {}
    for key in chosen:
        if key not in specs:
            raise IntakeRefused([f"{F.KIND_LABELS[kind]} have no field '{key}'; the fields are {', '.join(specs)}"])
    for key, index in proposal.mapping.items():
        spec = specs[key]
        if spec.vocabulary not in VOCABULARIES:
            continue
        own = chosen.get(key) or {}
        read: dict[str, object] = {}
        unread: set[str] = set()
        for row in table.rows:
            text = row.cells[index]
            if not text or text in read or text in unread:
                continue
            value = _given_value(spec, text, own[text]) if text in own else read_value(spec.vocabulary, text)
            if value is None:
                unread.add(text)
            else:
                read[text] = value
        proposal.values[key] = read
        if unread:
            proposal.unmapped[key] = sorted(unread)
    return proposal


def guess_kind(table: Table) -> str:
    """The kind of intake the table most looks like: by the fields its headers name (a required
    field counting double), then by what its reference cells look like."""
    best, best_score = F.KINDS[0], None
    for order, kind in enumerate(F.KINDS):
        chosen = _assign(table.headers, kind)
        score = 0
        for spec in F.fields_of(kind):
            if spec.key in chosen:
                score += chosen[spec.key][1] * (2 if spec.required else 1)
        hint = _ref_hint(table)
        if hint == kind:
            score += 4
        ranked = (score, -order)
        if best_score is None or ranked > best_score:
            best, best_score = kind, ranked
    return best


def _ref_hint(table: Table) -> str | None:
    """rows when the table's cells are mostly clause references (G3.1), answers when mostly SSA
    question references."""
    clause = re.compile(r"(?i)^\s*(?:sec\s+)?[a-z]\s?\d+(\.\d+)+")
    question = re.compile(r"(?i)^\s*ssa\s?[-.]?\s?\d+")
    for index in range(len(table.headers)):
        texts = [row.cells[index] for row in table.rows if row.cells[index]]
        if len(texts) < 2:
            continue
        if sum(1 for t in texts if question.match(t)) * 2 > len(texts):
            return "answers"
        if sum(1 for t in texts if clause.match(t)) * 2 > len(texts):
            return "rows"
    return None
