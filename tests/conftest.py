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
def alice(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user("alice@a.test", "alice@a.test", "correct horse battery")


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
