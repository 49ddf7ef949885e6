"""Settings: typed environment readers, DATABASE_URL, secure defaults, SQLite pragmas."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from secassure.env import ConfigError, env_bool, env_int, env_secret, parse_database_url

ROOT = Path(__file__).resolve().parent.parent


def _run(args, env_extra, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECASSURE_", "DATABASE_URL", "DJANGO_"))}
    env.update({"SECASSURE_DATA_DIR": str(tmp_path), **env_extra})
    return subprocess.run([sys.executable, "-m", "secassure", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)


def test_check_deploy_with_production_settings_is_clean(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("k" * 10 + "A1b2C3d4E5f6G7h8I9j0-_" * 4)
    result = _run(["check", "--deploy", "--fail-level", "WARNING"], {
        "SECASSURE_SECRET_KEY_FILE": str(key_file),
        "SECASSURE_ALLOWED_HOSTS": "secassure.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_debug_is_off_unless_asked_and_a_secret_key_is_made_once(tmp_path):
    code = "from django.conf import settings as s; print(s.DEBUG, s.SESSION_COOKIE_SECURE, len(s.SECRET_KEY))"
    first = _run(["shell", "--no-imports", "-c", code], {}, tmp_path)
    assert first.stdout.split() == ["False", "True", first.stdout.split()[2]], first.stderr
    assert int(first.stdout.split()[2]) >= 50
    key = (tmp_path / "secret_key").read_text()
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"
    _run(["shell", "--no-imports", "-c", code], {}, tmp_path)
    assert (tmp_path / "secret_key").read_text() == key
    debug = _run(["shell", "--no-imports", "-c", code], {"SECASSURE_DEBUG": "yes"}, tmp_path)
    assert debug.stdout.split()[:2] == ["True", "False"]


def test_sqlite_runs_in_wal_with_full_sync_and_immediate_transactions(tmp_path):
    code = (
        "from django.db import connection as c; cur = c.cursor();"
        "print(cur.execute('PRAGMA journal_mode').fetchone()[0], cur.execute('PRAGMA synchronous').fetchone()[0],"
        " c.settings_dict['OPTIONS']['transaction_mode'])"
    )
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    result = _run(["shell", "--no-imports", "-c", code], env, tmp_path)
    assert result.stdout.split() == ["wal", "2", "IMMEDIATE"], result.stderr


def test_database_url_parsing():
    assert parse_database_url("sqlite:////var/lib/x.db") == {"ENGINE": "django.db.backends.sqlite3",
                                                              "NAME": "/var/lib/x.db"}
    assert parse_database_url("sqlite:///rel/x.db")["NAME"] == "rel/x.db"
    pg = parse_database_url("postgres://u%40x:p%2Fw@db.local:6543/secassure?sslmode=require")
    assert pg["ENGINE"] == "secassure.postgresql"
    assert (pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"], pg["NAME"]) == (
        "u@x", "p/w", "db.local", "6543", "secassure")
    assert pg["OPTIONS"] == {"sslmode": "require"}
    with pytest.raises(ConfigError, match="unsupported scheme 'mysql'"):
        parse_database_url("mysql://root:hunter2@x/db")
    with pytest.raises(ConfigError, match=r"\*\*\*"):
        parse_database_url("postgres://u:hunter2@host")


def test_typed_readers(monkeypatch, tmp_path):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ConfigError, match="X_FLAG='maybe'"):
        env_bool("X_FLAG")
    monkeypatch.setenv("X_FLAG", "On")
    assert env_bool("X_FLAG") is True
    monkeypatch.setenv("X_NUM", "ten")
    with pytest.raises(ConfigError, match="whole number"):
        env_int("X_NUM", 1)
    secret = tmp_path / "s"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("X_SECRET_FILE", str(secret))
    assert env_secret("X_SECRET") == "from-a-file"
    monkeypatch.setenv("X_SECRET", "direct")
    assert env_secret("X_SECRET") == "direct"
    monkeypatch.delenv("X_SECRET")
    monkeypatch.setenv("X_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="cannot read it"):
        env_secret("X_SECRET")


def test_a_bad_setting_stops_start_up_with_its_name(tmp_path):
    result = _run(["check"], {"SECASSURE_DEBUG": "perhaps"}, tmp_path)
    assert result.returncode != 0
    assert "SECASSURE_DEBUG='perhaps'" in result.stderr


def test_production_hashes_passwords_with_argon2(db):
    """The suite hashes with MD5 for speed (tests/conftest.py); the settings module, as the site
    loads it, keeps Argon2 first, so new and changed passwords are hashed with it."""
    from django.conf import settings
    from django.contrib.auth.hashers import check_password, identify_hasher, make_password
    from django.test import override_settings

    from secassure import settings as production
    from tests.personas import PASSWORD, make_user

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    with override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS):
        hashed = make_password(PASSWORD)
        assert identify_hasher(hashed).algorithm == "argon2"
        assert check_password(PASSWORD, hashed) and not check_password("wrong " + PASSWORD, hashed)
    # and the suite's own hasher is what the personas get
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]
    assert identify_hasher(make_user("hashed@x.test").password).algorithm == "md5"


@pytest.mark.parametrize(("env", "expected"), [
    ({}, "True 2"),
    ({"SECASSURE_DB_PREPARED": "false"}, "None None"),
    ({"SECASSURE_DB_CONN_MAX_AGE": "0"}, "None None"),
    ({"DATABASE_URL": "postgres://u@db.internal:5432/secassure?prepare_threshold=5"}, "True 5"),
    ({"DATABASE_URL": "postgres://u@db.internal:5432/secassure?server_side_binding=false"}, "False 2"),
], ids=["default", "turned-off", "no-reused-connections", "threshold-in-url", "binding-off-in-url"])
def test_postgresql_prepares_repeated_statements_unless_told_not_to(tmp_path, env, expected):
    """Statements are prepared on PostgreSQL by default; SECASSURE_DB_PREPARED=false (behind a pooler
    in transaction mode) or connections that are never reused turn it off, and what DATABASE_URL
    says wins."""
    code = ("from django.conf import settings as s; o = s.DATABASES['default']['OPTIONS'];"
            "print(o.get('server_side_binding'), o.get('prepare_threshold'))")
    result = _run(["shell", "--no-imports", "-c", code],
                  {"DATABASE_URL": "postgres://u@db.internal:5432/secassure", **env}, tmp_path)
    assert result.stdout.strip() == expected, result.stderr
