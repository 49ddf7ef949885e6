"""The ``secassure`` command line.

Typer commands for the product's own work; any other first word is handed to Django's
management commands (``secassure migrate``, ``secassure check --deploy``, ``secassure
createsuperuser``). Django is imported only when a command needs it, so ``--help`` is quick.

Each command group lives in its own module; this one puts them together under one ``app``.
"""

from __future__ import annotations

import os
import sys

import typer

from secassure.cli import assessments, audit, catalogue, documents, exchange, intake, operations, organisations
from secassure.cli import backup as backup_commands
from secassure.cli import generate as generate_commands
from secassure.cli import notices as notice_commands
from secassure.cli import tokens as token_commands
from secassure.cli.catalogue import shipped_files

__all__ = ["app", "main", "shipped_files"]

app = typer.Typer(
    name="secassure",
    help=(
        "secassure: Smart Energy Code security assurance workbench.\n\n"
        "Any Django management command also works here: secassure migrate, secassure check --deploy, "
        "secassure createsuperuser, secassure runserver."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

# --help lists the groups, and then the commands, in the order they are added here.
app.add_typer(catalogue.catalogue_app, name="catalogue")
app.add_typer(audit.audit_app, name="audit")
app.add_typer(organisations.org_app, name="org")
app.add_typer(organisations.portfolio_app, name="portfolio")
app.add_typer(organisations.user_app, name="user")
app.add_typer(organisations.rules_app, name="rules")
app.add_typer(documents.doc_app, name="doc")
app.add_typer(notice_commands.notice_app, name="notice")
app.add_typer(assessments.assessment_app, name="assessment")
app.add_typer(assessments.review_app, name="review")
app.add_typer(assessments.outcome_app, name="outcome")
app.add_typer(assessments.remediation_app, name="remediation")
app.add_typer(exchange.workbook_app, name="workbook")
app.add_typer(exchange.oscal_app, name="oscal")
app.add_typer(operations.job_app, name="job")
app.add_typer(token_commands.token_app, name="token")

app.command("plan")(organisations.plan)
app.command("report")(exchange.report_command)
app.command("pack")(exchange.pack_command)
app.command("csv")(exchange.csv_command)
app.command("intake")(intake.intake_command)
app.command("serve")(operations.serve)
app.command("worker")(operations.worker)
app.command("remind")(operations.remind)
app.command("inbox")(operations.inbox)
app.command("demo")(operations.demo)
app.command("generate")(generate_commands.generate)
app.command("backup")(backup_commands.backup_command)
app.command("restore")(backup_commands.restore_command)


def _typer_commands() -> set[str]:
    names = {info.name or info.callback.__name__ for info in app.registered_commands}
    names |= {group.name for group in app.registered_groups}
    return names


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and not args[0].startswith("-") and args[0] not in _typer_commands():
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secassure.settings")
        from django.core.management import execute_from_command_line

        execute_from_command_line(["secassure", *args])
        return
    app(args=args, prog_name="secassure")
