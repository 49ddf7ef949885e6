"""What a client's own spreadsheet would become in the product (the preview), and taking it in, all
or nothing.

A client's file is earlier work, often someone else's, read through a mapping a machine proposed: so
nothing is written until ``apply``, and what is written arrives as carried-forward content does,
unconfirmed and unchecked, for the person answerable for each item to confirm as their own. Where
the product already holds something different, the product's version stays unless the person
taking the file in chooses the file's version for that spreadsheet row.

The preview reads everything it compares against in a fixed handful of queries, whatever the size
of the file: a 1,300-row workbook is previewed as quickly as a short one."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from secassure.assessments import actions as assessments
from secassure.assessments.choices import Answer, Compliance, answers_for
from secassure.assessments.models import Assessment, EvidenceLink, QuestionAnswer, Risk, ValidationRow
from secassure.audit.actions import record
from secassure.audit.events import AuditEvent
from secassure.catalogue.models import FrameworkVersion, Obligation, Question
from secassure.errors import ActionError
from secassure.evidence import actions as evidence
from secassure.evidence.choices import DocumentStatus, DocumentType
from secassure.evidence.filetypes import FileRefused, identify, safe_name
from secassure.evidence.models import Document, DocumentVersion
from secassure.exchange.intake import fields as F
from secassure.exchange.intake.mapping import Proposal, guess_kind, propose, read_value
from secassure.exchange.intake.matching import Match, match_ref
from secassure.exchange.intake.tables import IntakeRefused, Table, read_table
from secassure.people import display_name
from secassure.tenancy import access
from secassure.tenancy.models import Membership, Organisation
from secassure.wording import in_sentence, plural

KEPT_TITLE = "Intake: {name}"

# What each kind of intake needs of the person, checked before the file is read.
NEEDS = {"rows": access.EDIT_ASSESSMENTS, "answers": access.EDIT_ASSESSMENTS, "risks": access.EDIT_RISKS,
         "documents": access.UPLOAD}
# Who may be named as the owner of what is taken in.
OWNERS = {"rows": access.EDIT_ASSESSMENTS, "answers": access.EDIT_ASSESSMENTS, "risks": access.EDIT_RISKS,
          "documents": None}
# A risk's spreadsheet columns and the fields of the register they fill.
RISK_FIELDS = {"title": "title", "likelihood": "inherent_likelihood", "impact": "inherent_impact",
               "residual_likelihood": "residual_likelihood", "residual_impact": "residual_impact",
               "treatment": "treatment", "treatment_plan": "treatment_plan", "owner": "owner",
               "review_date": "review_date"}
# A cell naming several documents separates them by lines, semicolons or bars; commas only when the
# whole text names no document (a title may hold a comma).
_SEPARATORS = re.compile(r"[\r\n;|]+")


def _norm(text: str) -> str:
    return " ".join(str(text).casefold().split())


def _blank(value) -> bool:
    return value in (None, "", False, Compliance.NOT_ASSESSED, Answer.UNANSWERED)


def _same(a, b) -> bool:
    return getattr(a, "pk", a) == getattr(b, "pk", b)


def _plain(value):
    """A value as JSON shows it: people by address, dates as ISO text."""
    if hasattr(value, "email"):
        return value.email
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


@dataclass
class TakenRow:
    number: int                  # the spreadsheet row
    match: Match | None          # rows and answers: how the reference was matched
    target: object | None        # the ValidationRow, QuestionAnswer, Risk or Document; None when new
    values: dict[str, object]    # what it would write, cleaned, as product values
    before: dict[str, object]    # what the target holds now for those fields
    conflict: bool               # the target holds a different non-blank value for some field
    evidence: list[str]          # the names in its evidence cell
    warnings: list[str]
    ref: str = ""                # the obligation's or question's ref; the risk's or document's title
    problem: str = ""            # why writing it would be refused, in the product's words

    @property
    def changed(self) -> list[str]:
        """The fields whose value would change."""
        return [f for f, v in self.values.items() if not _same(self.before.get(f), v)]

    def as_dict(self) -> dict:
        return {"row": self.number, "ref": self.ref,
                "how": self.match.how if self.match else None, "sure": self.match.sure if self.match else None,
                "target": getattr(self.target, "pk", None), "conflict": self.conflict, "changed": self.changed,
                "values": {k: _plain(v) for k, v in self.values.items()},
                "before": {k: _plain(v) for k, v in self.before.items()},
                "evidence": self.evidence, "warnings": self.warnings, "problem": self.problem or None}


@dataclass
class Intake:
    organisation: Organisation
    kind: str
    assessment: Assessment | None
    table: Table
    proposal: Proposal
    items: list[TakenRow]
    unmatched: list[dict]
    uncovered: list[str]
    documents: dict[str, int | None]
    notes: list[str] = field(default_factory=list)
    by: object = None
    unkept: str = ""   # why the register could not keep the file as the record of the intake

    @property
    def conflicts(self) -> list[TakenRow]:
        return [i for i in self.items if i.conflict]

    @property
    def problems(self) -> list[str]:
        """What stops the file being taken in as it is mapped: each row the product would refuse."""
        found = [f"row {i.number}: {i.problem}" for i in self.items if i.problem]
        missing = [f.label for f in F.fields_of(self.kind) if f.required and f.key not in self.proposal.mapping]
        kept = [self.unkept] if self.unkept else []
        return kept + [f"no column is mapped to {m}" for m in missing] + found

    def as_dict(self) -> dict:
        headers = self.proposal.headers(self.table)
        return {
            "organisation": self.organisation.slug, "kind": self.kind,
            "assessment": self.assessment.pk if self.assessment else None,
            "sheet": self.table.sheet, "header_row": self.table.header_row,
            "mapping": headers,
            "values": {k: {text: _plain(v) for text, v in read.items()} for k, read in self.proposal.values.items()},
            "unmapped": self.proposal.unmapped, "sure": self.proposal.sure,
            "rows": len(self.table.rows), "matched": len(self.items),
            "changes": sum(1 for i in self.items if i.changed and not i.conflict),
            "unmatched": self.unmatched, "uncovered": self.uncovered,
            "conflicts": [{"row": i.number, "ref": i.ref,
                           "fields": {f: {"product": _plain(i.before.get(f)), "file": _plain(i.values[f])}
                                      for f in i.changed}} for i in self.conflicts],
            "evidence": {"matched": {n: d for n, d in self.documents.items() if d is not None},
                         "missing": [n for n, d in self.documents.items() if d is None]},
            "problems": self.problems, "notes": self.notes,
            "items": [i.as_dict() for i in self.items],
        }


# --- who may ------------------------------------------------------------------------------------


def _may(org: Organisation, by, kind: str | None, assessment: Assessment | None) -> None:
    """Refuse before the file is read when this person cannot take this kind of file in here."""
    if kind is None:
        role = access.role_of(by, org)
        if by is not None and not any(access.role_allows(role, p) for p in set(NEEDS.values())):
            raise ActionError(f"your role in {org.name} does not allow taking spreadsheets in")
        return
    access.require(by, org, NEEDS[kind])
    if kind not in ("rows", "answers"):
        return
    if assessment is None:
        access.require(by, org, access.CREATE_ASSESSMENTS)  # applying makes a new SSA to take it into
        return
    if assessment.organisation_id != org.pk:
        raise ActionError(f"that assessment is not one of {org.name}'s")
    if not assessment.editable:
        raise ActionError(f"{assessment.title} is {in_sentence(assessment.get_status_display())}, so nothing in it "
                          "can change now; take the file into an assessment in preparation")


# --- reading the cells ----------------------------------------------------------------------------


class _Reader:
    """Reads one spreadsheet row's cells as the mapping says: text, or a product value."""

    def __init__(self, kind: str, proposal: Proposal):
        self.fields = {f.key: f for f in F.fields_of(kind)}
        self.proposal = proposal

    def text(self, row, key: str) -> str:
        index = self.proposal.mapping.get(key)
        if index is None or index >= len(row.cells):
            return ""
        return str(row.cells[index]).strip()

    def value(self, row, key: str, warnings: list[str]):
        """The product value the cell says; None for a blank cell, or one read as nothing (with a
        warning, since the person may want to map that text)."""
        text = self.text(row, key)
        if not text:
            return None
        spec = self.fields[key]
        if spec.vocabulary in (None, F.PERSON, F.REF):
            return text
        known = self.proposal.values.get(key, {})
        value = known[text] if text in known else (
            None if text in self.proposal.unmapped.get(key, ()) else read_value(spec.vocabulary, text))
        if value in (None, ""):
            warnings.append(f"{spec.label} {text!r} is not read as anything, so it is left as it is")
            return None
        return value

    def first_text(self, row) -> str:
        return next((str(c).strip() for c in row.cells if str(c).strip()), "")[:120]


