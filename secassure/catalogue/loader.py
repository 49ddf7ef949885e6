"""Writing a parsed catalogue into the database: checked first, then one transaction or nothing."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction

from secassure.audit.actions import record
from secassure.audit.events import AuditEvent
from secassure.catalogue.choices import VersionStatus
from secassure.catalogue.importers.base import CatalogueData, CatalogueError
from secassure.catalogue.importers.native import split_target
from secassure.catalogue.models import Framework, FrameworkVersion, Group, Mapping, Obligation, Question


@dataclass
class LoadResult:
    """What a load did, or (in a dry run) would do."""

    outcome: str  # created | replaced-draft | unchanged
    label: str
    status: str
    content_hash: str
    dry_run: bool = False
    counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "outcome": self.outcome,
            "version": self.label,
            "status": self.status,
            "content_hash": self.content_hash,
            "dry_run": self.dry_run,
            "counts": self.counts,
        }


def counts_of(data: CatalogueData) -> dict[str, int]:
    return {
        "groups": len(data.groups),
        "obligations": len(data.obligations),
        "questions": len(data.questions),
        "mappings": sum(len(o.maps_to) for o in data.obligations),
    }


def load_all(datas: list[CatalogueData], *, dry_run: bool = False) -> list[LoadResult]:
    """Load several versions in one transaction: all of them or none. A dry run does the whole
    load, so that it finds every problem a real one would, then rolls it back."""
    with transaction.atomic():
        results = [load(data) for data in datas]
        if dry_run:
            transaction.set_rollback(True)
    for result in results:
        result.dry_run = dry_run
    return results


def load(data: CatalogueData) -> LoadResult:
    """Load one framework version. Same content again: nothing happens. Published and different:
    refused. Draft and different: the draft is replaced."""
    data.check_tree()
    digest = data.content_hash()
    result = LoadResult("created", data.label, data.status, digest, False, counts_of(data))
    existing = (
        FrameworkVersion.objects.select_related("framework")
        .filter(framework__slug=data.framework_slug, version=data.version)
        .first()
    )
    if existing is not None:
        if existing.content_hash == digest:
            result.outcome, result.status = "unchanged", existing.status
            return result
        if existing.is_published:
            raise CatalogueError(
                data.file, "version",
                f"{data.label} is already published with different content; published versions never "
                "change, so give this content a new version string",
            )
        _refuse_if_mapped_from_elsewhere(data, existing)
        result.outcome = "replaced-draft"
    targets = _resolve_targets(data)
    with transaction.atomic():
        version = _write(data, digest, existing, targets)
        record(
            AuditEvent.CATALOGUE_VERSION_REPLACED if existing else AuditEvent.CATALOGUE_VERSION_LOADED,
            version,
            after={**result.as_dict(), "file": data.file.rsplit("/", 1)[-1], "origin": data.origin},
        )
    return result


def _refuse_if_mapped_from_elsewhere(data: CatalogueData, existing: FrameworkVersion) -> None:
    inbound = (
        Mapping.objects.filter(target__version=existing)
        .exclude(source__version=existing)
        .select_related("source__version__framework")
        .first()
    )
    if inbound is not None:
        raise CatalogueError(
            data.file, "version",
            f"draft {existing.label} cannot be replaced: {inbound.source.version.label} maps to it; "
            "load this content under a new version",
        )


def _resolve_targets(data: CatalogueData) -> dict[str, Obligation]:
    """Every FRAMEWORK@VERSION:REF the file maps to, found in the database (one query a version)."""
    wanted: dict[tuple[str, str], set[str]] = defaultdict(set)
    for ob in data.obligations:
        for m in ob.maps_to:
            fw, ver, ref = split_target(m.target)
            wanted[(fw, ver)].add(ref)
    found: dict[str, Obligation] = {}
    for (fw, ver), refs in wanted.items():
        if (fw, ver) == (data.framework_slug, data.version):
            continue
        for ob in Obligation.objects.filter(version__framework__slug=fw, version__version=ver,
                                            ref__in=refs).select_related("version__framework"):
            found[f"{fw}@{ver}:{ob.ref}"] = ob
    for ob in data.obligations:
        for j, m in enumerate(ob.maps_to):
            target = found.get(m.target)
            if target is not None and data.status == VersionStatus.PUBLISHED and not target.version.is_published:
                raise CatalogueError(data.file, f"{ob.place}.maps_to[{j}]",
                                     f"a published version cannot map to the draft {target.version.label}")
            if target is None:
                fw, ver, ref = split_target(m.target)
                loaded = FrameworkVersion.objects.filter(framework__slug=fw, version=ver).exists()
                problem = (f"{fw}@{ver} has no control {ref!r}" if loaded
                           else f"{fw}@{ver} is not loaded; load it before this file")
                raise CatalogueError(data.file, f"{ob.place}.maps_to[{j}]", problem)
    return found


def _by_depth(items, parent_of):
    """Items grouped by depth in their tree (parents come before children in the list)."""
    depth: dict[str, int] = {}
    levels: dict[int, list] = defaultdict(list)
    for item in items:
        parent = parent_of(item)
        d = 0 if parent is None else depth[parent] + 1
        depth[item.uid] = d
        levels[d].append(item)
    return [levels[d] for d in sorted(levels)], depth


def _write(data: CatalogueData, digest: str, existing: FrameworkVersion | None,
           targets: dict[str, Obligation]) -> FrameworkVersion:
    now = dt.datetime.now(dt.UTC)
    # A framework keeps the name it was first loaded with: versions do not rename it behind the
    # back of the people who know it by that name (an operator can rename it in the admin).
    framework, _ = Framework.objects.get_or_create(
        slug=data.framework_slug, defaults={"name": data.framework_name, "kind": data.framework_kind}
    )
    fields = {
        "status": VersionStatus.DRAFT,
        "effective_date": data.effective_date,
        "source": data.source,
        "source_url": data.source_url,
        "notes": data.notes,
        "origin": data.origin,
        "content_hash": digest,
        "loaded_at": now,
        "extra": data.extra,
    }
    if existing is not None:
        # Replacing a draft: its rows go, the version row stays (and keeps its id).
        Mapping.objects.filter(source__version=existing).delete()
        Question.objects.filter(version=existing).delete()
        Obligation.objects.filter(version=existing).delete()
        Group.objects.filter(version=existing).delete()
        FrameworkVersion.objects.filter(pk=existing.pk).update(**fields)
        version = FrameworkVersion.objects.get(pk=existing.pk)
    else:
        version = FrameworkVersion.objects.create(framework=framework, version=data.version, **fields)

    groups: dict[str, Group] = {}
    levels, gdepth = _by_depth(data.groups, lambda g: g.parent)
    order = {g.uid: i for i, g in enumerate(data.groups)}
    for level in levels:
        rows = [
            Group(version=version, parent=groups.get(g.parent) if g.parent else None, ref=g.ref, uid=g.uid,
                  title=g.title, summary=g.summary, depth=gdepth[g.uid], order=order[g.uid])
            for g in level
        ]
        for row in Group.objects.bulk_create(rows):
            groups[row.uid] = row

    obligations: dict[str, Obligation] = {}
    levels, odepth = _by_depth(data.obligations, lambda o: o.parent)
    order = {o.uid: i for i, o in enumerate(data.obligations)}
    for level in levels:
        rows = [
            Obligation(
                version=version, group=groups.get(o.group) if o.group else None,
                parent=obligations.get(o.parent) if o.parent else None, ref=o.ref, uid=o.uid,
                title=o.title, summary=o.summary, guidance=o.guidance, categories=o.categories,
                roles=o.roles, confidence=o.confidence, source_url=o.source_url, assessable=o.assessable,
                depth=odepth[o.uid], order=order[o.uid], extra=o.extra,
            )
            for o in level
        ]
        for row in Obligation.objects.bulk_create(rows, batch_size=500):
            obligations[row.uid] = row
    by_ref = {o.ref: obligations[o.uid] for o in data.obligations}

    questions = Question.objects.bulk_create([
        Question(version=version, ref=q.ref, text=q.text, topic=q.topic, help=q.help,
                 categories=q.categories, order=i, answer_kind=q.answer_kind, concern=q.concern,
                 official_ref=q.official_ref)
        for i, q in enumerate(data.questions)
    ])
    Through = Question.obligations.through
    Through.objects.bulk_create([
        Through(question_id=row.pk, obligation_id=by_ref[ref].pk)
        for row, q in zip(questions, data.questions, strict=True)
        for ref in dict.fromkeys(q.clauses)
    ], batch_size=1000)
    Mapping.objects.bulk_create([
        Mapping(source=obligations[o.uid], target=targets[m.target], relationship=m.relationship)
        for o in data.obligations
        for m in o.maps_to
    ], batch_size=1000)
    if data.status == VersionStatus.PUBLISHED:
        FrameworkVersion.objects.filter(pk=version.pk).update(status=VersionStatus.PUBLISHED, published_at=now)
        version.status, version.published_at = VersionStatus.PUBLISHED, now
    return version
