"""The cache that sign-in throttling counts in: shared (the database cache) in production, its table
made by migrate, and ``check --deploy`` warning when it is kept in each process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "x"}}
DB_CACHE = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "test_made_cache"}}


def _deploy_warnings() -> list[str]:
    return [m.id for m in checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.caches])]


def test_check_deploy_warns_when_the_cache_is_kept_in_each_process():
    with override_settings(CACHES=LOCMEM):
        found = [m for m in checks.run_checks(include_deployment_checks=True) if m.id == "secassure.W001"]
    assert len(found) == 1 and found[0].level == checks.WARNING
    assert "each server process" in found[0].msg and "DatabaseCache" in found[0].hint


def test_check_deploy_is_quiet_with_the_database_cache():
    with override_settings(CACHES=DB_CACHE):
        assert "secassure.W001" not in _deploy_warnings()


def test_the_warning_is_a_deploy_check_only():
    with override_settings(CACHES=LOCMEM):
        assert "secassure.W001" not in [m.id for m in checks.run_checks()]


def test_migrate_makes_the_database_cache_table(db):
    from django.core.cache import caches
    from django.db import connection

    from secassure.web.checks import create_cache_tables

    with override_settings(CACHES=DB_CACHE):
        assert "test_made_cache" not in connection.introspection.table_names()
        create_cache_tables(using="default")
        assert "test_made_cache" in connection.introspection.table_names()
        create_cache_tables(using="default")  # again: the table is left as it is
        caches["default"].set("throttle", 3, 60)
        assert caches["default"].get("throttle") == 3


def _settings_of(env_extra: dict, tmp_path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECASSURE_", "DATABASE_URL", "DJANGO_"))}
    env.update({"SECASSURE_DATA_DIR": str(tmp_path), **env_extra})
    code = ("from django.conf import settings as s; "
            "print(s.CACHES['default']['BACKEND'], s.CACHES['default']['LOCATION'])")
    result = subprocess.run([sys.executable, "-m", "secassure", "shell", "--no-imports", "-c", code],
                            capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize(("env", "expected"), [
    ({}, "django.core.cache.backends.db.DatabaseCache secassure_cache"),
    ({"SECASSURE_DEBUG": "true"}, "django.core.cache.backends.locmem.LocMemCache secassure"),
    ({"SECASSURE_CACHE_BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
     "django.core.cache.backends.locmem.LocMemCache secassure"),
    ({"SECASSURE_CACHE_LOCATION": "our_cache"}, "django.core.cache.backends.db.DatabaseCache our_cache"),
])
def test_production_shares_the_cache_and_a_development_run_keeps_it_in_memory(env, expected, tmp_path):
    assert _settings_of(env, tmp_path) == expected