class _People:
    """The organisation's members, read once, found by address or name."""

    def __init__(self, org: Organisation):
        self.by_key: dict[str, list] = {}
        self.roles: dict[int, str] = {}
        for m in Membership.objects.filter(organisation=org).select_related("user"):
            user = m.user
            self.roles[user.pk] = m.role
            for key in {_norm(user.email), _norm(display_name(user)), _norm(f"{user.first_name} {user.last_name}")}:
                if key:
                    self.by_key.setdefault(key, []).append(user)
        self.org = org

    def find(self, text: str, permission: str | None, what: str, warnings: list[str]):
        found = self.by_key.get(_norm(text), [])
        if len(found) != 1:
            why = "is not a member of" if not found else "names more than one member of"
            warnings.append(f"{what} {text!r} {why} {self.org.name}, so it is left as it is")
            return None
        user = found[0]
        if permission is not None and not access.role_allows(self.roles.get(user.pk), permission):
            warnings.append(f"{what} {text!r}: {display_name(user)}'s role does not let them own this, so it is "
                            "left as it is")
            return None
        return user


class _Documents:
    """The organisation's documents, read once, found by title or by a version's file name."""

    def __init__(self, org: Organisation):
        self.by_title: dict[str, Document] = {}
        self.by_name: dict[str, int] = {}
        for document in Document.objects.filter(organisation=org).order_by("pk"):
            self.by_title.setdefault(_norm(document.title), document)
        for document_id, name in DocumentVersion.objects.filter(document__organisation=org).values_list(
                "document_id", "original_name"):
            self.by_name.setdefault(_norm(name), document_id)
            self.by_name.setdefault(_norm(Path(name).stem), document_id)

    def find(self, name: str) -> int | None:
        document = self.by_title.get(_norm(name))
        return document.pk if document is not None else self.by_name.get(_norm(name))

    def names(self, text: str) -> list[str]:
        """The document names in an evidence cell, each once."""
        names = []
        for part in _SEPARATORS.split(text):
            part = part.strip(" \t,")
            if not part:
                continue
            if "," in part and self.find(part) is None:
                names += [p.strip() for p in part.split(",") if p.strip()]
            else:
                names.append(part)
        return list(dict.fromkeys(names))


