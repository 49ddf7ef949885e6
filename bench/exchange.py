"""Benchmark: the Validation Workbook at the size of a large catalogue. Prints figures; asserts nothing.

On a scratch SQLite database (DATABASE_URL to try PostgreSQL) it builds an assessment of 1,300
obligations with narratives and evidence links, then prints:

- export time (target at most 0.3 s), as a ratio to the fastest bare writer of the same cell values
  (target at most 1.5x): every cell the export writes, in every sheet, recorded as it writes them
  and written again with nothing else (no styles, validations, protection or properties) by
  XlsxWriter's own cell calls in constant-memory mode (the export fills XlsxWriter's workbook but
  writes each row's XML itself, which bench/writers.py compares with the writers), and, when
  installed in the environment running this, rustpy-xlsxwriter, which is faster still but cannot
  write what the workbook needs (bench/writers.py compares them all); and to bare openpyxl, the
  writer before: these writes run in turn, and each ratio is the median of the ratios within a
  round (see in_turn);
- the import check (reading and checking every row, reading.read) as a ratio to a bare
  python-calamine read of the same file's cells, every sheet's (target at most 1.5x, in time waited;
  the ratio to a read of the data sheets alone is printed too, and the ratio of processor time,
  since the check parses its largest sheet in a second thread; and the same ratio for the workbook
  saved again, with its texts in a shared strings part as spreadsheet programs keep them): these
  run in turn in each of READ_PROCESSES fresh processes, and each ratio is the median of the
  processes' own (see READ_PROCESSES); and the whole import preview (the check and the plan,
  without the database write), as a ratio to a bare openpyxl read-only pass (at most 2x): these two
  run in turn, and their ratio is the median of the ratios within a round (see in_turn); and
  applying an edit to every row, the database write (target under 1 s: each row saved and audited
  as a save of its own would be, in one batch);
- peak Python memory of the export at 1,300 and at 5,200 rows: it should stay flat, because the
  workbook is streamed.

It ends with a TARGET line for each target (see bench/summary.py).

Run: `.venv/bin/python bench/exchange.py`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPEAT = 5
# The import check against a bare read is measured in this many fresh processes, one after another,
# and its ratio is the median of theirs. Within one process the two run in turn and their ratio is
# steady, but from one process to the next the same check on the same file took from 30 to 40 ms of
# processor time against a bare read's steady 19 (with PYTHONHASHSEED fixed, some seeds were quick
# every time and others slow: where the process's objects and tables happen to lie in memory), so
# that one process's ratio told as much of its luck as of the check.
READ_PROCESSES = 5
sys.path.insert(0, str(Path(__file__).resolve().parent))


def best_of(fn, repeat: int = REPEAT):
    """Seconds of the best of repeat runs (the machine may be busy with other work: the best is the least
    disturbed), and the result."""
    from assessments import timed  # bench/assessments.py

    _, best_ms, result = timed(fn, repeat)
    return best_ms / 1000, result


def in_turn(fns: dict, repeat: int = 3 * REPEAT, processor: dict | None = None) -> dict[str, list[float]]:
    """Seconds of each run of each of fns, run in turn, one of each a round, the order turned by one
    each round (so that none always follows another): within a round all of them meet the machine
    in much the same state, so the ratio of two within a round is steadier, on a machine that is
    slower from time to time as shared ones are, than the ratio of each one's best (see ratio).
    ``processor``, when given, is filled in the same way with each run's processor time, every
    thread's."""
    names = list(fns)
    times: dict[str, list[float]] = {name: [] for name in names}
    if processor is not None:
        processor.update({name: [] for name in names})
    for round_ in range(repeat):
        for name in names[round_ % len(names):] + names[:round_ % len(names)]:
            start, busy = time.perf_counter(), time.process_time()
            fns[name]()
            times[name].append(time.perf_counter() - start)
            if processor is not None:
                processor[name].append(time.process_time() - busy)
    return times


def ratio(times: dict[str, list[float]], measured: str, against: str) -> float:
    """The median, over the rounds of in_turn, of the round's ratio of one to the other."""
    return statistics.median(a / b for a, b in zip(times[measured], times[against], strict=True))


