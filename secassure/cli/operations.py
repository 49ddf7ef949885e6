"""Running an installation: ``secassure serve`` for the web server, ``secassure worker`` and
``secassure job`` for the background jobs, ``secassure remind`` for the daily digests, ``secassure
inbox`` for what a person has been handed, ``secassure demo`` for the demo story."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from secassure.cli.catalogue import shipped_files
from secassure.cli.common import (
    BackgroundOpt,
    DryRunOpt,
    JsonOpt,
    cli_context,
    console,
    esc,
    fail,
    max_bytes,
    parse_date,
    print_json,
    progress_bar,
    setup_django,
)
from secassure.wording import plural


def remind(
    on: Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD: the day to remind for; today when left "
                                                          "out.")] = None,
    dry_run: DryRunOpt = False,
    background: BackgroundOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """E-mail each person one digest of what is due or overdue for them (run daily from cron or a
    systemd timer). Running it again the same day sends nothing more."""
    setup_django()
    from django.utils import timezone

    from secassure.reminders.digest import send_digests

    day = parse_date(on, "--date") or timezone.localdate()
    if background:
        enqueue_and_report("remind", params={"day": day.isoformat(), "dry_run": dry_run}, as_json=as_json)
        return
    with cli_context(), progress_bar("reminding") as tick:
        run = send_digests(day, dry_run=dry_run, progress=tick)
    if as_json:
        print_json({**run.as_dict(), "dry_run": dry_run})
    else:
        verb = "Would send" if dry_run else "Sent"
        typer.echo(f"{verb} {plural(len(run.sent), 'digest')} for {day.isoformat()}; {run.already} already sent today; "
                   f"{plural(run.nothing_due, 'person', 'people')} with nothing due")
        for failure in run.failed:
            console(stderr=True).print(f"[bold red]not sent:[/] {esc(failure)}")
    if run.failed:
        raise typer.Exit(1)


# --- serve ----------------------------------------------------------------------------------


def serve(
    bind: Annotated[str, typer.Option("--bind", metavar="ADDRESS", help=(
        "Where to listen: HOST:PORT, or unix:PATH for a socket a local proxy connects to. The default, "
        "127.0.0.1:8000, answers this machine only; 0.0.0.0:8000 answers every interface (put it behind "
        "a proxy or load balancer that ends TLS)."))] = "127.0.0.1:8000",
    workers: Annotated[int | None, typer.Option("--workers", min=1, help=(
        "Worker processes, each answering one request at a time per thread. Default: one per CPU, at "
        "least 2 and at most 8; give more where the database is across a network."))] = None,
    threads: Annotated[int, typer.Option("--threads", min=1, help=(
        "Threads in each worker. More than 1 uses gunicorn's threaded worker, in which a slow client or "
        "an idle kept-alive connection does not hold a whole process."))] = 1,
    timeout: Annotated[int, typer.Option("--timeout", min=10, help=(
        "Seconds a request may run before its worker is stopped and replaced; building a large "
        "submission pack is the longest request."))] = 120,
    access_log: Annotated[bool, typer.Option("--access-log/--no-access-log", help=(
        "One line per request on standard output (invitation, attestation and calendar-feed tokens "
        "redacted)."))] = True,
    collect: Annotated[bool, typer.Option("--collectstatic/--no-collectstatic", help=(
        "Collect the static files into the data folder before starting, as each release needs; turn it "
        "off where that folder is read-only and the files were collected when the image was built."))] = True,
) -> None:
    """Serve secassure with gunicorn, a production web server: several worker processes, static files
    included, access log on standard output. Ctrl-C or SIGTERM stops it after the requests in hand;
    SIGHUP reloads the workers. /healthz and /readyz answer load balancers' probes."""
    setup_django()
    from django.core.management import call_command
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    from secassure.server import ServeOptions, Server, gunicorn_config

    config = gunicorn_config(ServeOptions(bind=bind, workers=workers, threads=threads, timeout=timeout,
                                          access_log=access_log))
    if collect:
        # Pages name each static file by the hash of its content (the manifest): a release whose
        # files were not collected would fail every page, so it is done here, before any worker.
        call_command("collectstatic", interactive=False, verbosity=0)
    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:  # noqa: BLE001 - the database may be down now and up later: /readyz says
        console(stderr=True).print(f"[yellow]warning:[/] cannot read the database's migrations: {esc(exc)}")
        pending = []
    if pending:
        console(stderr=True).print(f"[yellow]warning:[/] {plural(len(pending), 'migration')} not yet applied: "
                                   "run secassure migrate")
    # Workers are forked from this process: none may inherit its database connections.
    connections.close_all()
    typer.echo(f"secassure serving at {bind} with {plural(config['workers'], 'worker')}"
               f"{f' of {threads} threads' if threads > 1 else ''} (stop with Ctrl-C)")
    Server(config).run()


# --- demo -----------------------------------------------------------------------------------


