"""``secassure audit``: checks of the tamper-evident audit log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from secassure.cli.common import JsonOpt, console, esc, fail, print_json, setup_django
from secassure.wording import plural

audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)


def _read_anchor(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        fail(f"{path}: cannot read it ({exc.strerror})")
    except ValueError:
        return None  # reported as not an anchor, like any other file that is not one


@audit_app.command("verify")
def audit_verify(
    org: Annotated[str | None, typer.Option("--org", help="Only this organisation's chain (slug or id).")] = None,
    anchor: Annotated[Path | None, typer.Option(
        "--anchor", help="Also check an anchor made by `audit anchor`: its signature, and that each chain "
                         "still holds the event anchored at its position.", dir_okay=False)] = None,
    state: Annotated[bool, typer.Option(
        "--state", help="Also compare assessments, rows and answers with their last audited values, to find "
                        "changes made outside secassure.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Recompute every hash chain and its sealed head, and name the first broken link. Exit 1 if any
    chain is broken, the anchor does not hold, or a value differs from the audited one."""
    setup_django()
    from secassure.audit.anchor import check_anchor
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
    anchored = None
    if anchor is not None:
        anchored = check_anchor(_read_anchor(anchor))
        if chains is not None:
            anchored.problems = [p for p in anchored.problems if not p.chain or p.chain in chains]
    report = verify(chains)
    checked = None
    if state:
        from secassure.assessments.audited_state import check_state

        checked = check_state()
        if org is not None:
            checked.differences = [d for d in checked.differences if d.organisation == found.slug]
    ok = report.ok and (anchored is None or anchored.ok) and (checked is None or checked.ok)
    if as_json:
        data = report.as_dict()
        if anchored is not None:
            data["anchor"] = {"file": str(anchor), **anchored.as_dict()}
        if checked is not None:
            data["state"] = checked.as_dict()
        data["ok"] = ok
        print_json(data)
    else:
        con = console()
        if anchored is not None:
            _print_anchor(con, anchor, anchored)
        if not report.chains:
            con.print("No audit events yet.")
        for c in report.chains:
            if c.ok:
                con.print(f"[green]ok[/green]     {esc(c.chain)}: {esc(c.events)} events, head {esc(c.head_hash)}")
            else:
                b = c.broken
                con.print(f"[red]BROKEN[/red] {esc(c.chain)}: at event #{esc(b.seq)}"
                          f"{f' (id {esc(b.event_id)})' if b.event_id else ''}: {esc(b.problem)}")
        if checked is not None:
            _print_state(con, checked)
    if not ok:
        raise typer.Exit(1)


def _print_anchor(con, path: Path, anchored) -> None:
    if anchored.ok:
        con.print(f"[green]ok[/green]     anchor {esc(path)} made {esc(anchored.made_at)}: signature valid, "
                  f"{plural(anchored.chains, 'chain')} still "
                  f"{'holds its anchored event' if anchored.chains == 1 else 'hold their anchored events'}")
    for p in anchored.problems:
        where = f"{p.chain}{f' ({p.name})' if p.name and p.name != p.chain else ''}: " if p.chain else ""
        con.print(f"[red]ANCHOR[/red] {esc(where)}{esc(p.problem)}")


def _print_state(con, checked) -> None:
    counted = ", ".join(f"{n} {kind}s" for kind, n in checked.checked.items())
    unaudited = sum(checked.unaudited.values())
    note = f" ({unaudited} with no audited value, not compared)" if unaudited else ""
    if checked.ok:
        con.print(f"[green]ok[/green]     state: {esc(counted)} as last audited{esc(note)}")
        return
    for d in checked.differences:
        con.print(f"[red]CHANGED[/red] {esc(d.organisation)}: {esc(d.object)} (id {esc(d.object_id)}), "
                  f"{esc(d.field)}: audited {esc(json.dumps(d.audited, ensure_ascii=False, default=str))}, "
                  f"now {esc(json.dumps(d.current, ensure_ascii=False, default=str))}: changed outside secassure")


@audit_app.command("anchor")
def audit_anchor(
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help="Write the anchor to this file instead of printing it.", dir_okay=False)] = None,
) -> None:
    """Print a signed checkpoint of every chain (position and hash of its last event), to keep outside
    the database and its backups; `audit verify --anchor FILE` checks the log against it later."""
    setup_django()
    from secassure.audit.anchor import KEEP, AnchorRefused, make_anchor

    try:
        anchor = make_anchor()
    except AnchorRefused as exc:
        fail(f"no anchor made: {exc}")
    text = json.dumps(anchor, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"{output}: cannot write it ({exc.strerror})")
    console(stderr=True).print(f"Anchor of {plural(len(anchor['chains']), 'chain')} written to {esc(output)}. "
                               f"{esc(KEEP)}")
