"""OSCAL catalog (JSON, OSCAL 1.0.x and 1.1.x) into a ``CatalogueData``.

Groups nest, controls nest (enhancements are controls inside controls); both keep their order.
The ``statement`` part becomes the summary with parameters written out, ``guidance`` the
guidance; the ``label`` property is the reference people know a control by.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from secassure.catalogue.choices import FrameworkKind, Origin
from secassure.catalogue.importers.base import (
    MAX_DEPTH,
    CatalogueData,
    CatalogueError,
    GroupData,
    ObligationData,
    parse_json,
    paused_gc,
    read_text,
    refuse_markup_tricks,
    slugify,
)

NS = "urn:secassure:oscal"
DIRECT_CONTROLS = ("grouping", "direct-controls")
_INSERT = re.compile(r"\{\{\s*insert:\s*param,\s*([^}\s]+)\s*\}\}")


def parse_file(path: str, max_bytes: int, *, framework: str | None = None, version: str | None = None,
               draft: bool = False) -> CatalogueData:
    with paused_gc():
        name = str(path)
        text = read_text(path, max_bytes)
        doc = parse_json(name, text) if text.lstrip().startswith(("{", "[")) else _yaml(name, text)
        return parse_document(name, doc, framework=framework, version=version, draft=draft, text=text)


def _yaml(name: str, text: str):
    from secassure.catalogue.importers.base import parse_yaml

    return parse_yaml(name, text)


def parse_document(name: str, doc: Any, *, framework: str | None = None, version: str | None = None,
                   draft: bool = False, text: str | None = None) -> CatalogueData:
    if not isinstance(doc, dict) or len(doc) != 1 or "catalog" not in doc:
        found = ", ".join(map(repr, doc)) if isinstance(doc, dict) else type(doc).__name__
        raise CatalogueError(name, "root", f"expected an OSCAL document with one root 'catalog', found {found}")
    refuse_markup_tricks(name, doc, text)
    catalog = doc["catalog"]
    if not isinstance(catalog, dict):
        raise CatalogueError(name, "catalog", "expected an object")
    meta = catalog.get("metadata")
    if not isinstance(meta, dict):
        raise CatalogueError(name, "catalog.metadata", "missing: an OSCAL catalog has metadata")
    title = _str(name, meta, "title", "catalog.metadata")
    oscal_version = _str(name, meta, "oscal-version", "catalog.metadata")
    if not re.match(r"^1\.[01]\.\d+$", oscal_version):
        raise CatalogueError(name, "catalog.metadata.oscal-version",
                             f"OSCAL {oscal_version} is not read; expected 1.0.x or 1.1.x")
    data = CatalogueData(
        file=name,
        origin=Origin.OSCAL.value,
        framework_slug=framework or slugify(title),
        framework_name=title[:300],
        framework_kind=FrameworkKind.CONTROL_SET.value,
        version=version or _str(name, meta, "version", "catalog.metadata")[:100],
        status="draft" if draft else "published",
        source=f"OSCAL catalog {catalog.get('uuid', '')}".strip(),
        extra={"oscal_uuid": catalog.get("uuid", ""), "oscal_version": oscal_version,
               "last_modified": meta.get("last-modified", "")},
    )
    params: dict[str, str] = {}
    _collect_params(catalog, params, 0)
    walker = _Walker(name, data, params)
    for i, group in enumerate(_list(name, catalog, "groups", "catalog")):
        walker.group(group, f"catalog.groups[{i}]", None, 0)
    for i, control in enumerate(_list(name, catalog, "controls", "catalog")):
        walker.control(control, f"catalog.controls[{i}]", None, None, 0)
    walker.settle_refs()
    data.check_tree()
    return data


class _Walker:
    def __init__(self, name: str, data: CatalogueData, params: dict[str, str]):
        self.name, self.data, self.params = name, data, params

    def group(self, node: Any, place: str, parent: str | None, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise CatalogueError(self.name, place, f"groups nest deeper than {MAX_DEPTH} levels")
        if not isinstance(node, dict):
            raise CatalogueError(self.name, place, "expected a group object")
        title = _str(self.name, node, "title", place)
        if parent is not None and _prop(node, DIRECT_CONTROLS[0], NS) == DIRECT_CONTROLS[1]:
            # secassure's own export: the parent group's controls, wrapped because OSCAL JSON
            # does not let one group hold both groups and controls.
            for i, control in enumerate(_list(self.name, node, "controls", place)):
                self.control(control, f"{place}.controls[{i}]", parent, None, depth)
            return
        uid = str(node.get("id") or f"{parent or 'group'}-{len(self.data.groups) + 1}")
        label = _prop(node, "label")
        self.data.groups.append(GroupData(ref=label or uid, uid=uid, title=title[:500],
                                          summary=self._prose(node.get("parts") or [], "overview"), parent=parent))
        # Sub-groups and controls in the order the file gives them.
        for key in [k for k in node if k in ("groups", "controls")]:
            for i, child in enumerate(_list(self.name, node, key, place)):
                if key == "groups":
                    self.group(child, f"{place}.groups[{i}]", uid, depth + 1)
                else:
                    self.control(child, f"{place}.controls[{i}]", uid, None, depth + 1)

    def control(self, node: Any, place: str, group: str | None, parent: str | None, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise CatalogueError(self.name, place, f"controls nest deeper than {MAX_DEPTH} levels")
        if not isinstance(node, dict):
            raise CatalogueError(self.name, place, "expected a control object")
        uid = _str(self.name, node, "id", place)
        title = _str(self.name, node, "title", place)
        parts = node.get("parts") or []
        withdrawn = _prop(node, "status") == "withdrawn"
        self.data.obligations.append(ObligationData(
            ref=_prop(node, "label") or uid,
            uid=uid,
            title=title[:500],
            group=group,
            parent=parent,
            summary=self._prose(parts, "statement"),
            guidance=self._prose(parts, "guidance"),
            assessable=not withdrawn,
            extra={k: node[k] for k in ("class", "props", "params", "links") if k in node},
            place=place,
        ))
        for i, child in enumerate(_list(self.name, node, "controls", place)):
            self.control(child, f"{place}.controls[{i}]", group, uid, depth + 1)

    def _prose(self, parts: list, part_name: str) -> str:
        lines: list[str] = []
        for part in parts if isinstance(parts, list) else []:
            if isinstance(part, dict) and part.get("name") == part_name:
                self._flatten(part, lines, 0)
        return "\n".join(lines).strip()

    def _flatten(self, part: dict, lines: list[str], depth: int) -> None:
        if depth > MAX_DEPTH:
            return
        label = _prop(part, "label")
        prose = _INSERT.sub(lambda m: self.params.get(m.group(1), f"[Assignment: {m.group(1)}]"),
                            str(part.get("prose", ""))).strip()
        text = " ".join(x for x in (label, prose) if x)
        if text:
            lines.append("  " * max(depth - 1, 0) + text)
        for child in part.get("parts") or []:
            if isinstance(child, dict):
                self._flatten(child, lines, depth + 1)

    def settle_refs(self) -> None:
        # Labels are what people cite; fall back to the id where a label is missing or repeated.
        for items in (self.data.obligations, self.data.groups):
            counts = Counter(item.ref for item in items)
            for item in items:
                if counts[item.ref] > 1:
                    item.ref = item.uid


def _collect_params(node: Any, out: dict[str, str], depth: int) -> None:
    if depth > 4 * MAX_DEPTH:
        return
    if isinstance(node, dict):
        for param in node.get("params") or []:
            if isinstance(param, dict) and "id" in param:
                out[str(param["id"])] = _param_text(param)
        for key in ("groups", "controls"):
            for child in node.get(key) or []:
                _collect_params(child, out, depth + 1)


def _param_text(param: dict) -> str:
    select = param.get("select")
    if isinstance(select, dict) and select.get("choice"):
        how = "one or more" if select.get("how-many") == "one-or-more" else "one"
        return f"[Selection ({how}): {'; '.join(map(str, select['choice']))}]"
    label = param.get("label") or param.get("id")
    return f"[Assignment: {label}]"


def _prop(node: dict, name: str, ns: str | None = None) -> str:
    for prop in node.get("props") or []:
        if isinstance(prop, dict) and prop.get("name") == name and prop.get("ns") == ns:
            return str(prop.get("value", ""))
    return ""


def _str(file: str, node: dict, key: str, place: str) -> str:
    value = node.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CatalogueError(file, f"{place}.{key}", "missing or empty")
    return value.strip()


def _list(file: str, node: dict, key: str, place: str) -> list:
    value = node.get(key) or []
    if not isinstance(value, list):
        raise CatalogueError(file, f"{place}.{key}", "expected a list")
    return value
