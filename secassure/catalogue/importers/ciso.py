"""A CISO Assistant library (YAML) into a ``CatalogueData``.

The framework's requirement nodes form a tree through ``parent_urn``. Nodes that are not
assessable and have no assessable ancestor are headings, so they become groups; every other node
becomes an obligation. File order is kept, and the stated ``depth`` must agree with the tree.
"""

from __future__ import annotations

from typing import Any

from secassure.catalogue.choices import FrameworkKind, Origin
from secassure.catalogue.importers.base import (
    MAX_DEPTH,
    CatalogueData,
    CatalogueError,
    GroupData,
    ObligationData,
    check_slug,
    parse_yaml,
    paused_gc,
    read_text,
    slugify,
    url_safe,
)


def parse_file(path: str, max_bytes: int, *, framework: str | None = None, version: str | None = None,
               draft: bool = False) -> CatalogueData:
    with paused_gc():
        name = str(path)
        doc = parse_yaml(name, read_text(path, max_bytes))
        return parse_document(name, doc, framework=framework, version=version, draft=draft)


def parse_document(name: str, doc: Any, *, framework: str | None = None, version: str | None = None,
                   draft: bool = False) -> CatalogueData:
    if not isinstance(doc, dict) or "objects" not in doc or "urn" not in doc:
        raise CatalogueError(name, "root", "expected a CISO Assistant library with 'urn' and 'objects'")
    objects = doc["objects"]
    fw = objects.get("framework") if isinstance(objects, dict) else None
    if not isinstance(fw, dict):
        raise CatalogueError(name, "objects.framework", "missing: this library holds no framework")
    nodes = fw.get("requirement_nodes")
    if not isinstance(nodes, list) or not nodes:
        raise CatalogueError(name, "objects.framework.requirement_nodes", "missing or empty")
    lib_version = doc.get("version")
    slug = framework or slugify(str(fw.get("ref_id") or doc.get("ref_id") or fw.get("name") or "framework"))
    data = CatalogueData(
        file=name,
        origin=Origin.CISO.value,
        framework_slug=check_slug(name, "objects.framework.ref_id", slug),
        framework_name=str(fw.get("name") or doc.get("name") or slug)[:300],
        framework_kind=FrameworkKind.CONTROL_SET.value,
        version=version or _version(name, lib_version),
        status="draft" if draft else "published",
        effective_date=_date(doc.get("publication_date")),
        source=_source(doc),
        extra={"urn": str(doc.get("urn")), "framework_urn": str(fw.get("urn", "")),
               "locale": str(doc.get("locale", ""))},
    )
    _build(name, data, nodes)
    data.check_tree()
    return data


def _version(name: str, value: Any) -> str:
    text = "1" if value is None else " ".join(str(value).split())
    if not url_safe(text):
        raise CatalogueError(name, "version", f"{text!r} cannot name a version here (no '/'); give one with --version")
    return text


def _source(doc: dict) -> str:
    parts = [f"CISO Assistant library {doc.get('urn')}"]
    if doc.get("provider"):
        parts.append(f"provider: {doc['provider']}")
    if doc.get("copyright"):
        parts.append(f"copyright: {doc['copyright']}")
    return "; ".join(str(p) for p in parts)[:2000]


def _date(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)[:10]
    import datetime as dt

    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        return None


