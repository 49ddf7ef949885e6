"""Backup and restore, as a drill: a real installation (its own database file, data folder and
audit key) is loaded with the demo, backed up, destroyed and restored through the command line in
separate processes, as an operator would do it; then its audit log and evidence files must verify
and its data be back. The refusals are checked to write nothing at all.

Building the installation takes a few seconds, so it is built once and copied for each test.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest

from secassure import backup

ROOT = Path(__file__).resolve().parents[2]
ORGS = ["demo-energy", "demo-networks"]


def _env(data_dir: Path, database_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECASSURE_", "DATABASE_URL", "DJANGO_"))}
    env["SECASSURE_DATA_DIR"] = str(data_dir)
    env["DATABASE_URL"] = database_url or f"sqlite:///{data_dir / 'secassure.sqlite3'}"
    return env


def _run(data_dir: Path, *args: str, database_url: str | None = None, check: bool = False):
    result = subprocess.run([sys.executable, "-m", "secassure", *map(str, args)], capture_output=True, text=True,
                            env=_env(data_dir, database_url), cwd=ROOT, timeout=300)
    if check:
        assert result.returncode == 0, f"secassure {' '.join(map(str, args))}:\n{result.stdout}\n{result.stderr}"
    return result


def _build(data_dir: Path, archive: Path, database_url: str | None = None) -> None:
    _run(data_dir, "migrate", "--noinput", "-v0", database_url=database_url, check=True)
    # Production keeps throttling counts in a database cache; where it does, its table is needed.
    _run(data_dir, "createcachetable", database_url=database_url, check=True)
    _run(data_dir, "demo", "--force", database_url=database_url, check=True)
    made = _run(data_dir, "backup", "-o", archive, database_url=database_url, check=True)
    assert "The audit key is not in the backup" in made.stdout
    assert str(data_dir / "audit_key") in made.stdout


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """An installation with the demo loaded, and its backup beside it."""
    root = tmp_path_factory.mktemp("installation")
    _build(root / "data", root / "backup.tar")
    return root


@pytest.fixture
def site(template, tmp_path):
    """A copy of the installation and its backup for one test to spoil."""
    shutil.copytree(template, tmp_path / "site")
    return tmp_path / "site"


def _database(site: Path) -> Path:
    return site / "data" / "secassure.sqlite3"


def _counts(database: Path) -> dict[str, int]:
    connection = sqlite3.connect(database)
    try:
        return {table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608
                for table in ("audit_event", "tenancy_organisation", "evidence_document", "evidence_documentversion",
                              "auth_user")}
    finally:
        connection.close()


def _blob_files(site: Path) -> list[Path]:
    folder = site / "data" / "blobs"
    return sorted(p for p in folder.rglob("*") if p.is_file() and len(p.name) == 64) if folder.exists() else []


def _destroy(site: Path) -> None:
    """Lose the database and the evidence files; the audit key, kept apart, survives."""
    for path in _database(site).parent.glob("secassure.sqlite3*"):
        path.unlink()
    shutil.rmtree(site / "data" / "blobs", ignore_errors=True)


def _nothing_written(site: Path) -> None:
    database = _database(site)
    if database.exists():  # Django may open (so create) the file; it must hold nothing
        connection = sqlite3.connect(database)
        try:
            assert connection.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] == 0
        finally:
            connection.close()
    assert _blob_files(site) == []


def test_the_drill_backup_destroy_restore_verify(site):
    before = _counts(_database(site))
    blob = _blob_files(site)[0]
    blob_bytes = blob.read_bytes()
    assert before["audit_event"] > 100 and before["evidence_documentversion"] > 5

    _destroy(site)
    restored = _run(site / "data", "restore", site / "backup.tar", "--json", check=True)

    report = json.loads(restored.stdout)
    assert report["ok"] and report["counts_match"]
    assert report["audit"]["ok"] and report["audit"]["events"] == before["audit_event"]
    assert report["evidence"]["ok"] and report["evidence"]["files"] == before["evidence_documentversion"]
    assert _counts(_database(site)) == before
    assert blob.read_bytes() == blob_bytes
    # The same checks through the commands an operator would run after a restore.
    assert "BROKEN" not in _run(site / "data", "audit", "verify", check=True).stdout
    for org in ORGS:
        assert "BROKEN" not in _run(site / "data", "doc", "verify", org, check=True).stdout
    # The restored log can be extended, and still verifies: the key is the one it was written with.
    _run(site / "data", "org", "create", "After The Restore Ltd", "--category", "small-supplier", check=True)
    assert _run(site / "data", "audit", "verify").returncode == 0


def test_the_restore_command_speaks_plainly(site):
    _destroy(site)
    restored = _run(site / "data", "restore", site / "backup.tar", check=True)
    assert "ok     audit log" in restored.stdout and "ok     evidence" in restored.stdout


def test_the_audit_key_is_in_no_member_of_the_archive(site):
    key = (site / "data" / "audit_key").read_text(encoding="utf-8").strip().encode()
    assert len(key) >= 32
    archive = site / "backup.tar"
    assert key not in archive.read_bytes()
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
        assert members[0].name == "manifest.json"
        assert {m.name for m in members} >= {"manifest.json", "database.sqlite3"}
        for member in members:
            assert key not in tar.extractfile(member).read(), member.name
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert manifest["audit_key_id"] and manifest["audit_key_id"].encode() not in key
    assert manifest["counts"]["blobs"] == len(_blob_files(site))
    assert oct(archive.stat().st_mode)[-3:] == "600"


def test_a_restore_with_another_audit_key_is_refused_and_writes_nothing(site):
    _destroy(site)
    key_file = site / "data" / "audit_key"
    other = "another-key-" + "x" * 60
    key_file.write_text(other, encoding="utf-8")

    refused = _run(site / "data", "restore", site / "backup.tar")

    assert refused.returncode == 1
    assert "the audit key here is not the one this backup was made with" in refused.stderr
    assert str(key_file) in refused.stderr and "run restore again" in refused.stderr
    assert key_file.read_text(encoding="utf-8") == other
    _nothing_written(site)


def test_a_restore_without_the_audit_key_makes_none_and_writes_nothing(site):
    _destroy(site)
    key_file = site / "data" / "audit_key"
    key_file.unlink()

    refused = _run(site / "data", "restore", site / "backup.tar")

    assert refused.returncode == 1, refused.stdout
    assert "restore never makes one" in refused.stderr and str(key_file) in refused.stderr
    assert not key_file.exists()
    _nothing_written(site)


@pytest.mark.parametrize("which", ["database.sqlite3", "blobs/"])
def test_a_damaged_member_is_refused_before_anything_is_written(site, which):
    archive = site / "backup.tar"
    with tarfile.open(archive) as tar:
        member = next(m for m in tar.getmembers() if m.name.startswith(which))
    data = bytearray(archive.read_bytes())
    data[member.offset_data + member.size // 2] ^= 0xFF
    archive.write_bytes(bytes(data))
    _destroy(site)

    refused = _run(site / "data", "restore", archive)

    assert refused.returncode == 1
    assert f"member {member.name} does not match the hash in its manifest" in refused.stderr
    _nothing_written(site)


def test_a_truncated_archive_is_refused(site):
    archive = site / "backup.tar"
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    _destroy(site)
    refused = _run(site / "data", "restore", archive)
    assert refused.returncode == 1 and "error:" in refused.stderr
    _nothing_written(site)


def test_a_file_that_is_not_a_backup_is_refused(site):
    other = site / "other.tar"
    with tarfile.open(other, "w") as tar:
        tar.add(site / "data" / "secret_key", arcname="database.sqlite3")
    refused = _run(site / "data", "restore", other)
    assert refused.returncode == 1 and "is not a secassure backup" in refused.stderr


def test_a_database_that_holds_data_is_replaced_only_with_force(site):
    database = _database(site)
    _run(site / "data", "org", "create", "Made After The Backup Ltd", "--category", "small-supplier", check=True)
    before = _counts(database)

    refused = _run(site / "data", "restore", site / "backup.tar")

    assert refused.returncode == 1 and "already holds data" in refused.stderr and "--force" in refused.stderr
    assert _counts(database) == before

    forced = _run(site / "data", "restore", site / "backup.tar", "--force", "--json", check=True)
    assert json.loads(forced.stdout)["ok"]
    assert _counts(database)["tenancy_organisation"] == before["tenancy_organisation"] - 1


def test_a_backup_never_overwrites_a_file(site):
    archive = site / "backup.tar"
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    refused = _run(site / "data", "backup", "-o", archive)
    assert refused.returncode == 1 and "exists already" in refused.stderr
    assert hashlib.sha256(archive.read_bytes()).hexdigest() == digest


def test_restore_finds_the_key_where_the_settings_do(settings, monkeypatch):
    """Restore looks for the key before Django starts, so it works out the data folder itself: it
    must agree with the settings, or it would look in one place while Django made a key in another."""
    monkeypatch.delenv("SECASSURE_AUDIT_KEY", raising=False)
    monkeypatch.delenv("SECASSURE_AUDIT_KEY_FILE", raising=False)
    if os.environ.get("SECASSURE_DATA_DIR") is None:
        assert backup.default_data_dir() == settings.DATA_DIR
    monkeypatch.setenv("SECASSURE_DATA_DIR", "/srv/secassure-data")
    assert backup.key_location().path == Path("/srv/secassure-data/audit_key")
    monkeypatch.setenv("SECASSURE_AUDIT_KEY_FILE", "/run/secrets/audit")
    assert backup.key_location().path == Path("/run/secrets/audit")
    assert "SECASSURE_AUDIT_KEY_FILE" in backup.key_location().put_it_here()
    monkeypatch.setenv("SECASSURE_AUDIT_KEY", "k" * 40)
    assert backup.key_location().present and "k" * 40 not in backup.key_note()


def test_the_postgresql_password_goes_in_the_environment_not_the_arguments():
    env = backup.postgres_environment({"NAME": "secassure", "USER": "app", "PASSWORD": "s3cret", "HOST": "db",
                                       "PORT": "5432", "OPTIONS": {"sslmode": "require"}})
    assert env["PGPASSWORD"] == "s3cret" and env["PGSSLMODE"] == "require" and env["PGHOST"] == "db"


def test_a_large_evidence_file_is_streamed_not_held_in_memory(settings, tmp_path, monkeypatch, db):
    """A 48 MiB file goes into the archive and is checked again with memory to spare: the peak stays
    far below the file's size. (The database is stood in for, as the suite's own cannot be used.)"""
    import tracemalloc

    from secassure.evidence import blobs

    size = 48 * 1024 * 1024
    chunk = os.urandom(1024 * 1024)
    with blobs.staged((chunk for _ in range(size // len(chunk))), max_bytes=size) as staged_file:
        blobs.commit(staged_file)

    def fake_snapshot(target: Path) -> dict:
        target.write_bytes(b"a database")
        return {"events": 0, "organisations": 0, "people": 0, "documents": 0, "document_versions": 0}

    monkeypatch.setattr(backup, "_vendor", lambda: "sqlite")
    monkeypatch.setattr(backup, "_snapshot_sqlite", fake_snapshot)
    tracemalloc.start()
    try:
        made = backup.backup(tmp_path / "large.tar")
        backup.check_archive(tmp_path / "large.tar")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert made.size > size and made.manifest["counts"]["blobs"] == 1
    assert peak < 8 * 1024 * 1024, f"peak {peak:,} bytes"


# --- evidence in an S3 bucket ----------------------------------------------------------------------


def test_evidence_in_a_bucket_is_streamed_into_the_archive_and_back(settings, tmp_path, monkeypatch, org_a):
    """The database part is stood in for here (the test database is the suite's own); what is checked is
    that each object goes from the bucket into the archive and from the archive into an empty bucket."""
    boto3 = pytest.importorskip("boto3")
    moto = pytest.importorskip("moto")
    from secassure.evidence import actions, blobs
    from tests.evidence import files

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "eu-west-2"}.items():
        monkeypatch.setenv(name, value)
    settings.SECASSURE_BLOB_S3_BUCKET = "evidence-backup-test"
    settings.SECASSURE_BLOB_S3_REGION = "eu-west-2"

    def fake_snapshot(target: Path) -> dict:
        target.write_bytes(b"a database")
        return {"events": 0, "organisations": 1, "people": 0, "documents": 1, "document_versions": 1}

    monkeypatch.setattr(backup, "_vendor", lambda: "sqlite")
    monkeypatch.setattr(backup, "_snapshot_sqlite", fake_snapshot)
    blobs._s3_client.cache_clear()
    try:
        with moto.mock_aws():
            s3 = boto3.client("s3", region_name="eu-west-2")
            s3.create_bucket(Bucket="evidence-backup-test",
                             CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
            policy = actions.add_document(org_a, title="Policy", doc_type="policy", by=None)
            sha = actions.add_version(policy, chunks=[files.PDF], name="policy.pdf", by=None).sha256

            made = backup.backup(tmp_path / "bucket.tar")
            assert made.manifest["counts"]["blobs"] == 1 and "s3://" in made.manifest["blob_store"]
            manifest = backup.check_archive(tmp_path / "bucket.tar")
            with tarfile.open(tmp_path / "bucket.tar") as tar:
                assert tar.extractfile(backup.blob_member(sha)).read() == files.PDF

            settings.SECASSURE_BLOB_S3_PREFIX = "elsewhere"  # an empty store to restore into
            assert not blobs.verify(sha)[0]
            with tarfile.open(tmp_path / "bucket.tar") as tar:
                tar.next()
                for member, expected in backup._members(tar, manifest, tmp_path / "bucket.tar"):
                    if member.name.startswith(backup.BLOB_PREFIX):
                        backup._restore_blob(tar, member, expected, tmp_path / "bucket.tar")
            assert blobs.verify(sha) == (True, "ok")
    finally:
        blobs._s3_client.cache_clear()


# --- PostgreSQL ----------------------------------------------------------------------------------


@pytest.fixture
def scratch_postgres():
    """A database of its own on the suite's PostgreSQL server, made and dropped here: the drill
    destroys it, which the test database must never be."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the suite runs on SQLite; set DATABASE_URL=postgres://... to run the PostgreSQL drill")
    import psycopg

    settings_dict = connection.settings_dict
    server = {"host": settings_dict["HOST"] or None, "port": settings_dict["PORT"] or None,
              "user": settings_dict["USER"] or None, "password": settings_dict["PASSWORD"] or None,
              "dbname": "postgres"}
    name = f"secassure_drill_{uuid.uuid4().hex[:12]}"

    def admin(sql: str) -> None:
        with psycopg.connect(**{k: v for k, v in server.items() if v}, autocommit=True) as conn:
            conn.execute(sql)

    admin(f'CREATE DATABASE "{name}"')
    userinfo = settings_dict["USER"] or "postgres"
    if settings_dict["PASSWORD"]:
        userinfo += f":{settings_dict['PASSWORD']}"
    url = f"postgres://{userinfo}@{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 5432}/{name}"
    try:
        yield url, admin, name
    finally:
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_drill_on_postgresql(scratch_postgres, tmp_path):
    url, admin, name = scratch_postgres
    data_dir = tmp_path / "data"
    _build(data_dir, tmp_path / "backup.tar", database_url=url)
    with tarfile.open(tmp_path / "backup.tar") as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        assert "database.pgdump" in tar.getnames()
    assert manifest["database"]["vendor"] == "postgresql"
    blob = _blob_files(tmp_path)[0]
    blob_bytes = blob.read_bytes()

    # Destroy: the database dropped and made again empty, the evidence files gone.
    admin(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{name}"')
    shutil.rmtree(data_dir / "blobs")

    restored = _run(data_dir, "restore", tmp_path / "backup.tar", "--json", database_url=url, check=True)
    report = json.loads(restored.stdout)
    assert report["ok"] and report["audit"]["events"] == manifest["counts"]["events"]
    assert report["counts"]["events"] == manifest["counts"]["events"] > 100
    assert blob.read_bytes() == blob_bytes
    assert _run(data_dir, "audit", "verify", database_url=url).returncode == 0
    for org in ORGS:
        assert _run(data_dir, "doc", "verify", org, database_url=url).returncode == 0
    refused = _run(data_dir, "restore", tmp_path / "backup.tar", database_url=url)
    assert refused.returncode == 1 and "already holds data" in refused.stderr