# --- the kinds ---------------------------------------------------------------------------------------


def _conflict(target, before: dict, values: dict) -> bool:
    return target is not None and any(not _blank(before.get(f)) and not _same(before.get(f), v)
                                      for f, v in values.items())


def _checked(item, values: dict) -> tuple[dict, str]:
    """The values as saving them would clean them, and the refusal saving them would give, if any.
    Owners were checked when they were found, so they are left out (that check reads the database
    for each row)."""
    owner = values.pop("owner", None)
    try:
        cleaned = assessments.check_changes(item, values)
        problem = ""
    except ActionError as exc:
        cleaned, problem = values, str(exc)
    if owner is not None:
        cleaned["owner"] = owner
    return cleaned, problem


@dataclass
class _Targets:
    items: list                 # the rows or answers, in the assessment's order
    new: bool                   # stand-ins for the rows of a new SSA, not yet written
    titles: dict[str, str]      # ref -> the obligation's title or the question's text
    official: dict[str, str]    # a question's official ref -> its ref


def _targets(org: Organisation, kind: str, assessment: Assessment | None) -> _Targets:
    """The rows or answers the file may fill, each knowing its assessment; for a new SSA (no
    assessment yet) blank stand-ins for those it would have. A fixed number of queries."""
    if assessment is not None:
        if kind == "rows":
            items = list(assessment.rows.select_related("obligation", "owner").order_by("order", "pk"))
        else:
            items = list(assessment.answers.select_related("question", "owner").order_by("order", "pk"))
        for item in items:
            item.assessment = assessment
        if kind == "rows":
            return _Targets(items, False, {i.obligation.ref: i.obligation.title for i in items}, {})
        return _Targets(items, False, {i.question.ref: i.question.text for i in items},
                        {i.question.official_ref: i.question.ref for i in items if i.question.official_ref})
    catalogue = FrameworkVersion.objects.in_force(assessments.SEC_FRAMEWORK)
    if catalogue is None:
        raise ActionError("no SEC catalogue is loaded: run `secassure catalogue load` (make run does it)")
    obligations, questions = assessments.applicable(org, catalogue, assessments.roles_in_force(org))
    stand_in = Assessment(organisation=org, catalogue=catalogue, kind="ssa")
    if kind == "rows":
        titles = dict(Obligation.objects.filter(pk__in=[o.pk for o in obligations]).values_list("ref", "title"))
        return _Targets([ValidationRow(assessment=stand_in, obligation=o) for o in obligations], True, titles, {})
    texts = {ref: (text, official) for ref, text, official in Question.objects.filter(
        pk__in=[q.pk for q in questions]).values_list("ref", "text", "official_ref")}
    return _Targets([QuestionAnswer(assessment=stand_in, question=q) for q in questions], True,
                    {ref: text for ref, (text, _) in texts.items()},
                    {official: ref for ref, (_, official) in texts.items() if official})