def demo(
    force: Annotated[bool, typer.Option("--force", help="Load demo data even though DEBUG is off.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Load the shipped catalogue and the demo story: three organisations and their people. Safe to run again."""
    setup_django()
    from django.conf import settings

    from secassure.web.demo import load_demo

    if not settings.DEBUG and not force:
        fail("demo data adds an administrator with a published password; it is for development "
              "(SECASSURE_DEBUG=true, as make run sets). Pass --force to load it anyway.")

    with cli_context():
        result = load_demo(shipped_files(), max_bytes())
    if as_json:
        print_json(result)
        return
    for line in result["catalogue"]:
        typer.echo(line)
    for name in result["created"]:
        typer.echo(f"Demo organisation created: {name}")
    typer.echo(f"Demo login: {result['login']['email']} / {result['login']['password']}")
    typer.echo("Everyone in the demo story signs in with the same password:")
    for person in result["people"]:
        typer.echo(f"  {person['email']:40} {person['name']}, {person['what']}")


def inbox(
    email: Annotated[str, typer.Argument(help="The person's e-mail address.")],
    unread: Annotated[bool, typer.Option("--unread", help="Only what they have not read.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """List what the workflow's steps handed to a person, newest first."""
    setup_django()
    from django.contrib.auth import get_user_model

    from secassure.inbox.models import Notification

    person = get_user_model().objects.filter(email__iexact=email.strip()).first()
    if person is None:
        fail(f"no person with the address {email!r}")
    found = Notification.objects.filter(recipient=person).select_related("organisation")
    if unread:
        found = found.unread()
    items = [{"kind": n.kind, "organisation": n.organisation.slug, "text": n.text, "url": n.url,
              "created": n.created_at.isoformat(), "read": n.read_at is not None} for n in found.iterator()]
    if as_json:
        print_json(items)
        return
    if not items:
        typer.echo("Nothing unread." if unread else "Nothing has been handed to them yet.")
    for i in items:
        typer.echo(f"{i['created'][:16].replace('T', ' ')} {'   ' if i['read'] else 'new'} {i['organisation']}: "
                   f"{i['text']} ({i['url']})")


# --- worker ---------------------------------------------------------------------------------


def worker(
    once: Annotated[bool, typer.Option("--once", help=(
        "Run what is queued now, then exit (for cron, or a systemd timer, and for tests)."))] = False,
    queue: Annotated[str, typer.Option("--queue", metavar="NAME", help=(
        "The queue to take jobs from; * for every queue."))] = "default",
    interval: Annotated[float, typer.Option("--interval", min=0.1, help=(
        "Seconds to wait, when nothing is queued, before looking again."))] = 1.0,
) -> None:
    """Run the background jobs: submission packs asked for on the web, and imports, file checks and
    reminders queued with --background. Start it beside secassure serve; SIGTERM or Ctrl-C stops it
    after the job in hand. Jobs whose worker died are reported failed when it starts."""
    setup_django()
    from django.conf import settings
    from django.utils.crypto import get_random_string
    from django_tasks_db.management.commands.db_worker import Worker

    from secassure.jobs import runner

    stopped = runner.reap()
    if stopped:
        console(stderr=True).print(f"[yellow]warning:[/] {plural(len(stopped), 'job')} had lost their worker "
                                   f"(no progress for {settings.SECASSURE_JOB_STALE_MINUTES} minutes) and "
                                   f"{'was' if len(stopped) == 1 else 'were'} marked failed: "
                                   f"{', '.join(f'#{pk}' for pk in stopped)}")
    run = Worker(queue_names=queue.split(","), interval=interval, batch=once, backend_name="default",
                 startup_delay=not once, max_tasks=None, worker_id=get_random_string(32), excluded_queue_names=[])
    if not once:
        typer.echo(f"secassure worker taking jobs from the {queue!r} queue (stop with Ctrl-C)")
        run.configure_signals()
    run.run()


def enqueue_and_report(kind: str, *, organisation=None, params: dict, as_json: bool) -> None:
    """Queue a job as the command-line actor and say how to follow it."""
    from secassure.audit.context import cli_actor
    from secassure.jobs import runner

    job = runner.enqueue(kind, organisation=organisation, actor=cli_actor(), params=params)
    if as_json:
        print_json(job.as_dict())
    else:
        typer.echo(f"Queued job #{job.pk}: `secassure worker` runs it; `secassure job show {job.pk}` follows it")


job_app = typer.Typer(help="Background jobs: what is queued, running, done or failed.", no_args_is_help=True)


@job_app.command("list")
def job_list(
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many, newest first.")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """List the latest jobs with their state."""
    setup_django()
    from secassure.jobs.models import Job

    jobs = [j.as_dict() for j in Job.objects.select_related("organisation")[:limit]]
    if as_json:
        print_json(jobs)
        return
    if not jobs:
        typer.echo("No jobs.")
    for j in jobs:
        typer.echo(f"#{j['id']}\t{j['kind']}\t{j['state']}\t{j['organisation'] or '-'}\t{j['actor']}\t"
                   f"{j['created_at'][:16].replace('T', ' ')}\t{j['error'] or ''}")


@job_app.command("show")
def job_show(
    job_id: Annotated[int, typer.Argument(metavar="ID", help="The job's number.")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write the file the job made (a "
                                                                         "submission pack) here.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show a job's state, progress and result; with -o, write out the file it made."""
    setup_django()
    from secassure.evidence import blobs
    from secassure.jobs.models import Job

    job = Job.objects.select_related("organisation").filter(pk=job_id).first()
    if job is None:
        fail(f"no job #{job_id}; `secassure job list` shows them")
    if output is not None:
        if not job.blob_sha256:
            fail(f"job #{job.pk} has made no file{'' if job.finished else ' yet'}")
        try:
            with blobs.open_verified(job.blob_sha256) as source, open(output, "wb") as target:
                while chunk := source.read(blobs.CHUNK):
                    target.write(chunk)
        except blobs.BlobError as exc:
            fail(str(exc))
    if as_json:
        print_json(job.as_dict())
        return
    typer.echo(f"#{job.pk} {job.get_kind_display()}: {job.state}"
               + (f" ({job.done} of {job.total}{f': {job.message}' if job.message else ''})" if job.total else ""))
    if job.error:
        typer.echo(f"error: {job.error}")
    if output is not None:
        typer.echo(f"Wrote {output}")
