"""Reading the catalogue: finding versions and obligations, and describing them for people and
scripts. Each function costs a fixed number of queries, whatever the size of the catalogue."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce

from secassure.catalogue.choices import Confidence, Fact, PartyCategory, ScopeKind, UserRole
from secassure.catalogue.models import FrameworkVersion, Group, Mapping, Obligation, Question

DEFAULT_FRAMEWORK = "sec-g"

# An entry's conditions in words, as the obligation page, ``catalogue show`` and ``catalogue diff``
# give them: what must hold for the entry to apply (when), and what makes it apply to anyone (also).
WHEN_WORDS = {
    Fact.SRP_USER.value: "only while it uses a Shared Resource Provider",
    Fact.LIVE_DCC_USER.value: "only for a Live DCC User",
}
ALSO_WHEN_WORDS = {
    Fact.SRP_USER.value: "also for any organisation using a Shared Resource Provider",
    Fact.LIVE_DCC_USER.value: "also for any Live DCC User",
}


class NotFound(LookupError):
    """Nothing in the catalogue answers to what was asked for; the message says what there is."""


def conditions(extra: dict | None) -> tuple[frozenset[str], frozenset[str]]:
    """The applicability conditions of a catalogue entry, from its ``extra``: ``(when, also_when)``,
    two sets of facts (``srp-user``, ``live-dcc-user``; see ``choices.Fact``).

    - ``when``: every fact in it must hold for the organisation, in addition to the entry's Party
      categories and User Roles, for the entry to apply. Empty: no condition beyond those.
    - ``also_when``: the entry also applies to any organisation for which at least one of these facts
      holds, whatever its Party category and User Roles. Empty: it applies to no one else.

    A version published before conditions existed marks an entry for the Users of a Shared Resource
    Provider with ``srp_user: True``; that reads as ``when == {"srp-user"}``. Nothing here says
    whether a fact holds for an organisation: the caller knows that."""
    extra = extra or {}
    when = set(extra.get("when") or ())
    if extra.get("srp_user"):
        when.add(Fact.SRP_USER.value)
    return frozenset(when), frozenset(extra.get("also_when") or ())


def conditions_in_words(extra: dict | None) -> list[str]:
    """The entry's conditions as phrases a reader understands, ``when`` first; empty when it has none."""
    when, also_when = conditions(extra)
    return ([WHEN_WORDS.get(fact, f"only when {fact}") for fact in sorted(when)]
            + [ALSO_WHEN_WORDS.get(fact, f"also when {fact}") for fact in sorted(also_when)])


def sources_of(source_url: str, extra: dict | None) -> list[dict]:
    """Every source an entry cites, the first being the one its ``source_url`` names: each a dict with
    ``url`` (may be empty when only the title is known), ``title``, and ``scf_ref`` and ``ai_ref`` when
    given. An entry written with ``sources`` keeps that list; one written with the single
    ``source_url`` and ``source_title`` (every file before lists existed) gives one source, or none."""
    extra = extra or {}
    if extra.get("sources"):
        return [{"url": s.get("url", ""), "title": s.get("title", ""),
                 **{k: s[k] for k in ("scf_ref", "ai_ref") if s.get(k)}} for s in extra["sources"]]
    if not (source_url or any(extra.get(k) for k in ("source_title", "scf_ref", "ai_ref"))):
        return []
    return [{"url": source_url or "", "title": extra.get("source_title", ""),
             **{k: extra[k] for k in ("scf_ref", "ai_ref") if extra.get(k)}}]


