"""``secassure intake``: taking in a client's own spreadsheet (Validation rows, SSA answers, a risk
register or a document list), previewed first and applied all or nothing with --apply.

The operator's command line may do anything in any organisation; with --as EMAIL it acts as that
person instead, with their role's permissions in the organisation and their saved mappings, and
the audit log names both the operating-system account and the person."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from secassure.cli.common import JsonOpt, console, esc, fail, find_assessment, find_org, print_json, setup_django
from secassure.wording import plural


def _person(email: str):
    from django.contrib.auth import get_user_model

    found = get_user_model().objects.filter(email__iexact=email.strip(), is_active=True).first()
    if found is None:
        fail(f"nobody signs in as {email!r}")
    return found


def _acting(person):
    """The audit context: the command line's own account, acting as the person when one is given."""
    from secassure.audit.context import Actor, acting_as, cli_actor

    actor = cli_actor()
    if person is not None:
        actor = Actor(label=f"{actor.label} as {person.email}", user_id=person.pk)
    return acting_as(actor=actor)


def _mapping(given: list[str]) -> dict[str, str]:
    found = {}
    for text in given:
        field, sep, column = text.partition("=")
        if not sep or not field.strip():
            fail(f"--map {text!r}: write FIELD=COLUMN, the column by header, letter or number (FIELD= leaves the "
                 "field unmapped)")
        found[field.strip()] = column.strip()
    return found


