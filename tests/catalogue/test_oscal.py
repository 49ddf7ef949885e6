"""OSCAL catalogs in and out: the tree survives, and our export is valid OSCAL."""

import json

from trestle.oscal import catalog as trestle_catalog

from secassure.catalogue.models import FrameworkVersion, Group, Obligation
from tests.catalogue.samples import oscal_doc, oscal_json


def _count_controls(node) -> int:
    total = 0
    for control in node.get("controls", []):
        total += 1 + _count_controls(control)
    for group in node.get("groups", []):
        total += _count_controls(group)
    return total


def test_import_keeps_groups_controls_and_enhancements(cli, write):
    result = cli("catalogue", "import-oscal", write("tiny.json", oscal_json()), "--json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert data["version"] == "tiny-catalog@2.0"
    assert data["counts"]["obligations"] == _count_controls(oscal_doc()["catalog"]) == 7
    assert Group.objects.count() == 3
    sub = Group.objects.get(uid="ac-sub")
    assert sub.parent.uid == "ac" and sub.depth == 1
    deepest = Obligation.objects.get(ref="AC-2(1)(a)")
    assert deepest.parent.ref == "AC-2(1)" and deepest.parent.parent.ref == "AC-2"
    assert deepest.depth == 2 and deepest.group.uid == "ac"
    assert Obligation.objects.get(ref="AC-9").group.uid == "ac-sub"
    assert [o.ref for o in Obligation.objects.order_by("order")] == [
        "AC-1", "AC-2", "AC-2(1)", "AC-2(1)(a)", "AC-2(2)", "AC-9", "AU-1"]


def test_statement_prose_gets_parameters_and_items(cli, write):
    cli("catalogue", "import-oscal", write("tiny.json", oscal_json()))
    ac1 = Obligation.objects.get(ref="AC-1")
    assert ac1.summary == "Set a policy every [Assignment: frequency].\na. first item"
    assert ac1.guidance == "Guidance for AC-1."
    assert ac1.extra["params"][0]["id"] == "ac-1_prm_1"


def test_options_name_the_framework_version_and_draft(cli, write):
    path = write("tiny.json", oscal_json())
    result = cli("catalogue", "import-oscal", path, "--framework", "tiny", "--version", "x1", "--draft", "--json")
    assert result.json()["version"] == "tiny@x1"
    assert FrameworkVersion.objects.get().status == "draft"


def test_export_loads_in_trestle_and_keeps_counts(cli, write, tmp_path, shipped_catalogue):
    cli("catalogue", "import-oscal", write("tiny.json", oscal_json()))
    for spec, expected in (("tiny-catalog@2.0", 7), ("sec-g", Obligation.objects.filter(
            version__framework__slug="sec-g").count()), ("iso27001@2022.1", 127)):
        out = tmp_path / f"{spec}.json"
        result = cli("catalogue", "export-oscal", spec, "-o", out)
        assert result.exit_code == 0, result.stderr
        model = trestle_catalog.Catalog.oscal_read(out)
        assert model.metadata.oscal_version.root.root == "1.1.3"
        assert _count_controls(json.loads(out.read_text())["catalog"]) == expected


def test_sec_export_carries_applicability_confidence_and_mappings(cli, tmp_path, shipped_catalogue):
    out = tmp_path / "sec.json"
    cli("catalogue", "export-oscal", "sec-g", "-o", out)
    catalog = json.loads(out.read_text())["catalog"]
    g5 = next(g for g in catalog["groups"] if g["id"] == "G5")
    g514 = next(c for c in g5["controls"] if c["id"] == "G5.14")
    props = {(p["name"], p["value"]) for p in g514["props"]}
    assert ("label", "G5.14") in props and ("confidence", "S") in props
    assert any(name == "mapped-to" and value.startswith("iso27001@2022.1:") for name, value in props)
    assert any(name == "applies-to-category" for name, _ in props)
    assert g514["parts"][0]["name"] == "statement"
    # Every source with an address is a reference link, titled.
    assert [(link["rel"], link["text"]) for link in g514["links"]] == [
        ("reference", "Glossary: User Security Self-Assessment"),
        ("reference", "About Security and Privacy Obligations")]
    g527 = next(c for c in g5["controls"] if c["id"] == "G5.27")
    assert {p["value"] for p in g527["props"] if p["name"] == "applies-when"} == {"srp-user", "live-dcc-user"}
    g10 = next(g for g in catalog["groups"] if g["id"] == "G10")
    g108 = next(c for c in g10["controls"] if c["id"] == "G10.8")
    assert [p["value"] for p in g108["props"] if p["name"] == "applies-also-when"] == ["srp-user"]
    g39 = next(c for g in catalog["groups"] if g["id"] == "G3" for c in g["controls"] if c["id"] == "G3.9")
    assert len(g39["links"]) == 1  # its second source is known by title alone


def test_export_then_import_round_trips_the_tree(cli, write, tmp_path):
    cli("catalogue", "import-oscal", write("tiny.json", oscal_json()))
    out = tmp_path / "out.json"
    cli("catalogue", "export-oscal", "tiny-catalog@2.0", "-o", out)
    again = cli("catalogue", "import-oscal", out, "--framework", "tiny-again", "--json")
    assert again.exit_code == 0, again.stderr
    assert again.json()["counts"] == {"groups": 3, "obligations": 7, "questions": 0, "mappings": 0}
    copy = Obligation.objects.get(version__framework__slug="tiny-again", ref="AC-2(1)(a)")
    assert copy.parent.ref == "AC-2(1)"


def test_export_of_an_unknown_version(cli, tmp_path):
    result = cli("catalogue", "export-oscal", "nope@1", "-o", tmp_path / "x.json")
    assert result.exit_code == 1
    assert "no nope@1" in result.stderr


def test_the_label_people_cite_and_parameters_inside_choices(cli, write):
    doc = oscal_doc()
    ac1 = doc["catalog"]["groups"][0]["controls"][0]
    ac1["props"] = [{"name": "label", "value": "AC-01", "class": "zero-padded"}, {"name": "label", "value": "AC-1"}]
    ac1["params"] = [
        {"id": "ac-1_prm_1", "select": {"how-many": "one-or-more",
                                         "choice": ["yearly", "after {{ insert: param, ac-1_prm_2 }}"]}},
        {"id": "ac-1_prm_2", "label": "a significant change"},
    ]
    au1 = doc["catalog"]["groups"][1]["controls"][0]
    au1["props"] = [{"name": "label", "value": "AU/1"}]
    result = cli("catalogue", "import-oscal", write("labels.json", json.dumps(doc)), "--json")
    assert result.exit_code == 0, result.stderr
    ac = Obligation.objects.get(uid="ac-1")
    assert ac.ref == "AC-1"
    assert ac.summary.startswith(
        "Set a policy every [Selection (one or more): yearly; after [Assignment: a significant change]].")
    assert Obligation.objects.get(uid="au-1").ref == "au-1"  # a label with '/' cannot be an address


def test_the_nist_low_baseline_shape_reads_as_people_cite_it(cli, write):
    """Real NIST rev5 files give a zero-padded label first and a plain one second."""
    doc = oscal_doc()
    for group in doc["catalog"]["groups"]:
        for control in group["controls"]:
            plain = control["props"][0]["value"]
            control["props"] = [{"name": "label", "value": plain.replace("-", "-0"), "class": "zero-padded"},
                                {"name": "label", "value": plain},
                                {"name": "sort-id", "value": control["id"]}]
    cli("catalogue", "import-oscal", write("nist.json", json.dumps(doc)))
    result = cli("catalogue", "show", "AC-2", "--framework", "tiny-catalog", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["children"] == ["AC-2(1)", "AC-2(2)"]