def scope_for(version: FrameworkVersion, assessment_type: str) -> dict | None:
    """What an assessment of that type covers under this catalogue version, as the version's file
    says in ``scopes``; None when the version says nothing about that type.

    The dict holds ``title``, ``description``, ``confidence`` (S, I or R) and its label, ``sources``
    (each ``{url, title, scf_ref?, ai_ref?}``), ``areas`` and ``obligation_refs``. Each area has its
    ``key``, ``title``, the ``obligations`` and ``groups`` it names, and ``obligation_refs``: the
    obligations it covers in catalogue order, those it names together with every assessable
    obligation of the groups it names and of their subgroups. ``obligation_refs`` at the top is the
    union of the areas' (a set).

    An empty area list, and so an empty ``obligation_refs``, means the scope is not narrowed: the
    version knows what the assessment is for but names no areas, so the assessment covers every
    obligation that applies to the organisation. (The importer refuses an area that covers no
    assessable obligation, so an empty set never means "nothing".) Two queries at most."""
    return scopes_of(version, [assessment_type]).get(assessment_type)


def scopes_of(version: FrameworkVersion, assessment_types: list[str] | None = None) -> dict[str, dict]:
    """``scope_for`` for every assessment type the version gives a scope for (or those named), in
    the order of ``ScopeKind``, resolved together: two queries at most, whatever their number."""
    stored = (version.extra or {}).get("scopes") or {}
    wanted = [k for k in ScopeKind.values if k in stored and (assessment_types is None or k in assessment_types)]
    areas = [a for kind in wanted for a in stored[kind].get("areas") or []]
    named_groups = {g for a in areas for g in a.get("groups") or []}
    subtree: dict[str, set[int]] = {}
    if named_groups:
        rows = list(Group.objects.filter(version=version).values_list("pk", "ref", "parent_id"))
        children: dict[int | None, list[int]] = {}
        for pk, _, parent in rows:
            children.setdefault(parent, []).append(pk)
        for pk, ref, _ in rows:
            if ref in named_groups:
                ids, todo = set(), [pk]
                while todo:
                    ids.add(todo[-1])
                    todo.extend(children.get(todo.pop(), []))
                subtree[ref] = ids
    named = {ref for a in areas for ref in a.get("obligations") or []}
    group_ids = set().union(*subtree.values()) if subtree else set()
    obligations = list(
        Obligation.objects.filter(version=version)
        .filter(Q(ref__in=named) | Q(group_id__in=group_ids, assessable=True))
        .order_by("order").values_list("ref", "group_id", "assessable")
    ) if areas else []
    found = {}
    for kind in wanted:
        scope = stored[kind]
        resolved = []
        for a in scope.get("areas") or []:
            ids = set().union(*(subtree.get(g, set()) for g in a.get("groups") or []))
            refs = [ref for ref, group_id, assessable in obligations
                    if ref in (a.get("obligations") or []) or (assessable and group_id in ids)]
            resolved.append({"key": a["key"], "title": a["title"], "obligations": list(a.get("obligations") or []),
                             "groups": list(a.get("groups") or []), "obligation_refs": refs})
        found[kind] = {
            "assessment_type": kind,
            "assessment_label": ScopeKind(kind).label,
            "title": scope["title"],
            "description": scope["description"],
            "confidence": scope["confidence"],
            "confidence_label": _label(Confidence, scope["confidence"]),
            "sources": [dict(source) for source in scope.get("sources") or []],
            "areas": resolved,
            "obligation_refs": {ref for a in resolved for ref in a["obligation_refs"]},
        }
    return found


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
    when, also_when = conditions(ob.extra)
    sources = sources_of(ob.source_url, ob.extra)
    first = sources[0] if sources else {}
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
                          "srp_user": Fact.SRP_USER.value in when,
                          "when": sorted(when), "also_when": sorted(also_when)},
        "applicability_labels": {
            "categories": [_label(PartyCategory, c) for c in ob.categories],
            "roles": [_label(UserRole, r) for r in ob.roles],
        },
        "conditions": conditions_in_words(ob.extra),
        "confidence": ob.confidence,
        "confidence_label": ob.get_confidence_display(),
        # The first source, as before lists of sources existed; ``sources`` has every one.
        "source_url": ob.source_url,
        "source_title": first.get("title") or None,
        "scf_ref": first.get("scf_ref"),
        "ai_ref": first.get("ai_ref"),
        "sources": sources,
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
