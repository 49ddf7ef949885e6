"""Queuing and running jobs, and finding the ones whose worker died.

Each kind calls the very function its synchronous path calls (``pack.build``, ``importing.apply``,
``verify_blobs``, ``send_digests``), as the person who asked, so a job gives the same result and
writes the same audit events as doing the work at once; queuing and finishing a job change no
compliance data and are not audited. Nothing a job makes is kept half-made: the import applies in one
transaction, and the pack is written to a scratch file and stored only once it is complete."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from secassure.audit.context import Actor, acting_as, user_actor
from secassure.errors import ActionError
from secassure.evidence.blobs import BlobError
from secassure.exchange.reading import WorkbookRefused
from secassure.jobs.models import WORKER_STOPPED, Job, JobKind, JobState

# Refusals a person can act on: their message becomes the job's error, as the synchronous path shows it.
REFUSALS = (ActionError, BlobError, WorkbookRefused)

# Progress is written at most this often (seconds), so a job of many small steps does not spend its
# time writing its own progress; the heartbeat goes with it.
PROGRESS_EVERY = 1.0


def enqueue(kind: str, *, organisation=None, by=None, actor: Actor | None = None, params: dict | None = None) -> Job:
    """Record a job and hand it to the queue. The queue is a table of the same database, so the two
    rows are committed together: a worker never finds a task without its job, nor the reverse. (The
    immediate backend, which the tests use, runs the job here and now.)"""
    from secassure.jobs.tasks import run_job

    label = (actor or (user_actor(by) if by is not None else Actor("system"))).label
    with transaction.atomic():
        job = Job.objects.create(kind=kind, organisation=organisation, requested_by=by, actor=label[:200],
                                 params=params or {})
        result = run_job.enqueue(job.pk)
        Job.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.refresh_from_db()
    return job


def stale_minutes() -> int:
    return settings.SECASSURE_JOB_STALE_MINUTES


def reap(minutes: int | None = None) -> list[int]:
    """Mark failed every running job whose heartbeat is older than ``minutes``: its worker was killed
    or lost. They are reported, not run again: a person asked for each and decides whether to ask
    again (a workbook import in particular may no longer apply), and nothing half-made was kept."""
    found = list(Job.objects.stalled(minutes if minutes is not None else stale_minutes()).values_list("pk", "task_id"))
    if not found:
        return []
    now = timezone.now()
    Job.objects.filter(pk__in=[pk for pk, _ in found], state=JobState.RUNNING).update(
        state=JobState.FAILED, error=WORKER_STOPPED, finished_at=now)
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    # The queue's own rows would otherwise stay "running" for ever.
    DBTaskResult.objects.filter(pk__in=[t for _, t in found if t], status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED, finished_at=now, exception_class_path="secassure.jobs.WorkerStopped",
        traceback=WORKER_STOPPED)
    return [pk for pk, _ in found]


class _Progress:
    def __init__(self, job: Job):
        self.job = job
        self.last = 0.0
        self.done = self.total = 0

    def __call__(self, done: int, total: int, what: str = "") -> None:
        self.done, self.total = done, total
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY and done < total:
            return
        self.last = now
        self.save(done, total, what)

    def save(self, done: int, total: int, what: str = "") -> None:
        self.done, self.total = done, total
        Job.objects.filter(pk=self.job.pk).update(done=max(done, 0), total=max(total, 0), message=str(what)[:200],
                                                  heartbeat_at=timezone.now())


def run(job_id: int) -> dict | None:
    """Run one queued job to its end. A job not queued (already run, or reported stopped) is left as
    it is, so a task delivered twice does the work once."""
    claimed = Job.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now())
    if not claimed:
        return None
    job = Job.objects.select_related("organisation", "requested_by").get(pk=job_id)
    actor = Actor(label=job.actor, user_id=job.requested_by_id)
    progress = _Progress(job)
    try:
        with acting_as(actor=actor, request_id=f"job-{job.pk}"):
            outcome = KINDS[job.kind](job, progress)
    except REFUSALS as exc:
        _finish(job, JobState.FAILED, error=_reason(exc))
        return None
    except Exception as exc:
        _finish(job, JobState.FAILED, error=f"it failed unexpectedly ({type(exc).__name__}); the log has the detail")
        raise
    _finish(job, JobState.DONE, **outcome)
    return outcome.get("result")


def _finish(job: Job, state: str, **fields) -> None:
    Job.objects.filter(pk=job.pk).update(state=state, finished_at=timezone.now(), heartbeat_at=timezone.now(),
                                         **fields)


def _reason(exc) -> str:
    problems = getattr(exc, "problems", None)
    return "; ".join(str(p) for p in problems) if problems else str(exc)


# --- the kinds -----------------------------------------------------------------------------------


def _assessment(job: Job):
    from secassure.assessments.models import Assessment

    found = Assessment.objects.select_related("organisation", "catalogue__framework").filter(
        pk=job.params.get("assessment"), organisation=job.organisation).first()
    if found is None:
        raise ActionError("the assessment no longer exists")
    return found


@contextmanager
def _scratch_file(suffix: str):
    from secassure.evidence.blobs import scratch_dir

    fd, name = tempfile.mkstemp(dir=scratch_dir(), prefix="job-", suffix=suffix)
    os.close(fd)
    try:
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)


def pack_name(assessment) -> str:
    return f"{assessment.organisation.slug}-{assessment.pk}-submission-pack.zip"


def _pack(job: Job, progress: _Progress) -> dict:
    from secassure.evidence import blobs
    from secassure.exchange import pack

    assessment = _assessment(job)
    with _scratch_file(".zip") as path:
        manifest = pack.build(assessment, path, by=job.requested_by, evidence=job.params.get("evidence", True),
                              progress=progress)
        progress.save(progress.total, progress.total, "storing the pack")
        # Only the finished file reaches the store: a job killed above leaves a scratch file at most.
        with path.open("rb") as handle, blobs.staged(iter(lambda: handle.read(blobs.CHUNK), b""), None) as staged:
            blobs.commit(staged)
    return {"blob_sha256": staged.sha256, "file_name": pack_name(assessment),
            "result": {"sha256": staged.sha256, "size": staged.size, "file": pack_name(assessment),
                       "files": len(manifest["files"]), "audit_chain_head": manifest["audit_chain_head"]}}


def _import(job: Job, progress: _Progress) -> dict:
    from secassure.evidence import blobs
    from secassure.exchange import importing

    assessment = _assessment(job)
    with blobs.open_verified(job.params["sha256"]) as source, _scratch_file(".xlsx") as path:
        with path.open("wb") as copy:
            while chunk := source.read(blobs.CHUNK):
                copy.write(chunk)
        progress.save(0, 2, "checking the workbook")
        plan = importing.plan(assessment, path, by=job.requested_by)
        # Conflicts taken from the workbook: by ref from the command line, by key from the web's
        # preview (where each conflict's choice is named by its key).
        wanted, wanted_keys = set(job.params.get("take", [])), set(job.params.get("take_keys", []))
        unknown = wanted - {c.ref for c in plan.conflicts}
        if unknown:
            raise ActionError(f"not a row in conflict: {', '.join(sorted(unknown))}")
        summary = plan.as_dict()
        if plan.changes:
            progress.save(1, 2, "applying the changes")
            keys = {c.key for c in plan.conflicts if c.ref in wanted or c.key in wanted_keys}
            summary["applied"] = importing.apply(plan, path, by=job.requested_by, name=job.params["name"], take=keys)
    return {"result": summary}


def _verify(job: Job, progress: _Progress) -> dict:
    from secassure.evidence.actions import verify_blobs

    rows = verify_blobs(job.organisation, progress=lambda done, total: progress(done, total, "bytes re-hashed"))
    return {"result": {"files": len(rows), "ok": sum(r["ok"] for r in rows), "rows": rows}}


def _remind(job: Job, progress: _Progress) -> dict:
    from secassure.reminders.digest import send_digests

    day = dt.date.fromisoformat(job.params["day"])
    outcome = send_digests(day, dry_run=job.params.get("dry_run", False), progress=progress)
    return {"result": {**outcome.as_dict(), "dry_run": job.params.get("dry_run", False)}}


KINDS = {JobKind.PACK: _pack, JobKind.IMPORT: _import, JobKind.VERIFY: _verify, JobKind.REMIND: _remind}

