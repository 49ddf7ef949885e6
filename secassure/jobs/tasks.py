"""The one task the queue knows: run a job by its id. Everything a job needs is on its row, so the
queue carries only the id and a job can be looked at, and reported on, without the task backend."""

from __future__ import annotations

from django_tasks import task


@task()
def run_job(job_id: int) -> dict | None:
    from secassure.jobs import runner

    return runner.run(job_id)
