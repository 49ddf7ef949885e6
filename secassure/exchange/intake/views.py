"""Taking in a client's own spreadsheet through the web, in three steps that write nothing until the
last: upload (the file is checked and stored by its hash), the mapping (which column is which field,
and what each status word means), the preview (what every row becomes, conflicts, rows that match
nothing and obligations nothing covers), then applying it, all or nothing.

The file travels between the steps as a signed token naming the stored upload, the organisation, the
person and the kind of intake; the mapping travels as form fields. Each step reads the file again,
so nothing of a client's data waits in a session."""

from __future__ import annotations

import functools
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from secassure import guards
from secassure.assessments.models import Assessment
from secassure.errors import ActionError
from secassure.exchange.intake import fields, mapping, saved, tables, taking
from secassure.exchange.views import MAX_WORKBOOK_BYTES, copy_of_blob
from secassure.tenancy import access
from secassure.tenancy.access import open_door
from secassure.wording import plural

TOKEN_SALT = "secassure.exchange.intake"  # noqa: S105 - a signing salt, not a secret
TOKEN_AGE = 6 * 3600
# Not .xlsm: the file is kept in the document register as the record of the intake, and the register
# keeps no macro-enabled file.
SUFFIXES = (".xlsx", ".xls", ".ods", ".csv")
ACCEPT = ",".join(SUFFIXES)
# What a person needs to take each kind in.
NEEDS = {"rows": access.EDIT_ASSESSMENTS, "answers": access.EDIT_ASSESSMENTS, "risks": access.EDIT_RISKS,
         "documents": access.UPLOAD}
SHOWN_ROWS = 300  # the preview lists this many rows; the counts above it cover them all


class _Intake:
    """Where an intake stands: the door, the kind, the assessment (rows and answers only)."""

    def __init__(self, request, slug: str, kind: str, assessment_id):
        if kind not in fields.KINDS:
            raise Http404("No such kind of intake")
        self.door = open_door(request.user, slug, access.VIEW)
        self.org = self.door.organisation
        self.kind = kind
        self.assessment = None
        if kind in ("rows", "answers"):
            try:
                self.assessment = Assessment.objects.get(organisation=self.org, pk=int(assessment_id))
            except (TypeError, ValueError, Assessment.DoesNotExist):
                raise Http404("No such assessment") from None
        if not self.door.may(NEEDS[kind]):
            raise Http404("Nothing can be taken in here")

    @property
    def back(self) -> str:
        """Where the person came from, and goes back to."""
        if self.assessment is not None:
            return reverse("exchange", args=[self.org.slug, self.assessment.pk])
        return reverse("risks" if self.kind == "risks" else "documents", args=[self.org.slug])

    def context(self, **extra) -> dict:
        return {"org": self.org, "a": self.assessment, "kind": self.kind, "kind_label": fields.KIND_LABELS[self.kind],
                "back": self.back, "accept": ACCEPT, "max_mb": MAX_WORKBOOK_BYTES >> 20,
                "kinds": self._kinds(), **extra}

    def _kinds(self) -> list[tuple[str, str]]:
        """The kinds this place can take: an assessment's rows or answers, or the register's own."""
        if self.assessment is not None:
            return [(k, fields.KIND_LABELS[k]) for k in ("rows", "answers")]
        return [(self.kind, fields.KIND_LABELS[self.kind])]


def _token(intake: _Intake, request, sha256: str, name: str) -> str:
    return signing.dumps({"sha256": sha256, "name": name[:200], "org": intake.org.pk, "kind": intake.kind,
                          "assessment": intake.assessment.pk if intake.assessment else None,
                          "user": request.user.pk}, salt=TOKEN_SALT)


def _facts(request, intake: _Intake) -> dict | None:
    try:
        facts = signing.loads(request.POST.get("token", ""), salt=TOKEN_SALT, max_age=TOKEN_AGE)
    except signing.BadSignature:
        return None
    wanted = {"org": intake.org.pk, "kind": intake.kind, "user": request.user.pk,
              "assessment": intake.assessment.pk if intake.assessment else None}
    if any(facts.get(k) != v for k, v in wanted.items()):
        raise Http404("No such intake")
    return facts


def _suffix(name: str) -> str:
    return Path(name).suffix.lower()


def _start(request, intake: _Intake, problems=(), status: int = 200):
    return render(request, "exchange/intake/start.html", intake.context(
        problems=list(problems), mappings=saved.mappings_of(request.user, intake.kind)), status=status)


