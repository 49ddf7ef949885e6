"""The secassure catalogue file (``secassure.catalogue/1``), documented in docs/catalogue-format.md."""

from __future__ import annotations

import datetime as dt
from typing import Any

from secassure.catalogue.choices import (
    AnswerKind,
    Concern,
    Confidence,
    Fact,
    FrameworkKind,
    Origin,
    PartyCategory,
    QuestionTopic,
    Relationship,
    ScopeKind,
    UserRole,
    VersionStatus,
)
from secassure.catalogue.importers.base import (
    ALL_CATEGORIES,
    ALL_ROLES,
    CatalogueData,
    CatalogueError,
    GroupData,
    MappingData,
    ObligationData,
    QuestionData,
    check_id,
    check_slug,
    parse_yaml,
    paused_gc,
    read_text,
)

FORMAT = "secassure.catalogue/1"
_TOP = {"format", "framework", "version", "groups", "obligations", "questions", "scopes"}
_FRAMEWORK = {"slug", "name", "kind"}
_VERSION = {"version", "status", "effective_date", "source", "source_url", "notes", *("reflects",)}
# What a version says it reflects: the releases of the texts its entries were checked against.
_REFLECTS = {"sec", "scf", "agreed_interpretations"}
_GROUP = {"ref", "title", "summary", "parent"}
_OBLIGATION = {
    "ref", "group", "parent", "title", "summary", "guidance", "applicability", "confidence",
    "source_url", "source_title", "scf_ref", "ai_ref", "sources", "assessable", "maps_to",
}
# One source of an entry: the page (its address may be unknown, never its title), and the section of
# the Security Controls Framework or the Agreed Interpretation it rests on.
_SOURCE = {"url", "title", "scf_ref", "ai_ref"}
_QUESTION = {"ref", "text", "topic", "clauses", "categories", "help", "answer_kind", "concern", "official_ref"}
# What an assessment type covers in this version, and the areas that narrow it.
_SCOPE = {"title", "description", "confidence", "sources", "areas"}
_AREA = {"key", "title", "obligations", "groups"}


class _Reader:
    """Typed access to a parsed YAML tree that names the place of every problem."""

    def __init__(self, file: str):
        self.file = file

    def fail(self, place: str, problem: str):
        raise CatalogueError(self.file, place, problem)

    def mapping(self, value: Any, place: str, allowed: set[str]) -> dict:
        if not isinstance(value, dict):
            self.fail(place, f"expected a mapping, found {_kind(value)}")
        unknown = sorted(str(k) for k in value if k not in allowed)
        if unknown:
            self.fail(f"{place}.{unknown[0]}" if place else unknown[0],
                      f"unknown key; expected one of {', '.join(sorted(allowed))}")
        return value

    def text(self, node: dict, key: str, place: str, *, required: bool = True, limit: int = 20000,
             ident: bool = False) -> str:
        value = node.get(key)
        where = f"{place}.{key}" if place else key
        if value is None:
            if required:
                self.fail(where, "missing")
            return ""
        if ident and not isinstance(value, str):
            # YAML reads 8.10 as the number 8.1: an id written as a number may already be wrong.
            self.fail(where, f"found the number {value!r}; write ids and versions in quotes, e.g. '8.10'")
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.fail(where, f"expected text, found {_kind(value)}")
        value = str(value).strip()
        if required and not value:
            self.fail(where, "must not be empty")
        if len(value) > limit:
            self.fail(where, f"longer than {limit} characters")
        return value

    def choice(self, node: dict, key: str, place: str, choices, default: str) -> str:
        value = node.get(key, default)
        allowed = [c.value for c in choices]
        if value not in allowed:
            self.fail(f"{place}.{key}" if place else key, f"{value!r} is not one of {', '.join(allowed)}")
        return value

    def url(self, node: dict, key: str, place: str) -> str:
        value = self.text(node, key, place, required=False, limit=500)
        if value and not value.startswith("https://"):
            self.fail(f"{place}.{key}", "must be an https:// address")
        return value

    def vocabulary(self, value: Any, place: str, choices, everything: list[str]) -> list[str]:
        if value is None:
            return list(everything)
        if not isinstance(value, list) or not value:
            self.fail(place, "expected a non-empty list ([all] or names)")
        if value == ["all"]:
            return list(everything)
        allowed = {c.value for c in choices}
        for i, item in enumerate(value):
            if not isinstance(item, str) or item not in allowed:
                self.fail(f"{place}[{i}]", f"{item!r} is not one of all, {', '.join(sorted(allowed))}")
        if len(set(value)) != len(value):
            self.fail(place, "names a value twice")
        return [c for c in everything if c in value]

    def items(self, node: dict, key: str, *, required: bool = True) -> list:
        value = node.get(key)
        if value is None:
            if required:
                self.fail(key, "missing")
            return []
        if not isinstance(value, list):
            self.fail(key, f"expected a list, found {_kind(value)}")
        return value


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false", type(None): "nothing"}.get(
        type(value), type(value).__name__
    )


