"""Backup and restore of an installation: its database and its evidence files in one tar archive.

An installation's data lives in two places (the database, and the evidence store named by the
files' hashes), and a restore is only useful when the two agree. The archive therefore holds both:
the database is snapshotted first (SQLite through its online backup API, PostgreSQL through
``pg_dump`` in the transaction's snapshot), and the store is read after it. Evidence files are
written before the rows that name them and are never deleted, so every file the snapshot refers to
is in the archive; files added meanwhile come along as unreferenced extras, which is harmless.

The audit key is never in the archive. It seals the audit log, and the point of keeping it apart
from the database is that someone who holds a copy of the data cannot rewrite the log unnoticed;
a backup that carried the key would undo that. The manifest records the key's fingerprint instead
(the same id every event carries), so that a restore can refuse to start with another key: events
written after such a restore would be sealed with a key the earlier ones do not verify against.

Everything is streamed: the database goes through a temporary file and each evidence file straight
from the store into the archive, so memory stays flat however large either is. A restore reads the
archive twice, once to check the manifest and every member's hash before anything is written, and
again to write, checking each hash a second time as it goes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from secassure import __version__
from secassure.wording import plural

FORMAT = "secassure-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
BLOB_PREFIX = "blobs/"
KEY_VARIABLE = "SECASSURE_AUDIT_KEY"
KEY_FILE_NAME = "audit_key"
CHUNK = 1024 * 1024
# The manifest is read whole; a line per evidence file keeps it far below this.
MAX_MANIFEST_BYTES = 256 * 1024 * 1024


class BackupError(Exception):
    """A backup or restore cannot go ahead; the message says why and what to do."""


# --- where the audit key is ------------------------------------------------------------------


def default_data_dir() -> Path:
    """The data folder as the settings choose it, worked out without importing them.

    Importing the settings makes an audit key when there is none, which is exactly what a restore
    must not do: it has to look for the key before Django starts. A test checks that this agrees
    with ``settings.DATA_DIR``.
    """
    given = os.environ.get("SECASSURE_DATA_DIR")
    if given:
        return Path(given).resolve()
    source_root = Path(__file__).resolve().parent.parent
    if (source_root / "pyproject.toml").exists():
        return (source_root / "var").resolve()
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return (base / "secassure").resolve()


@dataclass(frozen=True)
class KeyLocation:
    """Where this installation takes its audit key from: a variable, a file, or the data folder."""

    variable: str | None
    path: Path | None

    @property
    def present(self) -> bool:
        if self.variable == KEY_VARIABLE:
            return True
        return self.path is not None and self.path.is_file()

    def describe(self) -> str:
        if self.variable == KEY_VARIABLE:
            return f"the {KEY_VARIABLE} environment variable"
        if self.variable:
            return f"{self.path} (named by {self.variable})"
        return str(self.path)

    def put_it_here(self) -> str:
        """What to do to give this installation a key, in words."""
        if self.variable == KEY_VARIABLE:
            return f"set {KEY_VARIABLE} to the original key"
        if self.variable:
            return f"put the original key at {self.path} (or point {self.variable} at it)"
        return f"put the original key at {self.path} (or set {KEY_VARIABLE}_FILE to where it is)"


def key_location() -> KeyLocation:
    """Where the settings will read the audit key from, found as they find it."""
    if os.environ.get(KEY_VARIABLE):
        return KeyLocation(KEY_VARIABLE, None)
    named = os.environ.get(f"{KEY_VARIABLE}_FILE")
    if named:
        return KeyLocation(f"{KEY_VARIABLE}_FILE", Path(named))
    return KeyLocation(None, default_data_dir() / KEY_FILE_NAME)


def key_fingerprint() -> str:
    """The audit key's id: a hash of it, never the key, and the same id each event records."""
    from secassure.audit.models import audit_key_id

    return audit_key_id()


def key_note(location: KeyLocation | None = None) -> str:
    """The reminder a backup prints: where the key is, and why it must be kept apart."""
    location = location or key_location()
    return (f"The audit key is not in the backup. This installation's key is in {location.describe()}: "
            "keep a copy of it apart from the backup. Without it the restored audit log can be neither "
            "verified nor extended.")


# --- the database ----------------------------------------------------------------------------


def _vendor() -> str:
    from django.db import connection

    if connection.vendor not in DATABASE_MEMBERS:
        raise BackupError(f"backing up a {connection.vendor} database is not supported; use SQLite or PostgreSQL")
    return connection.vendor


