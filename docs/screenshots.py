"""Retake the user guide's screenshots from the demo.

Serve the demo with ``make run`` (a fresh database gives the pictures the guide describes), then, in
another terminal, after ``make test`` has installed Playwright:

    .venv/bin/python docs/screenshots.py [--base http://127.0.0.1:8000] [--chromium /usr/bin/chromium]

Each picture is taken as the person in the demo story who would see it. Nothing is changed in the
demo: the import preview is only previewed, never applied.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import sync_playwright

PASSWORD = "secassure-demo"  # noqa: S105 - the demo's published password
OUT = Path(__file__).resolve().parent / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


class Session:
    def __init__(self, browser, base: str, email: str):
        self.base = base
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.page.set_default_timeout(20_000)
        self.page.goto(f"{base}/accounts/login/")
        self.page.fill("input[name=login]", email)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state()
        if "/accounts/" in self.page.url:
            raise SystemExit(f"could not sign in as {email}: is the demo loaded, with MFA off (make run)?")

    def click(self, selector: str) -> None:
        self.page.click(selector)
        self.page.wait_for_load_state()

    def shoot(self, name: str, *, full_page: bool = False) -> None:
        path = OUT / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        print(f"{path.relative_to(OUT.parent.parent)}  ({self.page.url})")


def _open(session: Session, organisation: str, assessment: str = "Self-assessment (cycle year 3)") -> None:
    session.page.goto(f"{session.base}/")
    session.click(f"table.portfolio a:has-text('{organisation}')")
    session.click("a:has-text('Assessments')")
    session.click(f"a:has-text('{assessment}')")


def _client_workbook(path: Path) -> Path:
    """A Validation Workbook in a consultancy's own layout: a title above the headers, references
    written their own way, RAG statuses."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "SEC G self-assessment"
    sheet["A1"] = "Demo Northern Networks plc: SEC Section G self-assessment, prepared by Acme Advisers"
    sheet.append([])
    sheet.append(["SEC Ref", "Requirement", "RAG", "How is it met", "Evidence", "Last tested"])
    sheet.append(["G 3.2", "Separation of User Systems", "Green", "Firewalled enclave, reviewed yearly",
                  "Network Security Policy", "14/03/2026"])
    sheet.append(["SEC G3.5", "Security incidents", "Amber", "Runbook being rewritten", "", ""])
    sheet.append(["G5.14(a)", "Information security policy", "Green", "Board approved", "", "01/02/2026"])
    sheet.append(["G9.9", "Not a clause of Section G's security duties", "Red", "", "", ""])
    workbook.save(path)
    return path


def take(base: str, chromium: str) -> None:
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        alice = Session(browser, base, "alice@demo.secassure.test")
        alice.shoot("home-portfolio")
        alice.click("table.portfolio a:has-text('Demo Energy Supply Ltd')")
        alice.shoot("organisation", full_page=True)

        _open(alice, "Demo Northern Networks plc")
        alice.shoot("workspace")

        alice.click("nav.tabs a:has-text('Files and exports')")
        files_page = alice.page.url
        alice.shoot("files")
        with alice.page.expect_download() as download:
            alice.page.click("a:has-text('Validation Workbook (.xlsx)')")
        with tempfile.TemporaryDirectory() as folder:
            workbook_path = Path(folder) / "workbook.xlsx"
            download.value.save_as(workbook_path)
            workbook = load_workbook(workbook_path)
            sheet = workbook["Validation"]
            narrative = next(cell.column for cell in sheet[1] if cell.value == "How it is met")
            sheet.cell(row=2, column=narrative).value = "Alerts are reviewed daily by the security team."
            workbook.save(workbook_path)
            alice.page.set_input_files("input[name=workbook]", str(workbook_path))
            alice.click("button:has-text('Check and preview')")
        alice.shoot("import-preview")

        alice.page.goto(files_page)
        alice.click("a:has-text('Take in a spreadsheet')")
        with tempfile.TemporaryDirectory() as folder:
            alice.page.set_input_files("input[name=file]", str(_client_workbook(Path(folder) / "client.xlsx")))
            alice.click("button:has-text('Read it and propose a mapping')")
            alice.shoot("intake-mapping")
            alice.click("button:has-text('Preview what it would do')")
            alice.shoot("intake-preview")

        networks_plan = alice.page
        networks_plan.goto(f"{base}/")
        alice.click("table.portfolio a:has-text('Demo Northern Networks plc')")
        alice.click("p:has-text('Remediation plan') a")
        alice.shoot("remediation-plan", full_page=True)

        kofi = Session(browser, base, "kofi@networks.demo.secassure.test")
        kofi.click("a:has-text('Your dates')")
        kofi.shoot("your-dates")

        morgan = Session(browser, base, "morgan@cio.demo.secassure.test")
        morgan.click("a:has-text('what is shared with you')")
        morgan.click("a:has-text('Self-assessment (cycle year 3)')")
        morgan.shoot("cio-review")
        morgan.page.goto(f"{base}/review/")
        morgan.click("tr:has-text('Demo Northern Networks plc') a:has-text('VUSA (cycle year 2)')")
        morgan.shoot("cio-assessment")

        priya = Session(browser, base, "priya@northgate.demo.secassure.test")
        priya.click("a:has-text('the documents you maintain')")
        priya.shoot("provider-documents")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000", help="where make run serves the demo")
    parser.add_argument("--chromium", default="/usr/bin/chromium", help="the chromium to drive")
    options = parser.parse_args()
    take(options.base.rstrip("/"), options.chromium)


if __name__ == "__main__":
    main()