def calamine_read(path: Path, titles=None) -> int:
    """A bare read of a file's cells with python-calamine: every sheet's, or those of the sheets titled."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    count = 0
    for title in titles or wb.sheet_names:
        for row in wb.get_sheet_by_name(title).to_python():
            count += sum(v != "" for v in row)
    wb.close()
    return count


def reads(files: dict[str, str]) -> dict:
    """In this process (started by reads_in_processes, with the installation's folder and database in
    its environment): the import check and the bare reads of the exported and re-saved workbooks,
    in turn, with each run's time and processor time."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from secassure.exchange import layout, reading

    out, resaved = Path(files["out"]), Path(files["resaved"])
    data_titles = [sheet.title for sheet in layout.DATA_SHEETS[layout.VALIDATION_WORKBOOK]]
    timed = {"calamine": lambda: calamine_read(out), "calamine data": lambda: calamine_read(out, data_titles),
             "check": lambda: reading.read(out), "calamine re-saved": lambda: calamine_read(resaved),
             "check re-saved": lambda: reading.read(resaved)}
    for read in timed.values():  # once each before the timing: imports and first-use caches
        read()
    processor: dict[str, list[float]] = {}
    times = in_turn(timed, processor=processor)
    return {"times": times, "processor": processor}


def reads_in_processes(files: dict[str, Path]) -> list[dict]:
    """reads() in READ_PROCESSES fresh processes, one after the other, each given this one's
    environment (the installation's folder, its database and signing key)."""
    env = os.environ.copy()
    env.pop("PYTHONHASHSEED", None)  # each process its own, or the median would not average out their luck
    runs = []
    for _ in range(READ_PROCESSES):
        done = subprocess.run([sys.executable, __file__, "--reads", json.dumps({k: str(v) for k, v in files.items()})],
                              capture_output=True, text=True, check=False, env=env)
        if done.returncode:
            raise RuntimeError(f"the reads' process failed:\n{done.stderr}")
        runs.append(json.loads(done.stdout.splitlines()[-1]))
    return runs


def peak_of(fn) -> float:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / (1 << 20)
    finally:
        tracemalloc.stop()