def _build(name: str, data: CatalogueData, nodes: list) -> None:
    by_urn: dict[str, dict] = {}
    for i, node in enumerate(nodes):
        place = f"objects.framework.requirement_nodes[{i}]"
        if not isinstance(node, dict):
            raise CatalogueError(name, place, "expected a requirement node mapping")
        urn = node.get("urn")
        if not isinstance(urn, str) or not urn:
            raise CatalogueError(name, f"{place}.urn", "missing")
        if urn in by_urn:
            raise CatalogueError(name, f"{place}.urn", f"duplicate urn {urn!r}")
        if not isinstance(node.get("assessable", False), bool):
            raise CatalogueError(name, f"{place}.assessable", "expected true or false")
        for key in ("parent_urn", "ref_id", "name", "description", "annotation", "typical_evidence"):
            value = node.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, str | int | float)):
                raise CatalogueError(name, f"{place}.{key}", "expected text")
        if node.get("parent_urn") is not None and not isinstance(node["parent_urn"], str):
            raise CatalogueError(name, f"{place}.parent_urn", "expected a urn")
        by_urn[urn] = {"node": node, "place": place, "index": i}
    # Depth from the parent chain, checked against the stated depth; cycles and orphans refused.
    depth_of: dict[str, int] = {}

    def depth(urn: str, trail: tuple[str, ...] = ()) -> int:
        if urn in depth_of:
            return depth_of[urn]
        entry = by_urn[urn]
        parent = entry["node"].get("parent_urn")
        if parent is None:
            d = 1
        else:
            if parent not in by_urn:
                raise CatalogueError(name, f"{entry['place']}.parent_urn", f"no node with urn {parent!r}")
            if parent in trail or len(trail) > MAX_DEPTH:
                raise CatalogueError(name, f"{entry['place']}.parent_urn", "the parent chain loops or is too deep")
            d = depth(parent, (*trail, urn)) + 1
        stated = entry["node"].get("depth")
        if stated is not None and stated != d:
            raise CatalogueError(name, f"{entry['place']}.depth", f"says {stated}, but its parent chain gives {d}")
        depth_of[urn] = d
        return d

    for urn in by_urn:
        depth(urn)
    # Headings: not assessable and no assessable ancestor.
    heading: dict[str, bool] = {}
    for urn in sorted(by_urn, key=depth_of.__getitem__):
        node = by_urn[urn]["node"]
        parent = node.get("parent_urn")
        heading[urn] = not node.get("assessable", False) and (parent is None or heading[parent])
    refs_used: set[str] = set()
    for urn in _parents_first(by_urn):
        entry = by_urn[urn]
        node, place = entry["node"], entry["place"]
        ref = " ".join(str(node.get("ref_id") or urn.rsplit(":", 1)[-1]).split())
        if ref in refs_used or not url_safe(ref) or len(ref) > 100:
            ref = urn
        refs_used.add(ref)
        title = " ".join(str(node.get("name") or "").split()) or _short(node.get("description")) or ref
        parent = node.get("parent_urn")
        if heading[urn]:
            data.groups.append(GroupData(ref=ref, uid=urn, title=title[:500],
                                         summary=str(node.get("description") or ""), parent=parent))
            continue
        group_uid = parent
        while group_uid is not None and not heading[group_uid]:
            group_uid = by_urn[group_uid]["node"].get("parent_urn")
        guidance = [str(node.get(k)) for k in ("annotation", "typical_evidence") if node.get(k)]
        data.obligations.append(ObligationData(
            ref=ref,
            uid=urn,
            title=title[:500],
            group=group_uid,
            parent=None if parent is None or heading[parent] else parent,
            summary=str(node.get("description") or ""),
            guidance="\n\n".join(guidance),
            assessable=bool(node.get("assessable", False)),
            extra={"depth": depth_of[urn], "index": entry["index"],
                   **({"implementation_groups": [str(g) for g in node["implementation_groups"]]}
                      if isinstance(node.get("implementation_groups"), list) else {})},
            place=place,
        ))


def _parents_first(by_urn: dict[str, dict]) -> list[str]:
    """File order, except that a parent listed after its child is moved up before it."""
    out: list[str] = []
    done: set[str] = set()
    for urn in by_urn:
        chain = []
        while urn is not None and urn not in done:
            chain.append(urn)
            urn = by_urn[urn]["node"].get("parent_urn")
        for item in reversed(chain):
            done.add(item)
            out.append(item)
    return out


def _short(text: Any) -> str:
    if not text:
        return ""
    text = " ".join(str(text).split())
    return text if len(text) <= 120 else text[:117] + "…"
