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