def main() -> int:
    from assessments import CountQueries, bench_organisation, catalogue_yaml, scratch_installation
    from summary import target  # bench/summary.py

    tmp = scratch_installation("secassure-exchange-bench-")
    from django.db import connection
    from openpyxl import Workbook, load_workbook

    from secassure.assessments import actions
    from secassure.assessments.models import EvidenceLink
    from secassure.catalogue.importers import native
    from secassure.catalogue.loader import load
    from secassure.catalogue.models import FrameworkVersion
    from secassure.exchange import gathering, importing, layout, reading, workbook

    org, owner, documents = bench_organisation()

    def assessment_of(obligations: int, version: str):
        path = tmp / f"{version}.yaml"
        path.write_text(catalogue_yaml(obligations, 60, version), encoding="utf-8")
        load(native.parse_file(str(path), 200 * 1024 * 1024))
        catalogue = FrameworkVersion.objects.get(version=version)
        assessment = actions.create_assessment(org, kind="ssa", catalogue=catalogue, by=owner).assessment
        narrative = "How we meet it, in a paragraph of ordinary length. " * 3
        assessment.rows.update(status="compliant", narrative=narrative)
        rows = list(assessment.rows.all())
        links = [EvidenceLink(assessment=assessment, row=rows[i % len(rows)],
                              document=documents[(i + i // len(rows)) % 100]) for i in range(len(rows) * 3)]
        EvidenceLink.objects.bulk_create(links, batch_size=1000, ignore_conflicts=True)
        type(assessment).objects.filter(pk=assessment.pk).update(status="preparation")
        assessment.refresh_from_db()
        return assessment

    big = assessment_of(1300, "bench-1300")
    rows = big.rows.count()
    print(f"assessment: {rows:,} rows, {big.answers.count()} questions, {big.links.count():,} evidence links; "
          f"database: {connection.vendor}")

    out = tmp / "export.xlsx"
    workbook.write(big, out, by=owner)
    profile = os.environ.get("BENCH_PROFILE")  # "export" or "read": profile that, print the figures and stop
    if profile in ("export", "read"):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        if profile == "export":
            profiler.runcall(workbook.write, big, out, by=owner)
        else:
            profiler.runcall(reading.read, out)
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
        return 0

    # The same cells: every value the export writes, in every sheet (the very hidden metadata sheet
    # too, and empty text written as a cell), recorded as it writes them, to be written again with
    # nothing else: no styles, validations, protection, widths or properties.
    recorded: dict[str, list] = {}
    real_cell_xml = workbook.cell_xml

    def recording(ws, row, column, value, style, styles):
        recorded.setdefault(ws.name, []).append((row, column, value))
        return real_cell_xml(ws, row, column, value, style, styles)

    workbook.cell_xml = recording
    try:
        workbook.write(big, tmp / "recorded.xlsx", by=owner)
    finally:
        workbook.cell_xml = real_cell_xml
    values = recorded
    cells = sum(len(written) for written in values.values())

    # The data sheets' values alone, queried and formatted as the export does, without writing them.
    def gather():
        return {sheet.title: [workbook.item_values(sheet, item, layout.USER, owner)
                              for item in gathering.items(big, sheet.item)]
                for sheet in layout.DATA_SHEETS[layout.VALIDATION_WORKBOOK]}

    gather_s, _ = best_of(gather)

    def as_rows(written: list) -> list[list]:
        """The recorded cells of a sheet as its rows, top to bottom (as a row-by-row writer takes them)."""
        rows: list[list] = []
        for row, column, value in written:
            while len(rows) <= row:
                rows.append([])
            cells = rows[row]
            cells.extend([None] * (column + 1 - len(cells)))
            cells[column] = value
        return rows

    sheet_rows_of = {title: as_rows(written) for title, written in values.items()}

    def bare_write():
        wb = Workbook(write_only=True)
        for title, sheet_rows in sheet_rows_of.items():
            ws = wb.create_sheet(title)
            for row in sheet_rows:
                ws.append(row)
        wb.save(tmp / "bare.xlsx")

    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, PatternFill, Protection

    wrap, fill, open_cell = Alignment(wrap_text=True, vertical="top"), PatternFill("solid", fgColor="FFF6D5"), \
        Protection(locked=False)

    def styled_write():
        # The same cells styled the ordinary openpyxl way: wrapped, and shaded and unlocked where they are inputs.
        wb = Workbook(write_only=True)
        for title, sheet_rows in sheet_rows_of.items():
            ws = wb.create_sheet(title)
            for row in sheet_rows:
                cells = []
                for i, value in enumerate(row):
                    c = WriteOnlyCell(ws, value=value)
                    c.alignment = wrap
                    if 5 <= i <= 10:
                        c.fill, c.protection = fill, open_cell
                    cells.append(c)
                ws.append(cells)
        wb.save(tmp / "styled.xlsx")

    import xlsxwriter

    def bare_xlsxwriter():
        wb = xlsxwriter.Workbook(str(tmp / "bare-xlsxwriter.xlsx"), {"constant_memory": True})
        date = wb.add_format({"num_format": "yyyy-mm-dd"})
        for title, written in values.items():
            ws = wb.add_worksheet(title)
            for r, c, value in written:  # in the order the export wrote them: row by row
                if isinstance(value, str):
                    ws.write_string(r, c, value)
                elif isinstance(value, bool):
                    ws.write_boolean(r, c, value)
                elif isinstance(value, dt.date):
                    ws.write_datetime(r, c, value, date)
                elif value is not None:
                    ws.write_number(r, c, value)
        wb.close()

    bare_writers = {"XlsxWriter constant_memory": bare_xlsxwriter}
    try:
        import rustpy_xlsxwriter
    except ImportError:
        pass
    else:
        def bare_rustpy():
            excel = rustpy_xlsxwriter.FastExcel(str(tmp / "bare-rustpy.xlsx"))
            for title, sheet_rows in sheet_rows_of.items():
                width = max((len(row) for row in sheet_rows), default=0)
                keys = [f"column {i + 1}" for i in range(width)]
                excel.sheet(title, [dict(zip(keys, row, strict=False)) for row in sheet_rows])
            excel.save()

        bare_writers["rustpy-xlsxwriter (not usable: no very hidden sheet, per-cell formats or names)"] = bare_rustpy
    writes = in_turn({"export": lambda: workbook.write(big, out, by=owner), **bare_writers,
                      "openpyxl": bare_write, "openpyxl styled": styled_write}, repeat=2 * REPEAT)
    export_s = min(writes["export"])
    bare_times = {name: min(writes[name]) for name in bare_writers}
    fastest = min(bare_times, key=bare_times.get)
    print(f"export: {export_s * 1000:.0f} ms, {out.stat().st_size / 1024:.0f} KiB (target at most 300 ms: "
          f"{'met' if export_s <= 0.3 else 'NOT met'}; the best of {len(writes['export'])} runs, in turn with the "
          "writes below, each ratio the median of the rounds' own ratios)")
    print(f"  the same cells, {cells:,} in {len(values)} sheets, written bare (no styles, validations, protection "
          "or properties):")
    for name, seconds in bare_times.items():
        print(f"  bare {name} write of the same cell values: {seconds * 1000:.0f} ms, ratio "
              f"{ratio(writes, 'export', name):.2f}x (target at most 1.5x)")
    print(f"  of which the data sheets' values alone, queried and formatted without writing: {gather_s * 1000:.0f} ms")
    print(f"  bare openpyxl write-only of the same cell values, unstyled: {min(writes['openpyxl']) * 1000:.0f} ms, "
          f"ratio {ratio(writes, 'export', 'openpyxl'):.2f}x")
    print(f"  bare openpyxl write-only of the same cells, styled: {min(writes['openpyxl styled']) * 1000:.0f} ms, "
          f"ratio {ratio(writes, 'export', 'openpyxl styled'):.2f}x")

    def bare_read():
        wb = load_workbook(open(out, "rb"), read_only=True)  # noqa: SIM115
        count = 0
        for title in data_titles:
            for row in wb[title].iter_rows():
                for cell in row:
                    count += cell.value is not None
        wb.close()
        return count

    data_titles = [sheet.title for sheet in layout.DATA_SHEETS[layout.VALIDATION_WORKBOOK]]

    # The same workbook as a spreadsheet program saves it: opened and saved again (by openpyxl, which
    # like Excel and LibreOffice keeps the texts in a shared strings part that calamine reads as it
    # opens the file), as most workbooks that come back will have been.
    resaved = tmp / "resaved.xlsx"
    load_workbook(out).save(resaved)
    assert len(reading.read(resaved).items) == len(reading.read(out).items)
    assert calamine_read(out) > rows
    runs = reads_in_processes({"out": out, "resaved": resaved})
    previews = in_turn({"openpyxl": bare_read, "preview": lambda: importing.plan(big, out, by=owner)})

    def across(name: str, against: str | None = None, of: str = "times") -> float:
        """The median, over the processes, of a read's median time (in ms) or of its ratio to another."""
        return statistics.median(ratio(run[of], name, against) if against else statistics.median(run[of][name]) * 1000
                                 for run in runs)

    bare_read_s, check_s = (statistics.median(previews[name]) for name in ("openpyxl", "preview"))
    read_ratio, check_ratio = across("check", "calamine"), ratio(previews, "preview", "openpyxl")
    print(f"(the import check and the bare python-calamine reads below run in turn in {len(runs)} fresh processes, "
          f"{len(runs[0]['times']['check'])} rounds in each; each time is the median over the processes of each "
          "one's median, each ratio the median over the processes of each one's median of the rounds' own ratios)")
    print(f"import check (reading.read): {across('check'):.0f} ms; bare python-calamine read of the same file, "
          f"every sheet: {across('calamine'):.0f} ms; ratio {read_ratio:.2f}x (target at most 1.5x)")
    each = [(statistics.median(run["times"]["check"]) * 1000, statistics.median(run["times"]["calamine"]) * 1000,
             ratio(run["times"], "check", "calamine")) for run in runs]
    print("  each process's: " + "; ".join(f"{check:.0f} against {bare:.0f} ms, {r:.2f}x" for check, bare, r in each))
    print(f"  against a bare python-calamine read of the data sheets alone ({across('calamine data'):.0f} ms; the "
          f"check reads the hidden metadata sheet too): ratio {across('check', 'calamine data'):.2f}x")
    print(f"  the same workbook saved again, its texts shared as spreadsheet programs keep them: the check "
          f"{across('check re-saved'):.0f} ms, a bare python-calamine read of every sheet "
          f"{across('calamine re-saved'):.0f} ms, ratio {across('check re-saved', 'calamine re-saved'):.2f}x")
    print(f"  processor time, every thread's: the check {across('check', of='processor'):.0f} ms, the bare read of "
          f"every sheet {across('calamine', of='processor'):.0f} ms, ratio "
          f"{across('check', 'calamine', of='processor'):.2f}x (the check parses its largest sheet in a second "
          "thread while it checks the others, so that it waits less than it works)")
    print(f"import check and preview: {check_s * 1000:.0f} ms; bare openpyxl read of the same file "
          f"{bare_read_s * 1000:.0f} ms; ratio {check_ratio:.2f}x (target at most 2x, before the "
          "database write)")

    def edit_every_row(run: int):
        """A fresh export edited in every row's narrative, and its preview: each run changes every row
        again, on the revisions the run before left."""
        exported = tmp / f"to-edit-{run}.xlsx"
        workbook.write(big, exported, by=owner)
        wb = load_workbook(exported)
        ws = wb["Validation"]
        for r in range(2, rows + 2):
            ws.cell(row=r, column=7, value=f"Edited offline in run {run}, row {r}")
        edited = tmp / f"edited-{run}.xlsx"
        wb.save(edited)
        return edited, importing.plan(big, edited, by=owner)

    applies = []
    for run in range(3):
        edited, plan = edit_every_row(run)
        with CountQueries() as queries:
            start = time.perf_counter()
            summary = importing.apply(plan, edited, by=owner, name=edited.name)
            applies.append(time.perf_counter() - start)
        assert summary["applied"] == rows, summary["applied"]
    apply_s = min(applies)
    print(f"database write of an import changing {summary['applied']:,} rows: {apply_s:.2f} s, best of "
          f"{len(applies)} ({apply_s / max(summary['applied'], 1) * 1000:.2f} ms a row, audited in one batch), "
          f"{len(queries)} SQL queries")
    targets = [
        target("workbook export of 1,300 rows, every sheet", export_s, 0.3, " s", digits=2),
        target(f"workbook export against a bare {fastest.split(' (')[0]} write of the same cells",
               ratio(writes, "export", fastest), 1.5, "x", digits=2),
        target("import check against a bare python-calamine read of every sheet", read_ratio, 1.5, "x", digits=2),
        target("import check and preview against a bare openpyxl read", check_ratio, 2.0, "x", digits=2),
        target(f"applying an import changing {rows:,} rows", apply_s, 1.0, " s", digits=2),
    ]

    export_peak = peak_of(lambda: workbook.write(big, tmp / "m1.xlsx", by=owner))
    read_peak = peak_of(lambda: reading.read(out))
    bigger = assessment_of(5200, "bench-5200")
    bigger_peak = peak_of(lambda: workbook.write(bigger, tmp / "m4.xlsx", by=owner))
    print(f"peak Python memory of the export: {export_peak:.1f} MiB at {rows:,} rows, {bigger_peak:.1f} MiB at "
          f"{bigger.rows.count():,} rows (the rows' own objects grow; the workbook is streamed to disk)")
    print(f"peak Python memory of reading and checking the {rows:,}-row workbook: {read_peak:.1f} MiB")
    for line in targets:
        print(line)
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--reads"]:
        print(json.dumps(reads(json.loads(sys.argv[2]))))
        sys.exit(0)
    sys.exit(main())
