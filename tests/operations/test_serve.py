"""``secassure serve``: the gunicorn settings it builds from its options, and a real server started on
a fresh installation (migrate, then serve, nothing else) answering the probes, serving collected
static files, sharing sign-in throttling between its workers and keeping tokens out of its log."""

from __future__ import annotations

import datetime
import http.client
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from secassure import server
from secassure.server import RedactingLogger, ServeOptions, Server, default_workers, gunicorn_config

ROOT = Path(__file__).resolve().parents[2]


# --- the settings built from the options ----------------------------------------------------------


def test_defaults_listen_locally_log_access_to_stdout_and_open_no_control_socket():
    config = gunicorn_config(ServeOptions())
    assert config["bind"] == ["127.0.0.1:8000"]
    assert config["workers"] == default_workers()
    assert (config["threads"], config["worker_class"]) == (1, "sync")
    assert config["accesslog"] == "-"
    assert config["control_socket_disable"] is True
    assert config["logger_class"] is RedactingLogger


def test_options_reach_gunicorn():
    config = gunicorn_config(ServeOptions(bind="0.0.0.0:9000", workers=3, threads=4, timeout=60, access_log=False))
    cfg = Server(config).cfg
    assert cfg.bind == ["0.0.0.0:9000"]
    assert (cfg.workers, cfg.threads, cfg.worker_class_str, cfg.timeout) == (3, 4, "gthread", 60)
    assert cfg.accesslog is None
    assert cfg.control_socket_disable is True


def test_workers_follow_the_cpus_within_bounds():
    assert default_workers(1) == 2
    assert default_workers(2) == 2
    assert default_workers(4) == 4
    assert default_workers(64) == server.MAX_DEFAULT_WORKERS == 8


def test_the_command_hands_its_options_to_gunicorn(cli, monkeypatch):
    started = {}
    monkeypatch.setattr(Server, "run", lambda self: started.update(self.config))
    result = cli("serve", "--bind", "127.0.0.1:9999", "--workers", "2", "--threads", "3", "--no-collectstatic")
    assert result.exit_code == 0, result.stderr
    assert started["bind"] == ["127.0.0.1:9999"]
    assert (started["workers"], started["threads"], started["worker_class"]) == (2, 3, "gthread")
    assert "secassure serving at 127.0.0.1:9999 with 2 workers of 3 threads" in result.stdout


def test_the_access_log_redacts_private_link_tokens():
    cfg = Server(gunicorn_config(ServeOptions(workers=1))).cfg
    logger = RedactingLogger(cfg)
    lines = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())

    keep = Keep()
    logger.access_log.addHandler(keep)
    try:
        class Response:
            status, sent, headers = "200 OK", 12, []

        environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/invitations/s3cr3t-token/", "SERVER_PROTOCOL": "HTTP/1.1",
                   "PATH_INFO": "/invitations/s3cr3t-token/", "HTTP_REFERER": "https://x/calendar/feedtoken.ics"}
        logger.access(Response(), {}, environ, datetime.timedelta(milliseconds=3))
    finally:
        logger.access_log.removeHandler(keep)
    assert len(lines) == 1
    assert "s3cr3t-token" not in lines[0] and "feedtoken" not in lines[0]
    assert "/invitations/[redacted]/" in lines[0] and "/calendar/[redacted]" in lines[0]


# --- a real server --------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(data_dir: Path) -> dict:
    # Production settings (DEBUG off, HTTPS redirect on) behind a proxy that ends TLS, on a fresh
    # SQLite database of its own: nothing from the test run's environment.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECASSURE_", "DATABASE_URL", "DJANGO_"))}
    env.update({"SECASSURE_DATA_DIR": str(data_dir), "SECASSURE_BEHIND_PROXY": "true",
                "DATABASE_URL": f"sqlite:///{data_dir / 'db.sqlite3'}"})
    return env


def _secassure(args, env, timeout=180):
    result = subprocess.run([sys.executable, "-m", "secassure", *args], capture_output=True, text=True, env=env,
                            cwd=ROOT, timeout=timeout)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


class Site:
    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None, https: bool = True, **headers):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {"Host": f"127.0.0.1:{self.port}", **headers}
        if https:
            sent["X-Forwarded-Proto"] = "https"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            content = response.read()
        finally:
            conn.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        return response.status, {k.lower(): v for k, v in response.getheaders()}, content


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """migrate, a person to sign in as, then ``secassure serve`` with two workers; stopped after."""
    data_dir = tmp_path_factory.mktemp("served")
    env = _env(data_dir)
    _secassure(["migrate", "--noinput"], env)
    _secassure(["shell", "--no-imports", "-c",
                "from django.contrib.auth import get_user_model; "
                "get_user_model().objects.create_user('pat', 'pat@example.org', 'correct horse battery staple')"], env)
    port = _free_port()
    log = (data_dir / "access.log").open("w+")
    process = subprocess.Popen([sys.executable, "-m", "secassure", "serve", "--bind", f"127.0.0.1:{port}",
                                "--workers", "2"], stdout=log, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    site = Site(port)
    site.log = data_dir / "access.log"
    deadline = time.monotonic() + 90
    while True:
        try:
            if site.request("GET", "/healthz", https=False)[0] == 200:
                break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"secassure serve did not answer: {process.communicate()[1]}")
        time.sleep(0.2)
    yield site
    process.send_signal(signal.SIGTERM)
    try:
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
        log.close()


def test_the_probes_answer_over_plain_http(served):
    status, headers, body = served.request("GET", "/healthz", https=False)
    assert (status, body) == (200, b"ok")
    status, headers, body = served.request("GET", "/readyz", https=False)
    # The cache check reads the database cache's table: migrate made it, with no step of its own.
    assert status == 200, body
    assert b'"cache": "ok"' in body and b'"database": "ok"' in body
    # Anything else over plain HTTP still goes to HTTPS.
    assert served.request("GET", "/accounts/login/", https=False)[0] == 301


def test_static_files_are_collected_and_served_with_long_lived_caching(served):
    status, headers, page = served.request("GET", "/accounts/login/")
    assert status == 200
    assert "script-src 'self'" in headers["content-security-policy"]
    css = re.search(rb'href="(/static/web/secassure\.[0-9a-f]{12}\.css)"', page)
    assert css, page[:500]
    status, headers, body = served.request("GET", css.group(1).decode(), **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert "immutable" in headers["cache-control"] and "no-store" not in headers["cache-control"]
    assert headers.get("content-encoding") == "gzip"


def test_failed_sign_ins_are_counted_across_workers(served):
    """Five wrong passwords lock the account for a while, however the requests fall on the workers."""
    refused_at = None
    for attempt in range(1, 8):
        served.cookies.clear()
        status, _, page = served.request("GET", "/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        status, _, page = served.request(
            "POST", "/accounts/login/",
            body=f"csrfmiddlewaretoken={token}&login=pat%40example.org&password=wrong-{attempt}",
            Origin=f"https://127.0.0.1:{served.port}", Referer=f"https://127.0.0.1:{served.port}/accounts/login/")
        assert status == 200, page[:300]
        if b"Too many failed login attempts" in page:
            refused_at = attempt
            break
    assert refused_at == 6


def test_the_access_log_is_on_and_keeps_tokens_out(served):
    served.request("GET", "/invitations/private-token-123/")
    time.sleep(0.5)
    log = served.log.read_text()
    assert '"GET /healthz HTTP/1.1" 200' in log
    assert "/invitations/[redacted]/" in log and "private-token-123" not in log
