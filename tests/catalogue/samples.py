"""Small catalogue files written for the tests, in each format secassure reads."""

from __future__ import annotations

import json

import yaml


def native_doc(version: str = "1.0", status: str = "published", **changes) -> dict:
    doc = {
        "format": "secassure.catalogue/1",
        "framework": {"slug": "test-fw", "name": "Test framework", "kind": "regulation"},
        "version": {"version": version, "status": status, "effective_date": "2025-01-01",
                    "source": "written for the tests", "source_url": "https://example.org/source"},
        "groups": [{"ref": "T1", "title": "First group"}, {"ref": "T2", "title": "Second group"}],
        "obligations": [
            {"ref": "T1.1", "group": "T1", "title": "Alpha", "summary": "Do alpha.", "confidence": "S",
             "applicability": {"categories": ["large-supplier", "small-supplier"], "roles": ["all"]}},
            {"ref": "T1.2", "group": "T1", "title": "Beta", "summary": "Do beta.", "confidence": "R"},
            {"ref": "T1.2a", "group": "T1", "parent": "T1.2", "title": "Beta detail", "summary": "Detail."},
            {"ref": "T2.1", "group": "T2", "title": "Gamma", "summary": "Do gamma.", "confidence": "I"},
        ],
        "questions": [
            {"ref": "Q1", "text": "Has alpha changed?", "topic": "changes", "clauses": ["T1.1"]},
            {"ref": "Q2", "text": "Is gamma monitored?", "topic": "monitoring", "clauses": ["T2.1", "T1.2"],
             "categories": ["other-user"]},
        ],
    }
    doc.update(changes)
    return doc


def native_yaml(**kwargs) -> str:
    return yaml.safe_dump(native_doc(**kwargs), sort_keys=False)


def oscal_doc() -> dict:
    """Two nested groups, controls with enhancements (three levels), params, statement parts."""

    def control(cid, title, label, children=(), prose="Do the thing.", params=None):
        c = {
            "id": cid,
            "class": "SP800-53",
            "title": title,
            "props": [{"name": "label", "value": label}],
            "parts": [
                {"id": f"{cid}_smt", "name": "statement", "prose": prose,
                 "parts": [{"id": f"{cid}_smt.a", "name": "item", "props": [{"name": "label", "value": "a."}],
                            "prose": "first item"}]},
                {"id": f"{cid}_gdn", "name": "guidance", "prose": f"Guidance for {label}."},
            ],
        }
        if params:
            c["params"] = params
        if children:
            c["controls"] = list(children)
        return c

    return {
        "catalog": {
            "uuid": "74c8ba1e-5cd4-4ad1-bbfd-d888e2f6c724",
            "metadata": {"title": "Tiny Catalog", "last-modified": "2025-01-01T00:00:00+00:00",
                         "version": "2.0", "oscal-version": "1.1.2"},
            "groups": [
                {"id": "ac", "class": "family", "title": "Access Control",
                 "controls": [
                     control("ac-1", "Policy", "AC-1",
                             prose="Set a policy every {{ insert: param, ac-1_prm_1 }}.",
                             params=[{"id": "ac-1_prm_1", "label": "frequency"}]),
                     control("ac-2", "Accounts", "AC-2", children=[
                         control("ac-2.1", "Automated management", "AC-2(1)", children=[
                             control("ac-2.1.1", "Deeper", "AC-2(1)(a)")]),
                         control("ac-2.2", "Temporary accounts", "AC-2(2)"),
                     ]),
                 ],
                 "groups": [{"id": "ac-sub", "title": "Sub family",
                             "controls": [control("ac-9", "Nested group control", "AC-9")]}]},
                {"id": "au", "class": "family", "title": "Audit",
                 "controls": [control("au-1", "Audit policy", "AU-1")]},
            ],
        }
    }


def oscal_json() -> str:
    return json.dumps(oscal_doc(), indent=1)


def ciso_doc() -> dict:
    base = "urn:test:req_node:tiny"

    def node(suffix, depth, assessable, parent=None, name=None, ref=None, description="words"):
        n = {"urn": f"{base}:{suffix}", "assessable": assessable, "depth": depth, "ref_id": ref or suffix.upper()}
        if parent:
            n["parent_urn"] = f"{base}:{parent}"
        if name:
            n["name"] = name
        n["description"] = description
        return n

    return {
        "urn": "urn:test:risk:library:tiny",
        "locale": "en",
        "ref_id": "tiny-caf",
        "name": "Tiny CAF",
        "version": 3,
        "publication_date": "2025-05-01",
        "provider": "Tests",
        "objects": {"framework": {
            "urn": "urn:test:risk:framework:tiny",
            "ref_id": "tiny-caf",
            "name": "Tiny CAF",
            "requirement_nodes": [
                node("a", 1, False, name="Objective A"),
                node("a1", 2, False, "a", name="Principle A1"),
                node("a1.a", 3, False, "a1", name="Outcome A1.a"),
                node("a1.a.1", 4, True, "a1.a", description="Statement one"),
                node("a1.a.2", 4, True, "a1.a", description="Statement two"),
                node("a1.b", 3, True, "a1", name="Assessable outcome"),
                node("a1.b.1", 4, False, "a1.b", name="Note under an assessable node"),
                node("b", 1, False, name="Objective B"),
                node("b1", 2, True, "b", name="Assessable principle"),
            ],
        }},
    }


def ciso_yaml() -> str:
    return yaml.safe_dump(ciso_doc(), sort_keys=False)
