"""The ``secassure`` command line.

Typer commands for the product's own work; any other first word is handed to Django's
management commands (``secassure migrate``, ``secassure check --deploy``, ``secassure
createsuperuser``). Django is imported only when a command needs it, so ``--help`` is quick.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from secassure.wording import plural

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
catalogue_app = typer.Typer(help="The obligations catalogue: list, show, load, import, export, diff.",
                            no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
org_app = typer.Typer(help="Organisations: create, list, show, change, and the User Roles they hold.",
                      no_args_is_help=True)
org_role_app = typer.Typer(help="User Roles an organisation holds (SCF Part 1 Appendix B).", no_args_is_help=True)
portfolio_app = typer.Typer(help="Portfolio snapshots: the counts that decide the assessment type.",
                            no_args_is_help=True)
user_app = typer.Typer(help="People: invitations to join an organisation.", no_args_is_help=True)
rules_app = typer.Typer(help="Rule files: the assessment-cycle rules the planner reads.", no_args_is_help=True)
doc_app = typer.Typer(help="ISMS documents and their versions (evidence files).", no_args_is_help=True)
assessment_app = typer.Typer(help="Assessments: the self-assessment workspace, its rows, answers and progress.",
                             no_args_is_help=True)
app.add_typer(catalogue_app, name="catalogue")
app.add_typer(audit_app, name="audit")
app.add_typer(org_app, name="org")
org_app.add_typer(org_role_app, name="role")
app.add_typer(portfolio_app, name="portfolio")
app.add_typer(user_app, name="user")
app.add_typer(rules_app, name="rules")
app.add_typer(doc_app, name="doc")
app.add_typer(assessment_app, name="assessment")
review_app = typer.Typer(help="The User CIO's review of a submitted assessment.", no_args_is_help=True)
outcome_app = typer.Typer(help="The SSC's outcome of a submitted assessment.", no_args_is_help=True)
remediation_app = typer.Typer(help="Findings and the remediation plan the SSC asked for.", no_args_is_help=True)
app.add_typer(review_app, name="review")
app.add_typer(outcome_app, name="outcome")
app.add_typer(remediation_app, name="remediation")
workbook_app = typer.Typer(help="The Validation Workbook and questionnaire: export to .xlsx and import edits back.",
                           no_args_is_help=True)
oscal_app = typer.Typer(help="OSCAL 1.1.3 JSON of an assessment: its results, its plan of action, its catalogue.",
                        no_args_is_help=True)
app.add_typer(workbook_app, name="workbook")
app.add_typer(oscal_app, name="oscal")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Check everything, write nothing.")]


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secassure.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def _console(stderr: bool = False):
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    # Piped output goes to files and other programs: do not cut it to an imaginary 80 columns.
    width = None if stream.isatty() else 200
    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=width)


def _print_json(data) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _fail(message: str, code: int = 1):
    from rich.markup import escape

    _console(stderr=True).print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(code)


def _e(value) -> str:
    """Data shown through Rich: its square brackets are text, never markup."""
    from rich.markup import escape

    return escape(str(value))


def _cli_context():
    from secassure.audit.context import acting_as, cli_actor

    return acting_as(actor=cli_actor())


def _max_bytes() -> int:
    from django.conf import settings

    return settings.SECASSURE_MAX_IMPORT_BYTES


# --- catalogue ------------------------------------------------------------------------------


@catalogue_app.command("list")
def catalogue_list(as_json: JsonOpt = False) -> None:
    """List every framework version loaded, with its status and counts."""
    _django()
    from secassure.catalogue.queries import version_as_dict, versions_with_counts

    rows = [version_as_dict(v) for v in versions_with_counts()]
    if as_json:
        _print_json(rows)
        return
    if not rows:
        typer.echo("No catalogue loaded yet: run `secassure catalogue load --shipped`.")
        return
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("Framework", overflow="fold", ratio=2)
    table.add_column("Version", no_wrap=True)
    table.add_column("Status")
    table.add_column("Effective", no_wrap=True)
    for name in ("Obligations", "Questions", "Mappings"):
        table.add_column(name, justify="right")
    table.add_column("Origin")
    for r in rows:
        table.add_row(r["framework"], r["version"], r["status"], r["effective_date"] or "",
                      str(r["obligations"]), str(r["questions"]), str(r["mappings"]), r["origin"])
    _console().print(table)


@catalogue_app.command("show")
def catalogue_show(
    clause: Annotated[str, typer.Argument(help="Clause or control id, e.g. G5.14.")],
    framework: Annotated[str | None, typer.Option(
        "--framework", "-f", help="FRAMEWORK or FRAMEWORK@VERSION (default: sec-g, the version in force).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show one obligation: summary, applicability, confidence, source, mappings and questions."""
    _django()
    from secassure.catalogue.queries import NotFound, get_obligation, obligation_as_dict

    try:
        data = obligation_as_dict(get_obligation(clause, framework))
    except NotFound as exc:
        _fail(str(exc))
    if as_json:
        _print_json(data)
        return
    con = _console()
    con.print(f"[bold]{_e(data['ref'])}[/bold] {_e(data['title'])}  ({_e(data['framework'] + '@' + data['version'])})")
    if data["group"]:
        con.print(f"Group: {_e(data['group']['ref'])} {_e(data['group']['title'])}")
    con.print(f"Confidence: {_e(data['confidence'])} ({_e(data['confidence_label'])})")
    if data["source_url"]:
        con.print(f"Source: {_e(data['source_url'])}")
    con.print(f"Applies to categories: {_e(', '.join(data['applicability']['categories']))}")
    con.print(f"Applies to roles: {_e(', '.join(data['applicability']['roles']))}")
    if data["summary"]:
        con.print(f"\n{_e(data['summary'])}")
    if data["guidance"]:
        con.print(f"\n[bold]Expected evidence[/bold]\n{_e(data['guidance'])}")
    for m in data["mappings"]:
        con.print(_e(f"Maps to {m['framework']}@{m['version']} {m['ref']} {m['title']} ({m['relationship']})"))
    for q in data["questions"]:
        con.print(f"Question {_e(q['ref'])}: {_e(q['text'])}")


