"""What the command groups share: lazy Django set-up, output, errors and look-ups by id or slug.

Everything Django is imported inside the functions, so that ``secassure --help`` stays quick.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Annotated

import typer

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Check everything, write nothing.")]
BackgroundOpt = Annotated[bool, typer.Option("--background", help=(
    "Queue it as a background job for `secassure worker` instead of doing it now; `secassure job show ID` "
    "follows it."))]


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secassure.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def console(stderr: bool = False):
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    # Piped output goes to files and other programs: do not cut it to an imaginary 80 columns.
    width = None if stream.isatty() else 200
    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=width)


def print_json(data) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def fail(message: str, code: int = 1):
    from rich.markup import escape

    console(stderr=True).print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(code)


def esc(value) -> str:
    """Data shown through Rich: its square brackets are text, never markup."""
    from rich.markup import escape

    return escape(str(value))


def cli_context():
    from secassure.audit.context import acting_as, cli_actor

    return acting_as(actor=cli_actor())


def max_bytes() -> int:
    from django.conf import settings

    return settings.SECASSURE_MAX_IMPORT_BYTES


def parse_date(value: str | None, what: str):
    import datetime as dt

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{what} {value!r} is not a date in the form YYYY-MM-DD")


def find_org(ref: str):
    """An organisation by slug or id, for the command line (operators act on any organisation)."""
    from secassure.tenancy.models import Organisation

    found = Organisation.objects.filter(slug=ref).first()
    if found is None and ref.isdigit():
        found = Organisation.objects.filter(pk=int(ref)).first()
    if found is None:
        fail(f"no organisation {ref!r}; `secassure org list` shows them")
    return found


def act(action, *args, **kwargs):
    """Run an action as the command-line actor; a refusal becomes a one-line error."""
    from secassure.errors import ActionError

    try:
        with cli_context():
            return action(*args, **kwargs)
    except ActionError as exc:
        fail(str(exc))


def find_assessment(ref: str):
    from secassure.assessments.models import Assessment

    found = Assessment.objects.select_related("organisation", "catalogue__framework").filter(
        pk=int(ref) if ref.isdigit() else -1).first()
    if found is None:
        fail(f"no assessment with id {ref!r}: `secassure assessment list ORG` shows them")
    return found


def progress_bar(description: str):
    """A progress callback for long work, drawn on standard error; a context manager."""
    from contextlib import contextmanager

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    @contextmanager
    def bar():
        with Progress(TextColumn(description), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                      console=console(stderr=True), transient=True) as shown:
            task = shown.add_task("", total=None)

            def tick(done: int, total: int, what: str = "") -> None:
                shown.update(task, completed=done, total=total, description=str(what)[:40])

            yield tick

    return bar()
