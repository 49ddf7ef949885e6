"""Asking for a submission pack, and the job page that shows it being made and then hands it over.

A job is seen only by the person who asked for it, through their door to its organisation; a pack
job also through the door to its assessment, as the files page is, so someone who has lost the
assessment (a CIO reviewer whose share was withdrawn) loses its pack too. Anything else is 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from secassure.evidence import blobs
from secassure.jobs import runner
from secassure.jobs.models import Job, JobKind, JobState
from secassure.review.access import review_door
from secassure.tenancy.access import member_door


@login_required
@require_POST
def request_pack(request, slug, pk):
    door = review_door(request.user, slug, pk)
    job = runner.enqueue(JobKind.PACK, organisation=door.organisation, by=request.user,
                         params={"assessment": door.assessment.pk})
    return redirect("job", slug, job.pk)


@login_required
@require_POST
def request_import(request, slug, pk):
    """Apply an edited workbook in the background, as the preview showed it: applying a large one
    (each changed row audited) can outlast a web request. The same door, the same signed upload and
    the same checks as applying it at once; the worker plans it again before applying, so a row
    changed since the preview refuses the whole import, as it would here."""
    from django.core import signing

    from secassure.exchange.views import TOKEN_AGE, TOKEN_SALT, may_import

    door = review_door(request.user, slug, pk)
    if not may_import(door):
        raise Http404("Nothing can be imported into this assessment now")
    try:
        facts = signing.loads(request.POST.get("token", ""), salt=TOKEN_SALT, max_age=TOKEN_AGE)
    except signing.BadSignature:
        messages.error(request, "The preview has expired or was changed; upload the workbook again.")
        return redirect("exchange", slug, pk)
    if facts.get("assessment") != door.assessment.pk or facts.get("user") != request.user.pk:
        raise Http404("No such import")
    take = sorted(key[len("keep-"):] for key, value in request.POST.items()
                  if key.startswith("keep-") and value == "workbook")
    job = runner.enqueue(JobKind.IMPORT, organisation=door.organisation, by=request.user,
                         params={"assessment": door.assessment.pk, "sha256": facts["sha256"], "name": facts["name"],
                                 "take_keys": take})
    return redirect("job", slug, job.pk)


def _job(request, slug, pk):
    door = member_door(request.user, slug, "No such job")
    job = Job.objects.visible_to(request.user, door.organisation).filter(pk=pk).first()
    if job is None:
        raise Http404("No such job")
    assessment = None
    if job.kind in (JobKind.PACK, JobKind.IMPORT):
        assessment = review_door(request.user, slug, job.params.get("assessment") or 0).assessment
    return door, job, assessment


@login_required
@require_GET
def job_page(request, slug, pk):
    # A job whose worker died is reported here too, so the person is told without waiting for the
    # worker to be started again.
    runner.reap()
    door, job, assessment = _job(request, slug, pk)
    context = {"job": job, "org": door.organisation, "a": assessment}
    if request.headers.get("HX-Request"):
        return render(request, "jobs/_status.html", context)
    return render(request, "jobs/job.html", context)


@login_required
@require_GET
def job_download(request, slug, pk):
    door, job, assessment = _job(request, slug, pk)
    if job.state != JobState.DONE or not job.blob_sha256:
        raise Http404("Nothing to download yet")
    try:
        handle = blobs.open_verified(job.blob_sha256)
    except blobs.BlobError as exc:
        messages.error(request, f"The file cannot be served: {exc}. Ask for it again.")
        return redirect("job", slug, pk)
    # Streamed from the store in blocks, never read whole into memory.
    return FileResponse(handle, as_attachment=True, filename=job.file_name, content_type="application/zip")
