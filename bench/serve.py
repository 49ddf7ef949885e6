"""Benchmark: ``secassure serve`` under load. Prints figures; asserts nothing.

On a scratch database holding the demo story (``secassure demo``), it starts ``secassure serve``
as production runs it (DEBUG off, the database cache, behind a proxy that ends TLS), signs in as
Alice through the sign-in page, then keeps 16 connections busy for a while, each one alternating
between the workspace of Demo Northern Networks' self-assessment and saving a row of it (each
connection its own row, so that no save conflicts with another). It prints the requests per
second, the median and 99th-percentile latencies of each kind, and the errors (any answer but 200,
or no answer); and, on Linux, the processor time spent a request while the load ran: the whole
machine's (the server, the load generator and, on PostgreSQL, the database server, which share this
machine's cores) and PostgreSQL's own processes', with the share of the time the cores stood idle
and the context switches a request (the whole machine's, load generator included: a core turning
from one process or thread to another, each one costing processor time of its own). A saturated
machine's throughput is its cores divided by that time; on a shared virtual machine, time taken by
other guests (steal) is left out of it, while it slows the throughput.

SQLite by default; with --postgres, a scratch database on the PostgreSQL server of DATABASE_URL
(postgres://postgres@127.0.0.1:5432 when unset), dropped afterwards. With --compare, both are served
at once and loaded in turn, a turn of about five seconds each (after a few seconds' warming up,
not counted), SQLite first in one turn and PostgreSQL first in the next, for --seconds each in all:
a shared machine's speed drifts by a fifth and more over a few minutes, which one long run on each
measured as a difference between the databases. It ends with a TARGET line (see bench/summary.py):
PostgreSQL's requests a second as a multiple of SQLite's, the median of the turns' ratios, the
target being at least as many (1x), since a deployment moves to PostgreSQL for more concurrent work
than SQLite's one writer allows. Before it, the processor time a request on each, whose ratio is
the throughput ratio a saturated machine would show.

With --workers-each 2,3,5 it serves both databases with each of those numbers of workers, all at
once, loaded in turns in the same way, and prints each one's figures (and no TARGET line): what the
number of workers does on this machine, from which ``secassure serve`` takes its default.

Run: `.venv/bin/python bench/serve.py [--seconds 60] [--connections 16] [--workers N] [--threads N]
[--postgres | --compare | --workers-each N,N,...]`.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
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
TURN = 5  # seconds: --compare and --workers-each load each server in turns of about this long
WARM_UP = 3  # seconds of load on each before the turns, not counted
ALICE, PASSWORD = "alice@demo.secassure.test", "secassure-demo"
SCRATCH = itertools.count(1)  # numbers this process's scratch databases apart

# Run inside the scratch installation: the workspace to load and a row for each connection.
FIND_ROWS = """
import json
from secassure.assessments.models import Assessment
a = (Assessment.objects.filter(organisation__slug="demo-networks", kind="ssa").order_by("-pk").first())
rows = list(a.rows.order_by("order").values_list("pk", "revision")[:{n}])
print(json.dumps({{"org": "demo-networks", "assessment": a.pk, "status": a.status, "rows": rows}}))
"""


# Options of DATABASE_URL that secassure's settings read themselves, which libpq would refuse.
APP_OPTIONS = ("prepare_threshold", "server_side_binding")


def named(url: str, database: str, *, libpq: bool = False) -> str:
    """A PostgreSQL URL naming another database on the same server, its options (such as the
    ?host= of a Unix socket's folder) kept; with ``libpq``, without those only secassure reads, for
    a connection of psycopg's own."""
    parts = urllib.parse.urlsplit(url)
    options = urllib.parse.parse_qsl(parts.query)
    if libpq:
        options = [(key, value) for key, value in options if key not in APP_OPTIONS]
    query = urllib.parse.urlencode(options, safe="/")
    return f"{parts.scheme}://{parts.netloc}/{database}" + (f"?{query}" if query else "")


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
    """One connection's load until deadline: the workspace, then a save of its row, in turn. ``row``
    is [pk, revision] (and, once loaded, whether the revision is in doubt), kept up to date for the
    next load on the same rows. After a save whose answer was lost or refused (the server may have
    saved it all the same), the revision is read again from the next workspace page, so that one
    lost answer does not turn every later save into a conflict."""
    pk = row[0]
    browser = Browser(port, cookies)
    mine: list[tuple[str, float, bool]] = []
    save_url = f"{workspace}rows/{pk}/"
    shown = re.compile(rb'name="revision-%d" value="(\d+)"' % pk)
    stale = len(row) > 2 and row[2]
    while time.monotonic() < deadline:
        for kind in ("workspace", "save"):
            start = time.perf_counter()
            try:
                if kind == "workspace":
                    status, page = browser.request("GET", workspace)
                    if stale and status == 200 and (found := shown.search(page)):
                        row[1], stale = int(found.group(1)), False
                else:
                    form = {"revision": row[1], "status": "compliant", "changed": "",
                            "narrative": f"Met, as checked at revision {row[1]}"}
                    status, _ = browser.request("POST", save_url, form, **{"HX-Request": "true",
                                                                           "X-CSRFToken": cookies["csrftoken"]})
                    if status == 200:
                        row[1] += 1
                    else:
                        stale = True
                ok = status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                stale = stale or kind == "save"
            mine.append((kind, (time.perf_counter() - start) * 1000, ok))
    row[2:] = [stale]
    with lock:
        results.extend(mine)


class CpuTime:
    """The machine's processor time (busy and idle, from /proc/stat) and that of PostgreSQL's
    processes (named postgres), in seconds, and its count of context switches (a core turning from
    one process or thread to another); zeros where /proc is not there."""

    def __init__(self):
        self.busy = self.idle = self.postgres = 0.0
        self.switches = 0
        try:
            with open("/proc/stat") as stat:
                lines = stat.read().splitlines()
        except OSError:
            return
        ticks = [int(v) for v in lines[0].split()[1:9]]
        self.switches = next((int(line.split()[1]) for line in lines if line.startswith("ctxt ")), 0)
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

    @classmethod
    def zero(cls) -> CpuTime:
        """No time at all: to add loads' times to."""
        zero = cls.__new__(cls)
        zero.busy = zero.idle = zero.postgres = 0.0
        zero.switches = 0
        return zero

    def line(self, since: CpuTime, requests: int) -> str:
        busy, idle, postgres = self.busy - since.busy, self.idle - since.idle, self.postgres - since.postgres
        if not busy or not requests:
            return "  processor time: not measured (no /proc)"
        own = f" (PostgreSQL's own processes {postgres / requests * 1000:.2f} ms)" if postgres else ""
        return (f"  processor time a request, the whole machine: {busy / requests * 1000:.2f} ms{own}; the cores "
                f"stood idle {idle / (busy + idle) * 100:.0f}% of the time; "
                f"{(self.switches - since.switches) / requests:.0f} context switches a request")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def in_turns(installations: dict[str, Installation], seconds: float) -> dict[str, list[Load]]:
    """Warm each installation up, then load them in turns of about TURN seconds, for ``seconds``
    each in all, reversing their order from one round to the next: each one's loads."""
    for installation in installations.values():
        installation.load(WARM_UP)
    rounds = max(2, round(seconds / TURN))
    loads: dict[str, list[Load]] = {name: [] for name in installations}
    for turn in range(rounds):
        for name, installation in list(installations.items())[::1 if turn % 2 == 0 else -1]:
            loads[name].append(installation.load(seconds / rounds))
    return loads


def worker_counts(text: str) -> list[int]:
    """--workers-each's numbers: positive whole numbers, separated by commas."""
    try:
        counts = sorted({int(n) for n in text.split(",")})
    except ValueError:
        raise argparse.ArgumentTypeError(f"not whole numbers separated by commas: {text!r}") from None
    if counts[0] < 1:
        raise argparse.ArgumentTypeError("each number of workers must be at least 1")
    return counts


def each_worker_count(args) -> int:
    """SQLite and PostgreSQL, each served with each number of workers of --workers-each, all at
    once and loaded in turns: what the number of workers does to the requests a second and the
    processor time a request on this machine, and how many context switches each request took.
    PostgreSQL's processes serve every PostgreSQL installation here: what one leaves unfinished at
    the end of its turn is counted to the next one loaded (a request's statements end with it, so
    little)."""
    with contextlib.ExitStack() as stack:
        installations = {}
        for postgres in (False, True):
            for count in args.workers_each:
                one = argparse.Namespace(**{**vars(args), "workers": count})
                installations[f"{'PostgreSQL' if postgres else 'SQLite'}, {count} workers"] = (
                    stack.enter_context(Installation(one, postgres=postgres)))
        loads = in_turns(installations, args.seconds)
        turns = len(next(iter(loads.values())))
        print(f"{args.connections} connections, {args.seconds:g} s on each in {turns} turns of "
              f"{args.seconds / turns:.1f} s, taken in turn:")
        for name, installation in installations.items():
            print(f"on {name}:")
            installation.report(*Load.together(loads[name]))
            installation.warn_of_doubt()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="how long to drive the load (default 60)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections (default 16)")
    parser.add_argument("--workers", type=int, help="secassure serve --workers (default: its own)")
    parser.add_argument("--threads", type=int, default=1, help="secassure serve --threads (default 1)")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--postgres", action="store_true", help="run on PostgreSQL instead of SQLite")
    which.add_argument("--compare", action="store_true",
                       help="run on SQLite and on PostgreSQL, in turn, and compare")
    which.add_argument("--workers-each", metavar="N,N,...", type=worker_counts,
                       help="serve both databases with each of these numbers of workers at once, loaded in turn")
    args = parser.parse_args()
    if args.workers_each and args.workers:
        parser.error("--workers-each gives the numbers of workers: leave out --workers")
    if args.workers_each:
        return each_worker_count(args)
    if not args.compare:
        with Installation(args, postgres=args.postgres) as installation:
            installation.report(*Load.together([installation.load(args.seconds)]))
            installation.warn_of_doubt()
        return 0
    from summary import target  # bench/summary.py, beside this file

    with Installation(args, postgres=False) as sqlite, Installation(args, postgres=True) as postgres:
        loads = in_turns({"SQLite": sqlite, "PostgreSQL": postgres}, args.seconds)
        turns = len(loads["SQLite"])
        rates, cpus = {}, {}
        for name, installation in (("SQLite", sqlite), ("PostgreSQL", postgres)):
            print(f"on {name}, in {turns} turns of {args.seconds / turns:.1f} s:")
            rates[name], cpus[name] = installation.report(*Load.together(loads[name]))
            installation.warn_of_doubt()
    ratios = [(p.answered / p.elapsed) / (q.answered / q.elapsed) if q.answered else 0.0
              for p, q in zip(loads["PostgreSQL"], loads["SQLite"], strict=True)]
    ratio = statistics.median(ratios)
    print(f"PostgreSQL {rates['PostgreSQL']:.1f} requests/s, SQLite {rates['SQLite']:.1f} requests/s, "
          f"{args.connections} connections, {args.seconds:g} s each in {turns} turns taken in turn; PostgreSQL's "
          f"requests a second as a multiple of SQLite's, turn by turn: {', '.join(f'{r:.2f}' for r in ratios)}")
    if cpus["SQLite"] and cpus["PostgreSQL"]:
        print(f"processor time a request, the whole machine: PostgreSQL {cpus['PostgreSQL']:.2f} ms, SQLite "
              f"{cpus['SQLite']:.2f} ms ({cpus['SQLite'] / cpus['PostgreSQL']:.2f}x as many requests per processor "
              "second on PostgreSQL)")
    print(target(f"PostgreSQL requests a second under load, as a multiple of SQLite's ({rates['SQLite']:.1f}/s), "
                 "the median of the turns", ratio, 1.0, "x", at_least=True, digits=2))
    return 0


