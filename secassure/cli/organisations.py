"""Organisations and what the planner reads of them: ``secassure org``, ``portfolio``, ``user``,
``plan`` and ``rules``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from secassure.cli.common import (
    JsonOpt,
    act,
    cli_context,
    console,
    esc,
    fail,
    find_org,
    max_bytes,
    parse_date,
    print_json,
    setup_django,
)

org_app = typer.Typer(help="Organisations: create, list, show, change, and the User Roles they hold.",
                      no_args_is_help=True)
org_role_app = typer.Typer(help="User Roles an organisation holds (SCF Part 1 Appendix B).", no_args_is_help=True)
org_app.add_typer(org_role_app, name="role")
portfolio_app = typer.Typer(help="Portfolio snapshots: the counts that decide the assessment type.",
                            no_args_is_help=True)
user_app = typer.Typer(help="People: invitations to join an organisation.", no_args_is_help=True)
rules_app = typer.Typer(help="Rule files: the assessment-cycle rules the planner reads.", no_args_is_help=True)

CATEGORY_HELP = "large-supplier, small-supplier, electricity-network, gas-network, other-user or srp."


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
    setup_django()
    from secassure.tenancy.actions import create_organisation

    org = act(create_organisation, by=None, name=name, category=category, sec_party_id=party_id,
               cycle_start=parse_date(cycle_start, "--cycle-start"), slug=slug)
    if as_json:
        print_json(_org_dict(org))
    else:
        typer.echo(f"created {org.slug}: {org.name} ({org.get_category_display()})")


@org_app.command("list")
def org_list(as_json: JsonOpt = False) -> None:
    """List every organisation."""
    setup_django()
    from secassure.tenancy.models import Organisation

    rows = [o.as_dict() for o in Organisation.objects.order_by("name")]
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("No organisations yet: `secassure org create NAME --category CATEGORY`.")
    for r in rows:
        typer.echo(f"{r['slug']}\t{r['name']}\t{r['category']}\tcycle start {r['cycle_start'] or '-'}")


@org_app.command("show")
def org_show(org: Annotated[str, typer.Argument(help="Slug or id.")], as_json: JsonOpt = False) -> None:
    """Show an organisation's profile and User Roles."""
    setup_django()
    data = _org_dict(find_org(org))
    if as_json:
        print_json(data)
        return
    for key in ("slug", "name", "sec_party_id", "category", "cycle_start", "dcc_live_since", "require_mfa",
                "material_risk_threshold"):
        typer.echo(f"{key}: {data[key] if data[key] not in (None, '') else '-'}")
    for r in data["roles"]:
        typer.echo(f"role: {r['role']} {', '.join(r['user_ids'])}".rstrip())