def _tables() -> dict[str, str]:
    """The tables the manifest counts, by the name the manifest gives them."""
    from django.contrib.auth import get_user_model

    from secassure.audit.models import Event
    from secassure.evidence.models import Document, DocumentVersion
    from secassure.tenancy.models import Organisation

    return {"events": Event._meta.db_table, "organisations": Organisation._meta.db_table,
            "people": get_user_model()._meta.db_table, "documents": Document._meta.db_table,
            "document_versions": DocumentVersion._meta.db_table}


def _count(cursor, tables: dict[str, str]) -> dict[str, int]:
    counts = {}
    for what, table in tables.items():
        # The names come from the models, never from input.
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608
        counts[what] = int(cursor.fetchone()[0])
    return counts


def _sqlite_path() -> Path:
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:"):
        raise BackupError(f"the SQLite database {name!r} is not a file: nothing to back up")
    return Path(name)


def _snapshot_sqlite(target: Path) -> dict[str, int]:
    """Copy the live database with SQLite's online backup API: writers may carry on meanwhile, and
    the copy is one consistent state. The copy leaves WAL mode so that it is one self-contained file."""
    source_path = _sqlite_path()
    if not source_path.is_file():
        raise BackupError(f"there is no database at {source_path}: check DATABASE_URL")
    source = sqlite3.connect(source_path, timeout=20)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
        counts = _count(copy.cursor(), _tables())
    finally:
        copy.close()
        source.close()
    return counts


_LIBPQ_OPTIONS = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
                  "sslkey": "PGSSLKEY", "sslcrl": "PGSSLCRL", "connect_timeout": "PGCONNECT_TIMEOUT",
                  "application_name": "PGAPPNAME", "options": "PGOPTIONS", "passfile": "PGPASSFILE",
                  "service": "PGSERVICE", "target_session_attrs": "PGTARGETSESSIONATTRS"}


def postgres_environment(settings_dict: dict) -> dict[str, str]:
    """libpq's variables for Django's connection settings. The password goes in PGPASSWORD, never on
    the command line, where any user of the machine could read it in the process list."""
    env = dict(os.environ)
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    for option, value in (settings_dict.get("OPTIONS") or {}).items():
        if option in _LIBPQ_OPTIONS and value not in (None, ""):
            env[_LIBPQ_OPTIONS[option]] = str(value)
    return env


