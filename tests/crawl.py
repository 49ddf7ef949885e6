"""A crawler that meets the product the way a person does: from their home page it follows every
same-site link the product renders (GET only) and checks what each one gives.

It fails on any server error, on any link the product rendered that answers 4xx, on any download
that is empty or does not parse as what it claims to be, and on any date input whose value a
browser would refuse (browsers accept only ``yyyy-mm-dd``, in every locale, and show anything else
as an empty field that is then submitted empty).

The fetching is passed in, so that the same walk runs through Django's test client (every page,
both databases) and through a real browser (which adds JavaScript errors and the value the browser
itself shows in each date field).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.test import Client

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# Links that are not pages to read: signing out ends the walk, and the admin is Django's own
# (its changelists multiply every model by every filter and ordering; its index is still read).
SKIP = (re.compile(r"^/accounts/logout/"), re.compile(r"^/admin/.+"), re.compile(r"^/static/"))

# Routes that differ only in a record's number are walked a few times per organisation, not for
# every row: one workspace row's page is built by the same code as the next one's.
PER_ROUTE = 4

# Routes that answer with a file rather than a page. The client crawl reads and parses every one; a
# walk that is after pages or forms (the browser's, the form sweeps) leaves them out, since building a
# submission pack or a PDF report for each is the slowest part of a walk and adds nothing there.
DOWNLOADS = frozenset({"exchange-workbook", "exchange-report", "exchange-cio-report", "exchange-pack",
                       "exchange-csv", "exchange-oscal", "document-download", "review-evidence",
                       "review-message-file", "attest-file", "calendar-feed"})


@dataclass
class Fetched:
    """What one GET gave: status, headers (lower-case names) and body."""

    status: int
    headers: dict[str, str]
    body: bytes
    redirect: str | None = None
    # Set by a browser: date fields whose value the browser refused, and script errors.
    refused_dates: list[str] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)


@dataclass
class Walk:
    """The walk's result: the pages read, and every problem found, as readable lines."""

    visited: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    downloads: Counter = field(default_factory=Counter)


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.dates: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        for attribute in ("hx-get", "data-hx-get"):
            if a.get(attribute):
                self.links.append(a[attribute])
        if tag == "input" and (a.get("type") or "").lower() == "date":
            self.dates.append((a.get("name") or "?", a.get("value") or ""))


# Arguments that pick one record among many of a kind, as a number does: a clause's reference (the
# catalogue's obligation pages, which tests/web/test_crawl.py reads every one of, once), a token.
RECORD_ARGUMENTS = frozenset({"ref", "token"})


def route_key(path: str) -> tuple:
    """The route a path resolves to, its organisation and its other arguments that are neither
    numbers nor records' names (RECORD_ARGUMENTS), and its query's parameter names: paths with the
    same key are built by the same code."""
    from django.urls import Resolver404, resolve

    parts = urlsplit(path)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return (parts.path,)
    words = tuple(sorted((k, v) for k, v in match.kwargs.items()
                         if not str(v).isdigit() and k not in RECORD_ARGUMENTS))
    query = tuple(sorted({p.split("=")[0] for p in parts.query.split("&") if p}))
    return (match.view_name, words, query)


def check_download(path: str, got: Fetched) -> str | None:
    """None when the bytes are what the response says they are; otherwise what is wrong."""
    kind = got.headers.get("content-type", "").split(";")[0].strip()
    name = re.search(r'filename="?([^";]+)', got.headers.get("content-disposition", ""))
    suffix = name.group(1).rsplit(".", 1)[-1].lower() if name else path.rsplit(".", 1)[-1].lower()
    body = got.body
    if not body:
        return "an empty download"
    try:
        if kind == "application/json" or suffix == "json":
            json.loads(body)
        elif suffix in ("xlsx", "zip", "docx", "pptx") or kind.endswith(("sheet", "zip")):
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                bad = archive.testzip()
                if bad:
                    return f"a damaged archive member {bad}"
            if suffix == "xlsx":
                from openpyxl import load_workbook

                load_workbook(io.BytesIO(body), read_only=True).close()
        elif kind == "application/pdf" or suffix == "pdf":
            if not body.startswith(b"%PDF"):
                return "a PDF that does not start with %PDF"
        elif kind == "text/csv" or suffix == "csv":
            rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
            if not rows or not any(rows[0]):
                return "a CSV file without a header row"
        elif kind == "text/calendar" or suffix == "ics":
            if not body.startswith(b"BEGIN:VCALENDAR"):
                return "a calendar that does not start with BEGIN:VCALENDAR"
    except Exception as error:  # noqa: BLE001 - any failure to parse is the finding
        return f"a download that does not parse ({type(error).__name__}: {error})"
    return None