class Load:
    """What one load of an installation did: its requests (kind, ms, answered), how long it took,
    and the machine's processor time before and after it; ``postgres``: whether the installation
    is on PostgreSQL (when not, any time PostgreSQL's processes took during the load, finishing
    work another load gave them, is not counted as the load's)."""

    def __init__(self, results: list[tuple[str, float, bool]], elapsed: float, before: CpuTime, after: CpuTime,
                 postgres: bool):
        self.results, self.elapsed, self.before, self.after = results, elapsed, before, after
        self.postgres = postgres

    @property
    def answered(self) -> int:
        return sum(1 for _, _, ok in self.results if ok)

    @staticmethod
    def together(loads: list[Load]) -> tuple[list, float, CpuTime, CpuTime]:
        """Several loads of one installation as one: their requests, their time, and their processor
        time (as a before and an after a load of all of it would have)."""
        before, after = CpuTime.zero(), CpuTime.zero()
        for load in loads:
            postgres = load.after.postgres - load.before.postgres
            after.busy += load.after.busy - load.before.busy - (0 if load.postgres else postgres)
            after.idle += load.after.idle - load.before.idle
            after.postgres += postgres if load.postgres else 0
            after.switches += load.after.switches - load.before.switches
        return [r for load in loads for r in load.results], sum(load.elapsed for load in loads), before, after


