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
    parse_yaml,
    paused_gc,
    read_text,
    slugify,
    url_safe,
)

NS = "urn:secassure:oscal"
DIRECT_CONTROLS = ("grouping", "direct-controls")
_INSERT = re.compile(r"\{\{\s*insert:\s*param,\s*([^}\s]+)\s*\}\}")
_LISTS = ("props", "parts", "params", "links", "controls", "groups")


def parse_file(path: str, max_bytes: int, *, framework: str | None = None, version: str | None = None,
               draft: bool = False) -> CatalogueData:
    with paused_gc():
        name = str(path)
        text = read_text(path, max_bytes)
        doc = parse_json(name, text) if text.lstrip().startswith(("{", "[")) else parse_yaml(name, text)
        return parse_document(name, doc, framework=framework, version=version, draft=draft)


def parse_document(name: str, doc: Any, *, framework: str | None = None, version: str | None = None,
                   draft: bool = False) -> CatalogueData:
    roots = [k for k in doc if k != "$schema"] if isinstance(doc, dict) else []
    if roots != ["catalog"]:
        found = ", ".join(map(repr, roots)) if isinstance(doc, dict) else type(doc).__name__
        raise CatalogueError(name, "root", f"expected an OSCAL document with one root 'catalog', found {found}")
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
    file_version = _str(name, meta, "version", "catalog.metadata")
    if version is None and not url_safe(file_version):
        raise CatalogueError(name, "catalog.metadata.version",
                             f"{file_version!r} cannot name a version here (no '/'); give one with --version")
    data = CatalogueData(
        file=name,
        origin=Origin.OSCAL.value,
        framework_slug=framework or slugify(title),
        framework_name=" ".join(title.split())[:300],
        framework_kind=FrameworkKind.CONTROL_SET.value,
        version=version or file_version,
        status="draft" if draft else "published",
        source=f"OSCAL catalog {catalog.get('uuid', '')}".strip(),
        extra={"oscal_uuid": str(catalog.get("uuid", "")), "oscal_version": oscal_version,
               "last_modified": str(meta.get("last-modified", ""))},
    )
    walker = _Walker(name, data)
    walker.shape(catalog, "catalog")
    walker.collect_params(catalog, "catalog", 0)
    walker.children(catalog, "catalog", None, 0)
    for i, control in enumerate(catalog.get("controls") or []):
        walker.control(control, f"catalog.controls[{i}]", None, None, 0)
    walker.settle_refs()
    data.check_tree()
    return data