def parse_file(path: str, max_bytes: int) -> CatalogueData:
    with paused_gc():
        name = str(path)
        return parse_document(name, parse_yaml(name, read_text(path, max_bytes)))


def parse_document(name: str, doc: Any) -> CatalogueData:
    r = _Reader(name)
    if not isinstance(doc, dict):
        r.fail("root", f"expected a mapping with format: {FORMAT}, found {_kind(doc)}")
    if doc.get("format") != FORMAT:
        r.fail("format", f"expected {FORMAT!r}, found {doc.get('format')!r}")
    r.mapping(doc, "", _TOP)
    fw = r.mapping(doc.get("framework"), "framework", _FRAMEWORK)
    ver = r.mapping(doc.get("version"), "version", _VERSION)
    data = CatalogueData(
        file=name,
        origin=Origin.SECASSURE.value,
        framework_slug=check_slug(name, "framework.slug", r.text(fw, "slug", "framework", limit=80, ident=True)),
        framework_name=r.text(fw, "name", "framework", limit=300),
        framework_kind=r.choice(fw, "kind", "framework", FrameworkKind, FrameworkKind.CONTROL_SET.value),
        version=r.text(ver, "version", "version", limit=100, ident=True),
        status=r.choice(ver, "status", "version", VersionStatus, VersionStatus.PUBLISHED.value),
        effective_date=_date(r, ver.get("effective_date"), "version.effective_date"),
        source=r.text(ver, "source", "version", required=False),
        source_url=r.url(ver, "source_url", "version"),
        notes=r.text(ver, "notes", "version", required=False),
    )
    reflects = ver.get("reflects")
    if reflects is not None:
        r.mapping(reflects, "version.reflects", _REFLECTS)
        found = {key: r.text(reflects, key, "version.reflects", required=False, limit=100) for key in sorted(_REFLECTS)}
        data.extra["reflects"] = {key: value for key, value in found.items() if value}
    group_refs: set[str] = set()
    for i, node in enumerate(r.items(doc, "groups")):
        place = f"groups[{i}]"
        g = r.mapping(node, place, _GROUP)
        ref = r.text(g, "ref", place, limit=100, ident=True)
        parent = r.text(g, "parent", place, required=False, ident=True) or None
        data.groups.append(GroupData(ref=ref, title=r.text(g, "title", place, limit=500),
                                     summary=r.text(g, "summary", place, required=False), parent=parent))
        group_refs.add(ref)
    summary_required = data.framework_kind == FrameworkKind.REGULATION
    for i, node in enumerate(r.items(doc, "obligations")):
        data.obligations.append(_obligation(r, node, f"obligations[{i}]", group_refs, summary_required))
    for i, node in enumerate(r.items(doc, "questions", required=False)):
        data.questions.append(_question(r, node, f"questions[{i}]"))
    if doc.get("scopes") is not None:
        data.extra["scopes"] = _scopes(r, doc["scopes"], data)
    data.check_tree()
    return data


