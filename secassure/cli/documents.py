"""``secassure doc``: the ISMS document register and its stored files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from secassure.cli.common import (
    BackgroundOpt,
    JsonOpt,
    act,
    console,
    fail,
    find_org,
    parse_date,
    print_json,
    setup_django,
)
from secassure.wording import plural

doc_app = typer.Typer(help="ISMS documents and their versions (evidence files).", no_args_is_help=True)


@doc_app.command("add")
def doc_add(
    org: Annotated[str, typer.Argument(help="Slug or id.")],
    file: Annotated[Path, typer.Argument(help="The file: PDF, Office, image, text, CSV or email.")],
    title: Annotated[str, typer.Option("--title", help="The document's title.")],
    doc_type: Annotated[str, typer.Option("--type", help="policy, procedure, standard, plan, record, report, "
                                                         "contract or letter.")],
    owner: Annotated[str | None, typer.Option("--owner", help="Email of the member who owns it.")] = None,
    effective: Annotated[str | None, typer.Option("--effective", help="Effective date (default: today).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a document to the register with its first version; the file is checked and stored."""
    setup_django()
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from secassure.evidence.actions import add_document, add_version

    found = find_org(org)
    person = None
    if owner:
        person = get_user_model().objects.filter(email__iexact=owner).first()
        if person is None:
            fail(f"no person with the email {owner!r}")
    effective_date = parse_date(effective, "--effective")
    try:
        handle = file.open("rb")
    except OSError as exc:
        fail(f"{file}: cannot read the file ({exc.strerror})")
    with handle, transaction.atomic():
        document = act(add_document, found, by=None, title=title, doc_type=doc_type, owner=person)
        version = act(add_version, document, by=None, chunks=iter(lambda: handle.read(1024 * 1024), b""),
                       name=file.name, effective_date=effective_date)
    if as_json:
        print_json({"document": document.pk, "title": document.title, **version.as_dict()})
    else:
        typer.echo(f"{found.slug}: added {document.title!r} v{version.number} ({version.size:,} bytes, "
                   f"sha256 {version.sha256[:12]}…)")


@doc_app.command("list")
def doc_list(
    org: Annotated[str, typer.Argument(help="Slug or id.")],
    due: Annotated[bool, typer.Option("--due", help="Only documents whose review is due within 30 days or past.")]
    = False,
    as_json: JsonOpt = False,
) -> None:
    """List an organisation's documents with their latest version and next review."""
    setup_django()
    import datetime as dt

    from django.db.models import Max
    from django.utils import timezone

    from secassure.evidence.models import Document

    found = find_org(org)
    documents = (Document.objects.filter(organisation=found).annotate(latest=Max("versions__number"))
                 .select_related("owner", "provider").order_by("title"))
    if due:
        documents = documents.filter(next_review__lte=timezone.localdate() + dt.timedelta(days=30))
    rows = [{"id": d.pk, "title": d.title, "type": d.doc_type, "status": d.status, "latest_version": d.latest,
             "next_review": d.next_review.isoformat() if d.next_review else None,
             "owner": d.owner.email if d.owner else None, "provider": d.provider.name if d.provider else None}
            for d in documents]
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("No documents." if not due else "No document is due for review.")
    for r in rows:
        typer.echo(f"{r['id']}\t{r['title']}\t{r['type']}\tv{r['latest_version'] or '-'}\t"
                   f"review by {r['next_review'] or '-'}")


@doc_app.command("verify")
def doc_verify(org: Annotated[str, typer.Argument(help="Slug or id.")], background: BackgroundOpt = False,
               as_json: JsonOpt = False) -> None:
    """Re-hash every stored file of the organisation's documents. Exit 1 if any is missing or changed."""
    setup_django()
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    from secassure.evidence.actions import verify_blobs

    organisation = find_org(org)
    if background:
        from secassure.cli.operations import enqueue_and_report

        enqueue_and_report("verify", organisation=organisation, params={}, as_json=as_json)
        return
    # Progress goes to standard error, so that --json output stays clean.
    with Progress("Verifying", BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                  console=console(stderr=True), transient=True, disable=as_json) as bar:
        task = bar.add_task("verify", total=None)
        rows = verify_blobs(organisation, progress=lambda done, total: bar.update(task, completed=done, total=total))
    if as_json:
        print_json(rows)
    else:
        for r in rows:
            state = "ok" if r["ok"] else f"BROKEN: {r['problem']}"
            typer.echo(f"{r['document']} v{r['version']}: {state}")
        typer.echo(f"{sum(r['ok'] for r in rows)} of {len(rows)} files verified")
    if not all(r["ok"] for r in rows):
        raise typer.Exit(1)


@doc_app.command("orphans")
def doc_orphans(
    clean: Annotated[bool, typer.Option("--clean", help="Remove the scratch files left by interrupted uploads, "
                                                        "imports and exports (untouched for 24 hours). Stored files "
                                                        "are never removed.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """List stored files that no document version refers to (in any organisation), and scratch files
    left by uploads, imports or exports that were killed before they finished. Stored files are only listed."""
    setup_django()
    from secassure.evidence import blobs, scratch
    from secassure.evidence.actions import orphan_blobs
    from secassure.jobs.models import Job

    # Submission packs made by background jobs are kept in the store for their download: not orphans.
    kept = set(Job.objects.exclude(blob_sha256="").values_list("blob_sha256", flat=True))
    names = [name for name in orphan_blobs() if name not in kept]
    left = scratch.remove_leftovers() if clean else scratch.leftovers()
    hours = int(scratch.SAFE_AGE.total_seconds() // 3600)
    if as_json:
        print_json({"store": str(blobs.store()), "orphans": names,
                    "scratch": {"folder": str(blobs.scratch_dir()), "older_than_hours": hours,
                                "removed" if clean else "leftovers": [entry.as_dict() for entry in left]}})
        return
    for name in names:
        typer.echo(name)
    typer.echo(f"{plural(len(names), 'stored file')} in the {blobs.store()} "
               f"{'belongs' if len(names) == 1 else 'belong'} to no document version")
    for entry in left:
        typer.echo(f"{entry.name}\t{entry.size:,} bytes\tlast written {entry.modified:%Y-%m-%d %H:%M} UTC")
    where = f"scratch {'file' if len(left) == 1 else 'files'} untouched for {hours} hours in {blobs.scratch_dir()}"
    if clean:
        typer.echo(f"removed {len(left)} {where}")
    elif left:
        typer.echo(f"{len(left)} {where}, left by uploads, imports or exports that did not finish: run with --clean to "
                   "remove them")
