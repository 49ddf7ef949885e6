"""CISO Assistant libraries: requirement-node trees arrive intact."""

import yaml

from secassure.catalogue.models import Group, Obligation
from tests.catalogue.samples import ciso_doc, ciso_yaml


def test_tree_depth_and_order_are_kept(cli, write):
    result = cli("catalogue", "import-ciso", write("tiny.yaml", ciso_yaml()), "--json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert data["version"] == "tiny-caf@3"
    nodes = ciso_doc()["objects"]["framework"]["requirement_nodes"]
    assert data["counts"]["groups"] + data["counts"]["obligations"] == len(nodes)
    # Headings above every assessable node are groups; everything else is an obligation.
    assert [g.ref for g in Group.objects.order_by("order")] == ["A", "A1", "A1.A", "B"]
    assert Group.objects.get(ref="A1.A").parent.ref == "A1"
    s1 = Obligation.objects.get(ref="A1.A.1")
    assert s1.group.ref == "A1.A" and s1.parent is None and s1.assessable
    note = Obligation.objects.get(ref="A1.B.1")
    assert note.parent.ref == "A1.B" and not note.assessable
    assert note.extra["depth"] == 4
    urn_parent = {n["urn"]: n.get("parent_urn") for n in nodes}
    for ob in Obligation.objects.select_related("parent", "group"):
        holder = ob.parent.uid if ob.parent else ob.group.uid
        assert urn_parent[ob.uid] == holder
    assert Obligation.objects.get(ref="A1.A.1").title == "Statement one"


def test_a_parent_listed_after_its_child_still_loads(cli, write):
    doc = ciso_doc()
    nodes = doc["objects"]["framework"]["requirement_nodes"]
    nodes.insert(0, nodes.pop(3))  # a depth-4 node first
    result = cli("catalogue", "import-ciso", write("tiny.yaml", yaml.safe_dump(doc)))
    assert result.exit_code == 0, result.stderr
    assert Obligation.objects.get(ref="A1.A.1").group.ref == "A1.A"


def test_importing_twice_is_a_no_op(cli, write):
    path = write("tiny.yaml", ciso_yaml())
    cli("catalogue", "import-ciso", path)
    again = cli("catalogue", "import-ciso", path, "--json")
    assert again.json()["outcome"] == "unchanged"


def test_a_library_shaped_like_the_iso_27001_one(cli, write):
    """Clauses whose assessable nodes have children, an unnamed heading, padded names, and keys
    secassure does not use (translations, reference_controls, dependencies)."""
    base = "urn:x:req_node:iso"
    nodes = [
        {"urn": f"{base}:core", "assessable": False, "depth": 1, "ref_id": "core", "name": "Clauses",
         "translations": {"fr": {"name": "Clauses"}}},
        {"urn": f"{base}:6", "assessable": False, "depth": 2, "parent_urn": f"{base}:core", "ref_id": "6",
         "name": "Planning"},
        {"urn": f"{base}:6.1", "assessable": True, "depth": 3, "parent_urn": f"{base}:6", "ref_id": "6.1",
         "name": "Actions to address risks"},
        {"urn": f"{base}:6.1.1", "assessable": True, "depth": 4, "parent_urn": f"{base}:6.1", "ref_id": "6.1.1",
         "name": "General", "description": "Plan for risks.", "reference_controls": ["urn:x:function:pol"]},
        {"urn": f"{base}:annex-a", "assessable": False, "depth": 1, "ref_id": "annex-a"},
        {"urn": f"{base}:a.5", "assessable": False, "depth": 2, "parent_urn": f"{base}:annex-a", "ref_id": "A.5",
         "name": "Organisational controls"},
        {"urn": f"{base}:a.5.2", "assessable": True, "depth": 3, "parent_urn": f"{base}:a.5", "ref_id": "A.5.2",
         "name": " Policy "},
    ]
    doc = {"urn": "urn:x:library:iso", "locale": "en", "ref_id": "ISO/IEC 27001:2022", "version": 3,
           "dependencies": ["urn:x:library:doc-pol"],
           "objects": {"framework": {"urn": "urn:x:framework:iso", "ref_id": "ISO/IEC 27001:2022",
                                     "name": "ISO 27001", "requirement_nodes": nodes}}}
    result = cli("catalogue", "import-ciso", write("iso.yaml", yaml.safe_dump(doc)), "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["version"] == "iso-iec-27001-2022@3"
    assert result.json()["counts"]["groups"] == 4 and result.json()["counts"]["obligations"] == 3
    general = Obligation.objects.get(ref="6.1.1")
    assert general.parent.ref == "6.1" and general.group.ref == "6"
    assert Obligation.objects.get(ref="A.5.2").title == "Policy"
    assert Group.objects.get(ref="annex-a").title == "annex-a"
