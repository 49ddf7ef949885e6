"""Getting an assessment out and back in: ``secassure workbook``, ``oscal``, ``report``, ``pack``
and ``csv``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from secassure.cli.common import (
    BackgroundOpt,
    DryRunOpt,
    JsonOpt,
    act,
    cli_context,
    console,
    esc,
    fail,
    find_assessment,
    print_json,
    progress_bar,
    setup_django,
)
from secassure.wording import plural

workbook_app = typer.Typer(help="The Validation Workbook and questionnaire: export to .xlsx and import edits back.",
                           no_args_is_help=True)
oscal_app = typer.Typer(help="OSCAL 1.1.3 JSON of an assessment: its results, its plan of action, its catalogue.",
                        no_args_is_help=True)


@workbook_app.command("export")
def workbook_export(
    assessment_id: Annotated[str, typer.Argument(metavar="ID", help="The assessment's id.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The .xlsx file to write.")],
    questionnaire: Annotated[bool, typer.Option("--questionnaire", help="Only the questionnaire.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Write the Validation Workbook (or the questionnaire alone) for the User's team to fill in."""
    setup_django()
    from secassure.exchange import layout, workbook

    kind = layout.QUESTIONNAIRE if questionnaire else layout.VALIDATION_WORKBOOK
    result = act(workbook.write, find_assessment(assessment_id), output, kind=kind)
    if as_json:
        print_json({**result, "path": str(output)})
        return
    typer.echo(f"Wrote {output}: {result['items']} items" + ("" if result["editable"] else
                                                             " (read only: the assessment cannot change now)"))


def _print_plan(data: dict) -> None:
    if not data["rows"]:
        typer.echo("No changes: the workbook says what secassure already holds.")
    for row in data["rows"]:
        flag = "CONFLICT " if row["conflict"] else ""
        typer.echo(f"{flag}{row['sheet']} row {row['row']} ({row['ref']}):")
        for f in row["fields"]:
            typer.echo(f"    {f['column']}: {f['product']!r} -> {f['workbook']!r}")


