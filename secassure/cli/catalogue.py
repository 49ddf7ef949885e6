"""``secassure catalogue``: list, show, load, import, export and compare obligation catalogues."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from secassure.cli.common import (
    DryRunOpt,
    JsonOpt,
    cli_context,
    console,
    esc,
    fail,
    max_bytes,
    print_json,
    setup_django,
)

catalogue_app = typer.Typer(help="The obligations catalogue: list, show, load, lint, import, export, diff.",
                            no_args_is_help=True)


@catalogue_app.command("list")
def catalogue_list(as_json: JsonOpt = False) -> None:
    """List every framework version loaded, with its status and counts."""
    setup_django()
    from secassure.catalogue.queries import version_as_dict, versions_with_counts

    rows = [version_as_dict(v) for v in versions_with_counts()]
    if as_json:
        print_json(rows)
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
    console().print(table)


@catalogue_app.command("show")
def catalogue_show(
    clause: Annotated[str, typer.Argument(help="Clause or control id, e.g. G5.14.")],
    framework: Annotated[str | None, typer.Option(
        "--framework", "-f", help="FRAMEWORK or FRAMEWORK@VERSION (default: sec-g, the version in force).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show one obligation: summary, applicability, confidence, source, mappings and questions."""
    setup_django()
    from secassure.catalogue.queries import NotFound, get_obligation, obligation_as_dict

    try:
        data = obligation_as_dict(get_obligation(clause, framework))
    except NotFound as exc:
        fail(str(exc))
    if as_json:
        print_json(data)
        return
    con = console()
    con.print(f"[bold]{esc(data['ref'])}[/bold] {esc(data['title'])}  "
              f"({esc(data['framework'] + '@' + data['version'])})")
    if data["group"]:
        con.print(f"Group: {esc(data['group']['ref'])} {esc(data['group']['title'])}")
    con.print(f"Confidence: {esc(data['confidence'])} ({esc(data['confidence_label'])})")
    for source in data["sources"]:
        page = ": ".join(x for x in (source["title"], source["url"] or "address not recorded") if x)
        con.print(f"Source: {esc(page)}")
        for key, what in (("scf_ref", "Security Controls Framework"), ("ai_ref", "Agreed Interpretations")):
            if source.get(key):
                con.print(f"  {what}: {esc(source[key])}")
    con.print(f"Applies to categories: {esc(', '.join(data['applicability']['categories']))}")
    con.print(f"Applies to roles: {esc(', '.join(data['applicability']['roles']))}")
    for words in data["conditions"]:
        con.print(f"Applies {esc(words)}")
    if data["summary"]:
        con.print(f"\n{esc(data['summary'])}")
    if data["guidance"]:
        con.print(f"\n[bold]Expected evidence[/bold]\n{esc(data['guidance'])}")
    for m in data["mappings"]:
        con.print(esc(f"Maps to {m['framework']}@{m['version']} {m['ref']} {m['title']} ({m['relationship']})"))
    for q in data["questions"]:
        con.print(f"Question {esc(q['ref'])}: {esc(q['text'])}")


