"""What changed between two framework versions: obligations and questions added, removed and
changed, field by field. Either side may be a loaded version or a file not yet loaded."""

from __future__ import annotations

from django.db.models import Prefetch

from secassure.catalogue.importers.base import CatalogueData, GroupData, MappingData, ObligationData, QuestionData
from secassure.catalogue.models import FrameworkVersion, Group, Mapping, Obligation, Question

OBLIGATION_FIELDS = (
    "title", "group", "parent", "summary", "guidance", "categories", "roles", "confidence",
    "srp_user", "source_url", "source_title", "scf_ref", "ai_ref", "assessable", "mappings",
)
QUESTION_FIELDS = ("text", "topic", "answer_kind", "concern", "categories", "help", "clauses")


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
        framework_kind=fw.kind, version=version.version,
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
                         concern=q.concern)
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
        "obligations": {
            o.ref: {
                "title": o.title,
                "group": group_ref.get(o.group) if o.group else None,
                "parent": ob_ref.get(o.parent) if o.parent else None,
                "summary": o.summary,
                "guidance": o.guidance,
                "categories": sorted(o.categories),
                "roles": sorted(o.roles),
                "confidence": o.confidence,
                "source_url": o.source_url,
                "srp_user": bool((o.extra or {}).get("srp_user")),
                **{key: (o.extra or {}).get(key, "") for key in ("source_title", "scf_ref", "ai_ref")},
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


def diff(old: dict, new: dict) -> dict:
    obligations = _compare(old["obligations"], new["obligations"], OBLIGATION_FIELDS, "title")
    questions = _compare(old["questions"], new["questions"], QUESTION_FIELDS, "text")
    return {
        "old": old["label"],
        "new": new["label"],
        "obligations": obligations,
        "questions": questions,
        "identical": not any(obligations.values()) and not any(questions.values()),
    }