def _references(kind: str, row, reader: _Reader, refs: list[str], back: dict[str, str],
                titles: dict[str, str]) -> tuple[Match, str]:
    text = reader.text(row, "ref")
    also = reader.text(row, "obligation" if kind == "rows" else "question")
    found = match_ref(text, refs, also=also, titles=titles)
    return found, back.get(found.ref, found.ref) if found.ref else ""


def _rows_or_answers(intake: Intake, reader: _Reader, people: _People, documents: _Documents | None) -> None:
    kind = intake.kind
    found_targets = _targets(intake.organisation, kind, intake.assessment)
    new, titles = found_targets.new, found_targets.titles
    entry = "obligation" if kind == "rows" else "question"
    by_ref = {getattr(t, entry).ref: t for t in found_targets.items}
    back = {o: ref for o, ref in found_targets.official.items() if o not in by_ref}
    refs = list(by_ref) + list(back)
    seen: dict[str, int] = {}
    for row in intake.table.rows:
        found, ref = _references(kind, row, reader, refs, back, titles)
        if not ref:
            text = reader.text(row, "ref") or reader.first_text(row)
            intake.unmatched.append({"row": row.number, "text": text,
                                     "why": f"no {entry} of the assessment has this reference"})
            continue
        if ref in seen:
            intake.unmatched.append({"row": row.number, "text": reader.text(row, "ref"),
                                     "why": f"{ref} is already given in row {seen[ref]}"})
            continue
        seen[ref] = row.number
        target = by_ref[ref]
        warnings: list[str] = []
        values = (_row_values if kind == "rows" else _answer_values)(row, reader, people, target, warnings)
        values, problem = _checked(target, values)
        before = {f: (target.owner if f == "owner" else getattr(target, f)) for f in values}
        names = documents.names(reader.text(row, "evidence")) if documents is not None else []
        intake.items.append(TakenRow(row.number, found, None if new else target, values, before,
                                     _conflict(None if new else target, before, values), names, warnings,
                                     ref=ref, problem=problem))
    intake.uncovered = [ref for ref in by_ref if ref not in seen]


def _row_values(row, reader: _Reader, people: _People, target: ValidationRow, warnings: list[str]) -> dict:
    values: dict = {}
    status = reader.value(row, "status", warnings)
    if status is not None:
        values["status"] = status
    narrative, comments = reader.text(row, "narrative"), reader.text(row, "comments")
    if comments:
        narrative = f"{narrative}\n\nComments: {comments}" if narrative else comments
    if narrative:
        # A client's one column of justification says why a clause does not apply on such a row.
        values["na_reason" if status == Compliance.NOT_APPLICABLE else "narrative"] = narrative
    tested = reader.value(row, "last_tested", warnings)
    if tested is not None:
        from django.utils import timezone

        if tested > timezone.localdate():
            warnings.append(f"the last tested date {tested.isoformat()} is in the future, so it is left as it is")
        else:
            values["last_tested"] = tested
    owner = reader.text(row, "owner")
    if owner:
        user = people.find(owner, OWNERS["rows"], "the owner", warnings)
        if user is not None:
            values["owner"] = user
    return values


