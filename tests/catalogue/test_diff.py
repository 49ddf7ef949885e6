"""catalogue diff: added, removed and changed obligations and questions."""

import yaml

from tests.catalogue.samples import native_doc, native_yaml


def _changed_doc():
    doc = native_doc(version="1.1")
    doc["obligations"] = [o for o in doc["obligations"] if o["ref"] != "T2.1"]  # removed
    doc["questions"] = [q for q in doc["questions"] if "T2.1" not in q["clauses"]]
    doc["obligations"][0]["summary"] = "Do alpha, more often."  # changed
    doc["obligations"][1]["confidence"] = "S"  # changed
    doc["obligations"].append({"ref": "T2.2", "group": "T2", "title": "Delta", "summary": "New."})  # added
    return doc


def test_diff_between_loaded_versions(cli, write):
    cli("catalogue", "load", write("a.yaml", native_yaml()))
    cli("catalogue", "load", write("b.yaml", yaml.safe_dump(_changed_doc())))
    result = cli("catalogue", "diff", "test-fw@1.0", "test-fw@1.1", "--json")
    assert result.exit_code == 0, result.stderr
    d = result.json()
    assert d["old"] == "test-fw@1.0" and d["new"] == "test-fw@1.1"
    obligations = d["obligations"]
    assert [a["ref"] for a in obligations["added"]] == ["T2.2"]
    assert [r["ref"] for r in obligations["removed"]] == ["T2.1"]
    changed = {c["ref"]: c["fields"] for c in obligations["changed"]}
    assert changed == {
        "T1.1": {"summary": {"old": "Do alpha.", "new": "Do alpha, more often."}},
        "T1.2": {"confidence": {"old": "R", "new": "S"}},
    }
    assert [r["ref"] for r in d["questions"]["removed"]] == ["Q2"]
    assert not d["identical"]


def test_diff_of_a_loaded_version_against_a_file_not_yet_loaded(cli, write):
    cli("catalogue", "load", write("a.yaml", native_yaml()))
    result = cli("catalogue", "diff", "test-fw@1.0", write("b.yaml", yaml.safe_dump(_changed_doc())))
    assert result.exit_code == 0
    assert "+ obligation T2.2" in result.stdout
    assert "- obligation T2.1" in result.stdout
    assert "~ obligation T1.1" in result.stdout
    assert "obligations: 1 added, 1 removed, 2 changed" in result.stdout


def test_diff_of_identical_content_says_so(cli, write):
    path = write("a.yaml", native_yaml())
    cli("catalogue", "load", path)
    result = cli("catalogue", "diff", "test-fw@1.0", path, "--json")
    assert result.json()["identical"] is True


def test_diff_reports_mapping_changes(cli, write, shipped_catalogue):
    base = native_doc()
    base["obligations"][0]["maps_to"] = ["iso27001@2022.1:A.5.1"]
    cli("catalogue", "load", write("a.yaml", yaml.safe_dump(base)))
    later = native_doc(version="2")
    later["obligations"][0]["maps_to"] = [{"to": "iso27001@2022.1:A.5.1", "relationship": "subset-of"}]
    result = cli("catalogue", "diff", "test-fw@1.0", write("b.yaml", yaml.safe_dump(later)), "--json")
    change = result.json()["obligations"]["changed"][0]
    assert change["fields"]["mappings"] == {
        "old": ["iso27001@2022.1:A.5.1 intersects-with"], "new": ["iso27001@2022.1:A.5.1 subset-of"]}


def _revised_version_fields(doc: dict) -> dict:
    doc["version"].update(effective_date="2025-06-01", notes="Checked again.", source="written again for the tests",
                          reflects={"scf": "2.3", "agreed_interpretations": "2.2"})
    return doc


def test_diff_compares_the_versions_own_fields(cli, write):
    cli("catalogue", "load", write("a.yaml", native_yaml()))
    cli("catalogue", "load", write("b.yaml", yaml.safe_dump(_revised_version_fields(native_doc(version="1.1")))))
    d = cli("catalogue", "diff", "test-fw@1.0", "test-fw@1.1", "--json").json()
    assert d["version"]["changed"] == {
        "effective_date": {"old": "2025-01-01", "new": "2025-06-01"},
        "reflects": {"old": {}, "new": {"scf": "2.3", "agreed_interpretations": "2.2"}},
        "source": {"old": "written for the tests", "new": "written again for the tests"},
        "notes": {"old": "", "new": "Checked again."},
    }
    assert not any(d["obligations"].values()) and not any(d["questions"].values())
    assert d["identical"] is False

    text = cli("catalogue", "diff", "test-fw@1.0", "test-fw@1.1").stdout
    assert "~ version effective_date: 2025-01-01 -> 2025-06-01" in text
    assert "~ version reflects: none -> agreed_interpretations 2.2, scf 2.3" in text
    assert "~ version source: reworded" in text and "~ version notes: added" in text
    assert "No differences." not in text


def test_a_loaded_version_and_its_own_file_have_the_same_version_fields(cli, write):
    path = write("b.yaml", yaml.safe_dump(_revised_version_fields(native_doc())))
    cli("catalogue", "load", path)
    d = cli("catalogue", "diff", "test-fw@1.0", path, "--json").json()
    assert d["version"]["changed"] == {} and d["identical"] is True