def _load_files(parse, paths: list[Path], dry_run: bool, as_json: bool) -> list[dict]:
    """Parse and check every file, then load them all in one transaction, or none of them."""
    from django.db import DatabaseError

    from secassure.catalogue.importers.base import CatalogueError
    from secassure.catalogue.loader import load_all

    current = paths[0]
    try:
        with _cli_context():
            datas = []
            for current in paths:
                datas.append(parse(str(current)))
            current = paths[0] if len(paths) == 1 else Path(", ".join(map(str, paths)))
            results = [r.as_dict() for r in load_all(datas, dry_run=dry_run)]
    except CatalogueError as exc:
        _fail(str(exc))
    except (DatabaseError, ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        # The importers check what they read; this is the last line, so that a file they did not
        # foresee still gets one line naming it, and the transaction has rolled back.
        _fail(f"{current}: the file could not be loaded ({type(exc).__name__}: {' '.join(str(exc).split())[:300]})")
    for path, result in zip(paths, results, strict=True):
        result["file"] = str(path)
        if as_json:
            continue
        c = result["counts"]
        what = (f"{result['version']} ({result['status']}): {c['groups']} groups, {c['obligations']} obligations, "
                f"{c['questions']} questions, {c['mappings']} mappings")
        if result["outcome"] == "unchanged":
            typer.echo(f"{path}: {result['version']} is already loaded with this content; nothing to do")
        else:
            verb = "loaded" if result["outcome"] == "created" else "replaced the draft"
            typer.echo(f"{path}: {'dry run, would have ' if dry_run else ''}{verb} {what}")
    return results


def shipped_files() -> list[Path]:
    """The catalogue files that come with secassure, targets of mappings first."""
    folder = Path(__file__).resolve().parent / "data" / "catalogue"
    files = sorted(folder.glob("*.yaml"))
    # Mapping targets must be loaded before the files that map to them; the SEC file maps to ISO.
    return sorted(files, key=lambda p: (p.name.startswith("sec-"), p.name))


@catalogue_app.command("load")
def catalogue_load(
    files: Annotated[list[Path] | None, typer.Argument(help="secassure catalogue YAML files.")] = None,
    shipped: Annotated[bool, typer.Option("--shipped", help="Load the catalogue shipped with secassure.")] = False,
    dry_run: DryRunOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Load catalogue files (docs/catalogue-format.md). Loading the same content twice does nothing."""
    _django()
    from secassure.catalogue.importers import native

    paths = list(files or []) + (shipped_files() if shipped else [])
    if not paths:
        _fail("name a file to load, or --shipped for the catalogue that comes with secassure")
    results = _load_files(lambda p: native.parse_file(p, _max_bytes()), paths, dry_run, as_json)
    if as_json:
        _print_json(results)


FrameworkOpt = Annotated[str | None, typer.Option("--framework", help="Framework slug to load it under.")]
VersionOpt = Annotated[str | None, typer.Option("--version", help="Version string (default: the file's).")]
DraftOpt = Annotated[bool, typer.Option("--draft", help="Load as a draft, which a later load may replace.")]


def _import(importer: str, file: Path, framework, version, draft: bool, dry_run: bool, as_json: bool) -> None:
    _django()
    from importlib import import_module

    module = import_module(f"secassure.catalogue.importers.{importer}")
    results = _load_files(
        lambda p: module.parse_file(p, _max_bytes(), framework=framework, version=version, draft=draft),
        [file], dry_run, as_json)
    if as_json:
        _print_json(results[0])


@catalogue_app.command("import-oscal")
def catalogue_import_oscal(
    file: Annotated[Path, typer.Argument(help="OSCAL catalog in JSON (1.0.x or 1.1.x).")],
    framework: FrameworkOpt = None,
    version: VersionOpt = None,
    draft: DraftOpt = False,
    dry_run: DryRunOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Import an OSCAL catalog: groups, nested controls and enhancements, statements, guidance."""
    _import("oscal", file, framework, version, draft, dry_run, as_json)


@catalogue_app.command("import-ciso")
def catalogue_import_ciso(
    file: Annotated[Path, typer.Argument(help="CISO Assistant library YAML holding a framework.")],
    framework: FrameworkOpt = None,
    version: VersionOpt = None,
    draft: DraftOpt = False,
    dry_run: DryRunOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Import a CISO Assistant framework library, keeping its requirement tree."""
    _import("ciso", file, framework, version, draft, dry_run, as_json)


@catalogue_app.command("export-oscal")
def catalogue_export_oscal(
    version: Annotated[str, typer.Argument(help="FRAMEWORK@VERSION, or FRAMEWORK for the version in force.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the OSCAL JSON.")],
) -> None:
    """Export a framework version as an OSCAL 1.1.3 catalog."""
    _django()
    from secassure.catalogue.oscal_export import write_catalog
    from secassure.catalogue.queries import NotFound, resolve_version

    try:
        v = resolve_version(version)
    except NotFound as exc:
        _fail(str(exc))
    try:
        write_catalog(v, output)
    except OSError as exc:
        _fail(f"{output}: cannot write ({exc.strerror})")
    typer.echo(f"{output}: wrote {v.label} as an OSCAL catalog")


@catalogue_app.command("diff")
def catalogue_diff(
    old: Annotated[str, typer.Argument(help="FRAMEWORK@VERSION loaded, or a catalogue YAML file.")],
    new: Annotated[str, typer.Argument(help="FRAMEWORK@VERSION loaded, or a catalogue YAML file.")],
    as_json: JsonOpt = False,
) -> None:
    """Obligations and questions added, removed and changed between two versions."""
    _django()
    from secassure.catalogue.diff import diff

    result = diff(_snapshot(old), _snapshot(new))
    if as_json:
        _print_json(result)
        return
    con = _console()
    con.print(f"{_e(result['old'])} -> {_e(result['new'])}")
    if result["identical"]:
        con.print("No differences.")
    for kind in ("obligations", "questions"):
        section = result[kind]
        for item in section["added"]:
            con.print(f"[green]+ {_e(kind[:-1])} {_e(item['ref'])}[/green] {_e(item['title'])}")
        for item in section["removed"]:
            con.print(f"[red]- {_e(kind[:-1])} {_e(item['ref'])}[/red] {_e(item['title'])}")
        for item in section["changed"]:
            con.print(f"[yellow]~ {_e(kind[:-1])} {_e(item['ref'])}[/yellow] {_e(item['title'])}: "
                      f"{_e(', '.join(item['fields']))}")
    counts = {k: {s: len(v) for s, v in result[k].items()} for k in ("obligations", "questions")}
    con.print(f"obligations: {counts['obligations']['added']} added, {counts['obligations']['removed']} removed, "
              f"{counts['obligations']['changed']} changed; questions: {counts['questions']['added']} added, "
              f"{counts['questions']['removed']} removed, {counts['questions']['changed']} changed")


def _snapshot(spec: str) -> dict:
    from secassure.catalogue.diff import snapshot_of_data, snapshot_of_version
    from secassure.catalogue.importers import native
    from secassure.catalogue.importers.base import CatalogueError
    from secassure.catalogue.queries import NotFound, resolve_version

    if Path(spec).is_file():
        try:
            return snapshot_of_data(native.parse_file(spec, _max_bytes()))
        except CatalogueError as exc:
            _fail(str(exc))
    try:
        return snapshot_of_version(resolve_version(spec))
    except NotFound as exc:
        _fail(str(exc))


# --- audit ----------------------------------------------------------------------------------


@audit_app.command("verify")
def audit_verify(
    org: Annotated[str | None, typer.Option("--org", help="Only this organisation's chain (slug or id).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Recompute every hash chain and name the first broken link. Exit 1 if any chain is broken."""
    _django()
    from secassure.audit.models import chain_name
    from secassure.audit.verify import verify
    from secassure.tenancy.models import Organisation

    chains = None
    if org is not None:
        found = Organisation.objects.filter(slug=org).first()
        if found is None and org.isdigit():
            found = Organisation.objects.filter(pk=int(org)).first()
        if found is None:
            _fail(f"no organisation {org!r}")
        chains = [chain_name(found.pk)]
    report = verify(chains)
    if as_json:
        _print_json(report.as_dict())
    else:
        con = _console()
        if not report.chains:
            con.print("No audit events yet.")
        for c in report.chains:
            if c.ok:
                con.print(f"[green]ok[/green]     {_e(c.chain)}: {_e(c.events)} events, head {_e(c.head_hash)}")
            else:
                b = c.broken
                con.print(f"[red]BROKEN[/red] {_e(c.chain)}: at event #{_e(b.seq)}"
                          f"{f' (id {_e(b.event_id)})' if b.event_id else ''}: {_e(b.problem)}")
    if not report.ok:
        raise typer.Exit(1)


# --- organisations ----------------------------------------------------------------------------

CATEGORY_HELP = "large-supplier, small-supplier, electricity-network, gas-network, other-user or srp."


def _date(value: str | None, what: str):
    import datetime as dt

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        _fail(f"{what} {value!r} is not a date in the form YYYY-MM-DD")


def _org(ref: str):
    """An organisation by slug or id, for the command line (operators act on any organisation)."""
    from secassure.tenancy.models import Organisation

    found = Organisation.objects.filter(slug=ref).first()
    if found is None and ref.isdigit():
        found = Organisation.objects.filter(pk=int(ref)).first()
    if found is None:
        _fail(f"no organisation {ref!r}; `secassure org list` shows them")
    return found


def _act(action, *args, **kwargs):
    """Run an action as the command-line actor; a refusal becomes a one-line error."""
    from secassure.errors import ActionError

    try:
        with _cli_context():
            return action(*args, **kwargs)
    except ActionError as exc:
        _fail(str(exc))


def _org_dict(org) -> dict:
    from secassure.profile.models import RoleHolding

    data = org.as_dict()
    data["roles"] = [{"role": r.role, "user_ids": r.user_ids,
                      "start_date": r.start_date.isoformat() if r.start_date else None,
                      "end_date": r.end_date.isoformat() if r.end_date else None}
                     for r in RoleHolding.objects.filter(organisation=org)]
    return data


@org_app.command("create")
def org_create(
    name: Annotated[str, typer.Argument(help="Legal name.")],
    category: Annotated[str, typer.Option("--category", help=CATEGORY_HELP)],
    party_id: Annotated[str, typer.Option("--party-id", help="SEC Party id.")] = "",
    cycle_start: Annotated[str | None, typer.Option(
        "--cycle-start", help="End date of the year-1 FUSA fieldwork (YYYY-MM-DD).")] = None,
    slug: Annotated[str | None, typer.Option(
        "--slug", help="Short name for addresses (default: from the name).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create an organisation."""
    _django()
    from secassure.tenancy.actions import create_organisation

    org = _act(create_organisation, name=name, category=category, sec_party_id=party_id,
               cycle_start=_date(cycle_start, "--cycle-start"), slug=slug)
    if as_json:
        _print_json(_org_dict(org))
    else:
        typer.echo(f"created {org.slug}: {org.name} ({org.get_category_display()})")


@org_app.command("list")
def org_list(as_json: JsonOpt = False) -> None:
    """List every organisation."""
    _django()
    from secassure.tenancy.models import Organisation

    rows = [o.as_dict() for o in Organisation.objects.order_by("name")]
    if as_json:
        _print_json(rows)
        return
    if not rows:
        typer.echo("No organisations yet: `secassure org create NAME --category CATEGORY`.")
    for r in rows:
        typer.echo(f"{r['slug']}\t{r['name']}\t{r['category']}\tcycle start {r['cycle_start'] or '-'}")


@org_app.command("show")
def org_show(org: Annotated[str, typer.Argument(help="Slug or id.")], as_json: JsonOpt = False) -> None:
    """Show an organisation's profile and User Roles."""
    _django()
    data = _org_dict(_org(org))
    if as_json:
        _print_json(data)
        return
    for key in ("slug", "name", "sec_party_id", "category", "cycle_start", "require_mfa", "material_risk_threshold"):
        typer.echo(f"{key}: {data[key] if data[key] not in (None, '') else '-'}")
    for r in data["roles"]:
        typer.echo(f"role: {r['role']} {', '.join(r['user_ids'])}".rstrip())


@org_app.command("set")
def org_set(
    org: Annotated[str, typer.Argument(help="Slug or id.")],
    cycle_start: Annotated[str | None, typer.Option(
        "--cycle-start", help="End date of the year-1 FUSA fieldwork.")] = None,
    category: Annotated[str | None, typer.Option("--category", help=CATEGORY_HELP)] = None,
    name: Annotated[str | None, typer.Option("--name", help="Legal name.")] = None,
    party_id: Annotated[str | None, typer.Option("--party-id", help="SEC Party id.")] = None,
    require_mfa: Annotated[bool | None, typer.Option("--require-mfa/--no-require-mfa",
                                                     help="Require MFA of everyone in the organisation.")] = None,
    risk_threshold: Annotated[int | None, typer.Option(
        "--risk-threshold", help="Residual risk score (1-25) from which a risk counts as high.")] = None,
    classification: Annotated[str | None, typer.Option(
        "--classification", help="The label printed on every page of its reports.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Change an organisation's details; says so when the change alters the cycle plan."""
    _django()
    from secassure.tenancy.actions import update_organisation

    found = _org(org)
    changes = {k: v for k, v in {"cycle_start": _date(cycle_start, "--cycle-start"), "category": category,
                                  "name": name, "sec_party_id": party_id, "require_mfa": require_mfa,
                                  "material_risk_threshold": risk_threshold,
                                  "classification_label": classification}.items()
               if v is not None}
    if not changes:
        _fail("nothing to change: give --cycle-start, --category, --name, --party-id, --require-mfa, "
              "--risk-threshold or --classification")
    plan_changes = _act(update_organisation, found, changes)
    _report_plan_changes(found, plan_changes, as_json, _org_dict(found))


def _report_plan_changes(org, plan_changes: list[dict], as_json: bool, data: dict) -> None:
    if as_json:
        _print_json({**data, "plan_changes": plan_changes})
        return
    typer.echo(f"{org.slug}: saved")
    for c in plan_changes:
        typer.echo(f"plan changed: year {c['year']} is now a {c['to']} (was {c['from']}), due by {c['due_by'] or '-'}")


@org_role_app.command("add")
def org_role_add(
    org: Annotated[str, typer.Argument(help="Slug or id.")],
    role: Annotated[str, typer.Argument(help="import-supplier, export-supplier, gas-supplier, electricity-distributor, "
                                             "gas-transporter, registered-supplier-agent or other-user.")],
    user_id: Annotated[list[str] | None, typer.Option(
        "--user-id", help="A DCC User ID for this role (repeatable).")] = None,
    start: Annotated[str | None, typer.Option("--start", help="Date the role was taken up.")] = None,
) -> None:
    """Record a User Role the organisation holds."""
    _django()
    from secassure.profile.actions import add_role

    found = _org(org)
    _act(add_role, found, role, user_ids=user_id or [], start_date=_date(start, "--start"))
    typer.echo(f"{found.slug}: holds {role}")


@org_role_app.command("remove")
def org_role_remove(
    org: Annotated[str, typer.Argument(help="Slug or id.")],
    role: Annotated[str, typer.Argument(help="The User Role to remove.")],
) -> None:
    """Remove a User Role from an organisation."""
    _django()
    from secassure.profile.actions import remove_role

    found = _org(org)
    _act(remove_role, found, role)
    typer.echo(f"{found.slug}: no longer holds {role}")


@portfolio_app.command("add")
def portfolio_add(
    org: Annotated[str, typer.Argument(help="Slug or id.")],
    date: Annotated[str, typer.Option("--date", help="Date of the counts (YYYY-MM-DD).")],
    domestic: Annotated[int, typer.Option("--domestic", help="Domestic premises.")],
    non_domestic: Annotated[int, typer.Option("--non-domestic", help="Non-domestic premises.")],
    smets1: Annotated[int | None, typer.Option("--smets1", help="Enrolled SMETS1 systems.")] = None,
    smets2: Annotated[int | None, typer.Option("--smets2", help="SMETS2 systems.")] = None,
    source: Annotated[str, typer.Option("--source", help="Where the counts come from.")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Record a portfolio snapshot; says so when it changes the type of an assessment to come."""
    _django()
    from secassure.profile.actions import add_snapshot

    found = _org(org)
    snapshot, plan_changes = _act(add_snapshot, found, as_of=_date(date, "--date"), domestic=domestic,
                                  non_domestic=non_domestic, smets1=smets1, smets2=smets2, source=source)
    _report_plan_changes(found, plan_changes, as_json, snapshot.as_dict())


@user_app.command("invite")
def user_invite(
    email: Annotated[str, typer.Argument(help="Who to invite.")],
    org: Annotated[str, typer.Option("--org", help="Organisation slug or id.")],
    role: Annotated[str, typer.Option("--role", help="owner, contributor, approver, provider, cio-reviewer "
                                                     "or observer.")],
    as_json: JsonOpt = False,
) -> None:
    """Invite someone by email to join an organisation in a role; prints the link once."""
    _django()
    from secassure.tenancy.actions import invitation_link, invite

    found = _org(org)
    invitation, token = _act(invite, found, email, role)
    link = invitation_link(token)
    if as_json:
        _print_json({"email": invitation.email, "organisation": found.slug, "role": invitation.role,
                     "expires_at": invitation.expires_at.isoformat(), "link": link})
    else:
        if getattr(invitation, "email_failed", ""):
            typer.echo(f"warning: the email could not be sent ({invitation.email_failed}); pass on the link yourself",
                       err=True)
        typer.echo(f"invited {invitation.email} to {found.slug} as {role}; link (shown once): {link}")


@app.command("plan")
def plan(
    org: Annotated[str, typer.Argument(help="Slug or id.")],
    on: Annotated[str | None, typer.Option("--on", help="Plan as of this date (default: today).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The organisation's assessment cycle: type and due date of each year, with the reasons."""
    _django()
    from secassure.profile.services import plan_for

    result = plan_for(_org(org), _date(on, "--on"))
    if as_json:
        _print_json(result.as_dict())
        return
    con = _console()
    con.print(_e(f"{result.organisation}: {result.category}, cycle start {result.cycle_start or '-'}, "
                 f"rules {result.ruleset or '-'}"))
    for y in result.years:
        con.print(f"[bold]Year {y.year}: {_e(y.type)}[/bold] due by {_e(y.due_by or '-')}")
        for reason in y.reasons:
            con.print(f"  - {_e(reason)}")
    for warning in result.warnings:
        con.print(f"[yellow]warning:[/yellow] {_e(warning)}")


@rules_app.command("load")
def rules_load(
    files: Annotated[list[Path] | None, typer.Argument(help="Rule files (docs/rules-format.md).")] = None,
    shipped: Annotated[bool, typer.Option("--shipped", help="Load the rule files shipped with secassure.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Load rule files. The same content again does nothing; a published version never changes."""
    _django()
    from django.db import transaction

    from secassure.datafiles import DataFileError
    from secassure.profile.services import load_rules, read_rules, shipped_rule_files

    paths = list(files or []) + (shipped_rule_files() if shipped else [])
    if not paths:
        _fail("name a rule file, or --shipped for the rules that come with secassure")
    try:
        with _cli_context(), transaction.atomic():
            results = []
            for path in paths:
                outcome, ruleset = load_rules(read_rules(path, _max_bytes()))
                results.append({"file": str(path), "rules": str(ruleset), "outcome": outcome})
    except DataFileError as exc:
        _fail(str(exc))
    if as_json:
        _print_json(results)
    else:
        for r in results:
            typer.echo(f"{r['file']}: {r['rules']} {r['outcome']}")


@rules_app.command("list")
def rules_list(as_json: JsonOpt = False) -> None:
    """List the rule versions loaded."""
    _django()
    from secassure.profile.models import RuleSet

    rows = [{"rules": str(r), "status": r.status, "effective_date": r.effective_date.isoformat(),
             "loaded_at": r.loaded_at.isoformat(), "content_hash": r.content_hash} for r in RuleSet.objects.all()]
    if as_json:
        _print_json(rows)
        return
    if not rows:
        typer.echo("No rules loaded: `secassure rules load --shipped`.")
    for r in rows:
        typer.echo(f"{r['rules']}\t{r['status']}\teffective {r['effective_date']}")


# --- documents ----------------------------------------------------------------------------------


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
    _django()
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from secassure.evidence.actions import add_document, add_version

    found = _org(org)
    person = None
    if owner:
        person = get_user_model().objects.filter(email__iexact=owner).first()
        if person is None:
            _fail(f"no person with the email {owner!r}")
    effective_date = _date(effective, "--effective")
    try:
        handle = file.open("rb")
    except OSError as exc:
        _fail(f"{file}: cannot read the file ({exc.strerror})")
    with handle, transaction.atomic():
        document = _act(add_document, found, title=title, doc_type=doc_type, owner=person)
        version = _act(add_version, document, chunks=iter(lambda: handle.read(1024 * 1024), b""), name=file.name,
                       effective_date=effective_date)
    if as_json:
        _print_json({"document": document.pk, "title": document.title, **version.as_dict()})
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
    _django()
    import datetime as dt

    from django.db.models import Max
    from django.utils import timezone

    from secassure.evidence.models import Document

    found = _org(org)
    documents = (Document.objects.filter(organisation=found).annotate(latest=Max("versions__number"))
                 .select_related("owner", "provider").order_by("title"))
    if due:
        documents = documents.filter(next_review__lte=timezone.localdate() + dt.timedelta(days=30))
    rows = [{"id": d.pk, "title": d.title, "type": d.doc_type, "status": d.status, "latest_version": d.latest,
             "next_review": d.next_review.isoformat() if d.next_review else None,
             "owner": d.owner.email if d.owner else None, "provider": d.provider.name if d.provider else None}
            for d in documents]
    if as_json:
        _print_json(rows)
        return
    if not rows:
        typer.echo("No documents." if not due else "No document is due for review.")
    for r in rows:
        typer.echo(f"{r['id']}\t{r['title']}\t{r['type']}\tv{r['latest_version'] or '-'}\t"
                   f"review by {r['next_review'] or '-'}")


@doc_app.command("verify")
def doc_verify(org: Annotated[str, typer.Argument(help="Slug or id.")], as_json: JsonOpt = False) -> None:
    """Re-hash every stored file of the organisation's documents. Exit 1 if any is missing or changed."""
    _django()
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    from secassure.evidence.actions import verify_blobs

    organisation = _org(org)
    # Progress goes to standard error, so that --json output stays clean.
    with Progress("Verifying", BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                  console=_console(stderr=True), transient=True, disable=as_json) as bar:
        task = bar.add_task("verify", total=None)
        rows = verify_blobs(organisation, progress=lambda done, total: bar.update(task, completed=done, total=total))
    if as_json:
        _print_json(rows)
    else:
        for r in rows:
            state = "ok" if r["ok"] else f"BROKEN: {r['problem']}"
            typer.echo(f"{r['document']} v{r['version']}: {state}")
        typer.echo(f"{sum(r['ok'] for r in rows)} of {len(rows)} files verified")
    if not all(r["ok"] for r in rows):
        raise typer.Exit(1)


@doc_app.command("orphans")
def doc_orphans(as_json: JsonOpt = False) -> None:
    """List stored files that no document version refers to (in any organisation). Nothing is deleted."""
    _django()
    from secassure.evidence import blobs
    from secassure.evidence.actions import orphan_blobs

    names = orphan_blobs()
    if as_json:
        _print_json({"store": str(blobs.store()), "orphans": names})
        return
    for name in names:
        typer.echo(name)
    typer.echo(f"{plural(len(names), 'stored file')} in the {blobs.store()} "
               f"{'belongs' if len(names) == 1 else 'belong'} to no document version")


# --- assessments ----------------------------------------------------------------------------------


def _assessment(ref: str):
    from secassure.assessments.models import Assessment

    found = Assessment.objects.select_related("organisation", "catalogue__framework").filter(
        pk=int(ref) if ref.isdigit() else -1).first()
    if found is None:
        _fail(f"no assessment with id {ref!r}: `secassure assessment list ORG` shows them")
    return found


@assessment_app.command("create")
def assessment_create(
    org: Annotated[str, typer.Argument(help="Slug or id.")],
    kind: Annotated[str, typer.Option("--type", help="fusa, vusa, ssa, follow-up or cio-compliance.")],
    baseline: Annotated[int | None, typer.Option("--baseline", help="Id of the submitted assessment to "
                                                                     "compare with and carry forward.")] = None,
    title: Annotated[str, typer.Option("--title", help="A name; made up when left out.")] = "",
    cycle_year: Annotated[int | None, typer.Option("--cycle-year", help="1, 2 or 3.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create an assessment: a row per applicable obligation and an answer per applicable question,
    with the baseline's answers and evidence carried forward, unconfirmed."""
    _django()
    from secassure.assessments.actions import create_assessment

    organisation = _org(org)
    base = _assessment(str(baseline)) if baseline is not None else None
    created = _act(create_assessment, organisation, kind=kind, baseline=base, title=title, cycle_year=cycle_year)
    data = {**created.assessment.as_dict(), "rows": created.rows, "answers": created.answers,
            "carried_forward": {"rows": created.carried_rows, "answers": created.carried_answers,
                                "links": created.carried_links}, "warnings": created.warnings}
    if as_json:
        _print_json(data)
        return
    typer.echo(f"Created assessment {created.assessment.pk}: {created.assessment.title} with {created.rows} rows "
               f"and {created.answers} questions")
    if base is not None:
        typer.echo(f"Carried forward from {base.title}: {created.carried_rows} rows, {created.carried_answers} "
                   f"answers and {created.carried_links} evidence links, all to confirm")
    for warning in created.warnings:
        _console(stderr=True).print(f"[yellow]warning:[/] {warning}")


@assessment_app.command("list")
def assessment_list(org: Annotated[str, typer.Argument(help="Slug or id.")], as_json: JsonOpt = False) -> None:
    """List an organisation's assessments, newest first, with their progress."""
    _django()
    from secassure.assessments.services import progress_many

    organisation = _org(org)
    assessments = list(organisation.assessments.select_related("catalogue__framework").order_by("-created_at"))
    figures = progress_many(assessments)
    rows = [{**a.as_dict(), "progress": figures[a.pk]} for a in assessments]
    if as_json:
        _print_json(rows)
        return
    if not rows:
        typer.echo("No assessments.")
    for r in rows:
        p = r["progress"]
        typer.echo(f"{r['id']}\t{r['title']}\t{r['type']}\t{r['status']}\t{p['assessed']}/{p['total']} rows assessed")


@assessment_app.command("show")
def assessment_show(
    assessment_id: Annotated[str, typer.Argument(metavar="ID", help="The assessment's id.")],
    as_json: JsonOpt = False,
) -> None:
    """An assessment with its progress per section, its rows and its answers."""
    _django()
    from secassure.assessments.services import export

    data = export(_assessment(assessment_id))
    if as_json:
        _print_json(data)
        return
    a = data["assessment"]
    typer.echo(f"{a['title']} ({a['type']}, {a['status']}) on {a['catalogue']}")
    for ref, p in data["progress"]["groups"].items():
        typer.echo(f"  {ref or '-'}: {p['assessed']}/{p['total']} assessed, {p['checked']} checked"
                   + (f", {p['unconfirmed']} to confirm" if p["unconfirmed"] else ""))
    q = data["progress"]["questions"]
    typer.echo(f"  questions: {q['assessed']}/{q['total']} answered, {q['checked']} checked")


@assessment_app.command("compare")
def assessment_compare(
    first: Annotated[str, typer.Argument(metavar="ID1", help="The earlier assessment.")],
    second: Annotated[str, typer.Argument(metavar="ID2", help="The later assessment.")],
    as_json: JsonOpt = False,
) -> None:
    """What moved between two assessments of one organisation: statuses, answers, risks, evidence."""
    _django()
    from django.utils import timezone

    from secassure.assessments.services import compare

    one, two = _assessment(first), _assessment(second)
    if one.organisation_id != two.organisation_id:
        _fail("the two assessments belong to different organisations")
    result = compare(one, two, timezone.localdate()).as_dict()
    if as_json:
        _print_json(result)
        return
    typer.echo(f"From {one.title} to {two.title}")
    for c in result["status_changes"]:
        typer.echo(f"  status {c['ref']}: {c['before'] or 'not in scope'} -> {c['after'] or 'not in scope'}")
    for c in result["answer_changes"]:
        before = (c["before"] or {}).get("answer") or "-"
        after = (c["after"] or {}).get("answer") or "-"
        typer.echo(f"  answer {c['ref']}: {before} -> {after}")
    for r in result["risk_movements"]:
        typer.echo(f"  risk {r['ref']} {r['movement']}: {r['before'] or '-'} -> {r['after'] or '-'}")
    for e in result["evidence"]:
        typer.echo(f"  evidence {e['ref']} {e['document']}: {e['change']}")
    if not any(result[k] for k in ("status_changes", "answer_changes", "risk_movements", "evidence")):
        typer.echo("  nothing moved")


# --- review, outcome, remediation ------------------------------------------------------------------


@review_app.command("share")
def review_share(
    assessment_id: Annotated[str, typer.Argument(metavar="ID", help="The submitted assessment's id.")],
    email: Annotated[str, typer.Option("--with", help="The CIO reviewer's email; they must hold the CIO "
                                                      "reviewer role in the organisation.")],
    as_json: JsonOpt = False,
) -> None:
    """Share a submitted assessment with a CIO reviewer (the first share starts the CIO review)."""
    _django()
    from django.contrib.auth import get_user_model

    from secassure.review.actions import share

    assessment = _assessment(assessment_id)
    reviewer = get_user_model().objects.filter(email__iexact=email.strip()).first()
    if reviewer is None:
        _fail(f"nobody signs in as {email!r}: invite them as CIO reviewer first (secassure user invite)")
    found = _act(share, assessment, reviewer, by=None)
    assessment.refresh_from_db()
    data = {"assessment": assessment.pk, "reviewer": reviewer.email, "status": assessment.status,
            "shared_at": found.shared_at.isoformat()}
    if as_json:
        _print_json(data)
        return
    typer.echo(f"Shared {assessment.title} with {reviewer.email}; the assessment is {assessment.get_status_display()}")


@outcome_app.command("record")
def outcome_record(
    assessment_id: Annotated[str, typer.Argument(metavar="ID", help="The submitted assessment's id.")],
    decision: Annotated[str, typer.Option("--decision", help="satisfactory, actions or cio-assessment.")],
    received_on: Annotated[str | None, typer.Option("--received", help="YYYY-MM-DD; today when left out.")] = None,
    reference: Annotated[str, typer.Option("--reference", help="The SSC's reference.")] = "",
    text: Annotated[str, typer.Option("--text", help="The decision in the SSC's words.")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Record the SSC's decision: satisfactory closes the assessment, actions opens a remediation
    plan, cio-assessment creates the formal CIO assessment with this one as its baseline."""
    _django()
    from django.utils import timezone

    from secassure.review.actions import record_outcome

    assessment = _assessment(assessment_id)
    day = _date(received_on, "--received") or timezone.localdate()
    outcome = _act(record_outcome, assessment, by=None, decision=decision, received_on=day, reference=reference,
                   text=text)
    data = {"assessment": assessment.pk, "decision": outcome.decision, "clause": outcome.clause or None,
            "rule": outcome.rule_id, "received_on": day.isoformat(), "follow_up": outcome.follow_up_id}
    if as_json:
        _print_json(data)
        return
    clause = f" ({outcome.clause})" if outcome.clause else ""
    typer.echo(f"{assessment.title}: {outcome.get_decision_display()}{clause} recorded")
    if outcome.follow_up_id:
        typer.echo(f"Created assessment {outcome.follow_up_id}: {outcome.follow_up.title}")


@remediation_app.command("show")
def remediation_show(
    assessment_id: Annotated[str, typer.Argument(metavar="ID", help="The assessment's id.")],
    as_json: JsonOpt = False,
) -> None:
    """An assessment's findings, remediation plan, actions, progress reports and director's letters."""
    _django()
    from secassure.review.attention import findings_and_actions

    assessment = _assessment(assessment_id)
    data = findings_and_actions(assessment)
    if as_json:
        _print_json(data)
        return
    typer.echo(f"{assessment.title}: {plural(len(data['findings']), 'finding')}, {plural(len(data['plans']), 'plan')}")
    for finding in data["findings"]:
        typer.echo(f"  {finding['ref']} {finding['status']}: {finding['description'][:80]}")
    for plan in data["plans"]:
        typer.echo(f"  plan v{plan['version']} {plan['status']}: {plural(len(plan['actions']), 'action')}")
        for action in plan["actions"]:
            typer.echo(f"    {action['target_date']} {action['status']}: {action['description'][:70]}")


# --- exchange: workbooks, reports, OSCAL, packs, CSV ------------------------------------------------


def _progress_bar(description: str):
    """A progress callback for long work, drawn on standard error; a context manager."""
    from contextlib import contextmanager

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    @contextmanager
    def bar():
        with Progress(TextColumn(description), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                      console=_console(stderr=True), transient=True) as shown:
            task = shown.add_task("", total=None)

            def tick(done: int, total: int, what: str = "") -> None:
                shown.update(task, completed=done, total=total, description=str(what)[:40])

            yield tick

    return bar()


@workbook_app.command("export")
def workbook_export(
    assessment_id: Annotated[str, typer.Argument(metavar="ID", help="The assessment's id.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The .xlsx file to write.")],
    questionnaire: Annotated[bool, typer.Option("--questionnaire", help="Only the questionnaire.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Write the Validation Workbook (or the questionnaire alone) for the User's team to fill in."""
    _django()
    from secassure.exchange import layout, workbook

    kind = layout.QUESTIONNAIRE if questionnaire else layout.VALIDATION_WORKBOOK
    result = _act(workbook.write, _assessment(assessment_id), output, kind=kind)
    if as_json:
        _print_json({**result, "path": str(output)})
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
    as_json: JsonOpt = False,
) -> None:
    """Import an edited workbook: show every change, then apply them all in one go (or none)."""
    _django()
    from secassure.exchange import importing
    from secassure.exchange.reading import WorkbookRefused

    assessment = _assessment(assessment_id)
    try:
        with _cli_context():
            plan = importing.plan(assessment, file, by=None)
            data = plan.as_dict()
            wanted = set(take or [])
            unknown = wanted - {c.ref for c in plan.conflicts}
            if unknown:
                _fail(f"not a row in conflict: {', '.join(sorted(unknown))}")
            if not dry_run and plan.changes:
                keys = {c.key for c in plan.conflicts if c.ref in wanted}
                data["applied"] = importing.apply(plan, file, by=None, name=file.name, take=keys)
    except WorkbookRefused as exc:
        if as_json:
            _print_json({"ok": False, "problems": [str(p) for p in exc.problems]})
            raise typer.Exit(1) from None
        for problem in exc.problems:
            _console(stderr=True).print(f"[bold red]error:[/] {_e(problem)}")
        raise typer.Exit(1) from None
    except Exception as exc:
        from secassure.errors import ActionError

        if isinstance(exc, ActionError):
            _fail(str(exc))
        raise
    if as_json:
        _print_json({"ok": True, "dry_run": dry_run, **data})
        return
    _print_plan(data)
    if dry_run:
        typer.echo(f"Dry run: {plural(data['changes'], 'change')} and {plural(data['conflicts'], 'conflict')}; "
                   "nothing was written.")
    elif "applied" in data:
        a = data["applied"]
        typer.echo(f"Imported: {plural(a['applied'], 'row')} changed; {plural(a['kept_product'], 'conflict')} kept "
                   f"secassure's version. The file is kept as version {a['version']} of document D-{a['document']}.")


@oscal_app.command("export")
def oscal_export(
    assessment_id: Annotated[str, typer.Argument(metavar="ID", help="The assessment's id.")],
    model: Annotated[str, typer.Option("--model", help="assessment-results, poam or catalog.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The JSON file to write.")],
    as_json: JsonOpt = False,
) -> None:
    """OSCAL 1.1.3 JSON: the assessment's results, its plan of action and milestones, or its catalogue."""
    _django()
    from secassure.exchange import oscal

    result = _act(oscal.write, _assessment(assessment_id), model, output)
    if as_json:
        _print_json(result)
        return
    typer.echo(f"Wrote {output} (OSCAL {model})")


@app.command("report")
def report_command(
    assessment_id: Annotated[str, typer.Argument(metavar="ID", help="The assessment's id.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The PDF file to write.")],
) -> None:
    """The assessment's PDF report: summary, compliance by SEC group, changes, evidence, findings, outcome."""
    _django()
    from secassure.exchange import report

    pdf = _act(report.render_pdf, _assessment(assessment_id))
    output.write_bytes(pdf)
    typer.echo(f"Wrote {output} ({len(pdf):,} bytes)")


@app.command("pack")
def pack_command(
    target: Annotated[str, typer.Argument(metavar="ID|verify", help="The assessment's id, or the word verify.")],
    file: Annotated[Path | None, typer.Argument(metavar="[FILE.zip]", help="With verify: the pack to check.")] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="The pack (.zip) to write.")] = None,
    no_evidence: Annotated[bool, typer.Option("--no-evidence", help="Leave the evidence files out.")] = False,
    no_signature: Annotated[bool, typer.Option(
        "--no-signature", help="With verify: check the files only (for a pack made by another installation).")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Make the submission pack (secassure pack ID -o FILE.zip): workbook, PDF report, OSCAL, evidence
    and a manifest of sha256 hashes; or check one (secassure pack verify FILE.zip)."""
    _django()
    from secassure.exchange import pack

    if target == "verify":
        if file is None:
            _fail("name the pack to verify: secassure pack verify FILE.zip")
        with _progress_bar("verifying") as tick:
            result = pack.verify(file, tick, signature=not no_signature)
        if as_json:
            _print_json(result.as_dict())
        else:
            for problem in result.problems:
                _console(stderr=True).print(f"[bold red]altered:[/] {_e(problem)}")
            head = result.as_dict()["audit_chain_head"] or {}
            typer.echo(f"{'OK' if result.ok else 'FAILED'}: {plural(result.checked, 'file')} checked; signature "
                       f"{result.signature}; audit chain head {head.get('chain', '?')} #{head.get('seq', '?')}")
        raise typer.Exit(0 if result.ok else 1)
    if output is None:
        _fail("say where to write the pack: -o FILE.zip")
    if file is not None:
        _fail("give either an assessment id with -o FILE.zip, or verify FILE.zip")
    assessment = _assessment(target)
    with _progress_bar("packing") as tick:
        manifest = _act(pack.build, assessment, output, evidence=not no_evidence, progress=tick)
    if as_json:
        _print_json(manifest)
        return
    typer.echo(f"Wrote {output}: {plural(len(manifest['files']), 'file')}; audit chain head "
               f"{manifest['audit_chain_head']['chain']} #{manifest['audit_chain_head']['seq']}")


@app.command("csv")
def csv_command(
    assessment_id: Annotated[str, typer.Argument(metavar="ID", help="The assessment's id.")],
    what: Annotated[str, typer.Argument(help="rows, risks or actions.")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="The file; standard output if left out.")]
    = None,
) -> None:
    """A flat CSV of the assessment's rows, the organisation's risks, or the remediation actions."""
    _django()
    from secassure.exchange import flat

    assessment = _assessment(assessment_id)
    if what not in flat.WHAT:
        _fail(f"{what!r} is not a CSV export; use one of {', '.join(flat.WHAT)}")
    if output is None:
        flat.write(assessment, what, sys.stdout)
        return
    with open(output, "w", newline="", encoding="utf-8") as handle:
        count = flat.write(assessment, what, handle)
    typer.echo(f"Wrote {output}: {plural(count, 'record')}")


# --- reminders --------------------------------------------------------------------------------------


@app.command("remind")
def remind(
    on: Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD: the day to remind for; today when left "
                                                          "out.")] = None,
    dry_run: DryRunOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """E-mail each person one digest of what is due or overdue for them (run daily from cron or a
    systemd timer). Running it again the same day sends nothing more."""
    _django()
    from django.utils import timezone

    from secassure.reminders.digest import send_digests

    day = _date(on, "--date") or timezone.localdate()
    with _cli_context(), _progress_bar("reminding") as tick:
        run = send_digests(day, dry_run=dry_run, progress=tick)
    if as_json:
        _print_json({**run.as_dict(), "dry_run": dry_run})
    else:
        verb = "Would send" if dry_run else "Sent"
        typer.echo(f"{verb} {plural(len(run.sent), 'digest')} for {day.isoformat()}; {run.already} already sent today; "
                   f"{plural(run.nothing_due, 'person', 'people')} with nothing due")
        for failure in run.failed:
            _console(stderr=True).print(f"[bold red]not sent:[/] {_e(failure)}")
    if run.failed:
        raise typer.Exit(1)


# --- demo -----------------------------------------------------------------------------------


@app.command("demo")
def demo(
    force: Annotated[bool, typer.Option("--force", help="Load demo data even though DEBUG is off.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Load the shipped catalogue and the demo story: two organisations and their people. Safe to run again."""
    _django()
    from django.conf import settings

    from secassure.web.demo import load_demo

    if not settings.DEBUG and not force:
        _fail("demo data adds an administrator with a published password; it is for development "
              "(SECASSURE_DEBUG=true, as make run sets). Pass --force to load it anyway.")

    with _cli_context():
        result = load_demo(shipped_files(), _max_bytes())
    if as_json:
        _print_json(result)
        return
    for line in result["catalogue"]:
        typer.echo(line)
    for name in result["created"]:
        typer.echo(f"Demo organisation created: {name}")
    typer.echo(f"Demo login: {result['login']['email']} / {result['login']['password']}")
    typer.echo("Everyone in the demo story signs in with the same password:")
    for person in result["people"]:
        typer.echo(f"  {person['email']:40} {person['name']}, {person['what']}")


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
