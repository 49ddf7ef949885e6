"""Every benchmark with a performance target, run one after another, then one table of the targets.

Each benchmark ends by printing one line per target it measures, written by ``target`` here so that
every line has the same form:

    TARGET <name>: <measured> (target at most|at least <limit>) ratio <measured / limit> MET|NOT MET
    TARGET <name>: not measured (target <limit>) SKIPPED <why>

The ratio is the measured figure over the limit: at most 1 meets an "at most" target, at least 1 an
"at least" one. This runs each benchmark in its own process, passing its output through as it
comes, collects its TARGET lines and prints them all in one table at the end, with any benchmark
that failed (exit status other than 0, or no TARGET line at all) named below it; then it exits with
status 1 if any did, so that a failure is never hidden behind the table.

The benchmarks: import_oscal.py, upload_memory.py, assessments.py, exchange.py and serve.py (on
SQLite and on PostgreSQL in turn, for ``--serve-seconds`` each, 60 by default, as a run of its own
takes: twelve turns, whose median is steadier than a shorter run's). scale.py, which takes
minutes, runs only with ``--scale``. writers.py and intake.py have no target of their own
(exchange.py times the fastest writer installed on the export's own cells) and are not run.

Run: ``make bench`` (``make bench SCALE=1`` adds scale.py), or
``.venv/bin/python bench/summary.py [--scale] [--serve-seconds 60]``.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
LINE = re.compile(r"^TARGET (?P<name>[^:]+): (?P<measured>.+?) \(target (?P<limit>[^)]+)\) "
                  r"(?:ratio (?P<ratio>\S+) (?P<status>MET|NOT MET)|(?P<skipped>SKIPPED.*))$")


def target(name: str, measured: float, limit: float, unit: str = "", *, at_least: bool = False,
           digits: int = 0) -> str:
    """The TARGET line of one figure against its limit; ``unit`` is written straight after each
    number (" ms", "x")."""
    met = measured >= limit if at_least else measured <= limit
    ratio = measured / limit if limit else float("inf")
    # A figure that rounds to its limit without being it is shown to as many more places as tell
    # them apart (up to three), so that "1.00x, at least 1.00x: NOT MET" never reads as a contradiction.
    shown, ratio_shown = _places(measured, limit, digits), _places(ratio, 1.0, 2)
    return (f"TARGET {name}: {measured:.{shown}f}{unit} (target {'at least' if at_least else 'at most'} "
            f"{limit:.{digits}f}{unit}) ratio {ratio:.{ratio_shown}f} {'MET' if met else 'NOT MET'}")


def _places(value: float, limit: float, digits: int) -> int:
    """The decimal places to show value with: digits, or more (at most three more) while it would
    read as limit without being it."""
    places = digits
    while value != limit and f"{value:.{places}f}" == f"{limit:.{places}f}" and places < digits + 3:
        places += 1
    return places


def skipped(name: str, limit: str, why: str) -> str:
    return f"TARGET {name}: not measured (target {limit}) SKIPPED {why}"


def scratch_folder(prefix: str) -> Path:
    """A new temporary folder for a benchmark's installation, removed when the benchmark's process
    ends (each run left up to a hundred MiB behind otherwise)."""
    import atexit
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    # The static files folder of an installation used as its data folder (settings.STATIC_ROOT):
    # empty, since pages are rendered from the app folders, but there, so that the server's static
    # file middleware does not warn that it is missing.
    (folder / "static").mkdir()
    return folder


@dataclass
class Run:
    script: str
    code: int
    seconds: float
    targets: list[re.Match]


def run(script: str, *args: str) -> Run:
    """Run one benchmark, passing its output through line by line, and keep its TARGET lines."""
    print(f"\n=== bench/{script} {' '.join(args)}".rstrip(), flush=True)
    start = time.monotonic()
    process = subprocess.Popen([sys.executable, str(HERE / script), *args], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, bufsize=1)
    found = []
    for line in process.stdout:
        print(line, end="", flush=True)
        match = LINE.match(line.rstrip("\n"))
        if match:
            found.append(match)
    return Run(script, process.wait(), time.monotonic() - start, found)


def table(runs: list[Run]) -> list[str]:
    rows = [("target", "measured", "limit", "ratio", "")]
    for one in runs:
        for m in one.targets:
            rows.append((m["name"], m["measured"], m["limit"], m["ratio"] or "-", m["status"] or m["skipped"]))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for i, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[c]) if c < 4 else cell for c, cell in enumerate(row)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 7)
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", action="store_true", help="also run bench/scale.py (minutes, on PostgreSQL)")
    parser.add_argument("--serve-seconds", type=float, default=60,
                        help="how long serve.py drives its load on each database (default 60, as run on its own)")
    args = parser.parse_args()
    plan = [("import_oscal.py",), ("upload_memory.py",), ("assessments.py",), ("exchange.py",),
            ("serve.py", "--compare", "--seconds", f"{args.serve_seconds:g}")]
    if args.scale:
        plan.append(("scale.py",))
    runs = [run(*step) for step in plan]

    print("\n=== summary of every target", flush=True)
    for line in table(runs):
        print(line)
    counts = {status: sum(1 for r in runs for m in r.targets if (m["status"] or "SKIPPED") == status)
              for status in ("MET", "NOT MET", "SKIPPED")}
    print(f"\n{counts['MET']} met, {counts['NOT MET']} not met, {counts['SKIPPED']} skipped; serve.py ran for "
          f"{args.serve_seconds:g} s on each database (60 s when run on its own); "
          + ("bench/scale.py included." if args.scale else "bench/scale.py not run (make bench SCALE=1 runs it)."))
    print("benchmark times: " + ", ".join(f"{r.script} {r.seconds:.0f} s" for r in runs))
    failed = [r for r in runs if r.code != 0 or not r.targets]
    for r in failed:
        why = f"exited with status {r.code}" if r.code else "printed no TARGET line"
        print(f"FAILED bench/{r.script}: {why}; its targets above are missing or incomplete", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
