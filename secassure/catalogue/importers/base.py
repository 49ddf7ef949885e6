"""What every catalogue importer produces, and the defences every catalogue file goes through.

Importers turn a file into a ``CatalogueData``; the loader checks it against the database and
writes it in one transaction. Nothing here touches the database.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from secassure.catalogue.choices import Confidence, PartyCategory, UserRole

MAX_DEPTH = 24  # deeper nesting than this is not a catalogue, whatever the format allows
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_XML_TRICKS = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)

ALL_CATEGORIES = [c.value for c in PartyCategory]
ALL_ROLES = [r.value for r in UserRole]


class CatalogueError(ValueError):
    """A catalogue file cannot be used: names the file, the place in it and the problem."""

    def __init__(self, file: str, place: str, problem: str):
        self.file, self.place, self.problem = file, place, problem
        super().__init__(f"{file}: {place}: {problem}" if place else f"{file}: {problem}")


@dataclass
class GroupData:
    ref: str
    title: str
    uid: str = ""
    summary: str = ""
    parent: str | None = None  # uid of the enclosing group

    def __post_init__(self):
        self.uid = self.uid or self.ref


@dataclass
class MappingData:
    target: str  # FRAMEWORK@VERSION:REF
    relationship: str


@dataclass
class ObligationData:
    ref: str
    title: str
    group: str | None  # uid of its group
    uid: str = ""
    parent: str | None = None  # uid of the obligation it refines
    summary: str = ""
    guidance: str = ""
    categories: list[str] = field(default_factory=lambda: list(ALL_CATEGORIES))
    roles: list[str] = field(default_factory=lambda: list(ALL_ROLES))
    confidence: str = Confidence.STATED.value
    source_url: str = ""
    assessable: bool = True
    maps_to: list[MappingData] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    place: str = field(default="", compare=False, repr=False)  # where it stands in the file

    def __post_init__(self):
        self.uid = self.uid or self.ref


@dataclass
class QuestionData:
    ref: str
    text: str
    topic: str
    clauses: list[str]  # refs of obligations in the same version
    categories: list[str] = field(default_factory=lambda: list(ALL_CATEGORIES))
    help: str = ""


@dataclass
class CatalogueData:
    """A whole framework version, as read from one file, before it meets the database."""

    file: str
    origin: str
    framework_slug: str
    framework_name: str
    framework_kind: str
    version: str
    status: str = "published"
    effective_date: str | None = None  # YYYY-MM-DD
    source: str = ""
    source_url: str = ""
    notes: str = ""
    groups: list[GroupData] = field(default_factory=list)
    obligations: list[ObligationData] = field(default_factory=list)
    questions: list[QuestionData] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.framework_slug}@{self.version}"

    def content_hash(self) -> str:
        """Identifies the content of this version: everything but where it was read from."""
        text = json.dumps(self, default=_content_fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def check_tree(self) -> None:
        """Ids unique, parents known and listed before their children, depth bounded."""
        seen_groups: dict[str, int] = {}
        for i, group in enumerate(self.groups):
            place = f"groups[{i}]"
            if group.uid in seen_groups:
                raise CatalogueError(self.file, place, f"duplicate group id {group.uid!r}")
            if group.parent is not None and group.parent not in seen_groups:
                raise CatalogueError(self.file, place, f"parent group {group.parent!r} is not defined before it")
            depth = 0 if group.parent is None else seen_groups[group.parent] + 1
            if depth > MAX_DEPTH:
                raise CatalogueError(self.file, place, f"groups nest deeper than {MAX_DEPTH} levels")
            seen_groups[group.uid] = depth
        refs: set[str] = set()
        uids: dict[str, int] = {}
        for i, ob in enumerate(self.obligations):
            place = ob.place or f"obligations[{i}]"
            if ob.ref in refs:
                raise CatalogueError(self.file, place, f"duplicate obligation id {ob.ref!r}")
            if ob.uid in uids:
                raise CatalogueError(self.file, place, f"duplicate obligation id {ob.uid!r}")
            if ob.group is not None and ob.group not in seen_groups:
                raise CatalogueError(self.file, place, f"group {ob.group!r} is not defined")
            if ob.parent is not None and ob.parent not in uids:
                raise CatalogueError(self.file, place, f"parent {ob.parent!r} is not defined before it")
            depth = 0 if ob.parent is None else uids[ob.parent] + 1
            if depth > MAX_DEPTH:
                raise CatalogueError(self.file, place, f"obligations nest deeper than {MAX_DEPTH} levels")
            refs.add(ob.ref)
            uids[ob.uid] = depth
        qrefs: set[str] = set()
        for i, q in enumerate(self.questions):
            if q.ref in qrefs:
                raise CatalogueError(self.file, f"questions[{i}]", f"duplicate question id {q.ref!r}")
            qrefs.add(q.ref)
            for j, clause in enumerate(q.clauses):
                if clause not in refs:
                    raise CatalogueError(
                        self.file, f"questions[{i}].clauses[{j}]", f"no obligation {clause!r} in this file"
                    )


_NOT_CONTENT = frozenset({"file", "place"})


def _content_fields(obj) -> dict:
    # json.dumps calls this for each dataclass it meets; nested ones come back here in turn.
    return {k: v for k, v in vars(obj).items() if k not in _NOT_CONTENT}


@contextmanager
def paused_gc() -> Iterator[None]:
    """Parsing a large file builds one big tree that stays alive; the cyclic garbage collector
    would walk all of it again and again (import time then grows faster than the file).
    Nothing cyclic is made while parsing, so collection waits until the tree is built."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# --- reading files safely -----------------------------------------------------------------