def _date(r: _Reader, value: Any, place: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        r.fail(place, "expected a date (YYYY-MM-DD), found a date and time")
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        r.fail(place, f"{value!r} is not a date in the form YYYY-MM-DD")


def _obligation(r: _Reader, node: Any, place: str, group_refs: set[str], summary_required: bool) -> ObligationData:
    o = r.mapping(node, place, _OBLIGATION)
    group = r.text(o, "group", place, limit=100, ident=True)
    if group not in group_refs:
        r.fail(f"{place}.group", f"no group {group!r} in this file")
    applicability = o.get("applicability") or {}
    r.mapping(applicability, f"{place}.applicability", {"categories", "roles", "srp_user", "when", "also_when"})
    srp_user = applicability.get("srp_user", False)
    if not isinstance(srp_user, bool):
        r.fail(f"{place}.applicability.srp_user", "expected true or false")
    conditions = {key: _facts(r, applicability.get(key), f"{place}.applicability.{key}")
                  for key in ("when", "also_when")}
    if srp_user and applicability.get("when") is not None:
        r.fail(f"{place}.applicability.srp_user", "give the condition once: when: [srp-user] says what srp_user "
                                                  "said, so leave srp_user out")
    assessable = o.get("assessable", True)
    if not isinstance(assessable, bool):
        r.fail(f"{place}.assessable", "expected true or false")
    source_url = r.url(o, "source_url", place)
    provenance = _provenance(r, o, place)
    listed = _sources(r, o.get("sources"), f"{place}.sources")
    if listed is not None:
        # The single form, when given too, is the first source; the list is then all there is.
        first = {"url": source_url, "title": provenance.get("source_title", ""),
                 "scf_ref": provenance.get("scf_ref", ""), "ai_ref": provenance.get("ai_ref", "")}
        single = [{key: text for key, text in first.items() if text}] if source_url or provenance else []
        listed = single + listed
        urls = [s["url"] for s in listed if s.get("url")]
        if len(set(urls)) != len(urls):
            r.fail(f"{place}.sources", "cites the same address twice")
        source_url = source_url or next(iter(urls), "")
        provenance = {"sources": listed}
    return ObligationData(
        ref=r.text(o, "ref", place, limit=100, ident=True),
        title=r.text(o, "title", place, limit=500),
        group=group,
        parent=r.text(o, "parent", place, required=False, ident=True) or None,
        # A regulation's clauses need a summary in our words: the rows of a self-assessment show it.
        summary=r.text(o, "summary", place, required=summary_required),
        guidance=r.text(o, "guidance", place, required=False),
        categories=r.vocabulary(applicability.get("categories"), f"{place}.applicability.categories",
                                PartyCategory, ALL_CATEGORIES),
        roles=r.vocabulary(applicability.get("roles"), f"{place}.applicability.roles", UserRole, ALL_ROLES),
        confidence=r.choice(o, "confidence", place, Confidence, Confidence.STATED.value),
        source_url=source_url,
        assessable=assessable,
        maps_to=_mappings(r, o.get("maps_to"), f"{place}.maps_to"),
        extra={**provenance, **({"srp_user": True} if srp_user else {}),
               **{key: facts for key, facts in conditions.items() if facts}},
        place=place,
    )


# Where an entry's source is more precise than its page: the page's title, and the section of the
# Security Controls Framework or the paragraph of the Agreed Interpretations it rests on.
_PROVENANCE = (("source_title", 300), ("scf_ref", 100), ("ai_ref", 100))


def _provenance(r: _Reader, o: dict, place: str) -> dict:
    found = {key: r.text(o, key, place, required=False, limit=limit) for key, limit in _PROVENANCE}
    return {key: value for key, value in found.items() if value}


def _facts(r: _Reader, value: Any, place: str) -> list[str]:
    """``when`` or ``also_when``: facts about the organisation (``choices.Fact``), sorted; [] when absent.
    ``when``: each must hold, besides the categories and roles; ``also_when``: any one makes the entry
    apply, whatever the organisation's category."""
    if value is None:
        return []
    allowed = Fact.values
    if not isinstance(value, list) or not value:
        r.fail(place, f"expected a non-empty list of conditions, from {', '.join(allowed)}")
    for i, fact in enumerate(value):
        if not isinstance(fact, str) or fact not in allowed:
            r.fail(f"{place}[{i}]", f"{fact!r} is not a condition secassure knows; use {', '.join(allowed)}")
    if len(set(value)) != len(value):
        r.fail(place, "names a condition twice")
    return sorted(value)


def _sources(r: _Reader, value: Any, place: str) -> list[dict] | None:
    """``sources``: a non-empty list of the pages an entry rests on, each with its title; None when the
    entry does not give the key (it may still give the single ``source_url`` and ``source_title``)."""
    if value is None:
        return None
    if not isinstance(value, list) or not value:
        r.fail(place, "expected a non-empty list of sources, each {url, title}")
    found = []
    for i, node in enumerate(value):
        where = f"{place}[{i}]"
        s = r.mapping(node, where, _SOURCE)
        item = {"url": r.url(s, "url", where), "title": r.text(s, "title", where, limit=300),
                **{key: r.text(s, key, where, required=False, limit=100) for key in ("scf_ref", "ai_ref")}}
        found.append({key: text for key, text in item.items() if text})
    return found


def _scopes(r: _Reader, value: Any, data: CatalogueData) -> dict:
    """``scopes``: for each assessment type the version says something about, what such an assessment
    covers, how sure that is and where it comes from, and the areas (obligations, or groups whose
    assessable obligations all count) that narrow it. No areas: the assessment is not narrowed."""
    kinds = [k.value for k in ScopeKind]
    r.mapping(value, "scopes", set(kinds))
    groups = {g.ref: g for g in data.groups}
    obligations = {o.ref: o for o in data.obligations}
    children: dict[str, list[str]] = {}
    for g in data.groups:
        if g.parent is not None:
            children.setdefault(g.parent, []).append(g.uid)

    def assessable_under(ref: str) -> bool:
        under, seen = [groups[ref].uid], set()
        while under:
            uid = under.pop()
            seen.add(uid)
            under.extend(children.get(uid, []))
        return any(o.assessable and o.group in seen for o in data.obligations)

    found = {}
    for kind in [k for k in kinds if k in value]:
        place = f"scopes.{kind}"
        node = r.mapping(value[kind], place, _SCOPE)
        if node.get("confidence") is None:
            r.fail(f"{place}.confidence", "missing: say how sure the scope is (S, I or R)")
        scope = {
            "title": r.text(node, "title", place, limit=300),
            "description": r.text(node, "description", place, limit=4000),
            "confidence": r.choice(node, "confidence", place, Confidence, ""),
            "sources": _sources(r, node.get("sources"), f"{place}.sources") or [],
            "areas": [],
        }
        areas = node.get("areas")
        if areas is not None and not isinstance(areas, list):
            r.fail(f"{place}.areas", f"expected a list, found {_kind(areas)}")
        keys: set[str] = set()
        for i, item in enumerate(areas or []):
            where = f"{place}.areas[{i}]"
            a = r.mapping(item, where, _AREA)
            key = check_id(r.file, f"{where}.key", r.text(a, "key", where, limit=100, ident=True), 100, "area key")
            if key in keys:
                r.fail(f"{where}.key", f"area {key!r} is named twice in this scope")
            keys.add(key)
            area = {"key": key, "title": r.text(a, "title", where, limit=300), "obligations": [], "groups": []}
            for field, known, what in (("obligations", obligations, "obligation"), ("groups", groups, "group")):
                refs = a.get(field)
                if refs is None:
                    continue
                if not isinstance(refs, list) or not all(isinstance(x, str) for x in refs):
                    r.fail(f"{where}.{field}", f"expected a list of {what} refs, each in quotes")
                if len(set(refs)) != len(refs):
                    r.fail(f"{where}.{field}", f"names a {what} twice")
                for j, ref in enumerate(refs):
                    if ref not in known:
                        r.fail(f"{where}.{field}[{j}]", f"no {what} {ref!r} in this file")
                    if what == "obligation" and not known[ref].assessable:
                        r.fail(f"{where}.{field}[{j}]", f"{ref} is a heading (assessable: false), which no "
                                                         "assessment has a row for: name the obligations it heads")
                    if what == "group" and not assessable_under(ref):
                        r.fail(f"{where}.{field}[{j}]", f"group {ref} holds no assessable obligation")
                area[field] = list(refs)
            if not (area["obligations"] or area["groups"]):
                r.fail(where, "names no obligations and no groups: an area says what it covers")
            scope["areas"].append(area)
        found[kind] = scope
    return found


def _mappings(r: _Reader, value: Any, place: str) -> list[MappingData]:
    if value is None:
        return []
    if not isinstance(value, list):
        r.fail(place, f"expected a list, found {_kind(value)}")
    out: list[MappingData] = []
    seen: set[str] = set()
    for i, item in enumerate(value):
        where = f"{place}[{i}]"
        if isinstance(item, str):
            target, rel = item, Relationship.INTERSECTS.value
        else:
            m = r.mapping(item, where, {"to", "relationship"})
            target = r.text(m, "to", where, limit=300, ident=True)
            rel = r.choice(m, "relationship", where, Relationship, Relationship.INTERSECTS.value)
        if not _split_target(target):
            r.fail(where, f"{target!r} is not of the form FRAMEWORK@VERSION:REF")
        if target in seen:
            r.fail(where, f"maps to {target} twice")
        seen.add(target)
        out.append(MappingData(target=target, relationship=rel))
    return out


def _split_target(target: str) -> tuple[str, str, str] | None:
    framework, at, rest = target.partition("@")
    version, colon, ref = rest.partition(":")
    if not (at and colon and framework and version and ref):
        return None
    return framework, version, ref


split_target = _split_target


def _question(r: _Reader, node: Any, place: str) -> QuestionData:
    q = r.mapping(node, place, _QUESTION)
    clauses = q.get("clauses")
    if not isinstance(clauses, list) or not clauses or not all(isinstance(c, str) for c in clauses):
        r.fail(f"{place}.clauses", "expected a non-empty list of obligation refs, each in quotes")
    ref = r.text(q, "ref", place, limit=100, ident=True)
    kind, concern = _answer_kind(r, q, place, ref)
    return QuestionData(
        ref=ref,
        text=r.text(q, "text", place, limit=4000),
        topic=r.choice(q, "topic", place, QuestionTopic, ""),
        clauses=list(clauses),
        categories=r.vocabulary(q.get("categories"), f"{place}.categories", PartyCategory, ALL_CATEGORIES),
        help=r.text(q, "help", place, required=False),
        answer_kind=kind,
        concern=concern,
        official_ref=r.text(q, "official_ref", place, limit=40, required=False),
    )


def _answer_kind(r: _Reader, q: dict, place: str, ref: str) -> tuple[str, str]:
    """The question's answer kind and, for a yes-no question, its worrying answer. A file written
    before answer kinds existed gives neither: its questions are yes-no, worrying on No, as they
    were always shown."""
    kind = q.get("answer_kind", AnswerKind.YES_NO.value)
    if kind not in AnswerKind.values:
        r.fail(f"{place}.answer_kind", f"question {ref}: {kind!r} is not an answer kind; use one of "
                                       f"{', '.join(AnswerKind.values)}")
    concern = q.get("concern")
    # YAML reads a bare yes or no as true or false: take them for what the author wrote.
    if isinstance(concern, bool):
        concern = Concern.YES.value if concern else Concern.NO.value
    if kind != AnswerKind.YES_NO:
        if concern is not None:
            r.fail(f"{place}.concern", f"question {ref}: only a yes-no question has a worrying answer; remove "
                                       f"concern from this {kind} question")
        return kind, ""
    if concern is None:
        return kind, Concern.NO.value
    if concern not in Concern.values:
        r.fail(f"{place}.concern", f"question {ref}: {concern!r} is not an answer; the worrying answer of a "
                                   "yes-no question is yes or no")
    return kind, concern
