"""Benchmark: ``secassure serve`` under load. Prints figures; asserts nothing.

On a scratch database holding the demo story (``secassure demo``), it starts ``secassure serve``
as production runs it (DEBUG off, the database cache, behind a proxy that ends TLS), signs in as
Alice through the sign-in page, then keeps 16 connections busy for a while, each one alternating
between the workspace of Demo Northern Networks' self-assessment and saving a row of it (each
connection its own row, so that no save conflicts with another). It prints the requests per
second, the median and 99th-percentile latencies of each kind, and the errors (any answer but 200,
or no answer); and, on Linux, the processor time spent a request while the load ran: the whole
machine's (the server, the load generator and, on PostgreSQL, the database server, which share this
machine's cores) and PostgreSQL's own processes', with the share of the time the cores stood idle.
A saturated machine's throughput is its cores divided by that time; on a shared virtual machine,
time taken by other guests (steal) is left out of it, while it slows the throughput.

SQLite by default; with --postgres, a scratch database on the PostgreSQL server of DATABASE_URL
(postgres://postgres@127.0.0.1:5432 when unset), dropped afterwards. With --compare, SQLite and then
PostgreSQL, each for --seconds, ending with a TARGET line (see bench/summary.py): PostgreSQL's
requests a second as a multiple of SQLite's, the target being at least as many (1x), since a
deployment moves to PostgreSQL for more concurrent work than SQLite's one writer allows. Before it,
the processor time a request on each, whose ratio is the throughput ratio a saturated machine would
show.

Run: `.venv/bin/python bench/serve.py [--seconds 60] [--connections 16] [--workers N] [--threads N]
[--postgres | --compare]`.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALICE, PASSWORD = "alice@demo.secassure.test", "secassure-demo"

# Run inside the scratch installation: the workspace to load and a row for each connection.
FIND_ROWS = """
import json
from secassure.assessments.models import Assessment
a = (Assessment.objects.filter(organisation__slug="demo-networks", kind="ssa").order_by("-pk").first())
rows = list(a.rows.order_by("order").values_list("pk", "revision")[:{n}])
print(json.dumps({{"org": "demo-networks", "assessment": a.pk, "status": a.status, "rows": rows}}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def secassure(args: list[str], env: dict) -> str:
    result = subprocess.run([sys.executable, "-m", "secassure", *args], capture_output=True, text=True, env=env,
                            cwd=ROOT)
    if result.returncode != 0:
        sys.exit(f"secassure {' '.join(args[:1])} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


class Browser:
    """One keep-alive connection (reopened when the server closes it) with the signed-in cookies."""

    def __init__(self, port: int, cookies: dict[str, str]):
        self.port = port
        self.cookies = dict(cookies)
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, form: dict | None = None, **headers) -> tuple[int, bytes]:
        sent = {"Host": f"127.0.0.1:{self.port}", "X-Forwarded-Proto": "https",
                "Origin": f"https://127.0.0.1:{self.port}", "Referer": f"https://127.0.0.1:{self.port}/", **headers}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=sent)
            response = self.conn.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            raise
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return response.status, content


def sign_in(port: int) -> dict[str, str]:
    browser = Browser(port, {})
    status, page = browser.request("GET", "/accounts/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    status, _ = browser.request("POST", "/accounts/login/", {"csrfmiddlewaretoken": token, "login": ALICE,
                                                             "password": PASSWORD})
    if status != 302 or "sessionid" not in browser.cookies:
        sys.exit(f"could not sign in as {ALICE} (answer {status})")
    return browser.cookies


def drive(port, cookies, workspace, row, deadline, results, lock):
    pk, revision = row
    browser = Browser(port, cookies)
    mine: list[tuple[str, float, bool]] = []
    save_url = f"{workspace}rows/{pk}/"
    while time.monotonic() < deadline:
        for kind in ("workspace", "save"):
            start = time.perf_counter()
            try:
                if kind == "workspace":
                    status, _ = browser.request("GET", workspace)
                else:
                    form = {"revision": revision, "status": "compliant", "changed": "",
                            "narrative": f"Met, as checked at revision {revision}"}
                    status, _ = browser.request("POST", save_url, form, **{"HX-Request": "true",
                                                                           "X-CSRFToken": cookies["csrftoken"]})
                    if status == 200:
                        revision += 1
                ok = status == 200
            except (OSError, http.client.HTTPException):
                ok = False
            mine.append((kind, (time.perf_counter() - start) * 1000, ok))
    with lock:
        results.extend(mine)


