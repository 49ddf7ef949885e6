"""A job as people see it. django-tasks keeps its own row per task (what to call, its queue, its
worker); this one holds what the product needs besides: who asked, for which organisation, how far it
has got, what it made, and what went wrong in words a person can act on."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone


class JobKind(models.TextChoices):
    PACK = "pack", "Submission pack"
    IMPORT = "import", "Workbook import"
    VERIFY = "verify", "Re-hash the stored files"
    REMIND = "remind", "Daily reminders"


class JobState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


# What a job found running with no sign of life is told: its worker was killed or lost, and nothing
# it had half done was kept (each kind writes only when complete), so asking again is safe.
WORKER_STOPPED = "the worker stopped while it ran; start it again"


class JobQuerySet(models.QuerySet):
    def visible_to(self, user, organisation):
        """A person's own jobs of one organisation: the door to a job also checks the organisation."""
        return self.filter(organisation=organisation, requested_by=user)

    def stalled(self, minutes: int):
        """Running jobs whose heartbeat is older than the given minutes: their worker has gone."""
        return self.filter(state=JobState.RUNNING, heartbeat_at__lt=timezone.now() - dt.timedelta(minutes=minutes))


class Job(models.Model):
    kind = models.CharField(max_length=12, choices=JobKind.choices)
    state = models.CharField(max_length=8, choices=JobState.choices, default=JobState.QUEUED)
    # None for the daily reminders, which are the installation's, not one organisation's.
    organisation = models.ForeignKey("tenancy.Organisation", null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="jobs")
    # None when the operator's command line asked; actor names them either way, for the audit log.
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="jobs")
    actor = models.CharField(max_length=200)
    params = models.JSONField(default=dict)
    task_id = models.CharField(max_length=64, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=200, blank=True)
    result = models.JSONField(null=True, blank=True)
    blob_sha256 = models.CharField(max_length=64, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "heartbeat_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0

    def as_dict(self) -> dict:
        return {"id": self.pk, "kind": self.kind, "state": self.state,
                "organisation": self.organisation.slug if self.organisation_id else None, "actor": self.actor,
                "params": self.params, "done": self.done, "total": self.total, "message": self.message,
                "result": self.result, "file": {"sha256": self.blob_sha256, "name": self.file_name}
                if self.blob_sha256 else None, "error": self.error or None,
                "created_at": self.created_at.isoformat(),
                "started_at": self.started_at.isoformat() if self.started_at else None,
                "finished_at": self.finished_at.isoformat() if self.finished_at else None}
