"""A framework version as an OSCAL 1.1.3 catalog (JSON).

Groups and controls keep their tree and order. secassure's own facts about a control
(applicability and its conditions, confidence, mappings to other frameworks) travel as properties
in secassure's namespace, so that an OSCAL tool keeps them without having to understand them; every
source with an address is a reference link.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import defaultdict
from pathlib import Path

from django.db.models import Prefetch

from secassure import __version__
from secassure.catalogue.importers.oscal import DIRECT_CONTROLS, NS
from secassure.catalogue.models import FrameworkVersion, Group, Mapping, Obligation
from secassure.catalogue.queries import conditions, sources_of

OSCAL_VERSION = "1.1.3"

_UUID_NS = uuid.UUID("3f0cbb8e-2e0b-5c53-9d3c-5ecaa55e0001")
_TOKEN_REST = re.compile(r"[^\w.\-]", re.UNICODE)


class _Ids:
    """OSCAL tokens, unique across the document, derived from our ids."""

    def __init__(self):
        self.used: set[str] = set()

    def make(self, raw: str, prefix: str) -> str:
        token = _TOKEN_REST.sub("-", raw.strip())
        if not token or not (token[0].isalpha() or token[0] == "_"):
            token = f"{prefix}-{token}" if token else prefix
        candidate, n = token, 1
        while candidate in self.used:
            n += 1
            candidate = f"{token}-{n}"
        self.used.add(candidate)
        return candidate


def _prop(name: str, value: str, *, ns: bool = True, cls: str | None = None) -> dict:
    prop = {"name": name, "value": value}
    if ns:
        prop["ns"] = NS
    if cls:
        prop["class"] = cls
    return prop


def _one_line(text: str) -> str:
    # OSCAL titles are a single line of text.
    return " ".join(text.split()) or "(untitled)"


def build_catalog(version: FrameworkVersion) -> dict:
    groups = list(Group.objects.filter(version=version).order_by("order"))
    obligations = list(
        Obligation.objects.filter(version=version)
        .prefetch_related(Prefetch("mappings_out",
                                   queryset=Mapping.objects.select_related("target__version__framework")))
        .order_by("order")
    )
    ids = _Ids()
    group_children: dict[int | None, list[Group]] = defaultdict(list)
    for g in groups:
        group_children[g.parent_id].append(g)
    controls_in_group: dict[int | None, list[Obligation]] = defaultdict(list)
    control_children: dict[int, list[Obligation]] = defaultdict(list)
    for o in obligations:
        if o.parent_id is None:
            controls_in_group[o.group_id].append(o)
        else:
            control_children[o.parent_id].append(o)

    def control(o: Obligation) -> dict:
        cid = ids.make(o.uid, "c")
        props = [_prop("label", o.ref, ns=False), _prop("confidence", o.confidence)]
        props += [_prop("applies-to-category", c) for c in o.categories]
        props += [_prop("applies-to-role", r) for r in o.roles]
        when, also_when = conditions(o.extra)
        props += [_prop("applies-when", fact) for fact in sorted(when)]
        props += [_prop("applies-also-when", fact) for fact in sorted(also_when)]
        if not o.assessable:
            props.append(_prop("assessable", "false"))
        props += [
            _prop("mapped-to", f"{m.target.version.framework.slug}@{m.target.version.version}:{m.target.ref}",
                  cls=m.relationship)
            for m in o.mappings_out.all()
        ]
        out: dict = {"id": cid, "title": _one_line(o.title), "props": props}
        links = [{"href": src["url"], "rel": "reference", **({"text": src["title"]} if src["title"] else {})}
                 for src in sources_of(o.source_url, o.extra) if src["url"]]
        if links:
            out["links"] = links
        parts = []
        if o.summary:
            parts.append({"id": f"{cid}_smt", "name": "statement", "prose": o.summary})
        if o.guidance:
            parts.append({"id": f"{cid}_gdn", "name": "guidance", "prose": o.guidance})
        if parts:
            out["parts"] = parts
        kids = [control(c) for c in control_children.get(o.pk, [])]
        if kids:
            out["controls"] = kids
        return out

    def group(g: Group) -> dict:
        gid = ids.make(g.uid, "g")
        out: dict = {"id": gid, "title": _one_line(g.title), "props": [_prop("label", g.ref, ns=False)]}
        if g.summary:
            out["parts"] = [{"id": f"{gid}_ovw", "name": "overview", "prose": g.summary}]
        subgroups = [group(child) for child in group_children.get(g.pk, [])]
        controls = [control(o) for o in controls_in_group.get(g.pk, [])]
        if subgroups and controls:
            # OSCAL JSON lets a group hold groups or controls, not both: the group's own controls
            # go into a marked inner group, which secassure's importer folds back on the way in.
            inner = {"id": ids.make(f"{gid}-controls", "g"), "title": g.title,
                     "props": [_prop(DIRECT_CONTROLS[0], DIRECT_CONTROLS[1])], "controls": controls}
            out["groups"] = [inner, *subgroups]
        elif subgroups:
            out["groups"] = subgroups
        elif controls:
            out["controls"] = controls
        return out

    metadata: dict = {
        "title": _one_line(version.framework.name),
        "last-modified": version.loaded_at.isoformat(timespec="seconds"),
        "version": version.version,
        "oscal-version": OSCAL_VERSION,
        "props": [
            _prop("framework", version.framework.slug),
            _prop("status", version.status),
            _prop("content-hash", version.content_hash),
            _prop("exported-by", f"secassure {__version__}"),
        ],
    }
    if version.effective_date:
        metadata["published"] = f"{version.effective_date.isoformat()}T00:00:00+00:00"
    if version.source_url:
        metadata["links"] = [{"href": version.source_url, "rel": "reference"}]
    if version.notes or version.source:
        metadata["remarks"] = "\n\n".join(x for x in (version.source, version.notes) if x)
    catalog: dict = {
        "uuid": str(uuid.uuid5(_UUID_NS, f"{version.label}:{version.content_hash}")),
        "metadata": metadata,
    }
    top_groups = [group(g) for g in group_children.get(None, [])]
    if top_groups:
        catalog["groups"] = top_groups
    loose = [control(o) for o in controls_in_group.get(None, [])]
    if loose:
        catalog["controls"] = loose
    return {"catalog": catalog}


def write_json(document: dict, path: Path) -> None:
    """Write an OSCAL document as indented UTF-8 JSON, whole or not at all (through a part file)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
    tmp.replace(path)


def write_catalog(version: FrameworkVersion, path: Path) -> dict:
    document = build_catalog(version)
    write_json(document, path)
    return document
