"""``secassure notice``: the notices register from the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from secassure.cli.common import JsonOpt, act, find_org, parse_date, print_json, setup_django

notice_app = typer.Typer(help="The notices register: G3.5, G3.9, G3.16, G3.17 to G3.20 and G5.27 notices.",
                         no_args_is_help=True)


@notice_app.command("add")
def notice_add(
    org: Annotated[str, typer.Argument(help="Slug or id.")],
    kind: Annotated[str, typer.Option("--type", help="The notice type: its rule id (G3.5, G3.9, G3.16, G3.18, "
                                                     "G3.17-ACK, G5.27).")],
    known: Annotated[str, typer.Option("--known", help="The date it was known (YYYY-MM-DD).")],
    sent: Annotated[str | None, typer.Option("--sent", help="The date it was sent.")] = None,
    to: Annotated[list[str] | None, typer.Option("--to", help="Who it went to: ssc, smki-pma, secas or "
                                                            "manufacturer (repeatable where the type allows).")] = None,
    system: Annotated[int | None, typer.Option("--system", help="The User System's id (G3.9).")] = None,
    count: Annotated[int | None, typer.Option("--count", help="Smart Metering Systems counted (G5.27).")] = None,
    what: Annotated[str, typer.Option("--what", help="What happened.")] = "",
    how: Annotated[str, typer.Option("--how", help="How it was sent (for example, the SECAS secure form).")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Record a notice owed or sent."""
    setup_django()
    from secassure.notices.actions import add_notice
    from secassure.notices.services import rows_for

    found = find_org(org)
    notice = act(add_notice, found, by=None, kind=kind, known_on=parse_date(known, "--known"),
                 sent_on=parse_date(sent, "--sent"), sent_to=to or [], system=system, count=count, what=what,
                 sent_how=how)
    from django.utils import timezone

    from secassure.notices.models import Notice

    row = rows_for(found, timezone.localdate(), notices=Notice.objects.filter(pk=notice.pk))[0]
    if as_json:
        print_json(row.as_dict())
        return
    typer.echo(f"{found.slug}: notice {notice.pk} ({row.type.clause}) recorded: {row.state_label.lower()}")


@notice_app.command("list")
def notice_list(org: Annotated[str, typer.Argument(help="Slug or id.")], as_json: JsonOpt = False) -> None:
    """List the notices with their type, clause, deadline and state (to-send, overdue, sent, answered),
    and flag further User Systems in use with no G3.9 notice sent before their first use."""
    setup_django()
    from django.utils import timezone

    from secassure.notices.services import R_NO_DEADLINE, notice_rules, rows_for, unnotified_systems

    found = find_org(org)
    today = timezone.localdate()
    rules = notice_rules(today)
    rows = rows_for(found, today, rules)
    flags = [{"system": s.pk, "name": s.name, "in_use_from": s.in_use_from.isoformat(),
              "flag": "in use with no G3.9 notice sent before its first use"}
             for s in unnotified_systems(found, today, rules)]
    if as_json:
        print_json({"organisation": found.slug, "rules_loaded": rules is not None,
                    "notices": [r.as_dict() for r in rows], "unnotified_systems": flags})
        return
    if rules is None:
        typer.echo("No notice rules are loaded: `secassure rules load --shipped`.")
    for r in rows:
        deadline = r.deadline.isoformat() if r.deadline else "-"
        tag = " (R)" if r.deadline_unsourced else ""
        typer.echo(f"{r.notice.pk}\t{r.notice.kind}\t{r.type.clause if r.type else '?'}\tknown "
                   f"{r.notice.known_on.isoformat()}\tdeadline {deadline}{tag}\t{r.state}{' (late)' if r.late else ''}")
    if not rows:
        typer.echo(f"{found.slug}: no notice recorded")
    for f in flags:
        typer.echo(f"FLAG: User System {f['system']} ({f['name']}), in use from {f['in_use_from']}: {f['flag']}")
    if any(r.deadline_unsourced for r in rows):
        typer.echo(f"(R) {R_NO_DEADLINE}")