def _answer_values(row, reader: _Reader, people: _People, target: QuestionAnswer, warnings: list[str]) -> dict:
    values: dict = {}
    narrative = reader.text(row, "narrative")
    if not answers_for(target.question.answer_kind):
        # Answered in words: whatever the answer column says is part of the answer's words.
        said = reader.text(row, "answer")
        narrative = "\n\n".join(t for t in (said, narrative) if t)
    else:
        answer = reader.value(row, "answer", warnings)
        if answer is not None:
            values["answer"] = answer
    if narrative:
        values["narrative"] = narrative
    material = reader.value(row, "material", warnings)
    if material is not None:
        values["material"] = bool(material)
        if material and narrative:
            values["material_rationale"] = narrative
    owner = reader.text(row, "owner") if "owner" in reader.fields else ""
    if owner:
        user = people.find(owner, OWNERS["answers"], "the owner", warnings)
        if user is not None:
            values["owner"] = user
    return values


def _titled(intake: Intake, reader: _Reader, what: str):
    """Each row of a register's sheet with its title: a row with none, or repeating an earlier row's,
    is listed as matching nothing (a register names each entry once)."""
    seen: dict[str, int] = {}
    for row in intake.table.rows:
        title = " ".join(reader.text(row, "title").split())
        if not title:
            intake.unmatched.append({"row": row.number, "text": reader.first_text(row), "why": "no title"})
            continue
        if _norm(title) in seen:
            intake.unmatched.append({"row": row.number, "text": title,
                                     "why": f"a {what} of this title is already given in row {seen[_norm(title)]}"})
            continue
        seen[_norm(title)] = row.number
        yield row, title


def _risks(intake: Intake, reader: _Reader, people: _People) -> None:
    register = {}
    for risk in Risk.objects.filter(organisation=intake.organisation).select_related("owner").order_by("pk"):
        register.setdefault(_norm(risk.title), risk)
    if "residual_likelihood" not in intake.proposal.mapping or "residual_impact" not in intake.proposal.mapping:
        intake.notes.append("where no residual score is given, the residual likelihood and impact are taken to be "
                            "the inherent ones")
    for row, title in _titled(intake, reader, "risk"):
        warnings: list[str] = []
        values: dict = {"title": title}
        for key, target_field in RISK_FIELDS.items():
            if key in ("title", "owner"):
                continue
            value = reader.value(row, key, warnings)
            if value is not None:
                values[target_field] = value
        for inherent, residual in (("inherent_likelihood", "residual_likelihood"),
                                   ("inherent_impact", "residual_impact")):
            if residual not in values and inherent in values:
                values[residual] = values[inherent]
        owner = reader.text(row, "owner")
        if owner:
            user = people.find(owner, OWNERS["risks"], "the owner", warnings)
            if user is not None:
                values["owner"] = user
        missing = [f.replace("inherent_", "") for f in ("inherent_likelihood", "inherent_impact") if f not in values]
        problem = (f"no {' or '.join(missing)} is read, and a risk needs both its likelihood and its impact"
                   if missing else "")
        if len(title) > 200:
            problem = "the title is longer than 200 characters"
        target = register.get(_norm(title))
        before = {f: getattr(target, f) for f in values} if target is not None else {}
        intake.items.append(TakenRow(row.number, None, target, values, before, _conflict(target, before, values), [],
                                     warnings, ref=title, problem=problem))


def _documents(intake: Intake, reader: _Reader, people: _People, documents: _Documents) -> None:
    for key, label in (("version", "version"), ("review_date", "review date")):
        if key in intake.proposal.mapping:
            intake.notes.append(f"the {label} column is shown but not kept: a document's versions and review "
                                "dates come with the files uploaded to it")
    for row, title in _titled(intake, reader, "document"):
        warnings: list[str] = []
        values: dict = {"title": title}
        doc_type = reader.value(row, "doc_type", warnings)
        if doc_type is None:
            doc_type = DocumentType.RECORD
            if "doc_type" in intake.proposal.mapping:
                warnings.append("no type is read, so it is added as a record")
        values["doc_type"] = doc_type
        owner = reader.text(row, "owner")
        if owner:
            user = people.find(owner, OWNERS["documents"], "the owner", warnings)
            if user is not None:
                values["owner"] = user
        if _norm(title) in documents.by_title:
            # Nothing changes a document's details from a list: the register's entry stays as it is.
            intake.unmatched.append({"row": row.number, "text": title,
                                     "why": "a document of this title is already in the register; it is left as "
                                            "it is"})
            continue
        problem = "the title is longer than 300 characters" if len(title) > 300 else ""
        intake.items.append(TakenRow(row.number, None, None, values, {}, False, [], warnings, ref=title,
                                     problem=problem))


