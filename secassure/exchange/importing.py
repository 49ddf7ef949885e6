"""Bringing an edited workbook back: what it would change (the preview), what conflicts with changes
made in the product since the export, and applying it all or nothing.

Nothing is written until ``apply``. A row someone saved in the product after the export is a
conflict whenever the workbook says something else: the preview shows both values and the row is
left as it is unless the person importing chooses the workbook's version for it."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from secassure.assessments import actions as assessments
from secassure.assessments.choices import AssessmentStatus
from secassure.assessments.models import Assessment, QuestionAnswer, ValidationRow
from secassure.audit.actions import record
from secassure.audit.events import AuditEvent
from secassure.errors import ActionError
from secassure.exchange import layout, reading
from secassure.exchange.layout import CIO, USER
from secassure.exchange.reading import Problem, ReadItem, ReadWorkbook, WorkbookRefused
from secassure.review.models import Comment
from secassure.tenancy import access
from secassure.wording import in_sentence

EVIDENCE_TITLE = "Workbook imports: {title}"


@dataclass
class FieldChange:
    field: str
    header: str
    before: object
    after: object

    def shown(self, value) -> str:
        if value is None or value == "":
            return "(blank)"
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if isinstance(value, dt.date):
            return value.isoformat()
        for vocabulary in ("status", "answer"):
            label = layout.label_of(vocabulary, value) if isinstance(value, str) else ""
            if label and self.field in ("status", "answer"):
                return label
        return str(value)

    @property
    def before_shown(self) -> str:
        return self.shown(self.before)

    @property
    def after_shown(self) -> str:
        return self.shown(self.after)


@dataclass
class ItemChange:
    read: ReadItem
    ref: str
    current: ValidationRow | QuestionAnswer
    fields: list[FieldChange]
    conflict: bool
    comment: Comment | None = None  # the CIO's own comment this replaces, if any

    @property
    def key(self) -> str:
        return self.read.key

    @property
    def values(self) -> dict:
        return {f.field: f.after for f in self.fields if f.field != "cio_comment"}

    @property
    def cio_text(self) -> str | None:
        return next((f.after for f in self.fields if f.field == "cio_comment"), None)


@dataclass
class Plan:
    assessment: Assessment
    workbook: ReadWorkbook
    changes: list[ItemChange] = field(default_factory=list)

    @property
    def conflicts(self) -> list[ItemChange]:
        return [c for c in self.changes if c.conflict]

    @property
    def clean(self) -> list[ItemChange]:
        return [c for c in self.changes if not c.conflict]

    def as_dict(self) -> dict:
        return {
            "assessment": self.assessment.pk, "kind": self.workbook.kind, "audience": self.workbook.audience,
            "items": len(self.workbook.items), "changes": len(self.clean), "conflicts": len(self.conflicts),
            "rows": [{"key": c.key, "sheet": c.read.sheet.title, "row": c.read.excel_row, "ref": c.ref,
                      "conflict": c.conflict,
                      "fields": [{"field": f.field, "column": f.header, "product": f.before_shown,
                                  "workbook": f.after_shown} for f in c.fields]} for c in self.changes],
        }


def _current_value(item, key: str, comment: Comment | None):
    if key == "cio_comment":
        return comment.text if comment else ""
    value = getattr(item, key)
    if key == "material":
        return bool(value)
    return value


def _may_import(assessment: Assessment, by) -> str:
    """Refuse before the file is even read when this person cannot import into the assessment now;
    the side they import for otherwise (the User's team or the CIO reviewer)."""
    from secassure.exchange.workbook import audience_of

    theirs = audience_of(assessment, by) if by is not None else USER
    if theirs == USER:
        access.require(by, assessment.organisation, access.EDIT_ASSESSMENTS)
        if not assessment.editable:
            raise WorkbookRefused([Problem(f"the assessment is {in_sentence(assessment.get_status_display())}, so "
                                           "nothing in it can change now")])
    elif assessment.status != AssessmentStatus.CIO_REVIEW:
        raise WorkbookRefused([Problem("the CIO's comments are final, so they cannot change now")])
    return theirs


def plan(assessment: Assessment, path: Path, *, by) -> Plan:
    """Read the workbook and work out what importing it would change. Writes nothing."""
    theirs = _may_import(assessment, by)
    # Each answer cell is read against its own question's kind of answer.
    kinds = dict(QuestionAnswer.objects.filter(assessment=assessment).values_list("pk", "question__answer_kind"))
    workbook = reading.read(path, kinds)
    header = workbook.header
    if header["assessment"] != str(assessment.pk) or header["organisation"] != assessment.organisation.slug:
        raise WorkbookRefused([Problem(
            f"this workbook belongs to assessment {header['assessment']} of {header['organisation']}, not to "
            f"assessment {assessment.pk} of {assessment.organisation.slug}")])
    if workbook.audience != theirs:
        written = "the CIO reviewer" if workbook.audience == CIO else "the User's team"
        raise WorkbookRefused([Problem(f"this workbook was written for {written}; export your own copy and "
                                       "make your changes in it")])
    problems = reading.Problems()
    ids = {"row": [], "answer": []}
    for item in workbook.items:
        ids[item.sheet.item].append(item.id)
    current = {f"row:{r.pk}": r for r in ValidationRow.objects.filter(assessment=assessment, pk__in=ids["row"])
               .select_related("obligation", "owner", "assessment__organisation")}
    current.update({f"answer:{a.pk}": a for a in QuestionAnswer.objects
                    .filter(assessment=assessment, pk__in=ids["answer"])
                    .select_related("question", "owner", "assessment__organisation")})
    own: dict[str, Comment] = {}
    if workbook.audience == CIO and by is not None:
        for c in Comment.objects.filter(assessment=assessment, author=by).order_by("created_at", "pk"):
            if c.row_id:
                own[f"row:{c.row_id}"] = c
            elif c.answer_id:
                own[f"answer:{c.answer_id}"] = c
    result = Plan(assessment, workbook)
    for read in workbook.items:
        item = current.get(read.key)
        if item is None:
            problems.add("this item is no longer in the assessment", read.sheet.title, read.excel_row)
            continue
        if not read.edited:
            continue
        comment = own.get(read.key)
        fields = []
        for column in read.sheet.columns:
            if column.key not in read.values or read.values[column.key] is None and column.kind != "yesno" \
                    and column.kind != "date":
                continue
            before, after = _current_value(item, column.key, comment), read.values[column.key]
            if layout.plain(before) != layout.plain(after):
                fields.append(FieldChange(column.key, column.header, before, after))
        if not fields:
            continue
        ref = item.obligation.ref if read.sheet.item == "row" else item.question.ref
        change = ItemChange(read, ref, item, fields, conflict=item.revision != read.revision, comment=comment)
        if any(f.field == "cio_comment" for f in fields) and comment is not None and not change.cio_text:
            where = read.sheet.where(next(i for i, c in enumerate(read.sheet.columns) if c.key == "cio_comment"))
            problems.add("a comment cannot be removed in the workbook; change it in secassure if it must go",
                         read.sheet.title, read.excel_row, where)
        if change.values:
            try:
                assessments.check_changes(item, change.values)
            except ActionError as exc:
                problems.add(str(exc), read.sheet.title, read.excel_row)
        result.changes.append(change)
    problems.raise_any()
    return result


def _keep_file(assessment: Assessment, path: Path, name: str, by):
    """The uploaded workbook, kept as the next version of the assessment's import record."""
    from secassure.evidence import actions as evidence

    title = EVIDENCE_TITLE.format(title=assessment.title)[:300]

    def chunks():
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                yield chunk

    return evidence.keep_imported_file(assessment.organisation, by=by, title=title, chunks=chunks(), name=name,
                                       note=f"Imported into assessment {assessment.pk}")


def apply(result: Plan, path: Path, *, by, name: str, take: set[str] = frozenset()) -> dict:
    """Apply a plan in one transaction: every clean change, and each conflict whose key is in take
    (the workbook's version chosen over the product's). Anything going wrong undoes all of it."""
    assessment = result.assessment
    kept = [c.key for c in result.changes if c.conflict and c.key not in take]
    chosen = [c for c in result.changes if not c.conflict or c.key in take]
    applied = [c.key for c in chosen]
    with transaction.atomic():
        # The rows and answers all at once, each saved and audited as saving it alone would (a User's
        # workbook changes only these; a CIO's only comments, so the order of events is kept).
        edits = [(c.current, c.current.revision if c.conflict else c.read.revision, c.values)
                 for c in chosen if c.values]
        try:
            assessments.save_many(assessment, edits, by=by)
        except assessments.StaleEdit as stale:
            ref = next(c.ref for c in chosen if type(c.current) is type(stale.current)
                       and c.current.pk == stale.current.pk)
            raise ActionError(f"{ref} was changed in secassure after the preview; nothing was imported. "
                              "Preview the workbook again") from None
        for change in chosen:
            if change.cio_text is not None:
                from secassure.review import actions as review

                if change.comment is not None:
                    review.edit_comment(change.comment, by=by, text=change.cio_text)
                else:
                    review.comment(assessment, by=by, text=change.cio_text, item=change.current)
        version = _keep_file(assessment, path, name, by)
        summary = {"assessment": assessment.pk, "kind": result.workbook.kind, "file": name,
                   "sha256": version.sha256, "document": version.document_id, "version": version.number,
                   "applied": len(applied), "kept_product": len(kept),
                   "changed": [c.ref for c in result.changes if c.key in applied]}
        record(AuditEvent.EXCHANGE_WORKBOOK_IMPORTED, assessment, organisation=assessment.organisation, after=summary)
    return summary


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