def _chosen(request, proposal_fields) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The mapping and the value words as the person left them on the mapping page."""
    # Columns travel as their numbers from 1, read as numbers (a header that is itself a number
    # would otherwise be taken for the column it names).
    chosen = {f.key: _column(request.POST.get(f"map-{f.key}", "")) for f in proposal_fields}
    values: dict[str, dict[str, str]] = {}
    for key in request.POST:
        parts = key.split("-", 2)
        if parts[0] != "text" or len(parts) != 3:
            continue
        _, field, index = parts
        # A browser sends each line break in a field as CR LF; the sheet's cell text has LF alone.
        text = request.POST[key].replace("\r\n", "\n").replace("\r", "\n")
        values.setdefault(field, {})[text] = request.POST.get(f"value-{field}-{index}", "")
    return chosen, values


def _column(value: str) -> int | str:
    return guards.record_id(value) or ""


def _vocabulary_choices(vocabulary: str) -> list[tuple[str, str]]:
    """The product's values a cell's word can be read as, for the value mapping's selects."""
    from secassure.assessments.choices import Answer, Compliance, Treatment
    from secassure.evidence.choices import DocumentType

    choices = {
        fields.STATUS: Compliance.choices, fields.ANSWER: [c for c in Answer.choices if c[0]],
        fields.TREATMENT: Treatment.choices, fields.DOC_TYPE: DocumentType.choices,
        fields.YESNO: [("true", "Yes"), ("false", "No")],
        fields.SCALE: [(str(n), str(n)) for n in range(1, 6)],
    }.get(vocabulary, [])
    return [(str(v), label) for v, label in choices]


def _readable(kind: str, key: str, value) -> str:
    """A value as the preview shows it: the product's word for a status, a date as people write it."""
    import datetime as dt

    from secassure.people import display_name

    if value is None or value == "":
        return "(blank)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.date):
        return value.strftime("%-d %b %Y")
    if hasattr(value, "email"):
        return display_name(value)
    field = next((f for f in fields.fields_of(kind) if f.key == key), None)
    if field is not None and field.vocabulary:
        labels = dict(_vocabulary_choices(field.vocabulary))
        return labels.get(str(value), str(value))
    return str(value)


def _changes(kind: str, item) -> list[dict]:
    """Each field the row would change: its label, what secassure holds and what the file says."""
    labels = {f.key: f.label for f in fields.fields_of(kind)}
    return [{"label": labels.get(key, key.replace("_", " ").capitalize()),
             "before": _readable(kind, key, item.before.get(key)), "after": _readable(kind, key, item.values[key])}
            for key in item.changed]


