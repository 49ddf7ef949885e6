"""Checks a catalogue file must pass before it is trusted, beyond what loading it requires.

- ``specific-source``: in a regulation's catalogue, an entry tagged S (a public source states it)
  names the page that states it: its address and its title, and a page about the entry, not a
  general overview of the regime. An entry citing several sources needs one such page among them,
  and so does an assessment scope tagged S. (A standard's control set is stated by the standard
  itself, which its version names.)
- ``ref-form``: every id is written as the framework writes its ids (for SEC Section G: ``G3.9``,
  ``G5.14``, ``G3.28(a)``; its questions ``SSA-04``; for SEC Section I ``I1.2`` and ``PSA-01``;
  for ISO/IEC 27001 clauses ``6.1.2`` and Annex A
  controls ``A.5.19``).
- ``question-clauses``: every question cites obligations that exist in the same file.
- ``question-assessable``: a question cites only obligations that are assessed; an entry marked
  ``assessable: false`` is a heading or a definition, which no answer can bear on.
- ``unique-ref``: no two obligations, and no two questions, share an id.
- ``format``: the file is a catalogue file at all (docs/catalogue-format.md).

``lint_file`` reads a file and returns its problems, each with the rule it breaks, the place in the
file and the entry's id, so that a reader can go straight to it. Nothing here touches the database.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from secassure.catalogue.choices import Confidence, FrameworkKind
from secassure.catalogue.importers.base import CatalogueData, CatalogueError, parse_yaml, read_text
from secassure.catalogue.importers.native import parse_document
from secassure.catalogue.queries import sources_of

RULES = ("format", "unique-ref", "question-clauses", "question-assessable", "ref-form", "specific-source")

# Pages that describe the regime as a whole: useful reading, but they state no single entry.
GENERAL_PAGES = frozenset({
    "https://smartenergycodecompany.co.uk",
    "https://smartenergycodecompany.co.uk/sec",
    "https://smartenergycodecompany.co.uk/sec/security-assessments",
    "https://smartenergycodecompany.co.uk/security-controls-framework",
    "https://smartenergycodecompany.co.uk/the-smart-energy-code",
    "https://smartenergycodecompany.co.uk/sec/privacy-assessments",
    "https://smartenergycodecompany.co.uk/privacy-controls-framework",
})

# How each framework writes its ids; frameworks not named here are checked only for the rules
# every id meets when the file loads.
REF_FORMS: dict[str, dict[str, re.Pattern]] = {
    "sec-g": {
        "obligation": re.compile(r"^G\d{1,2}(\.\d{1,3}[A-Z]?)?(\([a-z0-9]{1,4}\))*$"),
        "question": re.compile(r"^SSA-\d{2,3}$"),
    },
    # SEC Section I: the Other User privacy obligations (I1.2 to I1.5) and the privacy
    # self-assessment's questions (PSA-01).
    "sec-i": {
        "obligation": re.compile(r"^I\d{1,2}(\.\d{1,3}[A-Z]?)?(\([a-z0-9]{1,4}\))*$"),
        "question": re.compile(r"^PSA-\d{2,3}$"),
    },
    "iso27001": {
        # Clauses and subclauses (4.1, 6.1.2, 10.2) and Annex A controls (A.5.19; 5.19 before 2022.1).
        "obligation": re.compile(r"^(\d{1,2}(\.\d{1,2}){0,2}|A\.\d{1,2}\.\d{1,2})$"),
    },
}


@dataclass(frozen=True)
class Problem:
    rule: str
    place: str
    ref: str
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


def _normal(url: str) -> str:
    return url.strip().rstrip("/").split("#")[0].lower()


def lint_file(path: str | Path, max_bytes: int) -> list[Problem]:
    name = str(path)
    try:
        doc = parse_yaml(name, read_text(path, max_bytes))
    except CatalogueError as exc:
        return [Problem("format", exc.place, "", exc.problem)]
    return lint_document(name, doc)


def lint_document(name: str, doc: Any) -> list[Problem]:
    """The problems of a parsed catalogue file, in the order of the rules above."""
    problems = _duplicates_and_clauses(doc)
    if problems:  # the loader would refuse the file for these first: report them in its terms
        return problems
    try:
        data = parse_document(name, doc)
    except CatalogueError as exc:
        return [Problem("format", exc.place, "", exc.problem)]
    return _assessable_clauses(data) + _ref_forms(data) + _sources(data)


def _entries(doc: Any, key: str) -> list[tuple[int, dict]]:
    items = doc.get(key) if isinstance(doc, dict) else None
    return [(i, item) for i, item in enumerate(items) if isinstance(item, dict)] if isinstance(items, list) else []


def _duplicates_and_clauses(doc: Any) -> list[Problem]:
    found: list[Problem] = []
    obligations: set[str] = set()
    for key, what in (("obligations", "obligation"), ("questions", "question")):
        seen: dict[str, int] = {}
        for i, item in _entries(doc, key):
            ref = str(item.get("ref", ""))
            if ref in seen:
                found.append(Problem("unique-ref", f"{key}[{i}]", ref,
                                     f"{what} {ref} is also {key}[{seen[ref]}]: each {what} needs its own id"))
            seen.setdefault(ref, i)
        if key == "obligations":
            obligations = set(seen)
    for i, item in _entries(doc, "questions"):
        clauses = item.get("clauses")
        for j, clause in enumerate(clauses if isinstance(clauses, list) else []):
            if str(clause) not in obligations:
                found.append(Problem("question-clauses", f"questions[{i}].clauses[{j}]", str(item.get("ref", "")),
                                     f"cites {clause!r}, which is no obligation of this file"))
    return found


def _assessable_clauses(data: CatalogueData) -> list[Problem]:
    headings = {ob.ref for ob in data.obligations if not ob.assessable}
    return [
        Problem("question-assessable", f"questions[{i}].clauses[{j}]", q.ref,
                f"cites {clause}, which is a heading or a definition (assessable: false), not an obligation "
                "anyone is assessed on: cite the obligation it belongs to")
        for i, q in enumerate(data.questions)
        for j, clause in enumerate(q.clauses)
        if clause in headings
    ]


def _ref_forms(data: CatalogueData) -> list[Problem]:
    forms = REF_FORMS.get(data.framework_slug, {})
    found = []
    for what, entries in (("obligation", data.obligations), ("question", data.questions)):
        pattern = forms.get(what)
        if pattern is None:
            continue
        for i, entry in enumerate(entries):
            if not pattern.match(entry.ref):
                found.append(Problem("ref-form", f"{what}s[{i}]", entry.ref,
                                     f"{entry.ref!r} is not written as {data.framework_slug} writes its {what} ids"))
    return found


def _sources(data: CatalogueData) -> list[Problem]:
    if data.framework_kind != FrameworkKind.REGULATION:
        return []
    general = GENERAL_PAGES | ({_normal(data.source_url)} if data.source_url else set())
    found = []
    for i, ob in enumerate(data.obligations):
        if ob.confidence != Confidence.STATED or not ob.assessable:
            continue
        place = ob.place or f"obligations[{i}]"
        pages = [s for s in sources_of(ob.source_url, ob.extra) if s["url"]]
        specific = [s for s in pages if _normal(s["url"]) not in general]
        if any(s["title"] for s in specific):
            continue
        if specific:
            found.append(Problem("specific-source", place, ob.ref, "tagged S: give the title of the page it cites "
                                 "(source_title, or title in sources), so that a reader can find it"))
        elif pages:
            found.append(Problem("specific-source", place, ob.ref, f"tagged S on a general page ({pages[0]['url']}): "
                                 "cite the page that states this entry, or tag it I or R"))
        else:
            found.append(Problem("specific-source", place, ob.ref, "tagged S but cites no page: give source_url "
                                 "and source_title (or sources) of the page that states it, or tag it I or R"))
    for kind, scope in (data.extra.get("scopes") or {}).items():
        if scope["confidence"] != Confidence.STATED:
            continue
        specific = [s for s in scope["sources"] if s.get("url") and _normal(s["url"]) not in general]
        if not specific:
            found.append(Problem("specific-source", f"scopes.{kind}", kind, "scope tagged S: cite, with its title, "
                                 "the page that states what this assessment covers, or tag it I or R"))
    return found
