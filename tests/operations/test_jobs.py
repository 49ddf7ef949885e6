"""Background jobs: each kind run by `secassure worker --once` gives what the synchronous path gives
(the same files, changes and audit events); progress shows on the job page, which htmx polls while
the job runs; a job is seen only by the person who asked, in their own organisation; a job that fails
or loses its worker leaves nothing half-done and says so."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest

from secassure.audit.models import Event
from secassure.exchange import pack
from secassure.jobs.models import WORKER_STOPPED, Job, JobState
from tests.assessments import helpers
from tests.exchange.conftest import drafting, reviewed  # noqa: F401 (fixtures)

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def queue(settings, monkeypatch):
    """The database queue and its worker, as production runs them. The worker checks its database
    connection between tasks and closes one left in a transaction; a test holds its whole run in one
    transaction (rolled back at the end), so that check is left out here."""
    from django_tasks_db.management.commands import db_worker

    settings.TASKS = DATABASE_QUEUE
    settings.SECASSURE_REQUIRE_MFA = False
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


def _queued(result) -> Job:
    assert result.exit_code == 0, result.stderr
    job = Job.objects.get(pk=result.json()["id"])
    assert job.state == JobState.QUEUED
    return job


def _work(cli) -> None:
    result = cli("worker", "--once")
    assert result.exit_code == 0, result.stderr


def _events() -> list[str]:
    return list(Event.objects.order_by("pk").values_list("action", flat=True))


def _pack_contents(path) -> dict:
    checked = pack.verify(path)
    assert checked.ok, checked.problems
    return {f["path"]: f["sha256"] for f in checked.manifest["files"] if f["role"] == "evidence"} | {
        f["path"]: None for f in checked.manifest["files"]}


def test_a_pack_job_makes_the_pack_the_command_line_makes(cli, reviewed, tmp_path):  # noqa: F811
    before = _events()
    made = cli("pack", reviewed.pk, "-o", tmp_path / "now.zip", "--json")
    assert made.exit_code == 0, made.stderr
    sync_events = _events()[len(before):]

    job = _queued(cli("pack", reviewed.pk, "--background", "--json"))
    assert not job.blob_sha256
    before = _events()
    _work(cli)
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.error
    assert job.file_name == f"{reviewed.organisation.slug}-{reviewed.pk}-submission-pack.zip"
    assert job.done == job.total > 0  # progress was recorded as it went
    assert _events()[len(before):] == sync_events
    shown = cli("job", "show", job.pk, "-o", tmp_path / "later.zip")
    assert shown.exit_code == 0, shown.stderr
    assert _pack_contents(tmp_path / "later.zip") == _pack_contents(tmp_path / "now.zip")
    assert job.result["sha256"] == job.blob_sha256
    # Kept for its download, the pack is no orphan of the evidence store.
    assert job.blob_sha256 not in cli("doc", "orphans", "--json").json()["orphans"]


def _edited_workbook(cli, assessment, tmp_path):
    out = tmp_path / "book.xlsx"
    assert cli("workbook", "export", assessment.pk, "-o", out).exit_code == 0
    wb = openpyxl.load_workbook(out)
    wb["Validation"]["G3"] = "Reviewed monthly"
    wb["Questionnaire"]["D2"] = "Yes"
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    return edited


def test_an_import_job_applies_what_the_command_line_applies(cli, drafting, tmp_path):  # noqa: F811
    edited = _edited_workbook(cli, drafting, tmp_path)
    job = _queued(cli("workbook", "import", drafting.pk, edited, "--background", "--json"))
    assert helpers.row(drafting, "T2").narrative == ""  # queued, not yet applied
    _work(cli)
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.error
    assert job.result["applied"]["applied"] == 2 and job.result["changes"] == 2
    assert helpers.row(drafting, "T2").narrative == "Reviewed monthly"
    assert helpers.answer(drafting, "Q1").answer == "yes"
    assert _events().count("exchange.workbook.imported") == 1
    assert Event.objects.get(action="exchange.workbook.imported").actor_label.startswith("cli:")


def test_a_verify_job_and_a_reminder_job_give_the_synchronous_result(cli, drafting, org_a):  # noqa: F811
    now = cli("doc", "verify", org_a.slug, "--json").json()
    verify = _queued(cli("doc", "verify", org_a.slug, "--background", "--json"))
    day = dt.date(2026, 6, 1).isoformat()
    remind_now = cli("remind", "--date", day, "--dry-run", "--json").json()
    remind = _queued(cli("remind", "--date", day, "--dry-run", "--background", "--json"))
    _work(cli)
    verify.refresh_from_db()
    remind.refresh_from_db()
    assert verify.state == remind.state == JobState.DONE
    assert verify.result["rows"] == now and verify.result["ok"] == len(now) > 0
    assert remind.result == remind_now


def test_the_web_flow_asks_follows_and_downloads_a_pack_that_parses(client, alice, reviewed, cli):  # noqa: F811
    client.force_login(alice)
    base = f"/orgs/{reviewed.organisation.slug}"
    files = client.get(f"{base}/assessments/{reviewed.pk}/files/")
    assert f'action="{base}/assessments/{reviewed.pk}/files/pack/"'.encode() in files.content
    asked = client.post(f"{base}/assessments/{reviewed.pk}/files/pack/")
    job = Job.objects.get()
    assert asked.status_code == 302 and asked["Location"] == f"{base}/jobs/{job.pk}/"
    page = client.get(asked["Location"])
    assert page.status_code == 200 and b'data-state="queued"' in page.content
    # Polled by htmx attributes alone: the page carries no script or style of its own (the CSP).
    assert f'hx-get="{base}/jobs/{job.pk}/" hx-trigger="every 2s"'.encode() in page.content
    assert b"<script>" not in page.content and b"style=" not in page.content

    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, done=2, total=5, message="report")
    polled = client.get(f"{base}/jobs/{job.pk}/", headers={"HX-Request": "true"})
    assert b"<html" not in polled.content and b"2 of 5: report" in polled.content
    assert b'hx-trigger="every 2s"' in polled.content
    assert client.get(f"{base}/jobs/{job.pk}/download/").status_code == 404  # nothing yet

    Job.objects.filter(pk=job.pk).update(state=JobState.QUEUED, done=0, total=0, message="")
    _work(cli)
    polled = client.get(f"{base}/jobs/{job.pk}/", headers={"HX-Request": "true"})
    assert b'data-state="done"' in polled.content and b"hx-trigger" not in polled.content
    download = client.get(f"{base}/jobs/{job.pk}/download/")
    assert download.status_code == 200 and download.streaming
    assert download["Content-Type"] == "application/zip"
    body = b"".join(download.streaming_content)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert {"manifest.json", "validation-workbook.xlsx", "report.pdf"} <= set(archive.namelist())
        assert archive.testzip() is None


def test_only_the_person_who_asked_sees_the_job_and_its_file(client, alice, bob, mallory, reviewed, cli):  # noqa: F811
    client.force_login(alice)
    base = f"/orgs/{reviewed.organisation.slug}"
    client.post(f"{base}/assessments/{reviewed.pk}/files/pack/")
    job = Job.objects.get()
    _work(cli)
    assert client.get(f"{base}/jobs/{job.pk}/download/").status_code == 200
    for other in (mallory, bob):
        client.force_login(other)
        assert client.get(f"{base}/jobs/{job.pk}/").status_code == 404
        assert client.get(f"{base}/jobs/{job.pk}/download/").status_code == 404
    client.force_login(mallory)
    assert client.get(f"/orgs/org-b/jobs/{job.pk}/").status_code == 404
    assert client.get(f"/orgs/org-b/jobs/{job.pk}/download/").status_code == 404


def test_an_import_job_that_fails_midway_leaves_nothing_applied(cli, drafting, tmp_path, monkeypatch):  # noqa: F811
    from secassure.exchange import importing

    edited = _edited_workbook(cli, drafting, tmp_path)
    job = _queued(cli("workbook", "import", drafting.pk, edited, "--background", "--json"))

    def killed(*args, **kwargs):
        raise RuntimeError("killed")

    # The rows are saved first, then the file is kept: failing there is failing half-way.
    monkeypatch.setattr(importing, "_keep_file", killed)
    _work(cli)
    job.refresh_from_db()
    assert job.state == JobState.FAILED and "RuntimeError" in job.error
    assert helpers.row(drafting, "T2").narrative == ""
    assert helpers.answer(drafting, "Q1").answer != "yes"
    assert "exchange.workbook.imported" not in _events()


def test_a_pack_job_that_fails_stores_nothing_and_says_why(cli, reviewed, monkeypatch):  # noqa: F811
    from secassure.errors import ActionError
    from secassure.evidence import blobs
    from secassure.exchange import report

    def refused(*args, **kwargs):
        raise ActionError("the report could not be drawn")

    stored = set(blobs.store().names())
    job = _queued(cli("pack", reviewed.pk, "--background", "--json"))
    monkeypatch.setattr(report, "render_pdf", refused)
    _work(cli)
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.error == "the report could not be drawn"
    assert not job.blob_sha256 and set(blobs.store().names()) == stored
    assert not [p for p in blobs.scratch_dir().iterdir() if p.name.startswith("job-")]


def test_a_job_whose_worker_died_is_reported_failed_and_not_run_again(cli, client, alice, reviewed, settings):  # noqa: F811
    from django.utils import timezone

    client.force_login(alice)
    base = f"/orgs/{reviewed.organisation.slug}"
    client.post(f"{base}/assessments/{reviewed.pk}/files/pack/")
    job = Job.objects.get()
    # A worker took it, then was killed: it stays "running" with a heartbeat that stops.
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING,
                                         heartbeat_at=timezone.now() - dt.timedelta(minutes=5))
    page = client.get(f"{base}/jobs/{job.pk}/")
    assert b'data-state="running"' in page.content  # not yet stale at 15 minutes
    settings.SECASSURE_JOB_STALE_MINUTES = 4
    result = cli("worker", "--once")
    assert result.exit_code == 0 and f"#{job.pk}" in result.stderr
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.error == WORKER_STOPPED and not job.blob_sha256
    page = client.get(f"{base}/jobs/{job.pk}/")
    assert WORKER_STOPPED.encode() in page.content and b"hx-trigger" not in page.content
    assert client.get(f"{base}/jobs/{job.pk}/download/").status_code == 404
