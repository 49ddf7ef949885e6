"""Benchmark: taking in a client's own Validation Workbook at the size of a large catalogue. Prints
figures; asserts nothing.

On a scratch SQLite database (DATABASE_URL to try PostgreSQL) it builds an assessment of 1,300
obligations and a foreign workbook of 1,300 rows in a consultancy's layout (a title row above the
headers, references written several ways, RAG statuses, day-first dates, owners by name, evidence
named by title), then prints:

- reading the sheet and proposing the mapping (no database);
- the whole preview, with the SQL queries it ran (a fixed handful, whatever the size);
- applying it: every row taken in and its evidence linked, each with its audit event, written in a
  fixed number of statements, and the file kept.

Run: `.venv/bin/python bench/intake.py`.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

ROWS = 1300
STATUSES = ["Green", "Amber", "Red", "Compliant", "Partially compliant", "N/A"]


def timed(fn, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def written(ref: str, n: int) -> str:
    """The reference as different hands write it: as it is, spaced, prefixed, or as a sub-clause."""
    group, number = ref.split(".")
    return [ref, f"{group} {number}", f"SEC {ref}", f"{ref}(a)"][n % 4]


def main() -> int:
    from assessments import CountQueries, bench_organisation, catalogue_yaml, scratch_installation  # bench/

    tmp = scratch_installation("secassure-intake-bench-")
    from django.db import connection
    from openpyxl import Workbook

    from secassure.assessments import actions
    from secassure.catalogue.importers import native
    from secassure.catalogue.loader import load
    from secassure.catalogue.models import FrameworkVersion
    from secassure.exchange.intake import mapping, tables, taking

    org, owner, _ = bench_organisation(first_name="Olivia", last_name="Owner")

    path = tmp / "catalogue.yaml"
    path.write_text(catalogue_yaml(ROWS, 60, "bench-intake"), encoding="utf-8")
    load(native.parse_file(str(path), 200 * 1024 * 1024))
    catalogue = FrameworkVersion.objects.get(version="bench-intake")
    assessment = actions.create_assessment(org, kind="ssa", catalogue=catalogue, by=owner).assessment
    refs = list(assessment.rows.order_by("order").values_list("obligation__ref", flat=True))
    type(assessment).objects.filter(pk=assessment.pk).update(status="preparation")
    assessment.refresh_from_db()

    wb = Workbook()
    ws = wb.active
    ws.title = "SEC Assessment"
    ws["A1"] = "Northgate Assurance Partners: SEC Section G assessment"
    ws.append([])
    ws.append(["Control ID", "SEC Obligation", "RAG Status", "Management Response", "Evidence Reference",
               "Action Owner", "Date of Last Test", "Consultant Notes"])
    for n, ref in enumerate(refs):
        ws.append([written(ref, n), f"Obligation number {n + 1}", STATUSES[n % len(STATUSES)],
                   "How we meet it, in the client's own words. " * 2, f"Evidence {n % 100}; Evidence {(n + 7) % 100}",
                   "Olivia Owner", (dt.date(2025, 1, 1) + dt.timedelta(days=n % 300)).strftime("%d/%m/%Y"),
                   "Reviewed by the consultant" if n % 5 == 0 else None])
    foreign = tmp / "client.xlsx"
    wb.save(foreign)
    print(f"assessment: {len(refs):,} rows; foreign workbook: {ROWS:,} rows, {foreign.stat().st_size / 1024:.0f} KiB; "
          f"database: {connection.vendor}")

    def read_and_propose():
        table = tables.read_table(foreign, foreign.name)
        kind = mapping.guess_kind(table)
        table = tables.read_table(foreign, foreign.name, kind=kind)
        return mapping.propose(table, kind)

    read_s, _ = timed(read_and_propose, 3)
    print(f"read and propose: {read_s * 1000:.0f} ms")


    with CountQueries() as queries:
        preview_s, intake = timed(lambda: taking.preview(org, foreign, foreign.name, by=owner, assessment=assessment),
                                  1)
    preview_s, intake = timed(lambda: taking.preview(org, foreign, foreign.name, by=owner, assessment=assessment), 3)
    data = intake.as_dict()
    print(f"preview: {preview_s * 1000:.0f} ms, {queries.count} SQL queries; {data['matched']:,} matched, "
          f"{len(data['unmatched'])} unmatched, {len(data['uncovered'])} uncovered, {data['changes']:,} to change, "
          f"{len(data['problems'])} problems")
    with CountQueries() as queries:
        start = time.perf_counter()
        summary = taking.apply(intake, foreign, foreign.name, by=owner)
        apply_s = time.perf_counter() - start
    print(f"apply: {apply_s:.2f} s for {summary['taken']:,} rows taken in and {summary['linked']:,} evidence links "
          f"({apply_s / max(summary['taken'], 1) * 1000:.2f} ms a row), {queries.count} SQL queries; each row and "
          "link has its audit event, written in one batch")
    return 0


if __name__ == "__main__":
    sys.exit(main())
