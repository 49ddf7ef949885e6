"""The assessment's files page: downloads (workbook, questionnaire, PDF report, CSV, OSCAL, submission
pack) and the workbook import with its preview. Reached through the review door, so a CIO reviewer
gets the shared assessment's files (and their own workbook copy) and nothing else."""

from __future__ import annotations

import contextlib
import functools
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from secassure.errors import ActionError
from secassure.exchange import flat, importing, layout, workbook
from secassure.exchange.reading import WorkbookRefused
from secassure.review.access import review_door
from secassure.wording import plural

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TOKEN_SALT = "secassure.exchange.import"  # noqa: S105 - a signing salt, not a secret
TOKEN_AGE = 6 * 3600
MAX_WORKBOOK_BYTES = 50 * 1024 * 1024


def _door(request, slug, pk):
    door = review_door(request.user, slug, pk)
    return door, door.assessment


def _context(door, **extra) -> dict:
    a = door.assessment
    return {"door": door, "a": a, "org": a.organisation, **extra}


def may_import(door) -> bool:
    from secassure.assessments.choices import AssessmentStatus
    from secassure.tenancy.access import EDIT_ASSESSMENTS

    a = door.assessment
    if door.is_cio:
        return a.status == AssessmentStatus.CIO_REVIEW
    return a.editable and door.may(EDIT_ASSESSMENTS)


def _files_context(door, **extra) -> dict:
    from secassure.exchange import oscal

    # The plan of action is offered only when it can be made, so its link never leads to a refusal.
    return _context(door, can_import=may_import(door), max_mb=MAX_WORKBOOK_BYTES >> 20,
                    has_poam=oscal.poam_has_content(door.assessment), **extra)


@login_required
@require_GET
def files(request, slug, pk):
    door, a = _door(request, slug, pk)
    return render(request, "exchange/files.html", _files_context(door))


@contextlib.contextmanager
def copy_of_blob(sha256: str, suffix: str) -> Iterator[Path]:
    """A stored upload copied, hash verified, to a scratch file with the given suffix (readers pick
    their format by it), removed on the way out."""
    from secassure.evidence import blobs

    with blobs.open_verified(sha256) as source, tempfile.NamedTemporaryFile(suffix=suffix, dir=_scratch()) as copy:
        while chunk := source.read(1 << 20):
            copy.write(chunk)
        copy.flush()
        yield Path(copy.name)


def _written(suffix: str, write) -> BinaryIO:
    """Call write(path) for a path in a scratch folder of its own, then hand back the finished file
    open for reading. The file is opened only once the writer is done: a writer may build a part
    file and rename it over the path, and a handle opened beforehand would still read the empty file
    the rename replaced. The folder, with any part file a failed writer left, goes at once; the open
    handle keeps the bytes readable until the response has streamed them and closes it."""
    folder = Path(tempfile.mkdtemp(prefix="download-", dir=_scratch()))
    try:
        path = folder / f"download{suffix}"
        write(path)
        return path.open("rb")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _refusals_shown(view):
    """A download that is refused sends the person back to the files page with the reason, so no
    link on that page can end in a server error."""

    @functools.wraps(view)
    def wrapped(request, slug, pk, *args, **kwargs):
        try:
            return view(request, slug, pk, *args, **kwargs)
        except ActionError as exc:
            messages.error(request, f"The file was not made: {exc}")
            return redirect("exchange", slug, pk)

    return wrapped


def _scratch() -> Path:
    from secassure.evidence.blobs import scratch_dir

    return scratch_dir()


def _attachment(response, a, what: str):
    response["Content-Disposition"] = f'attachment; filename="{a.organisation.slug}-{a.pk}-{what}"'
    return response


def _file(handle, name: str, content_type: str) -> FileResponse:
    return FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)


# The downloads themselves, made for an assessment already reached through its door (the files
# page's links here, and the JSON API's export routes); a refusal is an ActionError.


def workbook_download(a, *, by, kind: str = layout.VALIDATION_WORKBOOK) -> FileResponse:
    handle = _written(".xlsx", lambda path: workbook.write(a, path, by=by, kind=kind))
    return _file(handle, workbook.filename(a, kind), XLSX)


def csv_download(a, what: str) -> StreamingHttpResponse:
    return _attachment(StreamingHttpResponse(flat.stream(a, what), content_type="text/csv; charset=utf-8"), a,
                       f"{what}.csv")


def oscal_download(a, model: str) -> FileResponse:
    from secassure.exchange import oscal

    handle = _written(".json", lambda path: oscal.write(a, model, path))
    return _file(handle, f"{a.organisation.slug}-{a.pk}-{model}.json", "application/json")


def pack_download(a, *, by) -> FileResponse:
    from secassure.exchange import pack

    handle = _written(".zip", lambda path: pack.build(a, path, by=by))
    return _file(handle, f"{a.organisation.slug}-{a.pk}-submission-pack.zip", "application/zip")