def _values(given: list[str]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for text in given:
        field, sep, rest = text.partition(":")
        said, eq, value = rest.rpartition("=")
        if not sep or not eq or not field.strip() or not said.strip():
            fail(f"--value {text!r}: write FIELD:TEXT=VALUE, such as status:Green=compliant (TEXT= reads it as "
                 "nothing)")
        found.setdefault(field.strip(), {})[said.strip()] = value.strip()
    return found


def _shown(value) -> str:
    if value is None or value == "":
        return "(blank)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def _print(data: dict) -> None:
    from secassure.exchange.intake.fields import KIND_LABELS, fields_of

    labels = {f.key: f.label for f in fields_of(data["kind"])}
    where = f"sheet {data['sheet']!r}, " if data["sheet"] else ""
    typer.echo(f"{KIND_LABELS[data['kind']]}: {where}header in row {data['header_row']}, "
               f"{plural(data['rows'], 'row')} read.")
    typer.echo("Columns:")
    for key, label in labels.items():
        header = data["mapping"].get(key)
        how = {"header": "its header", "values": "its values", "given": "given"}.get(data["sure"].get(key, ""), "")
        typer.echo(f"  {label:28} " + (f"<- {header!r} ({how})" if header is not None else "(none)"))
    for key, read in data["values"].items():
        if read:
            typer.echo(f"  {labels[key]}: " + ", ".join(f"{t!r} -> {_shown(v)}" for t, v in read.items()))
    for key, texts in data["unmapped"].items():
        typer.echo(f"  {labels[key]}, read as nothing: " + ", ".join(repr(t) for t in texts))
    typer.echo(f"Matched {data['matched']} of {plural(data['rows'], 'row')}; {data['changes']} would change.")
    for entry in data["unmatched"]:
        typer.echo(f"  unmatched row {entry['row']} {entry['text']!r}: {entry['why']}")
    if data["uncovered"]:
        shown = ", ".join(data["uncovered"][:20]) + (" ..." if len(data["uncovered"]) > 20 else "")
        typer.echo(f"Not covered by any row ({len(data['uncovered'])}): {shown}")
    for conflict in data["conflicts"]:
        typer.echo(f"CONFLICT row {conflict['row']} ({conflict['ref']}): secassure's version stays unless you "
                   f"--take {conflict['row']}")
        for name, pair in conflict["fields"].items():
            typer.echo(f"    {name}: {_shown(pair['product'])!r} -> {_shown(pair['file'])!r}")
    for item in data["items"]:
        for warning in item["warnings"]:
            typer.echo(f"  row {item['row']}: {warning}")
    if data["evidence"]["matched"] or data["evidence"]["missing"]:
        missing = data["evidence"]["missing"]
        typer.echo(f"Evidence: {plural(len(data['evidence']['matched']), 'document')} found in the register"
                   + (f"; not found: {', '.join(repr(m) for m in missing)} (--placeholders adds them as draft "
                      "records)" if missing else ""))
    for note in data["notes"]:
        typer.echo(f"Note: {note}")
    for problem in data["problems"]:
        console(stderr=True).print(f"[bold red]problem:[/] {esc(problem)}")


def intake_command(
    org: Annotated[str, typer.Argument(metavar="ORG", help="The organisation's slug or id.")],
    file: Annotated[Path, typer.Argument(help="The client's spreadsheet: .xlsx, .xlsm, .xls, .ods or .csv.",
                                         exists=True, dir_okay=False)],
    sheet: Annotated[str | None, typer.Option("--sheet", help="The sheet to read; the one that looks most like "
                                                              "the kind of file when left out.")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="rows, answers, risks or documents; guessed from the "
                                                            "headers when left out.")] = None,
    maps: Annotated[list[str] | None, typer.Option(
        "--map", metavar="FIELD=COLUMN", help="Read FIELD from COLUMN (its header, letter or number), whatever "
                                              "the guess; FIELD= leaves it unread. Repeat for more.")] = None,
    values: Annotated[list[str] | None, typer.Option(
        "--value", metavar="FIELD:TEXT=VALUE", help="Read the cell text TEXT of FIELD as VALUE (such as "
                                                    "status:Green=compliant). Repeat for more.")] = None,
    mapping_name: Annotated[str | None, typer.Option(
        "--mapping", metavar="NAME", help="Start from your saved mapping NAME (needs --as).")] = None,
    save_as: Annotated[str | None, typer.Option(
        "--save-mapping", metavar="NAME", help="Keep the mapping used as NAME, for files of this layout at any "
                                               "organisation (needs --as).")] = None,
    assessment_id: Annotated[str | None, typer.Option(
        "--assessment", metavar="ID", help="The assessment in preparation to take rows or answers into; "
                                           "--apply without it creates a new SSA.")] = None,
    as_email: Annotated[str | None, typer.Option(
        "--as", metavar="EMAIL", help="Act as this person, with their role in the organisation.")] = None,
    placeholders: Annotated[bool, typer.Option(
        "--placeholders", help="Add evidence named in the file but not in the register as draft records.")] = False,
    take: Annotated[list[int] | None, typer.Option(
        "--take", metavar="ROW", help="For a spreadsheet row in conflict, take the file's version. Repeat for "
                                      "more; without it secassure's version stays.")] = None,
    do_apply: Annotated[bool, typer.Option("--apply", help="Take it in (all or nothing); without it, only "
                                                           "the preview is shown.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Take in a client's own spreadsheet: show how its columns and words are read and what would
    change, then, with --apply, write it all in one go (or nothing)."""
    setup_django()
    from secassure.errors import ActionError
    from secassure.exchange.intake import saved, tables, taking

    found = find_org(org)
    person = _person(as_email) if as_email else None
    assessment = find_assessment(assessment_id) if assessment_id else None
    if (mapping_name or save_as) and person is None:
        fail("a saved mapping belongs to a person: say who you act as with --as EMAIL")
    mapping, chosen = _mapping(maps or []), _values(values or [])
    try:
        with _acting(person):
            if mapping_name:
                kept = saved.mapping_named(person, mapping_name, kind)
                kind = kind or kept.kind
                mapping = {**kept.mapping, **mapping}
                chosen = {key: {**kept.values.get(key, {}), **chosen.get(key, {})}
                          for key in {*kept.values, *chosen}}
                if sheet is None and kept.sheet and kept.sheet in tables.sheets(file, file.name):
                    sheet = kept.sheet
            intake = taking.preview(found, file, file.name, by=person, kind=kind, sheet=sheet,
                                    mapping=mapping or None, values=chosen or None, assessment=assessment)
            data = intake.as_dict()
            if save_as:
                data["saved_mapping"] = saved.save_mapping(person, save_as, intake.kind, intake.proposal,
                                                           intake.table).name
            if do_apply:
                data["applied"] = taking.apply(intake, file, file.name, by=person, take=set(take or []),
                                               placeholders=placeholders)
    except tables.IntakeRefused as exc:
        if as_json:
            print_json({"ok": False, "problems": exc.problems})
            raise typer.Exit(1) from None
        for problem in exc.problems:
            console(stderr=True).print(f"[bold red]error:[/] {esc(problem)}")
        raise typer.Exit(1) from None
    except ActionError as exc:
        if as_json:
            print_json({"ok": False, "problems": [str(exc)]})
            raise typer.Exit(1) from None
        fail(str(exc))
    if as_json:
        print_json({"ok": True, **data})
        return
    _print(data)
    if "saved_mapping" in data:
        typer.echo(f"Saved the mapping as {data['saved_mapping']!r}.")
    if not do_apply:
        typer.echo("Preview only: nothing was written. Run again with --apply to take it in.")
        return
    a = data["applied"]
    into = f" into {'new ' if a['new_assessment'] else ''}assessment {a['assessment']}" if a["assessment"] else ""
    typer.echo(f"Taken in{into}: {plural(a['taken'], 'item')} written, {plural(len(a['kept_product']), 'conflict')} "
               f"kept secassure's version, {plural(a['linked'], 'evidence link')} made"
               + (f", {plural(len(a['placeholders']), 'placeholder document')} added" if a["placeholders"] else "")
               + f". The file is kept as version {a['version']} of document D-{a['document']}.")