def _load_files(parse, paths: list[Path], dry_run: bool, as_json: bool) -> list[dict]:
    """Parse and check every file, then load them all in one transaction, or none of them."""
    from django.db import DatabaseError

    from secassure.catalogue.importers.base import CatalogueError
    from secassure.catalogue.loader import load_all

    current = paths[0]
    try:
        with cli_context():
            datas = []
            for current in paths:
                datas.append(parse(str(current)))
            current = paths[0] if len(paths) == 1 else Path(", ".join(map(str, paths)))
            results = [r.as_dict() for r in load_all(datas, dry_run=dry_run)]
    except CatalogueError as exc:
        fail(str(exc))
    except (DatabaseError, ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        # The importers check what they read; this is the last line, so that a file they did not
        # foresee still gets one line naming it, and the transaction has rolled back.
        fail(f"{current}: the file could not be loaded ({type(exc).__name__}: {' '.join(str(exc).split())[:300]})")
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
    folder = Path(__file__).resolve().parent.parent / "data" / "catalogue"
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
    setup_django()
    from secassure.catalogue.importers import native

    paths = list(files or []) + (shipped_files() if shipped else [])
    if not paths:
        fail("name a file to load, or --shipped for the catalogue that comes with secassure")
    results = _load_files(lambda p: native.parse_file(p, max_bytes()), paths, dry_run, as_json)
    if as_json:
        print_json(results)


FrameworkOpt = Annotated[str | None, typer.Option("--framework", help="Framework slug to load it under.")]
VersionOpt = Annotated[str | None, typer.Option("--version", help="Version string (default: the file's).")]
DraftOpt = Annotated[bool, typer.Option("--draft", help="Load as a draft, which a later load may replace.")]


def _import(importer: str, file: Path, framework, version, draft: bool, dry_run: bool, as_json: bool) -> None:
    setup_django()
    from importlib import import_module

    module = import_module(f"secassure.catalogue.importers.{importer}")
    results = _load_files(
        lambda p: module.parse_file(p, max_bytes(), framework=framework, version=version, draft=draft),
        [file], dry_run, as_json)
    if as_json:
        print_json(results[0])


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
    setup_django()
    from secassure.catalogue.oscal_export import write_catalog
    from secassure.catalogue.queries import NotFound, resolve_version

    try:
        v = resolve_version(version)
    except NotFound as exc:
        fail(str(exc))
    try:
        write_catalog(v, output)
    except OSError as exc:
        fail(f"{output}: cannot write ({exc.strerror})")
    typer.echo(f"{output}: wrote {v.label} as an OSCAL catalog")


@catalogue_app.command("lint")
def catalogue_lint(
    files: Annotated[list[Path] | None,
                     typer.Argument(help="Catalogue YAML files; the shipped ones by default.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Check catalogue files against the rules their content must meet: an entry tagged S names the
    page that states it; ids are well formed; questions cite obligations that exist and are assessed
    (not headings); no two entries share an id. Exits non-zero when any rule is broken."""
    setup_django()
    from secassure.catalogue.lint import lint_file

    paths = list(files or []) or shipped_files()
    found = {str(path): lint_file(path, max_bytes()) for path in paths}
    broken = sum(len(problems) for problems in found.values())
    if as_json:
        print_json({"files": {name: [p.as_dict() for p in problems] for name, problems in found.items()},
                    "problems": broken})
    else:
        for name, problems in found.items():
            for p in problems:
                typer.echo(f"{name}: {p.place}{f' ({p.ref})' if p.ref else ''}: {p.rule}: {p.message}")
            if not problems:
                typer.echo(f"{name}: no problems")
    if broken:
        raise typer.Exit(1)


@catalogue_app.command("diff")
def catalogue_diff(
    old: Annotated[str, typer.Argument(help="FRAMEWORK@VERSION loaded, or a catalogue YAML file.")],
    new: Annotated[str, typer.Argument(help="FRAMEWORK@VERSION loaded, or a catalogue YAML file.")],
    as_json: JsonOpt = False,
) -> None:
    """What changed between two versions: the version's own fields (effective date, releases it
    reflects, source, notes, assessment scopes) and the obligations and questions added, removed and
    changed."""
    setup_django()
    from secassure.catalogue.diff import diff

    result = diff(_snapshot(old), _snapshot(new))
    if as_json:
        print_json(result)
        return
    con = console()
    con.print(f"{esc(result['old'])} -> {esc(result['new'])}")
    if result["identical"]:
        con.print("No differences.")
    for name, change in result["version"]["changed"].items():
        con.print(f"[yellow]~ version {esc(name)}[/yellow]: {esc(_version_change(name, change))}")
    for kind in ("obligations", "questions"):
        section = result[kind]
        for item in section["added"]:
            con.print(f"[green]+ {esc(kind[:-1])} {esc(item['ref'])}[/green] {esc(item['title'])}")
        for item in section["removed"]:
            con.print(f"[red]- {esc(kind[:-1])} {esc(item['ref'])}[/red] {esc(item['title'])}")
        for item in section["changed"]:
            con.print(f"[yellow]~ {esc(kind[:-1])} {esc(item['ref'])}[/yellow] {esc(item['title'])}: "
                      f"{esc(', '.join(item['fields']))}")
            if "conditions" in item:
                before, after = ("; ".join(item["conditions"][side]) or "no conditions" for side in ("old", "new"))
                con.print(f"    applies {esc(before)} -> {esc(after)}")
    counts = {k: {s: len(v) for s, v in result[k].items()} for k in ("obligations", "questions")}
    con.print(f"obligations: {counts['obligations']['added']} added, {counts['obligations']['removed']} removed, "
              f"{counts['obligations']['changed']} changed; questions: {counts['questions']['added']} added, "
              f"{counts['questions']['removed']} removed, {counts['questions']['changed']} changed")


def _version_change(name: str, change: dict) -> str:
    """One version-level field's change in a line: short values before and after, long ones named."""
    if name == "scopes":
        kinds = change["kinds"]
        return "; ".join(f"{', '.join(kinds[what])} {what}" for what in ("added", "removed", "changed")
                         if kinds[what])
    if name in ("source", "notes"):
        return "reworded" if change["old"] and change["new"] else ("added" if change["new"] else "removed")

    def shown(value) -> str:
        if isinstance(value, dict):
            return ", ".join(f"{k} {v}" for k, v in sorted(value.items())) or "none"
        return str(value) if value else "none"

    return f"{shown(change['old'])} -> {shown(change['new'])}"


def _snapshot(spec: str) -> dict:
    from secassure.catalogue.diff import snapshot_of_data, snapshot_of_version
    from secassure.catalogue.importers import native
    from secassure.catalogue.importers.base import CatalogueError
    from secassure.catalogue.queries import NotFound, resolve_version

    if Path(spec).is_file():
        try:
            return snapshot_of_data(native.parse_file(spec, max_bytes()))
        except CatalogueError as exc:
            fail(str(exc))
    try:
        return snapshot_of_version(resolve_version(spec))
    except NotFound as exc:
        fail(str(exc))
