"""``secassure audit``: checks of the tamper-evident audit log."""

from __future__ import annotations

from typing import Annotated

import typer

from secassure.cli.common import JsonOpt, console, esc, fail, print_json, setup_django

audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)


@audit_app.command("verify")
def audit_verify(
    org: Annotated[str | None, typer.Option("--org", help="Only this organisation's chain (slug or id).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Recompute every hash chain and name the first broken link. Exit 1 if any chain is broken."""
    setup_django()
    from secassure.audit.models import chain_name
    from secassure.audit.verify import verify
    from secassure.tenancy.models import Organisation

    chains = None
    if org is not None:
        found = Organisation.objects.filter(slug=org).first()
        if found is None and org.isdigit():
            found = Organisation.objects.filter(pk=int(org)).first()
        if found is None:
            fail(f"no organisation {org!r}")
        chains = [chain_name(found.pk)]
    report = verify(chains)
    if as_json:
        print_json(report.as_dict())
    else:
        con = console()
        if not report.chains:
            con.print("No audit events yet.")
        for c in report.chains:
            if c.ok:
                con.print(f"[green]ok[/green]     {esc(c.chain)}: {esc(c.events)} events, head {esc(c.head_hash)}")
            else:
                b = c.broken
                con.print(f"[red]BROKEN[/red] {esc(c.chain)}: at event #{esc(b.seq)}"
                          f"{f' (id {esc(b.event_id)})' if b.event_id else ''}: {esc(b.problem)}")
    if not report.ok:
        raise typer.Exit(1)