# --- the preview ---------------------------------------------------------------------------------


def preview(org: Organisation, path: Path, name: str, *, by, kind: str | None = None, sheet: str | None = None,
            mapping: dict | None = None, values: dict | None = None,
            assessment: Assessment | None = None) -> Intake:
    """Read the file and work out what taking it in would write. Writes nothing.

    ``kind`` is guessed from the headers when not given; ``mapping`` and ``values`` are the
    person's corrections to the proposed mapping. Rows and answers are compared with
    ``assessment``, or, without one, with the new SSA applying would create."""
    if kind is not None and kind not in F.KINDS:
        raise ActionError(f"{kind!r} is not a kind of intake; use one of {', '.join(F.KINDS)}")
    _may(org, by, kind, assessment)
    table = read_table(path, name, sheet=sheet, kind=kind)
    if kind is None:
        kind = guess_kind(table)
        _may(org, by, kind, assessment)
        table = read_table(path, name, sheet=sheet, kind=kind)
    if kind not in ("rows", "answers"):
        assessment = None
    proposal = propose(table, kind, mapping=mapping, values=values)
    intake = Intake(org, kind, assessment, table, proposal, [], [], [], {}, by=by, unkept=_unkept(path, name))
    reader = _Reader(kind, proposal)
    people = _People(org)
    wants_documents = kind == "documents" or "evidence" in proposal.mapping
    documents = _Documents(org) if wants_documents else None
    if kind in ("rows", "answers"):
        if "ref" in proposal.mapping or kind == "answers":
            _rows_or_answers(intake, reader, people, documents)
        else:
            intake.unmatched = [{"row": r.number, "text": reader.first_text(r), "why": "no reference"}
                                for r in table.rows]
    elif kind == "risks":
        _risks(intake, reader, people)
    else:
        _documents(intake, reader, people, documents)
    if documents is not None:
        for item in intake.items:
            for document_name in item.evidence:
                intake.documents.setdefault(document_name, documents.find(document_name))
    return intake


# --- applying it ----------------------------------------------------------------------------------


def _unkept(path: Path, name: str) -> str:
    """Why the document register would refuse to keep the file, which applying it must do; said in
    the preview, rather than after the person has gone through every row."""
    try:
        identify(Path(path), safe_name(name))
    except FileRefused as exc:
        return f"the file cannot be kept in the document register as the record of this intake ({exc})"
    return ""


def _keep_file(org: Organisation, path: Path, name: str, by, note: str):
    """The file taken in, kept as the next version of the register's record of intakes of that name."""

    def chunks():
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                yield chunk

    return evidence.keep_imported_file(org, by=by, title=KEPT_TITLE.format(name=name)[:300], chunks=chunks(),
                                       name=name, note=note[:500])


def _stale(item: TakenRow, source: str):
    return ActionError(f"{item.ref} was changed in secassure after the preview of {source}; nothing was taken in. "
                       "Preview the file again")