@login_required
@require_GET
@_refusals_shown
def download_workbook(request, slug, pk):
    door, a = _door(request, slug, pk)
    kind = layout.QUESTIONNAIRE if request.GET.get("kind") == layout.QUESTIONNAIRE else layout.VALIDATION_WORKBOOK
    return workbook_download(a, by=request.user, kind=kind)


@login_required
@require_GET
@_refusals_shown
def download_csv(request, slug, pk, what):
    door, a = _door(request, slug, pk)
    if what not in flat.WHAT:
        raise Http404("No such export")
    return csv_download(a, what)


@login_required
@require_GET
@_refusals_shown
def download_report(request, slug, pk):
    door, a = _door(request, slug, pk)
    from secassure.exchange import report

    return _attachment(HttpResponse(report.render_pdf(a), content_type="application/pdf"), a, "report.pdf")


@login_required
@require_GET
@_refusals_shown
def download_cio_report(request, slug, pk, version):
    """An issued version of the User CIO's User Security Assessment Report, as a PDF."""
    door, a = _door(request, slug, pk)
    from secassure.exchange import report
    from secassure.review.models import CioReport

    found = get_object_or_404(CioReport, assessment=a, version=version, issued_at__isnull=False)
    return _attachment(HttpResponse(report.render_cio_report(found), content_type="application/pdf"), a,
                       f"cio-report-v{found.version}.pdf")


@login_required
@require_GET
@_refusals_shown
def download_oscal(request, slug, pk, model):
    door, a = _door(request, slug, pk)
    from secassure.exchange import oscal

    if model not in oscal.MODELS:
        raise Http404("No such OSCAL model")
    return oscal_download(a, model)


@login_required
@require_GET
def download_pack(request, slug, pk):
    door, a = _door(request, slug, pk)
    try:
        return pack_download(a, by=request.user)
    except ActionError as exc:
        messages.error(request, f"The pack was not made: {exc}")
        return redirect("exchange", slug, pk)


# --- import ----------------------------------------------------------------------------------------


def _refused(request, door, problems, status: int = 400):
    return render(request, "exchange/files.html", _files_context(door, problems=problems), status=status)


@login_required
@require_POST
def upload(request, slug, pk):
    """Check an uploaded workbook and show what importing it would change. Writes nothing to the
    database; the file is kept in the blob store until it is applied."""
    from secassure.evidence import blobs

    door, a = _door(request, slug, pk)
    if not may_import(door):
        raise Http404("Nothing can be imported into this assessment now")
    upload = request.FILES.get("workbook")
    if upload is None:
        return _refused(request, door, ["Choose the edited workbook (.xlsx) to upload."])
    if upload.size > MAX_WORKBOOK_BYTES:
        return _refused(request, door, [f"The file is {upload.size >> 20} MiB; a workbook can be at most "
                                        f"{MAX_WORKBOOK_BYTES >> 20} MiB."])
    try:
        with blobs.staged(upload.chunks(), MAX_WORKBOOK_BYTES) as staged:
            try:
                plan = importing.plan(a, staged.path, by=request.user)
            except WorkbookRefused as exc:
                return _refused(request, door, [str(p) for p in exc.problems])
            except ActionError as exc:
                return _refused(request, door, [str(exc)])
            blobs.commit(staged)
    except blobs.BlobError as exc:
        return _refused(request, door, [str(exc)])
    token = signing.dumps({"sha256": staged.sha256, "name": upload.name[:200], "assessment": a.pk,
                           "user": request.user.pk}, salt=TOKEN_SALT)
    return render(request, "exchange/preview.html", _context(door, plan=plan, token=token, name=upload.name))


@login_required
@require_POST
def apply(request, slug, pk):
    from secassure.evidence import blobs

    door, a = _door(request, slug, pk)
    if not may_import(door):
        raise Http404("Nothing can be imported into this assessment now")
    try:
        facts = signing.loads(request.POST.get("token", ""), salt=TOKEN_SALT, max_age=TOKEN_AGE)
    except signing.BadSignature:
        return _refused(request, door, ["The preview has expired or was changed; upload the workbook again."])
    if facts.get("assessment") != a.pk or facts.get("user") != request.user.pk:
        raise Http404("No such import")
    try:
        with copy_of_blob(facts["sha256"], ".xlsx") as path:
            result = importing.plan(a, path, by=request.user)
            take = {c.key for c in result.conflicts if request.POST.get(f"keep-{c.key}") == "workbook"}
            summary = importing.apply(result, path, by=request.user, name=facts["name"], take=take)
    except WorkbookRefused as exc:
        return _refused(request, door, [str(p) for p in exc.problems])
    except (ActionError, blobs.BlobError) as exc:
        return _refused(request, door, [str(exc)])
    kept = (f"; {plural(summary['kept_product'], 'conflict')} kept secassure's version" if summary["kept_product"]
            else "")
    messages.success(request, f"Imported {facts['name']}: {plural(summary['applied'], 'item')} changed{kept}. "
                              "The file is kept in the document register as evidence of the import.")
    target = "review" if door.is_cio else "assessment"
    return redirect(reverse(target, args=[slug, pk]))
