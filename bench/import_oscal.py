"""Benchmark: importing OSCAL catalogs. Prints figures; asserts nothing.

1. NIST SP 800-53 rev5 LOW baseline (resolved profile catalog) from ../shared/testdata/, when present.
2. Synthetic catalogs of growing size (copies of that catalog, or generated controls when it is absent),
   to show that import time grows linearly with the number of controls.

Run with `make bench` or `.venv/bin/python bench/import_oscal.py`. Uses a throw-away SQLite database.
"""

from __future__ import annotations

import copy
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOW = ROOT.parent / "shared" / "testdata" / "NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog-min.json"


def setup() -> None:
    from summary import scratch_folder  # bench/summary.py, beside this file

    tmp = scratch_folder("secassure-bench-")
    os.environ["SECASSURE_DATA_DIR"] = str(tmp)
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{tmp / 'bench.sqlite3'}")
    os.environ["DJANGO_SETTINGS_MODULE"] = "secassure.settings"
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def import_file(path: Path, slug: str) -> tuple[float, int]:
    from django.conf import settings

    from secassure.catalogue.importers import oscal
    from secassure.catalogue.loader import load

    start = time.perf_counter()
    data = oscal.parse_file(str(path), settings.SECASSURE_MAX_IMPORT_BYTES, framework=slug)
    result = load(data)
    return time.perf_counter() - start, result.counts["obligations"]


def count_controls(node: dict) -> int:
    return sum(1 + count_controls(c) for c in node.get("controls", [])) + sum(
        count_controls(g) for g in node.get("groups", []))


def generated_catalog(n: int) -> dict:
    groups = []
    for g in range(max(1, n // 10)):
        controls = [{"id": f"g{g}-c{c}", "title": f"Control {g}.{c}",
                     "parts": [{"id": f"g{g}-c{c}_smt", "name": "statement", "prose": "Do the thing."}]}
                    for c in range(10)]
        groups.append({"id": f"g{g}", "title": f"Group {g}", "controls": controls})
    return {"catalog": {"uuid": "00000000-0000-4000-8000-000000000000",
                        "metadata": {"title": "Generated", "version": "1", "oscal-version": "1.1.2",
                                     "last-modified": "2025-01-01T00:00:00+00:00"}, "groups": groups}}


def scaled(base: dict, copies: int) -> dict:
    doc = copy.deepcopy(base)
    catalog = doc["catalog"]
    originals = catalog.get("groups", [])
    groups = []
    for i in range(copies):
        text = json.dumps(originals)
        # Give every id in copy i its own suffix so that the copies do not collide.
        for group in json.loads(text):
            groups.append(_suffix(group, f"x{i}"))
    catalog["groups"] = groups
    catalog.pop("back-matter", None)
    return doc


def _suffix(node, tag):
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "id" and isinstance(value, str):
                out[key] = f"{value}-{tag}"
            elif key == "props" and isinstance(value, list):
                out[key] = [dict(p, value=f"{p['value']}-{tag}") if p.get("name") == "label" else p for p in value]
            else:
                out[key] = _suffix(value, tag)
        return out
    if isinstance(node, list):
        return [_suffix(item, tag) for item in node]
    return node


def main() -> int:
    from summary import skipped, target  # bench/summary.py, beside this file

    setup()
    tmp = Path(os.environ["SECASSURE_DATA_DIR"])
    if LOW.exists():
        base = json.loads(LOW.read_text(encoding="utf-8"))
        expected = count_controls(base["catalog"])
        times = []
        for i in range(3):
            elapsed, n = import_file(LOW, f"nist-low-run{i}")
            times.append(elapsed)
        print(f"SP 800-53 rev5 LOW: {n} controls imported (file has {expected}); "
              f"median {statistics.median(times):.3f} s, best {min(times):.3f} s over 3 runs (target < 1 s)")
        low = target("OSCAL import of SP 800-53 rev5 LOW", min(times), 1.0, " s", digits=2)
    else:
        print(f"skipped the SP 800-53 rev5 LOW import: {LOW} is not present")
        low = skipped("OSCAL import of SP 800-53 rev5 LOW", "at most 1.00 s", f"(no {LOW.name} in {LOW.parent})")
        base = generated_catalog(150)
    print("\nlinearity: controls, seconds, microseconds per control")
    for copies in (1, 2, 4, 8, 16):
        doc = scaled(base, copies)
        path = tmp / f"scaled-{copies}.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        elapsed, n = import_file(path, f"scaled-{copies}")
        print(f"{n:>7} {elapsed:>8.3f} {elapsed / n * 1e6:>10.0f}")
    print(low)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
