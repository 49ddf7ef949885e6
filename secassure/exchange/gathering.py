"""Reading an assessment's rows and answers for an export, a chunk at a time, so that memory stays
flat however many rows there are: each chunk brings its evidence links (with the version each
stands for) and the CIO's comments in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from itertools import islice
from types import SimpleNamespace

from django.db.models import Max

from secassure.assessments.models import Assessment, EvidenceLink, QuestionAnswer, ValidationRow
from secassure.evidence.models import DocumentVersion
from secassure.review.models import Comment

CHUNK = 500
# What an export shows of each item and of what it stands for, read as plain values (a model
# instance a row would cost several times the query itself).
FIELDS = {"row": ("pk", "order", "revision", "group_ref", "status", "narrative", "na_reason", "last_tested",
                  "changed", "change_note"),
          "answer": ("pk", "order", "revision", "answer", "narrative", "material", "material_rationale", "changed",
                     "change_note")}
TARGETS = {"row": ("obligation", ("ref", "title", "summary")), "answer": ("question", ("ref", "text", "answer_kind"))}
PERSON_FIELDS = ("first_name", "last_name", "email", "username")


class Person:
    """What an export shows of a person (their name and address), read as values."""

    __slots__ = PERSON_FIELDS

    def __init__(self, first_name, last_name, email, username):
        self.first_name, self.last_name, self.email, self.username = first_name, last_name, email, username

    def get_username(self) -> str:
        return self.username


class Item(SimpleNamespace):
    """A row or answer as an export reads it: its fields, what it stands for (``obligation`` or
    ``question``), its owner and checker, its evidence and the CIO's comments on it."""


def _chunks(iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def latest_numbers(document_ids) -> dict[int, int]:
    """The latest version number of each document: one query."""
    if not document_ids:
        return {}
    return dict(DocumentVersion.objects.filter(document_id__in=document_ids).values("document_id")
                .annotate(n=Max("number")).values_list("document_id", "n"))


def items(assessment: Assessment, kind: str, chunk: int = CHUNK) -> Iterator[Item]:
    """The assessment's rows (kind "row") or answers ("answer") in their order, each with
    ``evidence`` (a list of (document id, version number or None, title)) and ``comment_list``
    (the CIO's comments on it, oldest first)."""
    model = ValidationRow if kind == "row" else QuestionAnswer
    target, target_fields = TARGETS[kind]
    people = [f"{person}__{name}" for person in ("owner", "checked_by") for name in PERSON_FIELDS]
    names = (*FIELDS[kind], *(f"{target}__{name}" for name in target_fields), *people)
    query = model.objects.filter(assessment=assessment).order_by("order", "pk").values_list(*names)
    own, width = len(FIELDS[kind]), len(target_fields)
    for group in _chunks(query.iterator(chunk_size=chunk), chunk):
        ids = {values[0] for values in group}
        # The chunk's links and comments, found by the range of its rows' order rather than a list
        # of their ids (a list of hundreds of ids costs more to build than the query takes to run);
        # a row of the same order in the next chunk is left for that chunk.
        within = {"assessment": assessment, f"{kind}__order__range": (group[0][1], group[-1][1])}
        links = [link for link in EvidenceLink.objects.filter(**within).order_by("pk")
                 .values_list(f"{kind}_id", "document_id", "document__title", "version__number") if link[0] in ids]
        latest = latest_numbers({doc for _, doc, _, number in links if number is None})
        evidence = defaultdict(list)
        for owner_id, doc, title, number in links:
            evidence[owner_id].append((doc, number if number is not None else latest.get(doc), title))
        comments = defaultdict(list)
        for c in (Comment.objects.filter(**within).select_related("author").order_by("created_at", "pk")):
            if getattr(c, f"{kind}_id") in ids:
                comments[getattr(c, f"{kind}_id")].append(c)
        for values in group:
            fields = dict(zip(FIELDS[kind], values[:own], strict=True))
            item = Item(**fields, evidence=evidence.get(fields["pk"], []), comment_list=comments.get(fields["pk"], []))
            setattr(item, target, SimpleNamespace(**dict(zip(target_fields, values[own:own + width], strict=True))))
            at = own + width
            item.owner = Person(*values[at:at + 4]) if values[at + 3] is not None else None
            item.checked_by = Person(*values[at + 4:at + 8]) if values[at + 7] is not None else None
            yield item


def evidence_index(assessment: Assessment) -> Iterator[dict]:
    """Every document version the assessment's rows and answers stand on (the pinned version, or
    the latest for a link not yet pinned), with the refs citing it, streamed in document order."""
    links = (EvidenceLink.objects.filter(assessment=assessment)
             .order_by("document_id", "version_id", "pk")
             .values_list("document_id", "version_id", "row__obligation__ref", "answer__question__ref"))
    current: tuple | None = None
    refs: list[str] = []
    pinned = False

    def flush():
        return {"document": current[0], "version": current[1], "pinned": pinned, "refs": refs}

    buffered: list[dict] = []
    for group in _chunks(links.iterator(chunk_size=2000), 2000):
        for document_id, version_id, row_ref, answer_ref in group:
            key = (document_id, version_id)
            if key != current:
                if current is not None:
                    buffered.append(flush())
                current, refs, pinned = key, [], version_id is not None
            refs.append(row_ref or answer_ref)
        yield from _with_versions(buffered)
        buffered = []
    if current is not None:
        yield from _with_versions([flush()])


def _with_versions(entries: list[dict]) -> Iterator[dict]:
    """The entries with their document and version (the pinned one, or the latest): three queries a
    batch."""
    if not entries:
        return
    from django.db.models import Q

    from secassure.evidence.models import Document

    documents = Document.objects.select_related("owner", "provider").in_bulk({e["document"] for e in entries})
    latest = latest_numbers({e["document"] for e in entries if e["version"] is None})
    wanted = Q(pk__in={e["version"] for e in entries if e["version"] is not None})
    for document_id, number in latest.items():
        wanted |= Q(document_id=document_id, number=number)
    versions = {}
    for v in DocumentVersion.objects.filter(wanted):
        versions[v.pk] = v
        versions[(v.document_id, v.number)] = v
    for entry in entries:
        key = entry["version"] if entry["version"] is not None else (entry["document"], latest.get(entry["document"]))
        yield {**entry, "doc": documents[entry["document"]], "version": versions.get(key)}
