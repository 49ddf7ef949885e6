"""What changed between two framework versions: the version's own fields (what it reflects, when it
took effect, its source and notes, its assessment scopes), and obligations and questions added,
removed and changed, field by field. Either side may be a loaded version or a file not yet loaded."""

from __future__ import annotations

from django.db.models import Prefetch

from secassure.catalogue.importers.base import CatalogueData, GroupData, MappingData, ObligationData, QuestionData
from secassure.catalogue.models import FrameworkVersion, Group, Mapping, Obligation, Question
from secassure.catalogue.queries import conditions, conditions_in_words, sources_of

OBLIGATION_FIELDS = (
    "title", "group", "parent", "summary", "guidance", "categories", "roles", "when", "also_when",
    "confidence", "sources", "assessable", "mappings",
)
QUESTION_FIELDS = ("text", "topic", "answer_kind", "concern", "official_ref", "categories", "help", "clauses")
VERSION_FIELDS = ("status", "effective_date", "reflects", "source", "source_url", "notes", "scopes")


def data_of_version(version: FrameworkVersion) -> CatalogueData:
    """A loaded version in the importers' shape, so that loaded and unloaded versions compare alike."""
    obligations = (
        Obligation.objects.filter(version=version)
        .select_related("group", "parent")
        .prefetch_related(Prefetch("mappings_out",
                                   queryset=Mapping.objects.select_related("target__version__framework")))
        .order_by("order")
    )
    questions = Question.objects.filter(version=version).prefetch_related("obligations").order_by("order")
    fw = version.framework
    return CatalogueData(
        file=version.label, origin=version.origin, framework_slug=fw.slug, framework_name=fw.name,
        framework_kind=fw.kind, version=version.version, status=version.status,
        effective_date=version.effective_date.isoformat() if version.effective_date else None,
        source=version.source, source_url=version.source_url, notes=version.notes, extra=version.extra or {},
        groups=[GroupData(ref=g.ref, uid=g.uid, title=g.title) for g in Group.objects.filter(version=version)],
        obligations=[
            ObligationData(
                ref=o.ref, uid=o.uid, title=o.title, group=o.group.uid if o.group else None,
                parent=o.parent.uid if o.parent else None, summary=o.summary, guidance=o.guidance,
                categories=o.categories, roles=o.roles, confidence=o.confidence, source_url=o.source_url,
                assessable=o.assessable, extra=o.extra or {},
                maps_to=[MappingData(target=f"{m.target.version.label}:{m.target.ref}", relationship=m.relationship)
                         for m in o.mappings_out.all()],
            )
            for o in obligations
        ],
        questions=[
            QuestionData(ref=q.ref, text=q.text, topic=q.topic, categories=q.categories, help=q.help,
                         clauses=[o.ref for o in q.obligations.all()], answer_kind=q.answer_kind,
                         concern=q.concern, official_ref=q.official_ref)
            for q in questions
        ],
    )


def snapshot_of_version(version: FrameworkVersion) -> dict:
    return snapshot_of_data(data_of_version(version))


def snapshot_of_data(data: CatalogueData) -> dict:
    group_ref = {g.uid: g.ref for g in data.groups}
    ob_ref = {o.uid: o.ref for o in data.obligations}
    return {
        "label": data.label,
        "version": {
            "status": data.status,
            "effective_date": data.effective_date,
            "reflects": (data.extra or {}).get("reflects", {}),
            "source": data.source,
            "source_url": data.source_url,
            "notes": data.notes,
            "scopes": (data.extra or {}).get("scopes", {}),
        },
        "obligations": {
            o.ref: {
                "title": o.title,
                "group": group_ref.get(o.group) if o.group else None,
                "parent": ob_ref.get(o.parent) if o.parent else None,
                "summary": o.summary,
                "guidance": o.guidance,
                "categories": sorted(o.categories),
                "roles": sorted(o.roles),
                # The conditions and the sources as they read, whichever form the file wrote them in.
                "when": sorted(conditions(o.extra)[0]),
                "also_when": sorted(conditions(o.extra)[1]),
                "confidence": o.confidence,
                "sources": sources_of(o.source_url, o.extra),
                "assessable": o.assessable,
                "mappings": sorted(f"{m.target} {m.relationship}" for m in o.maps_to),
            }
            for o in data.obligations
        },
        "questions": {
            q.ref: {
                "text": q.text,
                "topic": q.topic,
                "answer_kind": q.answer_kind,
                "concern": q.concern,
                "official_ref": q.official_ref,
                "categories": sorted(q.categories),
                "help": q.help,
                "clauses": sorted(set(q.clauses)),
            }
            for q in data.questions
        },
    }


def _compare(old: dict, new: dict, fields: tuple[str, ...], title_key: str) -> dict:
    added = [{"ref": ref, "title": new[ref][title_key]} for ref in new if ref not in old]
    removed = [{"ref": ref, "title": old[ref][title_key]} for ref in old if ref not in new]
    changed = []
    for ref, before in old.items():
        after = new.get(ref)
        if after is None:
            continue
        fields_changed = {f: {"old": before[f], "new": after[f]} for f in fields if before[f] != after[f]}
        if fields_changed:
            changed.append({"ref": ref, "title": after[title_key], "fields": fields_changed})
    return {"added": added, "removed": removed, "changed": changed}


def _scope_changes(old: dict, new: dict) -> dict:
    """Which assessment types gained, lost or changed their scope."""
    return {
        "added": [kind for kind in new if kind not in old],
        "removed": [kind for kind in old if kind not in new],
        "changed": [kind for kind in old if kind in new and old[kind] != new[kind]],
    }


def diff(old: dict, new: dict) -> dict:
    changed = {f: {"old": old["version"][f], "new": new["version"][f]}
               for f in VERSION_FIELDS if old["version"][f] != new["version"][f]}
    if "scopes" in changed:
        changed["scopes"]["kinds"] = _scope_changes(old["version"]["scopes"], new["version"]["scopes"])
    obligations = _compare(old["obligations"], new["obligations"], OBLIGATION_FIELDS, "title")
    for item in obligations["changed"]:
        if {"when", "also_when"} & set(item["fields"]):
            # The conditions in words, as a reader of the change needs them: before and after.
            item["conditions"] = {side: conditions_in_words({key: snap["obligations"][item["ref"]][key]
                                                             for key in ("when", "also_when")})
                                  for side, snap in (("old", old), ("new", new))}
    questions = _compare(old["questions"], new["questions"], QUESTION_FIELDS, "text")
    return {
        "old": old["label"],
        "new": new["label"],
        "version": {"changed": changed},
        "obligations": obligations,
        "questions": questions,
        "identical": not changed and not any(obligations.values()) and not any(questions.values()),
    }