class Installation:
    """The demo on a scratch database, served by ``secassure serve`` and signed in to, until closed."""

    def __init__(self, args, *, postgres: bool):
        self.args, self.postgres, self.process, self.pg_name = args, postgres, None, None
        self.tmp = Path(tempfile.mkdtemp(prefix="secassure-serve-bench-"))
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("SECASSURE_", "DJANGO_"))}
        self.env.update({"SECASSURE_DATA_DIR": str(self.tmp), "SECASSURE_BEHIND_PROXY": "true",
                         "SECASSURE_REQUIRE_MFA": "false"})
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> Installation:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> None:
        env = self.env
        if self.postgres:
            import psycopg

            server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
            name = f"secassure_serve_bench_{os.getpid()}_{next(SCRATCH)}"
            with psycopg.connect(named(server, "postgres", libpq=True), autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            self.pg_name = name  # only once it is there, for close() to drop
            env["DATABASE_URL"] = named(server, name)
        else:
            env["DATABASE_URL"] = f"sqlite:///{self.tmp / 'bench.sqlite3'}"
        print(f"preparing the demo on {'PostgreSQL' if self.postgres else 'SQLite'} in {self.tmp} ...", flush=True)
        secassure(["migrate", "--noinput"], env)
        secassure(["demo", "--force"], env)
        found = json.loads(secassure(["shell", "--no-imports", "-c", FIND_ROWS.format(n=self.args.connections)],
                                     env).strip().splitlines()[-1])
        self.workspace = f"/orgs/{found['org']}/assessments/{found['assessment']}/"
        self.rows = [list(row) for row in (found["rows"] * self.args.connections)[:self.args.connections]]
        self.port = port = free_port()
        command = [sys.executable, "-m", "secassure", "serve", "--bind", f"127.0.0.1:{port}", "--no-access-log",
                   "--threads", str(self.args.threads)]
        if self.args.workers:
            command += ["--workers", str(self.args.workers)]
        self.process = process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE,
                                                  stderr=subprocess.PIPE, text=True)
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
        self.cookies = sign_in(port)
        print(f"{started}; {self.args.connections} connections on {self.workspace} ({found['status']}, "
              f"{len(found['rows'])} rows saved in turn)", flush=True)

    def load(self, seconds: float) -> Load:
        """Keep the connections busy for this long."""
        results: list[tuple[str, float, bool]] = []
        lock = threading.Lock()
        before = CpuTime()
        began = time.monotonic()
        threads = [threading.Thread(target=drive, args=(self.port, self.cookies, self.workspace, row,
                                                        began + seconds, results, lock)) for row in self.rows]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - began
        return Load(results, elapsed, before, CpuTime(), self.postgres)

    @staticmethod
    def report(results, elapsed, before, after) -> tuple[float, float]:
        """Print what the load did; the requests answered a second, and the whole machine's processor
        time a request in ms (0 where not measured)."""
        errors = sum(1 for _, _, ok in results if not ok)
        print(f"{len(results):,} requests in {elapsed:.1f} s: {len(results) / elapsed:.1f} requests/s, "
              f"{errors:,} errors")
        for kind in ("workspace", "save"):
            times = [ms for k, ms, _ in results if k == kind]
            if times:
                print(f"  {kind:9}  {len(times):6,} requests  p50 {statistics.median(times):7.1f} ms  "
                      f"p99 {percentile(times, 99):7.1f} ms")
        print(after.line(before, len(results)))
        return (len(results) - errors) / elapsed, (after.busy - before.busy) / max(len(results), 1) * 1000

    def warn_of_doubt(self) -> None:
        """Say so when a connection ended with its row's revision in doubt: a save's answer was lost
        or refused, and the row never showed on a workspace page afterwards (the person signed in
        may not edit it, or it is beyond the page's first rows), so its later saves were most likely
        refused as conflicts, and counted as errors above."""
        doubtful = sum(1 for row in self.rows if len(row) > 2 and row[2])
        if doubtful:
            print(f"  {doubtful} of {len(self.rows)} connections ended with their row's revision in doubt: "
                  "it never showed on the workspace page after a refused save")

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self.pg_name:
            import psycopg

            with psycopg.connect(named(self.env["DATABASE_URL"], "postgres", libpq=True), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
            self.pg_name = None
        shutil.rmtree(self.tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
