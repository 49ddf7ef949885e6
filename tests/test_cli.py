"""The command line: fast help, Django passthrough, and a README that documents every command."""

import os
import re
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from secassure.cli import app
from secassure.cli.catalogue import catalogue_app

ROOT = Path(__file__).resolve().parent.parent


def _all_commands() -> list[str]:
    names = [c.name for c in app.registered_commands]
    names += [f"catalogue {c.name}" for c in catalogue_app.registered_commands]
    for group in app.registered_groups:
        if group.name != "catalogue":
            names += [f"{group.name} {c.name}" for c in group.typer_instance.registered_commands]
    return names


def test_help_does_not_import_django():
    code = ("import sys; from secassure import cli\n"
            "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print('django loaded' if 'django.db' in sys.modules else 'django not loaded')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert "django not loaded" in result.stdout
    assert "catalogue" in result.stdout and "audit" in result.stdout


def test_django_management_commands_pass_through(tmp_path):
    env = {**os.environ, "SECASSURE_DATA_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    result = subprocess.run([sys.executable, "-m", "secassure", "check"], capture_output=True, text=True,
                            env=env, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    unknown = subprocess.run([sys.executable, "-m", "secassure", "no-such-command"], capture_output=True,
                             text=True, env=env, cwd=ROOT, timeout=120)
    assert unknown.returncode != 0 and "Unknown command" in unknown.stderr


def test_readme_cli_reference_matches_help():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    runner = CliRunner()
    for command in _all_commands():
        assert f"### `secassure {command}`" in readme, f"README has no section for secassure {command}"
        help_text = runner.invoke(app, [*command.split(), "--help"], prog_name="secassure").stdout
        for option in set(re.findall(r"(--[a-z][a-z-]+)", help_text)) - {"--help"}:
            section = readme.split(f"### `secassure {command}`", 1)[1].split("### ", 1)[0]
            assert option in section, f"README section for secassure {command} does not mention {option}"


def test_readme_is_current_with_the_generator():
    result = subprocess.run([sys.executable, "-m", "secassure.docs_cli", "--check"], capture_output=True,
                            text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_setting_read_from_the_environment_is_documented():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    settings_src = (ROOT / "secassure" / "settings.py").read_text(encoding="utf-8")
    names = set(re.findall(r'"((?:SECASSURE|DATABASE)_[A-Z_]+)"', settings_src))
    assert len(names) > 10
    for name in sorted(names):
        stem = name.removeprefix("SECASSURE_EMAIL_")
        assert name in readme or (name.startswith("SECASSURE_EMAIL_") and f"`_{stem}`" in readme), name


def test_outcome_record_refuses_an_assessment_the_cio_conducts(cli, write, org_a, alice, bob, carol, dave):
    from secassure.assessments.actions import create_assessment
    from secassure.review.models import Outcome
    from tests.assessments import helpers
    from tests.shipped import load_shipped_rules

    load_shipped_rules()
    helpers.tiny(write)
    helpers.hold(org_a, "import-supplier")
    fusa = create_assessment(org_a, kind="fusa", by=alice, title="FUSA 2026").assessment
    helpers.conduct(fusa, owner=alice, cio=carol, responder=bob, approver=dave,
                    results={"T1": ("actual", "No quarterly review of privileged access")})
    assert fusa.status == "response-sent"
    for decision in ("satisfactory", "actions", "cio-assessment"):
        result = cli("outcome", "record", str(fusa.pk), "--decision", decision)
        assert result.exit_code != 0, result.stdout
        assert "G8.22" in result.stderr and "G8.24" in result.stderr, result.stderr
        assert "recorded" not in result.stdout
    assert not Outcome.objects.exists()
    fusa.refresh_from_db()
    assert fusa.status == "response-sent"