def apply(intake: Intake, path: Path, name: str, *, by, take: set[int] = frozenset(),
          placeholders: bool = False, seen: dict[int, int] | None = None) -> dict:
    """Take the previewed file in, in one transaction: every item it changes, and each conflict
    whose spreadsheet row number is in ``take`` (the file's version chosen over the product's).
    Evidence names found in the register are linked; the others are added as placeholder documents
    first when ``placeholders`` is set. Anything refused undoes all of it, the file kept included.

    ``seen`` gives, by spreadsheet row, the revision of its target the person's preview showed (the
    web reads the file again to apply it): a target saved since then refuses the whole intake, so
    nobody's later change is overwritten unseen."""
    org, kind = intake.organisation, intake.kind
    problems = intake.problems
    if problems:
        raise IntakeRefused(problems)
    for item in intake.items:
        revision = getattr(item.target, "revision", None)
        if seen and item.number in seen and revision is not None and seen[item.number] != revision:
            raise _stale(item, name)
    take = {int(n) for n in take}
    in_conflict = {i.number for i in intake.conflicts}
    if take - in_conflict:
        raise ActionError(f"not a row in conflict: {', '.join(str(n) for n in sorted(take - in_conflict))}")
    _may(org, by, kind, intake.assessment)
    chosen = [i for i in intake.items if not i.conflict or i.number in take]
    kept = sorted(in_conflict - take)
    written: list[str] = []
    linked = 0
    created: list[str] = []
    assessment = intake.assessment
    with transaction.atomic():
        if kind in ("rows", "answers"):
            new = assessment is None
            if new:
                assessment = assessments.create_assessment(org, kind="ssa", by=by).assessment
            targets = _fresh_targets(assessment, kind) if new else {}
            documents = {n: d for n, d in intake.documents.items() if d is not None}
            wanted = {n for i in chosen for n in i.evidence}
            if placeholders:
                owner = by if by is not None and access.door_of(by, org) is not None else None
                for missing in [n for n in intake.documents if intake.documents[n] is None and n in wanted]:
                    document = evidence.add_document(org, by=by, title=missing, doc_type=DocumentType.RECORD,
                                                     owner=owner, status=DocumentStatus.DRAFT)
                    documents[missing] = document.pk
                    created.append(document.title)
            present = set(EvidenceLink.objects.filter(assessment=assessment).values_list(
                "row_id" if kind == "rows" else "answer_id", "document_id"))
            by_pk = Document.objects.in_bulk(set(documents.values()))
            # Every item and every link at once, each written and audited as taking it in alone
            # would (the items' events first, then the links').
            edits, links, of_target = [], [], {}
            for item in chosen:
                target = targets.get(item.ref) if new else item.target
                if target is None:
                    raise ActionError(f"{item.ref} is not in the new assessment; preview the file again")
                target.assessment = assessment
                of_target[target.pk] = item
                if item.changed:
                    edits.append((target, target.revision, {f: item.values[f] for f in item.changed}))
                    written.append(item.ref)
                for document_name in item.evidence:
                    document_id = documents.get(document_name)
                    if document_id is None or (target.pk, document_id) in present:
                        continue
                    links.append((target, by_pk[document_id]))
                    present.add((target.pk, document_id))
            try:
                assessments.save_many(assessment, edits, by=by, source=name)
            except assessments.StaleEdit as stale:
                raise _stale(of_target[stale.current.pk], name) from None
            linked = len(assessments.link_many(assessment, links, by=by))
        elif kind == "risks":
            for item in chosen:
                if item.target is None:
                    assessments.add_risk(org, by=by, **item.values)
                elif item.changed:
                    try:
                        assessments.update_risk(item.target, by=by, revision=item.target.revision,
                                                reason=f"taken in from {name}",
                                                **{f: item.values[f] for f in item.changed})
                    except assessments.StaleEdit:
                        raise _stale(item, name) from None
                else:
                    continue
                written.append(item.ref)
        else:
            for item in chosen:
                evidence.add_document(org, by=by, **item.values)
                written.append(item.ref)
        where = f"assessment {assessment.pk}" if assessment is not None else f"the {F.KIND_LABELS[kind].lower()}"
        version = _keep_file(org, path, name, by, f"Taken into {where}: {plural(len(written), 'item')}")
        summary = {
            "organisation": org.slug, "kind": kind, "assessment": assessment.pk if assessment else None,
            "new_assessment": intake.assessment is None and assessment is not None,
            "file": name, "sheet": intake.table.sheet, "sha256": version.sha256, "document": version.document_id,
            "version": version.number, "taken": len(written), "written": written, "kept_product": kept,
            "linked": linked, "placeholders": created,
            "not_linked": sorted({n for i in chosen for n in i.evidence if intake.documents.get(n) is None}
                                 - set(created)),
            "unmatched": len(intake.unmatched),
        }
        record(AuditEvent.EXCHANGE_INTAKE_APPLIED, assessment if assessment is not None else org, organisation=org,
               after=summary)
    return summary


def _fresh_targets(assessment: Assessment, kind: str) -> dict:
    """The new assessment's rows or answers by ref, each knowing its assessment."""
    if kind == "rows":
        items = assessment.rows.select_related("obligation", "owner")
        entry = "obligation"
    else:
        items = assessment.answers.select_related("question", "owner")
        entry = "question"
    found = {}
    for item in items:
        item.assessment = assessment
        found[getattr(item, entry).ref] = item
    return found