def walk(fetch: Callable[[str], Fetched], start: Iterable[str] = ("/",), *, who: str = "",
         per_route: int = PER_ROUTE, limit: int = 5000,
         on_page: Callable[[str, str], None] | None = None, leave_out: frozenset = frozenset()) -> Walk:
    """Breadth first from ``start``, reading each link once; ``on_page`` is given each HTML page."""
    result = Walk()
    queue = [(p, "(start)") for p in start]
    seen = {p for p, _ in queue}
    taken: Counter = Counter()
    while queue and len(result.visited) < limit:
        path, came_from = queue.pop(0)
        key = route_key(path)
        if taken[key] >= per_route or key[0] in leave_out:
            continue
        taken[key] += 1
        got = fetch(path)
        result.visited.append(path)
        where = f"{who} {path} (linked from {came_from})"
        if got.status >= 500:
            result.problems.append(f"{where}: server error {got.status}")
            continue
        if got.status >= 400:
            result.problems.append(f"{where}: answers {got.status}")
            continue
        if got.redirect:
            target = urlsplit(urljoin(path, got.redirect))
            if not target.netloc or target.netloc in ("testserver", "localhost", "127.0.0.1"):
                _enqueue(queue, seen, target.path + (f"?{target.query}" if target.query else ""), path)
            continue
        result.problems.extend(f"{where}: {error}" for error in got.script_errors)
        result.problems.extend(f"{where}: the browser refused the date in {name}" for name in got.refused_dates)
        html = "text/html" in got.headers.get("content-type", "")
        if not html or "attachment" in got.headers.get("content-disposition", ""):
            result.downloads[key[0]] += 1
            problem = check_download(path, got)
            if problem:
                result.problems.append(f"{where}: {problem}")
            continue
        text = got.body.decode("utf-8")
        if on_page:
            on_page(path, text)
        page = _Page()
        page.feed(text)
        for name, value in page.dates:
            if value and not ISO_DATE.fullmatch(value):
                result.problems.append(f"{where}: date input {name} holds {value!r}, not yyyy-mm-dd")
        for link in page.links:
            _enqueue(queue, seen, link, path)
    return result


def _enqueue(queue: list, seen: set, link: str, came_from: str) -> None:
    if link.startswith(("mailto:", "tel:", "javascript:", "#")):
        return
    parts = urlsplit(urljoin(came_from, link))
    if parts.scheme in ("http", "https") and parts.netloc not in ("", "testserver", "localhost", "127.0.0.1") \
            and not parts.netloc.startswith(("localhost:", "127.0.0.1:")):
        return
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if any(rule.search(path) for rule in SKIP) or path in seen:
        return
    seen.add(path)
    queue.append((path, came_from))


class _Browser(Client):
    """A person's browser over HTTPS that shows a server error as the page a person would get."""

    def __init__(self):
        super().__init__(raise_request_exception=False)

    def generic(self, *args, secure=True, **kwargs):
        return super().generic(*args, secure=True, **kwargs)


def sign_in(email: str, password: str):
    """A browser signed in through the sign-in page, as the person would."""
    browser = _Browser()
    page = browser.get("/accounts/login/")
    assert page.status_code == 200 and b'name="login"' in page.content
    signed = browser.post("/accounts/login/", {"login": email, "password": password})
    assert signed.status_code == 302, f"{email} could not sign in"
    return browser


def client_fetcher(client) -> Callable[[str], Fetched]:
    """Fetch through Django's test client (which reports a server error as a 500 response)."""

    def fetch(path: str) -> Fetched:
        response = client.get(path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        headers = {k.lower(): v for k, v in response.items()}
        redirect = headers.get("location") if response.status_code in (301, 302, 303, 307, 308) else None
        return Fetched(response.status_code, headers, body, redirect)

    return fetch


@dataclass
class Form:
    """A form as a browser would send it: where, and the fields with their current values."""

    action: str
    method: str
    edit: bool
    fields: list[tuple[str, str]] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)  # each field's input type, "select" or "textarea"


class _Forms(HTMLParser):
    """Reads the forms of a page and what a browser would submit from each, unchanged: checked boxes
    and radios, each select's selected options (or its first, for a single select), text areas'
    text, and the first submit button's name."""

    def __init__(self, page_path: str):
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: tuple[str, bool, list, list] | None = None  # name, multiple, options, selected
        self._option: tuple[str | None, bool] | None = None
        self._option_text = ""
        self._textarea: str | None = None
        self._text = ""
        self._submitted = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = Form(urljoin(self.page_path, a.get("action") or self.page_path),
                              (a.get("method") or "get").lower(), "data-edit" in a)
            self._submitted = False
            return
        if self._form is None or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "image"):
                if name and not self._submitted:
                    self._form.fields.append((name, a.get("value") or ""))
                self._submitted = True
            elif kind in ("checkbox", "radio"):
                if name and "checked" in a:
                    self._form.fields.append((name, a.get("value") if a.get("value") is not None else "on"))
            elif kind not in ("file", "reset", "button") and name:
                self._form.fields.append((name, a.get("value") or ""))
                self._form.kinds[name] = kind
        elif tag == "button":
            if (a.get("type") or "submit").lower() == "submit":
                if name and not self._submitted:
                    self._form.fields.append((name, a.get("value") or ""))
                self._submitted = True
        elif tag == "select" and name:
            self._select = (name, "multiple" in a, [], [])
        elif tag == "option" and self._select is not None:
            self._option = (a.get("value"), "selected" in a)
            self._option_text = ""
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""
            self._form.kinds[name] = "textarea"

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data
        if self._option is not None:
            self._option_text += data

    def handle_endtag(self, tag):
        if tag == "option" and self._option is not None and self._select is not None:
            value, selected = self._option
            value = value if value is not None else self._option_text.strip()
            self._select[2].append(value)
            if selected:
                self._select[3].append(value)
            self._option = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, multiple, options, selected = self._select
            chosen = selected if multiple else (selected[-1:] or options[:1])
            self._form.fields.extend((name, value) for value in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            # A browser drops the one line break that follows the opening tag.
            text = self._text[1:] if self._text.startswith("\n") else self._text
            self._form.fields.append((self._textarea, text.replace("\r\n", "\n").replace("\n", "\r\n")))
            self._textarea = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def forms_of(page_path: str, html: str) -> list[Form]:
    reader = _Forms(page_path)
    reader.feed(html)
    return reader.forms
