"""What every catalogue importer produces, and the defences every catalogue file goes through.

Importers turn a file into a ``CatalogueData``; the loader checks it against the database and
writes it in one transaction. Nothing here touches the database.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from secassure.catalogue.choices import AnswerKind, Concern, Confidence, PartyCategory, UserRole
from secassure.datafiles import (  # noqa: F401 - re-exported for the importers
    MAX_DEPTH,
    DataFileError,
    parse_json,
    parse_yaml,
    paused_gc,
    read_text,
)

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")

ALL_CATEGORIES = [c.value for c in PartyCategory]
ALL_ROLES = [r.value for r in UserRole]


# A catalogue file's problems are data-file problems: one class, one message shape.
CatalogueError = DataFileError


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
    answer_kind: str = AnswerKind.YES_NO.value
    concern: str = Concern.NO.value  # empty for the kinds that have no worrying answer
    official_ref: str = ""  # the official SSA questionnaire's reference, where known


# Content fields left out of the digest while they hold these values: a version loaded before
# questions had answer kinds keeps its digest, so loading its file again changes nothing rather
# than being refused as different content under a published version.
_DIGEST_DEFAULTS = {QuestionData: {"answer_kind": AnswerKind.YES_NO.value, "concern": Concern.NO.value,
                                   "official_ref": ""}}


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
        """Ids usable in addresses and within length, unique, parents known and listed before their
        children, depth bounded."""
        check_id(self.file, "version", self.version, 100, "version")
        check_slug(self.file, "framework.slug", self.framework_slug)
        seen_groups: dict[str, int] = {}
        for i, group in enumerate(self.groups):
            place = f"groups[{i}]"
            check_id(self.file, place, group.ref, 100, "group id")
            check_id(self.file, place, group.uid, 300, "group id")
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
            check_id(self.file, place, ob.ref, 100, "obligation id")
            check_id(self.file, place, ob.uid, 300, "obligation id")
            if len(ob.title) > 500:
                raise CatalogueError(self.file, place, "the title is longer than 500 characters")
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
            check_id(self.file, f"questions[{i}]", q.ref, 100, "question id")
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
    defaults = _DIGEST_DEFAULTS.get(type(obj), {})
    return {k: v for k, v in vars(obj).items()
            if k not in _NOT_CONTENT and (k not in defaults or defaults[k] != v)}


def url_safe(value: str) -> bool:
    """Ids become parts of web addresses: no slash, no control characters, no outer spaces."""
    return bool(value) and value == value.strip() and "/" not in value and value.isprintable()


def check_id(name: str, place: str, value: str, limit: int, what: str) -> str:
    if not url_safe(value):
        raise CatalogueError(name, place, f"{what} {value!r} must be non-empty, without '/', control characters "
                                          "or spaces at either end")
    if len(value) > limit:
        raise CatalogueError(name, place, f"{what} is longer than {limit} characters")
    return value


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80].strip("-")
    return slug or "framework"


def check_slug(name: str, place: str, slug: str) -> str:
    if not _SLUG.match(slug):
        raise CatalogueError(name, place, f"{slug!r} is not a slug: use lower-case letters, digits and '-'")
    return slug
