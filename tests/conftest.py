"""Shared fixtures: the personas of tests/personas.py, the shipped catalogue, and an in-process
command line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from secassure.cli import app, shipped_files
from tests.personas import make_org, persona


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


@pytest.fixture(scope="session", autouse=True)
def _quick_passwords():
    """Passwords are hashed with MD5 for the whole run, the live server's requests included: Argon2,
    which production uses, is slow by design. tests/test_settings.py checks production keeps it."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttling counts live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _blob_dir(settings, tmp_path):
    """Evidence files go to the test's own folder, never to the checkout's data folder."""
    settings.SECASSURE_BLOB_DIR = tmp_path / "blobs"
    return settings.SECASSURE_BLOB_DIR


@pytest.fixture
def cli(db):
    """Run a secassure Typer command in this process, inside the test's transaction."""
    runner = CliRunner()

    def run(*args: str) -> CliResult:
        result = runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
        return CliResult(result.exit_code, result.stdout, result.stderr)

    return run


@pytest.fixture
def client():
    """A browser on HTTPS: production settings redirect plain HTTP, and the suite runs with them."""
    from django.test import Client

    class HttpsClient(Client):
        def generic(self, *args, secure=True, **kwargs):
            return super().generic(*args, secure=True, **kwargs)

    return HttpsClient()


@pytest.fixture
def shipped_catalogue(db):
    from django.conf import settings

    from secassure.catalogue.importers import native
    from secassure.catalogue.loader import load

    for path in shipped_files():
        load(native.parse_file(str(path), settings.SECASSURE_MAX_IMPORT_BYTES))


@pytest.fixture
def org_a(db):
    import datetime as dt

    return make_org("Alpha Energy Ltd", "org-a", cycle_start=dt.date(2025, 3, 31))


@pytest.fixture
def org_b(db):
    return make_org("Bravo Power plc", "org-b", category="small-supplier")


@pytest.fixture
def alice(org_a):
    return persona("alice", org_a)


@pytest.fixture
def bob(org_a):
    return persona("bob", org_a)


@pytest.fixture
def carol(org_a):
    return persona("carol", org_a)


@pytest.fixture
def dave(org_a):
    return persona("dave", org_a)


@pytest.fixture
def olive(org_a):
    return persona("olive", org_a)


@pytest.fixture
def mallory(org_b):
    return persona("mallory", org_b)


@pytest.fixture
def consultant(db):
    """In no organisation yet: each test has them join the ones it needs."""
    return persona("consultant")


@pytest.fixture
def demo_site(db, settings):
    """The demo as ``make run`` serves it: loaded into this database, MFA not required."""
    from secassure.cli import shipped_files
    from secassure.web.demo import load_demo

    settings.SECASSURE_REQUIRE_MFA = False
    load_demo(shipped_files(), settings.SECASSURE_MAX_IMPORT_BYTES)


@pytest.fixture
def write(tmp_path: Path):
    """Write a file under the test's folder and return its path."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _write
