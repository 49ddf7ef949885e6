"""``secassure backup`` and ``secassure restore``: the database and the evidence files in one archive.

The work is done in ``secassure.backup``; this module turns it into commands and words. Restore
looks for the audit key before Django starts, because starting Django makes a key when there is
none, and a restore with a new key would leave a log that no longer verifies once anything is added.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from secassure import __version__
from secassure.cli.common import JsonOpt, console, esc, fail, print_json, setup_django
from secassure.wording import plural


def backup_command(
    output: Annotated[Path, typer.Option("-o", "--output", help="The archive to write (a .tar file); it must "
                                                                "not exist yet.")],
    as_json: JsonOpt = False,
) -> None:
    """Back up the database and every evidence file into one archive (a tar file, readable by its
    owner only). The audit key is never in it: keep the key apart, as the command reminds you."""
    setup_django()
    from secassure import backup

    try:
        result = backup.backup(output)
    except backup.BackupError as exc:
        fail(str(exc))
    if as_json:
        print_json(result.as_dict())
        return
    counts = result.manifest["counts"]
    typer.echo(f"Backed up to {result.path} ({result.size:,} bytes): the {result.manifest['database']['vendor']} "
               f"database ({_counted(counts)}) and {plural(counts['blobs'], 'evidence file')} from the "
               f"{result.manifest['blob_store']}.")
    console().print(f"[bold]{esc(backup.key_note())}[/bold]")


def restore_command(
    archive: Annotated[Path, typer.Argument(help="An archive written by secassure backup.", exists=True,
                                            dir_okay=False, readable=True)],
    force: Annotated[bool, typer.Option("--force", help="Replace a database that already holds data.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Restore an archive made by secassure backup: check every file in it and the audit key first, then
    restore the database and the evidence files and verify the audit log and the files. Exit 1 if a
    check after the restore fails."""
    from secassure import backup

    location = backup.key_location()
    if not location.present:
        fail(f"there is no audit key here, and restore never makes one (events added with a new key would "
             f"not verify): {location.put_it_here()} and run restore again")
    setup_django()
    try:
        result = backup.restore(archive, force=force)
    except backup.BackupError as exc:
        fail(str(exc))
    if as_json:
        print_json(result.as_dict())
    else:
        made = result.manifest
        con = console()
        con.print(f"Restored the backup of {esc(made['created_at'])} (secassure {esc(made['secassure_version'])}): "
                  f"{_counted(result.counts)}, {plural(made['counts']['blobs'], 'evidence file')}.")
        audit, evidence = result.checks["audit"], result.checks["evidence"]
        if audit["ok"]:
            con.print(f"[green]ok[/green]     audit log: {audit['chains']} chains, {audit['events']} events verified")
        for broken in audit["broken"]:
            con.print(f"[red]BROKEN[/red] audit log {esc(broken['chain'])} at event #{esc(broken['seq'])}: "
                      f"{esc(broken['problem'])}")
        if evidence["ok"]:
            con.print(f"[green]ok[/green]     evidence: the files of {evidence['files']} document versions verified")
        for broken in evidence["broken"]:
            con.print(f"[red]BROKEN[/red] evidence {esc(broken['organisation'])}: {esc(broken['document'])} "
                      f"v{esc(broken['version'])}: {esc(broken['problem'])}")
        if not result.counts_match:
            con.print(f"[red]MISMATCH[/red] the backup recorded {esc(made['counts'])}; the restored installation "
                      f"holds {esc(result.counts)}")
        if result.migrated:
            con.print(f"The backup (made by secassure {esc(made['secassure_version'])}; this is {__version__}) "
                      f"predates {len(result.migrated)} of this version's database migrations: applied them.")
    if not result.ok:
        raise typer.Exit(1)


def _counted(counts: dict) -> str:
    return (f"{plural(counts['organisations'], 'organisation')}, {plural(counts['documents'], 'document')}, "
            f"{plural(counts['events'], 'audit event')}")
