"""Benchmark: candidate .xlsx writers side by side, on the cells of a 1,300-row Validation Workbook.

The workbook export spends most of its time in the writer, so the writer is chosen on figures: each
candidate writes the same cells (the Validation and Questionnaire sheets' shape, with text of the
length people write, and an evidence index), once bare and, where the writer can, styled the way the
export needs (wrapped text; shaded, unlocked input columns; a date format). Among them is the
export's own way: XlsxWriter's workbook, with each row's XML written by secassure. Each runs in a fresh
process, so that one writer's caches and memory do not flatter or burden the next; the time is the
best of several runs (the machine may be busy), and memory is the process's peak resident size
above the interpreter's own, which also sees what a writer in Rust or C allocates, where tracemalloc
sees Python's objects only.

Writers that are not installed are skipped, saying so. Only openpyxl and XlsxWriter are dependencies;
to see the others, install them in a scratch environment (not the project's) and run this file with
its Python: `pip install rustpy-xlsxwriter pyexcelerate`.

Run: `.venv/bin/python bench/writers.py [ROWS] [REPEAT]`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time

ROWS = 1300
QUESTIONS = 60
INPUTS = range(5, 11)  # the Validation sheet's input columns (status to change note)
DATE_COLUMN = 8


def cells(rows: int) -> dict[str, list[list]]:
    """Rows of values per sheet, as the export writes them (headers first)."""
    narrative = "How we meet it, in a paragraph of ordinary length. " * 3
    validation = [["ID", "SEC group", "Ref", "Obligation", "What it requires", "Status", "How it is met",
                   "Why it does not apply", "Last tested", "Changed since baseline", "What changed", "Owner",
                   "Evidence", "Checked by", "CIO comment"]]
    for i in range(rows):
        evidence = "\n".join(f"D-{(i + k) % 100 + 1} v1 Evidence {(i + k) % 100}" for k in range(3))
        validation.append([i + 1, f"G{3 + i % 4}", f"G{3 + i % 4}.{i + 1}", f"Obligation number {i + 1}",
                           f"What obligation {i + 1} asks of the User, in a sentence or two.", "Compliant",
                           narrative, "", dt.date(2026, 1, 1 + i % 28), "", "", "Owner Name <owner@bench.test>",
                           evidence, "", ""])
    questionnaire = [["ID", "Ref", "Question", "Answer", "Narrative", "Material increase in risk",
                      "Why (material increase)", "Changed since baseline", "What changed", "Owner", "Evidence",
                      "Checked by", "CIO comment"]]
    for i in range(QUESTIONS):
        questionnaire.append([rows + i + 1, f"Q-{i + 1}", f"Has anything changed about topic {i + 1}?", "No", "",
                              "No", "", "", "", "", "", "", ""])
    evidence_index = [["Document", "Title", "Type", "Version", "File", "sha256", "Size (bytes)"]]
    for d in range(100):
        evidence_index.append([f"D-{d + 1}", f"Evidence {d}", "Record", 1, f"evidence-{d}.pdf", "ab" * 32, 12345])
    return {"Validation": validation, "Questionnaire": questionnaire, "Evidence index": evidence_index}


# --- the writers: each takes the sheets and a path, and writes them -------------------------------


def openpyxl_bare(sheets, path):
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)


def openpyxl_styled(sheets, path):
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, PatternFill, Protection

    wrap, fill, unlocked = Alignment(wrap_text=True, vertical="top"), PatternFill("solid", fgColor="FFF6D5"), \
        Protection(locked=False)
    wb = Workbook(write_only=True)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            out = []
            for i, value in enumerate(row):
                c = WriteOnlyCell(ws, value=value)
                c.alignment = wrap
                if title == "Validation" and i in INPUTS:
                    c.fill, c.protection = fill, unlocked
                if isinstance(value, dt.date):
                    c.number_format = "yyyy-mm-dd"
                out.append(c)
            ws.append(out)
        ws.protection.sheet = True
    wb.save(path)


def xlsxwriter_bare(sheets, path):
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    for title, rows in sheets.items():
        ws = wb.add_worksheet(title)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, dt.date):
                    ws.write_datetime(r, c, value, date)
                elif isinstance(value, str):
                    ws.write_string(r, c, value)
                elif value is not None:
                    ws.write_number(r, c, value)
    wb.close()


def xlsxwriter_styled(sheets, path):
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    locked = wb.add_format({"text_wrap": True, "valign": "top"})
    unlocked = wb.add_format({"text_wrap": True, "valign": "top", "bg_color": "#FFF6D5", "locked": False})
    unlocked_date = wb.add_format({"text_wrap": True, "valign": "top", "bg_color": "#FFF6D5", "locked": False,
                                   "num_format": "yyyy-mm-dd"})
    for title, rows in sheets.items():
        ws = wb.add_worksheet(title)
        ws.protect()
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if title == "Validation" and c in INPUTS:
                    fmt = unlocked_date if c == DATE_COLUMN else unlocked
                else:
                    fmt = locked
                if isinstance(value, dt.date):
                    ws.write_datetime(r, c, value, fmt)
                elif isinstance(value, str):
                    ws.write_string(r, c, value, fmt)
                elif value is not None:
                    ws.write_number(r, c, value, fmt)
                else:
                    ws.write_blank(r, c, None, fmt)
    wb.close()


def secassure_rows(sheets, path):
    """The export's own way: XlsxWriter's constant-memory workbook, formats and protection, each
    row's XML written by secassure.exchange.workbook straight into the sheet's row stream, styled
    as xlsxwriter_styled is."""
    from secassure.exchange import workbook  # with Django set up by one(), before its memory baseline

    with workbook.Workbook(str(path)) as wb:  # written out as the block ends
        styles = wb.styles
        for title, rows in sheets.items():
            sheet = wb.sheet(title)
            sheet.ws.protect()
            for row in rows:
                cells = []
                for c, value in enumerate(row):
                    if title == "Validation" and c in INPUTS:
                        fmt = styles.input_date if c == DATE_COLUMN else styles.input
                    else:
                        fmt = styles.locked_date if isinstance(value, dt.date) else styles.locked
                    cells.append((value, fmt))
                sheet.append(cells)


def rustpy_bare(sheets, path):
    import rustpy_xlsxwriter

    # It takes records (one dict a row, keyed by the headers), so the heading is the dicts' keys.
    records = [(title, [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]) for title, rows in sheets.items()]
    excel = rustpy_xlsxwriter.FastExcel(str(path))
    for title, data in records:
        excel.sheet(title, data)
    excel.save()


def pyexcelerate_bare(sheets, path):
    from pyexcelerate import Workbook

    wb = Workbook()
    for title, rows in sheets.items():
        wb.new_sheet(title, data=rows)
    wb.save(str(path))


WRITERS = {
    "openpyxl write-only, bare": ("openpyxl", openpyxl_bare),
    "openpyxl write-only, styled": ("openpyxl", openpyxl_styled),
    "XlsxWriter constant_memory, bare": ("xlsxwriter", xlsxwriter_bare),
    "XlsxWriter constant_memory, styled": ("xlsxwriter", xlsxwriter_styled),
    "XlsxWriter, rows as XML (the export)": ("secassure", secassure_rows),
    "rustpy-xlsxwriter, bare": ("rustpy_xlsxwriter", rustpy_bare),
    "pyexcelerate, bare": ("pyexcelerate", pyexcelerate_bare),
}


def one(name: str, rows: int, repeat: int) -> dict:
    """Time one writer in this process (a fresh one): best of repeat, and the peak memory it added."""
    module, fn = WRITERS[name]
    try:
        __import__(module)
    except ImportError:
        return {"skipped": f"{module} is not installed"}
    if module == "secassure":  # the project itself: its settings, and the modules the export imports
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secassure.settings")
        django.setup()
        import secassure.exchange.workbook  # noqa: F401
    sheets = cells(rows)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    from summary import scratch_folder  # bench/summary.py, beside this file

    path = scratch_folder("secassure-writers-") / "out.xlsx"
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(sheets, path)
        times.append(time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    from python_calamine import CalamineWorkbook

    read = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Validation").to_python()
    return {"best": min(times), "median": sorted(times)[len(times) // 2], "memory": (peak - baseline) / 1024,
            "size": path.stat().st_size / 1024, "rows_read": len(read)}


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        print(json.dumps(one(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))))
        return 0
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else ROWS
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    print(f"{rows:,} Validation rows, {QUESTIONS} questions, 100 evidence entries; best and median of {repeat} runs, "
          f"each writer in a fresh process")
    print(f"{'writer':38} {'best ms':>8} {'median':>8} {'peak RSS MiB':>13} {'KiB':>6}")
    results = {}
    for name in WRITERS:
        out = subprocess.run([sys.executable, __file__, "--one", name, str(rows), str(repeat)], capture_output=True,
                             text=True, check=False, env={**os.environ, "PYTHONHASHSEED": "0"})
        if out.returncode:
            print(f"{name:38} failed: {out.stderr.strip().splitlines()[-1] if out.stderr.strip() else out.returncode}")
            continue
        result = results[name] = json.loads(out.stdout)
        if "skipped" in result:
            print(f"{name:38} skipped: {result['skipped']}")
            continue
        print(f"{name:38} {result['best'] * 1000:8.0f} {result['median'] * 1000:8.0f} {result['memory']:13.1f} "
              f"{result['size']:6.0f}")
    timed = {name: r["best"] for name, r in results.items() if "best" in r}
    if timed:
        fastest = min(timed, key=timed.get)
        print(f"fastest: {fastest}; each as a multiple of it: "
              + ", ".join(f"{name} {t / timed[fastest]:.2f}x" for name, t in timed.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