def read_text(path: str | os.PathLike, max_bytes: int) -> str:
    """The file's text, after the size check and UTF-8 decoding; never more than max_bytes read."""
    name = str(path)
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise CatalogueError(name, "", f"cannot read the file ({exc.strerror})") from None
    if not p.is_file():
        raise CatalogueError(name, "", "not a regular file")
    if size > max_bytes:
        raise CatalogueError(
            name, "", f"the file is {size:,} bytes, over the {max_bytes:,}-byte limit for catalogue files"
        )
    with p.open("rb") as handle:
        raw = handle.read(max_bytes + 1)
    if len(raw) > max_bytes:  # grew while we looked
        raise CatalogueError(name, "", f"the file is over the {max_bytes:,}-byte limit for catalogue files")
    if b"\x00" in raw:
        raise CatalogueError(name, "", "binary content (a NUL byte): expected a text file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogueError(name, f"byte {exc.start}", "not valid UTF-8 text") from None
    if text.lstrip().startswith("<"):
        why = "it declares a DOCTYPE, which is never processed; " if _XML_TRICKS.search(text[:4096]) else ""
        raise CatalogueError(name, "line 1", f"XML is not read ({why}convert the file to JSON or YAML)")
    return text


def parse_yaml(name: str, text: str) -> Any:
    """Safe YAML: no tags beyond the plain types, no anchors or aliases (they make alias bombs)."""
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                mark = event.start_mark
                raise CatalogueError(
                    name, f"line {mark.line + 1}, column {mark.column + 1}",
                    "YAML anchors and aliases are not allowed in catalogue files",
                )
        docs = list(yaml.load_all(text, Loader=_Loader))  # noqa: S506 - _Loader is the safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise CatalogueError(name, where, f"not valid YAML ({exc.problem or exc.context})") from None
    except yaml.YAMLError as exc:
        raise CatalogueError(name, "", f"not valid YAML ({exc})") from None
    except RecursionError:
        raise CatalogueError(name, "", f"nesting is too deep (over {MAX_DEPTH} levels)") from None
    if len(docs) != 1:
        raise CatalogueError(name, "", f"expected one YAML document, found {len(docs)}")
    return docs[0]


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_json(name: str, text: str) -> Any:
    def no_duplicates(pairs):
        out = dict(pairs)
        if len(out) != len(pairs):
            seen: set[str] = set()
            key = next(k for k, _ in pairs if k in seen or seen.add(k))
            raise CatalogueError(name, "", f"duplicate key {key!r} in one JSON object")
        return out

    try:
        return json.loads(text, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as exc:
        raise CatalogueError(name, f"line {exc.lineno}, column {exc.colno}", f"not valid JSON ({exc.msg})") from None
    except RecursionError:
        raise CatalogueError(name, "", "nesting is too deep to be a catalogue") from None


_ESCAPED_LT = re.compile(r"\\u003c", re.IGNORECASE)


def refuse_markup_tricks(name: str, value: Any, text: str | None = None) -> None:
    """Refuse DOCTYPE or ENTITY declarations hidden in embedded markup, naming where they are.

    The raw text is searched first (also for JSON's escaped ``<``); only a suspicious file is
    walked value by value to find the place.
    """
    if text is not None and not (_XML_TRICKS.search(text) or _ESCAPED_LT.search(text)):
        return
    _walk_for_markup(name, value)


def _walk_for_markup(name: str, value: Any, place: str = "", depth: int = 0) -> None:
    if depth > 4 * MAX_DEPTH:
        raise CatalogueError(name, place or "root", "nesting is too deep to be a catalogue")
    if isinstance(value, str):
        if _XML_TRICKS.search(value):
            raise CatalogueError(name, place or "root", "embedded markup declares a DOCTYPE or ENTITY; refused")
    elif isinstance(value, dict):
        for key, item in value.items():
            _walk_for_markup(name, item, f"{place}.{key}" if place else str(key), depth + 1)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _walk_for_markup(name, item, f"{place}[{i}]", depth + 1)


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80].strip("-")
    return slug or "framework"


def check_slug(name: str, place: str, slug: str) -> str:
    if not _SLUG.match(slug):
        raise CatalogueError(name, place, f"{slug!r} is not a slug: use lower-case letters, digits and '-'")
    return slug