def _run_tool(args: list[str], settings_dict: dict) -> None:
    tool = args[0]
    if shutil.which(tool) is None:
        raise BackupError(f"{tool} is not installed or not on PATH: install PostgreSQL's client tools "
                          "(the same major version as the server, or newer)")
    # The arguments are the tool, fixed options and the configured database's name and file paths.
    result = subprocess.run(args, env=postgres_environment(settings_dict), capture_output=True,  # noqa: S603
                            text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{tool} failed (exit {result.returncode}): {result.stderr.strip() or result.stdout.strip()}")


def _snapshot_postgresql(target: Path) -> dict[str, int]:
    """``pg_dump --format=custom`` into a temporary file. The counts are taken in a repeatable-read
    transaction whose snapshot pg_dump is given, so that they describe exactly what was dumped."""
    from django.db import connection, transaction

    settings_dict = connection.settings_dict
    dump = ["pg_dump", "--format=custom", "--file", str(target), "--dbname", str(settings_dict["NAME"])]
    if connection.in_atomic_block:
        # Already inside a transaction (a caller's): its isolation cannot change, so count then dump.
        with connection.cursor() as cursor:
            counts = _count(cursor, _tables())
        _run_tool(dump, settings_dict)
        return counts
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = _count(cursor, _tables())
        _run_tool([*dump, "--snapshot", snapshot], settings_dict)
    return counts


# --- the archive -----------------------------------------------------------------------------


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def _hash_stream(stream) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()


def _hash_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class _HashingReader:
    """Reads from a stream while hashing what passes. tarfile expects each read to return all it
    asked for until the end, which a network stream need not do, so reads are filled up here."""

    def __init__(self, stream):
        self.stream = stream
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            data = self.stream.read()
        else:
            parts = []
            wanted = size
            while wanted > 0:
                part = self.stream.read(wanted)
                if not part:
                    break
                parts.append(part)
                wanted -= len(part)
            data = b"".join(parts)
        self.digest.update(data)
        return data


def _member_info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
    return info


def blob_member(sha256: str) -> str:
    from secassure.evidence.blobs import relative_name

    return BLOB_PREFIX + relative_name(sha256)


def _stored_names(store) -> list[str]:
    from secassure.evidence.blobs import BlobError, check_name

    names = set()
    for name in store.names():
        try:
            names.add(check_name(name))
        except BlobError:
            continue  # not a blob (a stray file in the folder): nothing the database can refer to
    return sorted(names)


@dataclass
class BackupResult:
    path: Path
    manifest: dict
    size: int

    def as_dict(self) -> dict:
        summary = {k: v for k, v in self.manifest.items() if k != "members"}
        return {"archive": str(self.path), "bytes": self.size, **summary, "members": len(self.manifest["members"]),
                "audit_key": {"in_archive": False, "fingerprint": self.manifest["audit_key_id"],
                              "location": key_location().describe(), "note": key_note()}}


def backup(output: Path) -> BackupResult:
    """Write the archive to ``output``, which must not exist yet. It is written under a temporary
    name beside it and renamed when complete, so a failed backup never leaves a file that looks
    whole; and it is readable by its owner only, since it holds every organisation's data."""
    from secassure.evidence import blobs

    output = Path(output).absolute()
    if output.exists():
        raise BackupError(f"{output} exists already: a backup never overwrites a file; choose another name")
    if not output.parent.is_dir():
        raise BackupError(f"there is no folder {output.parent} to write the backup in")
    vendor = _vendor()
    partial = output.with_name(f".{output.name}.partial")
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".secassure-backup-") as work:
        database = Path(work) / DATABASE_MEMBERS[vendor]
        counts = _snapshot_sqlite(database) if vendor == "sqlite" else _snapshot_postgresql(database)
        store = blobs.store()
        names = _stored_names(store)  # after the snapshot: see the module's docstring
        db_sha256, db_size = _hash_file(database)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "secassure_version": __version__,
            "created_at": _now(),
            "database": {"vendor": vendor, "member": database.name, "sha256": db_sha256, "size": db_size},
            "audit_key_id": key_fingerprint(),
            "blob_store": str(store),
            "counts": {**counts, "blobs": len(names)},
            # Evidence files are named by their hash, so their names are their expected hashes.
            "members": [{"name": database.name, "sha256": db_sha256}]
                       + [{"name": blob_member(n), "sha256": n} for n in names],
        }
        encoded = json.dumps(manifest, indent=1, sort_keys=True).encode("utf-8")
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise BackupError(f"{partial} exists: another backup to {output.name} is running, or one was "
                              "interrupted (delete it if none is running)") from None
        try:
            with os.fdopen(fd, "wb") as handle:
                with tarfile.open(fileobj=handle, mode="w", format=tarfile.PAX_FORMAT) as tar:
                    tar.addfile(_member_info(MANIFEST, len(encoded)), io.BytesIO(encoded))
                    with database.open("rb") as db:
                        tar.addfile(_member_info(database.name, db_size), db)
                    for name in names:
                        _add_blob(tar, store, name)
                        tar.members.clear()  # written and done with: see _members
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(partial, output)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return BackupResult(output, manifest, output.stat().st_size)


def _add_blob(tar: tarfile.TarFile, store, name: str) -> None:
    from secassure.evidence.blobs import BlobError

    try:
        size, stream = store.raw(name)
    except (BlobError, OSError) as exc:
        raise BackupError(f"evidence file {name} could not be read from the {store}: {exc}") from None
    try:
        reader = _HashingReader(stream)
        tar.addfile(_member_info(blob_member(name), size), reader)
    finally:
        stream.close()
    if reader.digest.hexdigest() != name:
        raise BackupError(f"evidence file {name} in the {store} no longer hashes to its name, so it would "
                          "restore as damaged: `secassure doc verify ORG` names the document; no backup was written")


# --- checking an archive ---------------------------------------------------------------------


def _open(path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, mode="r:")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{path} is not a secassure backup (not a readable tar archive: {exc})") from None