class _Walker:
    def __init__(self, name: str, data: CatalogueData):
        self.name, self.data = name, data
        self.raw_params: dict[str, dict] = {}
        self.param_text: dict[str, str] = {}

    def shape(self, node: Any, place: str) -> dict:
        """The node is an object and its list fields are lists of objects."""
        if not isinstance(node, dict):
            raise CatalogueError(self.name, place, "expected an object")
        for key in _LISTS:
            value = node.get(key)
            if value is None:
                continue
            if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
                raise CatalogueError(self.name, f"{place}.{key}", "expected a list of objects")
        return node

    def children(self, node: dict, place: str, parent: str | None, depth: int) -> None:
        for i, group in enumerate(node.get("groups") or []):
            self.group(group, f"{place}.groups[{i}]", parent, depth + (parent is not None))

    def group(self, node: Any, place: str, parent: str | None, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise CatalogueError(self.name, place, f"groups nest deeper than {MAX_DEPTH} levels")
        self.shape(node, place)
        title = _str(self.name, node, "title", place)
        if parent is not None and _prop(node, DIRECT_CONTROLS[0], NS) == DIRECT_CONTROLS[1]:
            # secassure's own export: the parent group's controls, wrapped because OSCAL JSON
            # does not let one group hold both groups and controls.
            for i, control in enumerate(node.get("controls") or []):
                self.control(control, f"{place}.controls[{i}]", parent, None, depth)
            return
        uid = str(node.get("id") or f"{parent or 'group'}-{len(self.data.groups) + 1}")
        self.data.groups.append(GroupData(ref=_label(node) or uid, uid=uid, title=" ".join(title.split())[:500],
                                          summary=self.prose(node, "overview", place), parent=parent))
        # Sub-groups and controls in the order the file gives them.
        for key in [k for k in node if k in ("groups", "controls")]:
            for i, child in enumerate(node[key]):
                if key == "groups":
                    self.group(child, f"{place}.groups[{i}]", uid, depth + 1)
                else:
                    self.control(child, f"{place}.controls[{i}]", uid, None, depth + 1)

    def control(self, node: Any, place: str, group: str | None, parent: str | None, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise CatalogueError(self.name, place, f"controls nest deeper than {MAX_DEPTH} levels")
        self.shape(node, place)
        uid = _str(self.name, node, "id", place)
        title = _str(self.name, node, "title", place)
        self.data.obligations.append(ObligationData(
            ref=_label(node) or uid,
            uid=uid,
            title=" ".join(title.split())[:500],
            group=group,
            parent=parent,
            summary=self.prose(node, "statement", place),
            guidance=self.prose(node, "guidance", place),
            assessable=_prop(node, "status") != "withdrawn",
            extra={k: node[k] for k in ("class", "props", "params", "links") if k in node},
            place=place,
        ))
        for i, child in enumerate(node.get("controls") or []):
            self.control(child, f"{place}.controls[{i}]", group, uid, depth + 1)

    def prose(self, node: dict, part_name: str, place: str) -> str:
        lines: list[str] = []
        for i, part in enumerate(node.get("parts") or []):
            if part.get("name") == part_name:
                self._flatten(part, lines, 0, f"{place}.parts[{i}]")
        return "\n".join(lines).strip()

    def _flatten(self, part: dict, lines: list[str], depth: int, place: str) -> None:
        if depth > MAX_DEPTH:
            raise CatalogueError(self.name, place, f"parts nest deeper than {MAX_DEPTH} levels")
        self.shape(part, place)
        prose = part.get("prose", "")
        if not isinstance(prose, str):
            raise CatalogueError(self.name, f"{place}.prose", "expected text")
        text = " ".join(x for x in (_label(part), self.substitute(prose).strip()) if x)
        if text:
            lines.append("  " * max(depth - 1, 0) + text)
        for i, child in enumerate(part.get("parts") or []):
            self._flatten(child, lines, depth + 1, f"{place}.parts[{i}]")

    # Parameters: "{{ insert: param, id }}" in prose becomes "[Assignment: label]" or
    # "[Selection: a; b]"; choices may insert further parameters, resolved to a bounded depth.

    def collect_params(self, node: dict, place: str, depth: int) -> None:
        if depth > 2 * MAX_DEPTH:
            return
        for i, param in enumerate(node.get("params") or []):
            if isinstance(param.get("id"), str):
                self.raw_params[param["id"]] = param
            select = param.get("select")
            if select is not None and (not isinstance(select, dict) or not isinstance(select.get("choice", []), list)
                                       or not all(isinstance(c, str) for c in select.get("choice", []))):
                raise CatalogueError(self.name, f"{place}.params[{i}].select", "expected choices as a list of text")
        for key in ("groups", "controls"):
            for i, child in enumerate(node.get(key) or []):
                self.collect_params(self.shape(child, f"{place}.{key}[{i}]"), f"{place}.{key}[{i}]", depth + 1)

    def substitute(self, text: str, depth: int = 0) -> str:
        return _INSERT.sub(lambda m: self.param(m.group(1), depth), text)

    def param(self, pid: str, depth: int = 0) -> str:
        if pid in self.param_text:
            return self.param_text[pid]
        param = self.raw_params.get(pid)
        if param is None or depth > 8:
            return f"[Assignment: {pid}]"
        select = param.get("select")
        if isinstance(select, dict) and select.get("choice"):
            how = "one or more" if select.get("how-many") == "one-or-more" else "one"
            choices = "; ".join(" ".join(self.substitute(c, depth + 1).split()) for c in select["choice"])
            text = f"[Selection ({how}): {choices}]"
        else:
            text = f"[Assignment: {param.get('label') or pid}]"
        self.param_text[pid] = text
        return text

    def settle_refs(self) -> None:
        # Labels are what people cite; fall back to the id where a label is missing, repeated or
        # cannot be part of a web address.
        for items in (self.data.obligations, self.data.groups):
            counts = Counter(item.ref for item in items)
            for item in items:
                if counts[item.ref] > 1 or not url_safe(item.ref) or len(item.ref) > 100:
                    item.ref = item.uid


def _label(node: dict) -> str:
    """The label people cite: the one without a class (NIST also gives zero-padded ones)."""
    labels = [p for p in node.get("props") or [] if p.get("name") == "label" and "ns" not in p]
    plain = [p for p in labels if "class" not in p] or labels
    return " ".join(str(plain[0].get("value", "")).split()) if plain else ""


def _prop(node: dict, name: str, ns: str | None = None) -> str:
    for prop in node.get("props") or []:
        if prop.get("name") == name and prop.get("ns") == ns:
            return str(prop.get("value", ""))
    return ""


def _str(file: str, node: dict, key: str, place: str) -> str:
    value = node.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CatalogueError(file, f"{place}.{key}", "missing or empty")
    return value.strip()