def _shown(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _mapping_page(request, intake: _Intake, facts: dict, table, proposal, sheets: list[str], token: str):
    columns = [(str(i + 1), f"{table.letter(i)}: {h}" if h else table.letter(i)) for i, h in enumerate(table.headers)]
    rows = []
    for f in fields.fields_of(intake.kind):
        index = proposal.mapping.get(f.key)
        words = []
        if f.vocabulary in (fields.STATUS, fields.ANSWER, fields.YESNO, fields.SCALE, fields.TREATMENT,
                            fields.DOC_TYPE) and index is not None:
            read = proposal.values.get(f.key, {})
            for n, text in enumerate(sorted(set(read) | set(proposal.unmapped.get(f.key, [])))):
                words.append({"n": n, "text": text, "value": _shown(read.get(text))})
        unread = proposal.unmapped.get(f.key, []) if f.vocabulary == fields.DATE else []
        rows.append({"field": f, "column": "" if index is None else str(index + 1), "unread": unread,
                     "sure": proposal.sure.get(f.key, ""), "words": words,
                     "choices": _vocabulary_choices(f.vocabulary) if f.vocabulary else []})
    sample = [r.cells for r in table.rows[:5]]
    return render(request, "exchange/intake/mapping.html", intake.context(
        token=token, name=facts["name"], table=table, sheets=sheets, columns=columns, fields=rows,
        sample=sample, headers=table.headers))


def _read(path: Path, facts: dict, intake: _Intake, sheet: str | None):
    table = tables.read_table(path, facts["name"], sheet=sheet or None, kind=intake.kind)
    return table, tables.sheets(path, facts["name"])


@login_required
@require_GET
def start(request, slug):
    """The upload form: which file, and what it holds."""
    intake = _Intake(request, slug, request.GET.get("kind", "rows"), request.GET.get("assessment"))
    if intake.assessment is not None and not intake.assessment.editable:
        messages.error(request, f"{intake.assessment.title} cannot change now, so nothing can be taken into it.")
        return redirect(intake.back)
    return _start(request, intake)


@login_required
@require_POST
def upload(request, slug):
    """Store the upload by its hash, read the sheet and propose a mapping. Writes nothing else."""
    from secassure.evidence import blobs

    intake = _Intake(request, slug, request.POST.get("kind", ""), request.POST.get("assessment"))
    upload = request.FILES.get("file")
    if upload is None:
        return _start(request, intake, ["Choose the spreadsheet to take in."], 400)
    if _suffix(upload.name) == ".xlsm":
        return _start(request, intake, [f"{upload.name} is a macro-enabled workbook: save it as an .xlsx workbook "
                                        "(macros are not needed to read its cells) and upload that."], 400)
    if _suffix(upload.name) not in SUFFIXES:
        return _start(request, intake, [f"{upload.name} is not a spreadsheet secassure can read: upload an .xlsx, "
                                        ".xls, .ods or .csv file."], 400)
    if upload.size > MAX_WORKBOOK_BYTES:
        return _start(request, intake, [f"The file is {upload.size >> 20} MiB; it can be at most "
                                        f"{MAX_WORKBOOK_BYTES >> 20} MiB."], 400)
    template = None
    if request.POST.get("mapping"):
        try:
            template = saved.mapping_named(request.user, request.POST["mapping"], intake.kind)
        except ActionError as exc:
            return _start(request, intake, [str(exc)], 400)
    try:
        with blobs.staged(upload.chunks(), MAX_WORKBOOK_BYTES) as staged:
            sheet = template.sheet if template else ""
            copy = _staged_copy(staged.path, upload.name)
            try:
                table, sheets = _read(copy, {"name": upload.name}, intake, sheet)
            finally:
                copy.unlink(missing_ok=True)
            proposal = mapping.propose(table, intake.kind, mapping=template.mapping if template else None,
                                       values=template.values if template else None)
            blobs.commit(staged)
    except tables.IntakeRefused as exc:
        return _start(request, intake, exc.problems, 400)
    except (ActionError, blobs.BlobError) as exc:
        return _start(request, intake, [str(exc)], 400)
    facts = {"sha256": staged.sha256, "name": upload.name}
    return _mapping_page(request, intake, facts, table, proposal, sheets, _token(intake, request, **facts))


def _staged_copy(path: Path, name: str) -> Path:
    """The staged upload under a name with the uploaded file's suffix (readers pick their format by
    it): a hard link beside it, or a copy where links are not possible."""
    import shutil

    target = path.with_name(path.name + _suffix(name))
    try:
        target.hardlink_to(path)
    except OSError:
        shutil.copyfile(path, target)
    return target


def _step(view):
    """A step after the upload: the intake it belongs to, the signed upload (or the page saying it has
    expired), and a refusal shown on the upload page with its reason rather than as an error."""

    @login_required
    @require_POST
    @functools.wraps(view)
    def step(request, slug):
        intake = _Intake(request, slug, request.POST.get("kind", ""), request.POST.get("assessment"))
        facts = _facts(request, intake)
        if facts is None:
            return _start(request, intake, ["The upload has expired or was changed; upload the spreadsheet "
                                            "again."], 400)
        try:
            return view(request, intake, facts)
        except tables.IntakeRefused as exc:
            return _start(request, intake, exc.problems, 400)
        except ActionError as exc:
            return _start(request, intake, [str(exc)], 400)

    return step


def _sheet_changed(request) -> bool:
    """Whether the person chose another sheet without reading it: its columns are not the ones the
    mapping names."""
    return request.POST.get("previous-sheet", "") != request.POST.get("sheet", "")


@_step
def remap(request, intake: _Intake, facts: dict):
    """Read the file again with another sheet chosen, or the mapping as the person changed it."""
    return _remapped(request, intake, facts)


def _remapped(request, intake: _Intake, facts: dict):
    chosen, values = _chosen(request, fields.fields_of(intake.kind))
    sheet = request.POST.get("sheet", "")
    changed_sheet = _sheet_changed(request)
    with copy_of_blob(facts["sha256"], _suffix(facts["name"])) as path:
        table, sheets = _read(path, facts, intake, sheet)
        proposal = mapping.propose(table, intake.kind, mapping=None if changed_sheet else chosen,
                                   values=None if changed_sheet else values)
    return _mapping_page(request, intake, facts, table, proposal, sheets, request.POST["token"])


def _preview(request, intake: _Intake, facts: dict, path: Path):
    chosen, values = _chosen(request, fields.fields_of(intake.kind))
    return taking.preview(intake.org, path, facts["name"], by=request.user, kind=intake.kind,
                          sheet=request.POST.get("sheet") or None, mapping=chosen, values=values,
                          assessment=intake.assessment)


@_step
def preview(request, intake: _Intake, facts: dict):
    """What taking the file in with this mapping would do. Writes nothing, except a saved mapping
    when the person asks for one."""
    if _sheet_changed(request):
        return _remapped(request, intake, facts)
    with copy_of_blob(facts["sha256"], _suffix(facts["name"])) as path:
        result = _preview(request, intake, facts, path)
    name = request.POST.get("save-as", "").strip()
    if name:
        try:
            saved.save_mapping(request.user, name, intake.kind, result.proposal, result.table)
            messages.success(request, f"The mapping is saved as “{name}”: choose it when you next upload a "
                                      "spreadsheet laid out the same way.")
        except ActionError as exc:
            messages.error(request, f"The mapping was not saved: {exc}")
    hidden = [(k, v) for k, v in request.POST.items() if k.startswith(("map-", "text-", "value-")) or k == "sheet"]
    return render(request, "exchange/intake/preview.html", intake.context(
        token=request.POST["token"], name=facts["name"], result=result, hidden=hidden,
        # Every conflict is listed, wherever it is in the sheet, so that each can be chosen.
        shown=[(item, _changes(intake.kind, item)) for n, item in enumerate(result.items)
               if n < SHOWN_ROWS or item.conflict],
        more=sum(1 for item in result.items[SHOWN_ROWS:] if not item.conflict),
        revisions=[(item.number, item.target.revision) for item in result.items
                   if getattr(item.target, "revision", None) is not None],
        conflicts=[i for i in result.items if i.conflict],
        problems=result.problems,
        missing=sorted(n for n, d in result.documents.items() if d is None)))


@_step
def apply(request, intake: _Intake, facts: dict):
    """Take the file in, all or nothing, with the mapping the preview showed."""
    if _sheet_changed(request):
        return _remapped(request, intake, facts)
    take = {guards.record_id(v) for v in request.POST.getlist("take") if guards.record_id(v)}
    # The revision of each row's target that the preview showed: one saved since refuses it all.
    seen = {guards.record_id(key[4:]): guards.record_id(value) for key, value in request.POST.items()
            if key.startswith("rev-") and guards.record_id(key[4:]) and guards.record_id(value)}
    with copy_of_blob(facts["sha256"], _suffix(facts["name"])) as path:
        result = _preview(request, intake, facts, path)
        try:
            summary = taking.apply(result, path, facts["name"], by=request.user, take=take,
                                   placeholders=request.POST.get("placeholders") == "on", seen=seen)
        except tables.IntakeRefused:
            raise
        except ActionError as exc:
            raise ActionError(f"Nothing was taken in: {exc}") from exc
    messages.success(request, _applied_message(facts["name"], intake.kind, summary))
    if intake.assessment is not None:
        return redirect("assessment", intake.org.slug, intake.assessment.pk)
    return redirect(intake.back)


def _them(count: int) -> str:
    return "it" if count == 1 else "them"


def _applied_message(name: str, kind: str, summary: dict) -> str:
    what = {"rows": "row", "answers": "answer", "risks": "risk", "documents": "document"}[kind]
    said = f"Took in {name}: {plural(summary['taken'], what)}"
    if summary["new_assessment"]:
        said += " into a new self-assessment"
    kept = len(summary["kept_product"])
    if kept:
        said += f"; {plural(kept, 'conflict')} left as secassure holds {_them(kept)}"
    if summary["linked"]:
        said += f"; {plural(summary['linked'], 'evidence link')} made"
    if summary["placeholders"]:
        said += f"; {plural(len(summary['placeholders']), 'placeholder document')} added for files to upload"
    if kind in ("rows", "answers") and summary["taken"]:
        said += ". They are carried forward, not yet confirmed: confirm each as you would a baseline's"
    return said + ". The file is kept in the document register."