def _read_manifest(tar: tarfile.TarFile, path: Path) -> dict:
    first = tar.next()
    if first is None or first.name != MANIFEST or not first.isreg():
        raise BackupError(f"{path} is not a secassure backup: it does not begin with {MANIFEST}")
    if first.size > MAX_MANIFEST_BYTES:
        raise BackupError(f"{path}: its manifest is implausibly large ({first.size:,} bytes)")
    try:
        manifest = json.loads(tar.extractfile(first).read())
    except (ValueError, UnicodeDecodeError, tarfile.TarError, OSError) as exc:
        raise BackupError(f"{path}: its manifest cannot be read ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a secassure backup (its manifest is of another format)")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise BackupError(f"{path} is in backup format {version!r}; this secassure (version {__version__}) "
                          f"reads format {FORMAT_VERSION}: restore it with the secassure that made it")
    try:
        database = manifest["database"]
        if database["vendor"] not in DATABASE_MEMBERS or database["member"] != DATABASE_MEMBERS[database["vendor"]]:
            raise ValueError("unknown database")
        members = {m["name"]: m["sha256"] for m in manifest["members"]}
        if len(members) != len(manifest["members"]) or members.get(database["member"]) != database["sha256"]:
            raise ValueError("inconsistent members")
        for name, sha256 in members.items():
            if name != database["member"] and name != blob_member(sha256):
                raise ValueError(f"unexpected member {name}")
        str(manifest["audit_key_id"])
        dict(manifest["counts"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BackupError(f"{path}: its manifest is damaged ({exc})") from None
    return manifest


def _members(tar: tarfile.TarFile, manifest: dict, path: Path) -> Iterator[tuple[tarfile.TarInfo, str]]:
    """Each member after the manifest with the hash the manifest expects of it; anything the manifest
    does not list, anything that is not a plain file, or a member given twice is refused."""
    expected = {m["name"]: m["sha256"] for m in manifest["members"]}
    seen = set()
    while (member := tar.next()) is not None:
        # tarfile keeps an entry for every member it has read; one per evidence file adds up, and
        # nothing here looks back, so let them go.
        tar.members.clear()
        if member.name not in expected or member.name in seen or not member.isreg():
            raise BackupError(f"{path}: member {member.name!r} is not one its manifest lists")
        seen.add(member.name)
        yield member, expected[member.name]
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(f"{path}: {plural(len(missing), 'member')} its manifest lists "
                          f"{'is' if len(missing) == 1 else 'are'} missing, "
                          f"the first {missing[0]}: the archive is truncated or damaged")


def _damaged(path: Path, name: str) -> BackupError:
    return BackupError(f"{path}: member {name} does not match the hash in its manifest: the archive is damaged; "
                       "nothing was restored")


def check_archive(path: Path) -> dict:
    """Read the whole archive, hashing every member against the manifest, and write nothing.
    Returns the manifest."""
    path = Path(path)
    with _open(path) as tar:
        manifest = _read_manifest(tar, path)
        try:
            for member, sha256 in _members(tar, manifest, path):
                if _hash_stream(tar.extractfile(member)) != sha256:
                    raise _damaged(path, member.name)
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise BackupError(f"{path}: the archive is damaged or truncated ({exc}); nothing was restored") from None
    return manifest


# --- restoring -------------------------------------------------------------------------------


def holds_data() -> bool:
    """Whether the configured database already holds an installation's data (people, organisations
    or audit events). A database that is missing, or migrated and still empty, does not."""
    from django.db import connection

    if connection.vendor == "sqlite" and not _sqlite_path().exists():
        return False
    tables = _tables()
    existing = set(connection.introspection.table_names())
    wanted = {what: table for what, table in tables.items()
              if what in {"events", "organisations", "people"} and table in existing}
    if not wanted:
        return False
    with connection.cursor() as cursor:
        return any(_count(cursor, wanted).values())


def _current_counts() -> dict[str, int]:
    from django.db import connection

    from secassure.evidence import blobs

    with connection.cursor() as cursor:
        counts = _count(cursor, _tables())
    counts["blobs"] = len(_stored_names(blobs.store()))
    return counts


def _install_sqlite(copy: Path) -> None:
    """Copy the restored database into place through the backup API, which takes SQLite's locks
    and deals with the live file's write-ahead log; replacing the file instead could pair the new
    database with an old log."""
    target = _sqlite_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(copy)
    destination = sqlite3.connect(target, timeout=20)
    try:
        source.backup(destination)
    except sqlite3.Error as exc:
        raise BackupError(f"the database at {target} could not be written ({exc}): "
                          "stop secassure and try again") from None
    finally:
        destination.close()
        source.close()


def _install_postgresql(dump: Path) -> None:
    """``pg_restore --clean --if-exists`` into the configured database, in one transaction, so that a
    failure part-way leaves the database as it was."""
    from django.db import connection

    settings_dict = connection.settings_dict
    _run_tool(["pg_restore", "--clean", "--if-exists", "--single-transaction", "--exit-on-error",
               "--dbname", str(settings_dict["NAME"]), str(dump)], settings_dict)


@contextmanager
def _scratch_file(folder: Path, name: str) -> Iterator[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".secassure-restore-{name}-")
    os.close(fd)
    try:
        yield Path(temporary)
    finally:
        Path(temporary).unlink(missing_ok=True)


def _copy_out(tar: tarfile.TarFile, member: tarfile.TarInfo, sha256: str, target: Path, path: Path) -> None:
    digest = hashlib.sha256()
    stream = tar.extractfile(member)
    with target.open("wb") as handle:
        for chunk in iter(lambda: stream.read(CHUNK), b""):
            digest.update(chunk)
            handle.write(chunk)
        handle.flush()
        os.fsync(handle.fileno())
    if digest.hexdigest() != sha256:
        raise _damaged(path, member.name)


def _restore_blob(tar: tarfile.TarFile, member: tarfile.TarInfo, sha256: str, path: Path) -> None:
    from secassure.evidence import blobs

    stream = tar.extractfile(member)
    with blobs.staged(iter(lambda: stream.read(CHUNK), b""), max_bytes=member.size) as staged_file:
        if staged_file.sha256 != sha256:
            raise _damaged(path, member.name)
        blobs.commit(staged_file)


def verification() -> dict:
    """The checks ``secassure audit verify`` and ``secassure doc verify`` make, over every chain and
    every organisation's files, after a restore."""
    from secassure.audit.verify import verify
    from secassure.evidence.actions import verify_blobs
    from secassure.tenancy.models import Organisation

    audit = verify()
    files = []
    for organisation in Organisation.objects.order_by("slug"):
        files += [{"organisation": organisation.slug, **row} for row in verify_blobs(organisation)]
    return {
        "audit": {"ok": audit.ok, "chains": len(audit.chains), "events": sum(c.events for c in audit.chains),
                  "broken": [{"chain": c.chain, **{k: v for k, v in vars(c.broken).items() if k != "chain"}}
                             for c in audit.chains if not c.ok]},
        "evidence": {"ok": all(r["ok"] for r in files), "files": len(files),
                     "broken": [r for r in files if not r["ok"]]},
    }


def _migrate() -> list[str]:
    """Bring a database restored from an older secassure up to this one's schema, so that it can be
    verified and used at once; returns the migrations applied. The key has been checked by now,
    and a migration that seals or re-seals audit records needs it."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        call_command("migrate", interactive=False, verbosity=0)
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


@dataclass
class RestoreResult:
    manifest: dict
    counts: dict
    checks: dict
    migrated: list[str]

    @property
    def counts_match(self) -> bool:
        expected = self.manifest["counts"]
        # The store may hold more files than the backup (a restore adds, never removes).
        return all(self.counts.get(k) == v for k, v in expected.items() if k != "blobs") and \
            self.counts.get("blobs", 0) >= expected.get("blobs", 0)

    @property
    def ok(self) -> bool:
        return self.checks["audit"]["ok"] and self.checks["evidence"]["ok"] and self.counts_match

    def as_dict(self) -> dict:
        return {"ok": self.ok, "backup": {k: v for k, v in self.manifest.items() if k != "members"},
                "migrations_applied": self.migrated, "counts": self.counts, "counts_match": self.counts_match,
                **self.checks}


def restore(path: Path, *, force: bool = False) -> RestoreResult:
    """Check the archive, the audit key and the target, then restore the evidence files and the
    database, and verify both. Every refusal comes before the first write."""
    from django.db import connections

    from secassure.evidence import blobs

    path = Path(path)
    manifest = check_archive(path)
    vendor = _vendor()
    backed_up = manifest["database"]["vendor"]
    if backed_up != vendor:
        raise BackupError(f"this backup holds a {backed_up} database and this installation uses {vendor}: "
                          "set DATABASE_URL to a database of the same kind and run restore again")
    location = key_location()
    if not location.present or manifest["audit_key_id"] != key_fingerprint():
        raise BackupError(f"the audit key here is not the one this backup was made with (whose fingerprint is "
                          f"{manifest['audit_key_id']}): {location.put_it_here()} and run restore again")
    if not force and holds_data():
        raise BackupError("the database already holds data (people, organisations or audit events): restoring "
                          "would replace all of it; pass --force to do so")
    connections.close_all()
    database_member = manifest["database"]["member"]
    folder = _sqlite_path().parent if vendor == "sqlite" else blobs.scratch_dir()
    with _scratch_file(folder, vendor) as copy, _open(path) as tar:
        _read_manifest(tar, path)
        try:
            for member, sha256 in _members(tar, manifest, path):
                if member.name == database_member:
                    _copy_out(tar, member, sha256, copy, path)
                else:
                    _restore_blob(tar, member, sha256, path)
        except (tarfile.TarError, EOFError) as exc:
            raise BackupError(f"{path}: the archive could not be read ({exc})") from None
        # The files first, then the database that names them: an interruption leaves extra files,
        # never rows without their files.
        if vendor == "sqlite":
            _install_sqlite(copy)
        else:
            _install_postgresql(copy)
    connections.close_all()
    migrated = _migrate()
    return RestoreResult(manifest, _current_counts(), verification(), migrated)