class CpuTime:
    """The machine's processor time (busy and idle, from /proc/stat) and that of PostgreSQL's
    processes (named postgres), in seconds; zeros where /proc is not there."""

    def __init__(self):
        self.busy = self.idle = self.postgres = 0.0
        try:
            with open("/proc/stat") as stat:
                ticks = [int(v) for v in stat.readline().split()[1:9]]
        except OSError:
            return
        hz = os.sysconf("SC_CLK_TCK")
        user, nice, system, idle, iowait, irq, softirq, _steal = ticks
        self.busy, self.idle = (user + nice + system + irq + softirq) / hz, (idle + iowait) / hz
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    text = stat.read()
            except OSError:
                continue
            if text[text.index("(") + 1:text.rindex(")")].startswith("postgres"):
                # Its own time and that of its children it has reaped: a connection's server process
                # that ends during the run (connections are renewed every minute) moves its time to
                # the postmaster's children's, and is counted once either way.
                fields = text[text.rindex(")") + 2:].split()
                self.postgres += sum(int(fields[i]) for i in (11, 12, 13, 14)) / hz

    def line(self, since: CpuTime, requests: int) -> str:
        busy, idle, postgres = self.busy - since.busy, self.idle - since.idle, self.postgres - since.postgres
        if not busy or not requests:
            return "  processor time: not measured (no /proc)"
        own = f" (PostgreSQL's own processes {postgres / requests * 1000:.2f} ms)" if postgres else ""
        return (f"  processor time a request, the whole machine: {busy / requests * 1000:.2f} ms{own}; the cores "
                f"stood idle {idle / (busy + idle) * 100:.0f}% of the time")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="how long to drive the load (default 60)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections (default 16)")
    parser.add_argument("--workers", type=int, help="secassure serve --workers (default: its own)")
    parser.add_argument("--threads", type=int, default=1, help="secassure serve --threads (default 1)")
    parser.add_argument("--postgres", action="store_true", help="run on PostgreSQL instead of SQLite")
    parser.add_argument("--compare", action="store_true", help="run on SQLite, then on PostgreSQL, and compare")
    args = parser.parse_args()
    if not args.compare:
        serve(args, postgres=args.postgres)
        return 0
    from summary import target  # bench/summary.py, beside this file

    (sqlite, sqlite_cpu), (postgres, postgres_cpu) = serve(args, postgres=False), serve(args, postgres=True)
    print(f"PostgreSQL {postgres:.1f} requests/s, SQLite {sqlite:.1f} requests/s, {args.connections} connections "
          f"for {args.seconds:g} s each")
    if sqlite_cpu and postgres_cpu:
        print(f"processor time a request, the whole machine: PostgreSQL {postgres_cpu:.2f} ms, SQLite "
              f"{sqlite_cpu:.2f} ms ({sqlite_cpu / postgres_cpu:.2f}x as many requests per processor second on "
              "PostgreSQL)")
    print(target(f"PostgreSQL requests a second under load, as a multiple of SQLite's ({sqlite:.1f}/s)",
                 postgres / sqlite if sqlite else 0.0, 1.0, "x", at_least=True, digits=2))
    return 0


def serve(args, *, postgres: bool) -> tuple[float, float]:
    """Load the demo on a scratch database, serve it and drive the load; the requests a second, and
    the whole machine's processor time a request in ms (0 where not measured)."""
    tmp = Path(tempfile.mkdtemp(prefix="secassure-serve-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECASSURE_", "DJANGO_"))}
    env.update({"SECASSURE_DATA_DIR": str(tmp), "SECASSURE_BEHIND_PROXY": "true", "SECASSURE_REQUIRE_MFA": "false"})
    pg_name = None
    if postgres:
        import psycopg

        server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        server = server.rsplit("/", 1)[0]
        pg_name = f"secassure_serve_bench_{os.getpid()}"
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{pg_name}"')
        env["DATABASE_URL"] = f"{server}/{pg_name}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"

    process = None
    try:
        print(f"preparing the demo on {'PostgreSQL' if postgres else 'SQLite'} in {tmp} ...", flush=True)
        secassure(["migrate", "--noinput"], env)
        secassure(["demo", "--force"], env)
        found = json.loads(secassure(["shell", "--no-imports", "-c", FIND_ROWS.format(n=args.connections)],
                                     env).strip().splitlines()[-1])
        workspace = f"/orgs/{found['org']}/assessments/{found['assessment']}/"
        port = free_port()
        command = [sys.executable, "-m", "secassure", "serve", "--bind", f"127.0.0.1:{port}", "--no-access-log",
                   "--threads", str(args.threads)]
        if args.workers:
            command += ["--workers", str(args.workers)]
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                if Browser(port, {}).request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"secassure serve did not start:\n{process.stderr.read() if process.stderr else ''}")
            time.sleep(0.2)
        started = process.stdout.readline().strip()
        cookies = sign_in(port)
        print(f"{started}; {args.connections} connections for {args.seconds:g} s on {workspace} "
              f"({found['status']}, {len(found['rows'])} rows saved in turn)", flush=True)

        results: list[tuple[str, float, bool]] = []
        lock = threading.Lock()
        end = time.monotonic() + args.seconds
        threads = [threading.Thread(target=drive, args=(port, cookies, workspace, row, end, results, lock))
                   for row in (found["rows"] * args.connections)[:args.connections]]
        began, cpu = time.monotonic(), CpuTime()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed, cpu_after = time.monotonic() - began, CpuTime()

        errors = sum(1 for _, _, ok in results if not ok)
        print(f"{len(results):,} requests in {elapsed:.1f} s: {len(results) / elapsed:.1f} requests/s, "
              f"{errors:,} errors")
        for kind in ("workspace", "save"):
            times = [ms for k, ms, _ in results if k == kind]
            if times:
                print(f"  {kind:9}  {len(times):6,} requests  p50 {statistics.median(times):7.1f} ms  "
                      f"p99 {percentile(times, 99):7.1f} ms")
        print(cpu_after.line(cpu, len(results)))
    finally:
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        if pg_name:
            import psycopg

            with psycopg.connect(f"{env['DATABASE_URL'].rsplit('/', 1)[0]}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)
    answered = len(results) - errors  # errors left out
    return answered / elapsed, (cpu_after.busy - cpu.busy) / max(len(results), 1) * 1000


if __name__ == "__main__":
    sys.exit(main())
