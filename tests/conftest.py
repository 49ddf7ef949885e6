"""Shared fixtures: personas, the shipped catalogue, and an in-process command line.

Personas (used across the suite): alice (owner, org A), bob (contributor, org A), carol (CIO
reviewer on one org A assessment), mallory (owner, org B).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from secassure.cli import app, shipped_files


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


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


PASSWORD = "correct horse battery staple"


def make_user(email: str, *, totp: bool = False, **extra):
    """A person who signs in by email; with totp=True they have set up an authenticator app."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(email, email, PASSWORD, **extra)
    if totp:
        give_totp(user)
    return user


def give_totp(user) -> str:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    user.totp_secret = secret
    return secret


def totp_code(secret: str) -> str:
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def make_org(name: str, slug: str, category: str = "large-supplier", **fields):
    from secassure.tenancy.actions import create_organisation

    return create_organisation(name=name, slug=slug, category=category, **fields)


def join(user, org, role: str):
    from secassure.tenancy.actions import add_member

    return add_member(org, user, role)


@pytest.fixture
def org_a(db):
    import datetime as dt

    return make_org("Alpha Energy Ltd", "org-a", cycle_start=dt.date(2025, 3, 31))


@pytest.fixture
def org_b(db):
    return make_org("Bravo Power plc", "org-b", category="small-supplier")


@pytest.fixture
def alice(org_a):
    """Owner of org A (owners must use MFA, so she has an authenticator app)."""
    user = make_user("alice@a.test", totp=True)
    join(user, org_a, "owner")
    return user


@pytest.fixture
def bob(org_a):
    """Contributor in org A."""
    user = make_user("bob@a.test")
    join(user, org_a, "contributor")
    return user


@pytest.fixture
def carol(org_a):
    """CIO reviewer on org A's work: sees only what is shared with her."""
    user = make_user("carol@cio.test", totp=True)
    join(user, org_a, "cio-reviewer")
    return user


@pytest.fixture
def mallory(org_b):
    """Owner of org B: must never see anything of org A."""
    user = make_user("mallory@b.test", totp=True)
    join(user, org_b, "owner")
    return user


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
