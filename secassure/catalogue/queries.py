"""Reading the catalogue: finding versions and obligations, and describing them for people and
scripts. Each function costs a fixed number of queries, whatever the size of the catalogue."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce

from secassure.catalogue.choices import PartyCategory, UserRole
from secassure.catalogue.models import FrameworkVersion, Mapping, Obligation, Question

DEFAULT_FRAMEWORK = "sec-g"


class NotFound(LookupError):
    """Nothing in the catalogue answers to what was asked for; the message says what there is."""


def resolve_version(spec: str | None = None) -> FrameworkVersion:
    """``slug@version``, or ``slug`` for the version in force, or nothing for SEC Section G."""
    slug, _, version = (spec or DEFAULT_FRAMEWORK).partition("@")
    qs = FrameworkVersion.objects.select_related("framework")
    found = qs.filter(framework__slug=slug, version=version).first() if version else qs.in_force(slug)
    if found is None:
        known = ", ".join(v.label for v in qs.order_by("framework__slug", "version")) or "none loaded"
        what = f"{slug}@{version}" if version else f"a published version of {slug}"
        raise NotFound(f"no {what}; known versions: {known}")
    return found


def _count(model, field: str = "version"):
    sub = model.objects.filter(**{field: OuterRef("pk")}).order_by().values(field)
    return Coalesce(Subquery(sub.annotate(n=Count("pk")).values("n")), 0)


def versions_with_counts():
    return (
        FrameworkVersion.objects.select_related("framework")
        .annotate(
            n_obligations=_count(Obligation),
            n_questions=_count(Question),
            n_mappings=_count(Mapping, "source__version"),
        )
        .order_by("framework__slug", "-effective_date", "-loaded_at")
    )


def version_as_dict(v: FrameworkVersion) -> dict:
    return {
        "framework": v.framework.slug,
        "name": v.framework.name,
        "kind": v.framework.kind,
        "version": v.version,
        "status": v.status,
        "effective_date": v.effective_date.isoformat() if v.effective_date else None,
        "origin": v.origin,
        "source": v.source,
        "source_url": v.source_url,
        "reflects": (v.extra or {}).get("reflects", {}),
        "content_hash": v.content_hash,
        "loaded_at": v.loaded_at.isoformat(),
        "obligations": getattr(v, "n_obligations", None),
        "questions": getattr(v, "n_questions", None),
        "mappings": getattr(v, "n_mappings", None),
    }


def get_obligation(ref: str, spec: str | None = None) -> Obligation:
    version = resolve_version(spec)
    qs = (
        Obligation.objects.filter(version=version)
        .select_related("version__framework", "group", "parent")
        .prefetch_related(
            Prefetch("mappings_out", queryset=Mapping.objects.select_related("target__version__framework")),
            Prefetch("mappings_in", queryset=Mapping.objects.select_related("source__version__framework")),
            Prefetch("questions", queryset=Question.objects.order_by("order")),
            Prefetch("children", queryset=Obligation.objects.order_by("order")),
        )
    )
    found = qs.filter(ref=ref).first() or qs.filter(ref__iexact=ref).first()
    if found is None:
        raise NotFound(f"{version.label} has no obligation {ref!r}")
    return found


def obligation_as_dict(ob: Obligation) -> dict:
    return {
        "framework": ob.version.framework.slug,
        "version": ob.version.version,
        "ref": ob.ref,
        "title": ob.title,
        "group": {"ref": ob.group.ref, "title": ob.group.title} if ob.group else None,
        "parent": ob.parent.ref if ob.parent else None,
        "summary": ob.summary,
        "guidance": ob.guidance,
        "applicability": {"categories": ob.categories, "roles": ob.roles,
                          "srp_user": bool((ob.extra or {}).get("srp_user"))},
        "applicability_labels": {
            "categories": [_label(PartyCategory, c) for c in ob.categories],
            "roles": [_label(UserRole, r) for r in ob.roles],
        },
        "confidence": ob.confidence,
        "confidence_label": ob.get_confidence_display(),
        "source_url": ob.source_url,
        "source_title": (ob.extra or {}).get("source_title"),
        "scf_ref": (ob.extra or {}).get("scf_ref"),
        "ai_ref": (ob.extra or {}).get("ai_ref"),
        "assessable": ob.assessable,
        "mappings": [
            {
                "framework": m.target.version.framework.slug,
                "version": m.target.version.version,
                "ref": m.target.ref,
                "title": m.target.title,
                "relationship": m.relationship,
            }
            for m in ob.mappings_out.all()
        ],
        "mapped_from": [
            {
                "framework": m.source.version.framework.slug,
                "version": m.source.version.version,
                "ref": m.source.ref,
                "title": m.source.title,
                "relationship": m.relationship,
            }
            for m in ob.mappings_in.all()
        ],
        "questions": [{"ref": q.ref, "text": q.text} for q in ob.questions.all()],
        "children": [c.ref for c in ob.children.all()],
    }


def _label(choices, value: str) -> str:
    try:
        return choices(value).label
    except ValueError:
        return value
