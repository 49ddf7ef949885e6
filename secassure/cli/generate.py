"""``secassure generate``: fill a scratch database with generated organisations, to measure secassure
at the size of a large installation. The work is in ``secassure.generate``, which the benchmarks
call directly; this is the command around it."""

from __future__ import annotations

from typing import Annotated

import typer

from secassure.cli.catalogue import shipped_files
from secassure.cli.common import JsonOpt, cli_context, fail, max_bytes, print_json, progress_bar, setup_django
from secassure.wording import plural


def generate(
    orgs: Annotated[int, typer.Option("--orgs", min=1, help="How many generated organisations the database "
                                                            "should hold; those already there are kept.")],
    documents_per_org: Annotated[int, typer.Option("--documents-per-org", min=0, help=(
        "Documents in each new organisation's register: records without files."))] = 20,
    assessments_per_org: Annotated[int, typer.Option("--assessments-per-org", min=0, help=(
        "Assessments on the SEC catalogue in force for each new organisation, their rows in a spread of "
        "states; all but the newest are submitted."))] = 1,
    force: Annotated[bool, typer.Option("--force", help=(
        "Add generated data even though the database holds organisations or people the generator did not "
        "make."))] = False,
    as_json: JsonOpt = False,
) -> None:
    """Generate test organisations, each with three people, documents and assessments, written in bulk
    (a thousand organisations of a thousand rows take minutes). For benchmarks on a scratch database:
    it refuses one holding real data unless --force. Running it again with a larger --orgs adds the
    missing organisations. Each organisation's audit chain holds one event saying what was generated."""
    setup_django()
    from secassure.errors import ActionError
    from secassure.generate import generate as run

    try:
        with cli_context(), progress_bar("generating") as tick:
            result = run(orgs=orgs, documents_per_org=documents_per_org, assessments_per_org=assessments_per_org,
                         force=force, catalogue_files=shipped_files(), max_bytes=max_bytes(),
                         progress=lambda done: tick(done, orgs))
    except ActionError as exc:
        fail(str(exc))
    if as_json:
        print_json(result.as_dict())
        return
    for label in result.loaded:
        typer.echo(f"Loaded the catalogue {label}")
    typer.echo(f"Generated {plural(result.organisations, 'organisation')} ({result.already} already there): "
               f"{plural(result.people, 'person', 'people')}, {plural(result.documents, 'document')}, "
               f"{plural(result.assessments, 'assessment')} of {result.rows:,} rows, {result.answers:,} answers and "
               f"{result.links:,} evidence links" + (f" on {result.catalogue}" if result.catalogue else ""))
