"""Headers every page carries: a Content-Security-Policy that runs only our own scripts and styles,
``Cache-Control: no-store`` on whatever a signed-in person is shown (but not on static files, which
WhiteNoise serves from the application itself), and templates that need nothing inline."""

from __future__ import annotations

import re
from pathlib import Path

import secassure

PACKAGE = Path(secassure.__file__).resolve().parent


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_every_page_has_a_policy_that_runs_no_inline_script_or_style(client, alice):
    for path, signed_in in [("/accounts/login/", False), ("/", True), ("/catalogue/", True), ("/inbox/", True)]:
        if signed_in:
            client.force_login(alice)
        response = client.get(path)
        assert response.status_code == 200, path
        policy = _policy(response)
        assert policy["default-src"] == ["'self'"], path
        assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"], path
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"], path
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]
        assert "'unsafe-eval'" not in response["Content-Security-Policy"]


def test_pages_for_a_signed_in_person_are_not_stored(client, alice):
    client.force_login(alice)
    for path in ["/", "/catalogue/", f"/orgs/{alice.memberships.first().organisation.slug}/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"], path


def test_answers_to_nobody_signed_in_are_not_marked(client, db):
    assert not client.get("/healthz").has_header("Cache-Control")


def test_whitenoise_serves_static_files_cacheable_even_to_a_signed_in_person(client, alice):
    client.force_login(alice)
    response = client.get("/static/web/secassure.js")
    assert response.status_code == 200
    assert type(response).__module__.startswith("whitenoise")
    served = b"".join(response.streaming_content)
    assert served == (PACKAGE / "web" / "static" / "web" / "secassure.js").read_bytes()
    assert "no-store" not in response.get("Cache-Control", "")
    assert "max-age" in response["Cache-Control"]


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style[\s>]", re.I), "a <style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an event-handler attribute"),
    (re.compile(r"href\s*=\s*[\"']?javascript:", re.I), "a javascript: link"),
]


def test_templates_need_nothing_the_policy_refuses():
    """The policy refuses inline scripts, styles and handlers: a template that used one would show a
    page that silently does not work. Behaviour belongs in web/secassure.js, looks in the stylesheet."""
    found = []
    for template in sorted(PACKAGE.glob("*/templates/**/*.html")):
        text = template.read_text(encoding="utf-8")
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{template.relative_to(PACKAGE)}:{line}: {what}")
    assert not found, "\n".join(found)