@workbook_app.command("import")
def workbook_import(
    assessment_id: Annotated[str, typer.Argument(metavar="ID", help="The assessment's id.")],
    file: Annotated[Path, typer.Argument(help="The edited .xlsx workbook.", exists=True, dir_okay=False)],
    dry_run: DryRunOpt = False,
    take: Annotated[list[str] | None, typer.Option(
        "--take-workbook", help="For a row in conflict (changed in secassure since the export), keep the "
                                "workbook's version: give its Ref. Repeat for more; without it the product's "
                                "version stays.")] = None,
    background: BackgroundOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Import an edited workbook: show every change, then apply them all in one go (or none)."""
    setup_django()
    from secassure.exchange import importing
    from secassure.exchange.reading import WorkbookRefused

    assessment = find_assessment(assessment_id)
    if background and not dry_run:
        _queue_import(assessment, file, take or [], as_json)
        return
    try:
        with cli_context():
            plan = importing.plan(assessment, file, by=None)
            data = plan.as_dict()
            wanted = set(take or [])
            unknown = wanted - {c.ref for c in plan.conflicts}
            if unknown:
                fail(f"not a row in conflict: {', '.join(sorted(unknown))}")
            if not dry_run and plan.changes:
                keys = {c.key for c in plan.conflicts if c.ref in wanted}
                data["applied"] = importing.apply(plan, file, by=None, name=file.name, take=keys)
    except WorkbookRefused as exc:
        if as_json:
            print_json({"ok": False, "problems": [str(p) for p in exc.problems]})
            raise typer.Exit(1) from None
        for problem in exc.problems:
            console(stderr=True).print(f"[bold red]error:[/] {esc(problem)}")
        raise typer.Exit(1) from None
    except Exception as exc:
        from secassure.errors import ActionError

        if isinstance(exc, ActionError):
            fail(str(exc))
        raise
    if as_json:
        print_json({"ok": True, "dry_run": dry_run, **data})
        return
    _print_plan(data)
    if dry_run:
        typer.echo(f"Dry run: {plural(data['changes'], 'change')} and {plural(data['conflicts'], 'conflict')}; "
                   "nothing was written.")
    elif "applied" in data:
        a = data["applied"]
        typer.echo(f"Imported: {plural(a['applied'], 'row')} changed; {plural(a['kept_product'], 'conflict')} kept "
                   f"secassure's version. The file is kept as version {a['version']} of document D-{a['document']}.")


def _queue_import(assessment, file: Path, take: list[str], as_json: bool) -> None:
    """Keep the workbook in the blob store, where the worker reads it, and queue its import."""
    from django.conf import settings

    from secassure.cli.operations import enqueue_and_report
    from secassure.evidence import blobs

    try:
        with file.open("rb") as handle, blobs.staged(iter(lambda: handle.read(blobs.CHUNK), b""),
                                                     settings.SECASSURE_MAX_UPLOAD_BYTES) as staged:
            blobs.commit(staged)
    except (OSError, blobs.BlobError) as exc:
        fail(f"{file}: {exc}")
    enqueue_and_report("import", organisation=assessment.organisation, as_json=as_json,
                       params={"assessment": assessment.pk, "sha256": staged.sha256, "name": file.name[:200],
                               "take": sorted(set(take))})


@oscal_app.command("export")
def oscal_export(
    assessment_id: Annotated[str, typer.Argument(metavar="ID", help="The assessment's id.")],
    model: Annotated[str, typer.Option("--model", help="assessment-results, poam or catalog.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The JSON file to write.")],
    as_json: JsonOpt = False,
) -> None:
    """OSCAL 1.1.3 JSON: the assessment's results, its plan of action and milestones, or its catalogue."""
    setup_django()
    from secassure.exchange import oscal

    result = act(oscal.write, find_assessment(assessment_id), model, output)
    if as_json:
        print_json(result)
        return
    typer.echo(f"Wrote {output} (OSCAL {model})")


def report_command(
    assessment_id: Annotated[str, typer.Argument(metavar="ID", help="The assessment's id.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The PDF file to write.")],
) -> None:
    """The assessment's PDF report: summary, compliance by SEC group, changes, evidence, findings, outcome."""
    setup_django()
    from secassure.exchange import report

    pdf = act(report.render_pdf, find_assessment(assessment_id))
    output.write_bytes(pdf)
    typer.echo(f"Wrote {output} ({len(pdf):,} bytes)")


def pack_command(
    target: Annotated[str, typer.Argument(metavar="ID|verify", help="The assessment's id, or the word verify.")],
    file: Annotated[Path | None, typer.Argument(metavar="[FILE.zip]", help="With verify: the pack to check.")] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="The pack (.zip) to write.")] = None,
    no_evidence: Annotated[bool, typer.Option("--no-evidence", help="Leave the evidence files out.")] = False,
    no_signature: Annotated[bool, typer.Option(
        "--no-signature", help="With verify: check the files only (for a pack made by another installation).")] = False,
    background: BackgroundOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Make the submission pack (secassure pack ID -o FILE.zip): workbook, PDF report, OSCAL, evidence
    and a manifest of sha256 hashes; or check one (secassure pack verify FILE.zip)."""
    setup_django()
    from secassure.exchange import pack

    if target == "verify":
        if file is None:
            fail("name the pack to verify: secassure pack verify FILE.zip")
        with progress_bar("verifying") as tick:
            result = pack.verify(file, tick, signature=not no_signature)
        if as_json:
            print_json(result.as_dict())
        else:
            for problem in result.problems:
                console(stderr=True).print(f"[bold red]altered:[/] {esc(problem)}")
            head = result.as_dict()["audit_chain_head"] or {}
            typer.echo(f"{'OK' if result.ok else 'FAILED'}: {plural(result.checked, 'file')} checked; signature "
                       f"{result.signature}; audit chain head {head.get('chain', '?')} #{head.get('seq', '?')}")
        raise typer.Exit(0 if result.ok else 1)
    if file is not None:
        fail("give either an assessment id with -o FILE.zip, or verify FILE.zip")
    if background:
        from secassure.cli.operations import enqueue_and_report

        assessment = find_assessment(target)
        enqueue_and_report("pack", organisation=assessment.organisation, as_json=as_json,
                           params={"assessment": assessment.pk, "evidence": not no_evidence})
        return
    if output is None:
        fail("say where to write the pack: -o FILE.zip (or --background, then secassure job show ID -o FILE.zip)")
    assessment = find_assessment(target)
    with progress_bar("packing") as tick:
        manifest = act(pack.build, assessment, output, evidence=not no_evidence, progress=tick)
    if as_json:
        print_json(manifest)
        return
    typer.echo(f"Wrote {output}: {plural(len(manifest['files']), 'file')}; audit chain head "
               f"{manifest['audit_chain_head']['chain']} #{manifest['audit_chain_head']['seq']}")


def csv_command(
    assessment_id: Annotated[str, typer.Argument(metavar="ID", help="The assessment's id.")],
    what: Annotated[str, typer.Argument(help="rows, risks or actions.")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="The file; standard output if left out.")]
    = None,
) -> None:
    """A flat CSV of the assessment's rows, the organisation's risks, or the remediation actions."""
    setup_django()
    from secassure.exchange import flat

    assessment = find_assessment(assessment_id)
    if what not in flat.WHAT:
        fail(f"{what!r} is not a CSV export; use one of {', '.join(flat.WHAT)}")
    if output is None:
        flat.write(assessment, what, sys.stdout)
        return
    with open(output, "w", newline="", encoding="utf-8") as handle:
        count = flat.write(assessment, what, handle)
    typer.echo(f"Wrote {output}: {plural(count, 'record')}")