@org_app.command("set")
def org_set(
    org: Annotated[str, typer.Argument(help="Slug or id.")],
    cycle_start: Annotated[str | None, typer.Option(
        "--cycle-start", help="End date of the year-1 FUSA fieldwork.")] = None,
    category: Annotated[str | None, typer.Option("--category", help=CATEGORY_HELP)] = None,
    live_since: Annotated[str | None, typer.Option(
        "--live-since", help="Date it became a Live DCC User (completed the User Entry Process).")] = None,
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
    setup_django()
    from secassure.profile.actions import update_organisation

    found = find_org(org)
    changes = {k: v for k, v in {"cycle_start": parse_date(cycle_start, "--cycle-start"), "category": category,
                                  "dcc_live_since": parse_date(live_since, "--live-since"), "name": name,
                                  "sec_party_id": party_id, "require_mfa": require_mfa,
                                  "material_risk_threshold": risk_threshold,
                                  "classification_label": classification}.items()
               if v is not None}
    if not changes:
        fail("nothing to change: give --cycle-start, --category, --live-since, --name, --party-id, --require-mfa, "
              "--risk-threshold or --classification")
    plan_changes = act(update_organisation, found, changes, by=None)
    _report_plan_changes(found, plan_changes, as_json, _org_dict(found))


def _report_plan_changes(org, plan_changes: list[dict], as_json: bool, data: dict) -> None:
    if as_json:
        print_json({**data, "plan_changes": plan_changes})
        return
    typer.echo(f"{org.slug}: saved")
    for c in plan_changes:
        typer.echo(f"plan changed: year {c['year']} is now a {c['to']} (was {c['from']}), due by {c['due_by'] or '-'}")


@org_app.command("advise")
def org_advise(
    org: Annotated[str, typer.Argument(help="Slug or id.")],
    year: Annotated[int, typer.Option("--year", help="The cycle year advised on: 1, 2 or 3.")],
    kind: Annotated[str, typer.Option("--type", help="The type SECAS advised: fusa, vusa or ssa.")],
    date: Annotated[str, typer.Option("--date", help="Date of the advice (YYYY-MM-DD).")],
    reference: Annotated[str, typer.Option("--reference", help="SECAS's reference, or where the advice is.")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Record the assessment type SECAS advised for a year of the current cycle; the plan follows it."""
    setup_django()
    from secassure.profile.actions import record_advice

    found = find_org(org)
    advice, plan_changes = act(record_advice, found, by=None, year=year, kind=kind,
                               advised_on=parse_date(date, "--date"), reference=reference)
    _report_plan_changes(found, plan_changes, as_json, advice.as_dict())


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
    setup_django()
    from secassure.profile.actions import add_role

    found = find_org(org)
    act(add_role, found, role, by=None, user_ids=user_id or [], start_date=parse_date(start, "--start"))
    typer.echo(f"{found.slug}: holds {role}")


@org_role_app.command("remove")
def org_role_remove(
    org: Annotated[str, typer.Argument(help="Slug or id.")],
    role: Annotated[str, typer.Argument(help="The User Role to remove.")],
) -> None:
    """Remove a User Role from an organisation."""
    setup_django()
    from secassure.profile.actions import remove_role

    found = find_org(org)
    act(remove_role, found, role, by=None)
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
    setup_django()
    from secassure.profile.actions import add_snapshot

    found = find_org(org)
    snapshot, plan_changes = act(add_snapshot, found, by=None, as_of=parse_date(date, "--date"), domestic=domestic,
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
    setup_django()
    from secassure.tenancy.actions import invitation_link, invite

    found = find_org(org)
    invitation, token = act(invite, found, email, role, by=None)
    link = invitation_link(token)
    if as_json:
        print_json({"email": invitation.email, "organisation": found.slug, "role": invitation.role,
                     "expires_at": invitation.expires_at.isoformat(), "link": link})
    else:
        if getattr(invitation, "email_failed", ""):
            typer.echo(f"warning: the email could not be sent ({invitation.email_failed}); pass on the link yourself",
                       err=True)
        typer.echo(f"invited {invitation.email} to {found.slug} as {role}; link (shown once): {link}")


def plan(
    org: Annotated[str, typer.Argument(help="Slug or id.")],
    on: Annotated[str | None, typer.Option("--on", help="Plan as of this date (default: today).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The organisation's assessment cycle: type and due date of each year, with the reasons."""
    setup_django()
    from secassure.profile.services import plan_for

    result = plan_for(find_org(org), parse_date(on, "--on"))
    if as_json:
        print_json(result.as_dict())
        return
    con = console()
    con.print(esc(f"{result.organisation}: {result.category}, cycle start {result.cycle_start or '-'}, "
                 f"rules {result.ruleset or '-'}"))
    for y in result.years:
        con.print(f"[bold]Year {y.year}: {esc(y.type)}[/bold] due by {esc(y.due_by or '-')} "
                  f"(type from {esc(y.basis_words)}{_due_words(y)})")
        for reason in y.reasons:
            con.print(f"  - {esc(reason)}")
    for warning in result.warnings:
        con.print(f"[yellow]warning:[/yellow] {esc(warning)}")
    if result.privacy is not None:
        _print_privacy(con, result.privacy)


def _print_privacy(con, privacy) -> None:
    """The SEC Section I privacy cycle, shown for an organisation it applies to (Other Users)."""
    con.print(esc(f"Privacy cycle (SEC Section I): rules {privacy.ruleset}"))
    for y in privacy.years:
        con.print(f"[bold]Privacy year {y.year}: {esc(y.type)}[/bold] due by {esc(y.due_by or '-')} "
                  f"(confidence {esc(y.confidence)})")
        for reason in y.reasons:
            con.print(f"  - {esc(reason)}")
    for warning in privacy.warnings:
        con.print(f"[yellow]warning:[/yellow] {esc(warning)}")


def _due_words(year) -> str:
    if year.due_basis == "recorded-fieldwork":
        return f"; date from the fieldwork recorded on assessment {year.due_from.pk}"
    if year.due_basis == "estimate":
        return "; date estimated"
    return ""


@rules_app.command("load")
def rules_load(
    files: Annotated[list[Path] | None, typer.Argument(help="Rule files (docs/rules-format.md).")] = None,
    shipped: Annotated[bool, typer.Option("--shipped", help="Load the rule files shipped with secassure.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Load rule files. The same content again does nothing; a published version never changes."""
    setup_django()
    from django.db import transaction

    from secassure.datafiles import DataFileError
    from secassure.profile.actions import load_rules
    from secassure.profile.services import read_rules, shipped_rule_files

    paths = list(files or []) + (shipped_rule_files() if shipped else [])
    if not paths:
        fail("name a rule file, or --shipped for the rules that come with secassure")
    try:
        with cli_context(), transaction.atomic():
            results = []
            for path in paths:
                outcome, ruleset = load_rules(read_rules(path, max_bytes()), by=None)
                results.append({"file": str(path), "rules": str(ruleset), "outcome": outcome})
    except DataFileError as exc:
        fail(str(exc))
    if as_json:
        print_json(results)
    else:
        for r in results:
            typer.echo(f"{r['file']}: {r['rules']} {r['outcome']}")


@rules_app.command("list")
def rules_list(as_json: JsonOpt = False) -> None:
    """List the rule versions loaded."""
    setup_django()
    from secassure.profile.models import RuleSet

    rows = [{"rules": str(r), "status": r.status, "effective_date": r.effective_date.isoformat(),
             "loaded_at": r.loaded_at.isoformat(), "content_hash": r.content_hash} for r in RuleSet.objects.all()]
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("No rules loaded: `secassure rules load --shipped`.")
    for r in rows:
        typer.echo(f"{r['rules']}\t{r['status']}\teffective {r['effective_date']}")
