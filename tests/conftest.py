"""Shared fixtures: the personas of tests/personas.py, the shipped catalogue, and an in-process
command line.
"""

from __future__ import annotations

import json
import shutil
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


@pytest.fixture(scope="session", autouse=True)
def _quick_cache_and_static_files():
    """The cache in memory, and static files found where they are rather than collected, for the
    whole run: production's database cache and hashed, collected files are tested where they matter
    (tests/operations), and collecting for every run would slow it for nothing."""
    from django.test import override_settings

    with override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}},
        STORAGES={"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                  "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}},
        WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True,
    ):
        yield


@pytest.fixture(scope="session", autouse=True)
def _jobs_run_at_once():
    """Background jobs run as they are queued (the immediate backend), so that a test asking for one
    sees its outcome without a worker; tests/operations/test_jobs.py puts the database queue back
    and runs `secassure worker` as production does."""
    from django.test import override_settings

    with override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}):
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


def _load_demo() -> None:
    from django.conf import settings

    from secassure.cli import shipped_files
    from secassure.web.demo import load_demo

    load_demo(shipped_files(), settings.SECASSURE_MAX_IMPORT_BYTES)


def _shares_demo(item: pytest.Item) -> bool:
    """Whether a test reads the demo loaded once for its process (see _SharedDemo): it asks for
    demo_site and runs inside a transaction that is rolled back, which is what keeps the demo as
    loaded for the next one. A test that commits (transactional_db, live_server, a django_db mark)
    loads the demo itself."""
    names = getattr(item, "fixturenames", ())
    return ("demo_site" in names and "transactional_db" not in names and "live_server" not in names
            and item.get_closest_marker("django_db") is None)


class _SharedDemo:
    """The demo, loaded once for a run of the tests that share it rather than once for each (it
    takes seconds), inside a transaction that stays open while they run and is rolled back after
    the last of them. Each of those tests runs in a savepoint of that transaction, as any test
    runs in a transaction of its own, so none sees what another one did.

    Nothing else may run while the transaction is open, since it would see the demo: the tests
    that share it are run one after another (pytest_collection_modifyitems), and it is rolled back
    before any other test runs (pytest_runtest_teardown), whatever the order. The demo's evidence
    files are kept in a folder of the run's, and copied into each test's own blob folder."""

    def __init__(self):
        self.atomic = None
        self.blocker = None
        self.blobs: Path | None = None

    def load(self, blocker, blobs: Path) -> None:
        from django.db import transaction
        from django.test import override_settings

        with blocker.unblock():
            atomic = transaction.atomic()
            atomic.__enter__()
            try:
                with override_settings(SECASSURE_BLOB_DIR=blobs):
                    _load_demo()
            except BaseException:
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)
                raise
        self.atomic, self.blocker, self.blobs = atomic, blocker, blobs

    def unload(self) -> None:
        from django.db import transaction

        if self.atomic is None:
            return
        atomic, self.atomic = self.atomic, None
        with self.blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


_DEMO = _SharedDemo()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests that share the demo first, one after another, so that it is loaded once per
    process (under pytest-xdist each worker runs the tests it is given in this order); first, too,
    because they are among the slowest, and a slow test last keeps one worker busy alone."""
    items.sort(key=lambda item: not _shares_demo(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    result = yield
    if nextitem is not None and not _shares_demo(nextitem):
        _DEMO.unload()  # the last test at the end of the run is seen to by _demo_unloaded_at_the_end
    return result


@pytest.fixture(scope="session")
def _demo_unloaded_at_the_end(django_db_setup, django_db_blocker):
    """Rolls the shared demo back before the test database is dropped."""
    yield
    _DEMO.unload()


@pytest.fixture(autouse=True)
def _shared_demo(request):
    """Loads the shared demo, before the test's own transaction begins, for a test that reads it."""
    if not _shares_demo(request.node) or _DEMO.atomic is not None:
        return
    request.getfixturevalue("_demo_unloaded_at_the_end")
    blobs = request.getfixturevalue("tmp_path_factory").mktemp("demo-blobs")
    _DEMO.load(request.getfixturevalue("django_db_blocker"), blobs)


@pytest.fixture
def demo_site(db, settings, request):
    """The demo as ``make run`` serves it: loaded into this database, MFA not required."""
    from django.db import connection

    settings.SECASSURE_REQUIRE_MFA = False
    if _DEMO.atomic is not None and _shares_demo(request.node):
        assert connection.atomic_blocks[:1] == [_DEMO.atomic], "the test's transaction began before the demo's"
        shutil.copytree(_DEMO.blobs, settings.SECASSURE_BLOB_DIR, dirs_exist_ok=True)
    else:
        _load_demo()


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
