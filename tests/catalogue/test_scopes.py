"""Assessment scopes as catalogue data: what an assessment of each type covers under a version, how
sure that is and where it comes from, and the areas that narrow it. Read, refused, resolved,
compared, checked and shown."""

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext

from secassure.assessments.choices import AssessmentType
from secassure.catalogue.choices import ScopeKind
from secassure.catalogue.diff import diff, snapshot_of_data
from secassure.catalogue.importers.base import CatalogueError
from secassure.catalogue.importers.native import parse_document
from secassure.catalogue.lint import lint_document
from secassure.catalogue.loader import load
from secassure.catalogue.models import FrameworkVersion
from secassure.catalogue.queries import scope_for
from tests.catalogue.samples import native_doc

FAQ = {"url": "https://example.org/faq/assessments/", "title": "FAQ: Security Assessment Process",
       "scf_ref": "Part 2 Appendix F"}
GLOSSARY = {"url": "https://example.org/glossary/self-assessment/", "title": "Glossary: Self-Assessment"}


def scoped(version: str = "1.0") -> dict:
    doc = native_doc(version=version)
    # A subgroup of T1 with one assessable obligation and one heading.
    doc["groups"].append({"ref": "T1x", "title": "Part of the first group", "parent": "T1"})
    doc["obligations"] += [
        {"ref": "T1x.1", "group": "T1x", "title": "Epsilon", "summary": "Do epsilon.", "confidence": "R"},
        {"ref": "T1x.2", "group": "T1x", "title": "Meaning of zeta", "summary": "A word.", "confidence": "R",
         "assessable": False},
    ]
    doc["scopes"] = {
        "vusa": {"title": "Three key areas", "description": "Not named by any public source.",
                 "confidence": "R", "sources": [dict(FAQ)], "areas": []},
        "ssa": {"title": "Material increase in risk", "description": "The areas of the risk assessment.",
                "confidence": "S", "sources": [dict(GLOSSARY)],
                "areas": [{"key": "risk", "title": "The risk areas", "obligations": ["T2.1"]},
                          {"key": "first", "title": "The first group", "groups": ["T1"],
                           "obligations": ["T1.1"]}]},
    }
    return doc


def test_scopes_are_read_into_the_version():
    scopes = parse_document("t.yaml", scoped()).extra["scopes"]
    assert list(scopes) == ["vusa", "ssa"]
    assert scopes["vusa"] == {"title": "Three key areas", "description": "Not named by any public source.",
                              "confidence": "R", "sources": [FAQ], "areas": []}
    assert scopes["ssa"]["areas"] == [
        {"key": "risk", "title": "The risk areas", "obligations": ["T2.1"], "groups": []},
        {"key": "first", "title": "The first group", "obligations": ["T1.1"], "groups": ["T1"]}]


def test_a_file_without_scopes_keeps_its_digest():
    plain = parse_document("t.yaml", native_doc())
    assert "scopes" not in plain.extra


def test_scope_kinds_are_the_assessment_types():
    assert dict(ScopeKind.choices) == dict(AssessmentType.choices)


@pytest.mark.parametrize(("change", "place", "message"), [
    (lambda s: s.update(fusa_plus={}), "scopes.fusa_plus", "unknown key"),
    (lambda s: s["vusa"].update(confidence="X"), "scopes.vusa.confidence", "'X' is not one of S, I, R"),
    (lambda s: s["vusa"].pop("confidence"), "scopes.vusa.confidence", "missing"),
    (lambda s: s["vusa"].pop("description"), "scopes.vusa.description", "missing"),
    (lambda s: s["vusa"].update(areas={"key": "x"}), "scopes.vusa.areas", "expected a list"),
    (lambda s: s["ssa"]["areas"][0].update(obligations=["T9.9"]), "scopes.ssa.areas[0].obligations[0]",
     "no obligation 'T9.9'"),
    (lambda s: s["ssa"]["areas"][1].update(groups=["T9"]), "scopes.ssa.areas[1].groups[0]", "no group 'T9'"),
    (lambda s: s["ssa"]["areas"][0].update(obligations=["T1x.2"]), "scopes.ssa.areas[0].obligations[0]",
     "heading"),
    (lambda s: s["ssa"]["areas"][0].update(obligations=[]), "scopes.ssa.areas[0]", "names no obligations"),
    (lambda s: s["ssa"]["areas"][1].update(key="risk"), "scopes.ssa.areas[1].key", "named twice"),
    (lambda s: s["ssa"]["areas"][0].update(obligations=["T2.1", "T2.1"]), "scopes.ssa.areas[0].obligations",
     "twice"),
    (lambda s: s["ssa"]["areas"][0].update(obligations="T2.1"), "scopes.ssa.areas[0].obligations",
     "expected a list"),
    (lambda s: s["ssa"].update(sources=[{"url": "https://example.org/"}]), "scopes.ssa.sources[0].title",
     "missing"),
])
def test_bad_scopes_are_refused_with_their_place(change, place, message):
    doc = scoped()
    change(doc["scopes"])
    with pytest.raises(CatalogueError, match=message) as caught:
        parse_document("t.yaml", doc)
    assert caught.value.place == place


def test_a_group_with_no_assessable_obligation_cannot_be_an_area():
    doc = scoped()
    doc["obligations"] = [o for o in doc["obligations"] if o["ref"] != "T1x.1"]
    doc["scopes"]["ssa"]["areas"][1]["groups"] = ["T1x"]
    with pytest.raises(CatalogueError, match="group T1x holds no assessable obligation"):
        parse_document("t.yaml", doc)


def test_scope_for_resolves_groups_with_their_subgroups(db):
    load(parse_document("t.yaml", scoped()))
    version = FrameworkVersion.objects.get()
    with CaptureQueriesContext(connection) as queries:
        ssa = scope_for(version, "ssa")
    assert len(queries.captured_queries) <= 2
    assert [a["obligation_refs"] for a in ssa["areas"]] == [["T2.1"], ["T1.1", "T1.2", "T1.2a", "T1x.1"]]
    assert ssa["obligation_refs"] == {"T1.1", "T1.2", "T1.2a", "T1x.1", "T2.1"}  # never the heading T1x.2
    assert (ssa["title"], ssa["confidence"], ssa["sources"]) == ("Material increase in risk", "S", [GLOSSARY])

    vusa = scope_for(version, "vusa")
    assert vusa["areas"] == [] and vusa["obligation_refs"] == set()  # known, and not narrowed
    assert vusa["confidence"] == "R" and vusa["sources"] == [FAQ]
    assert scope_for(version, "fusa") is None


def test_a_version_without_scopes_has_none(db):
    load(parse_document("t.yaml", native_doc()))
    version = FrameworkVersion.objects.get()
    with CaptureQueriesContext(connection) as queries:
        assert scope_for(version, "ssa") is None
    assert len(queries.captured_queries) == 0


def test_the_version_page_shows_each_scope(db, client, alice):
    load(parse_document("t.yaml", scoped()))
    client.force_login(alice)
    page = client.get("/catalogue/test-fw/1.0/").content.decode()
    assert "What each assessment covers" in page
    assert "User Security Self-Assessment (SSA): Material increase in risk" in page
    assert '<span class="conf conf-S">S</span> Stated by a public source' in page
    assert f'<a href="{GLOSSARY["url"]}" rel="noopener noreferrer">{GLOSSARY["title"]}</a>' in page
    ssa = page.split('id="scope-ssa"')[1].split("</div>")[0]
    assert '<a href="/catalogue/test-fw/1.0/T1x.1/">T1x.1</a>' in ssa and "T1x.2" not in ssa
    assert "<strong>The risk areas</strong>" in ssa and "No areas named" not in ssa
    vusa = page.split('id="scope-vusa"')[1].split("</div>")[0]
    assert '<span class="conf conf-R">R</span>' in vusa and "Security Controls Framework Part 2 Appendix F" in vusa
    assert "No areas named" in vusa
    load(parse_document("u.yaml", native_doc(version="2.0")))
    assert "What each assessment covers" not in client.get("/catalogue/test-fw/2.0/").content.decode()


def test_diff_names_the_scopes_that_changed(cli, write):
    before, after = scoped(), scoped(version="1.1")
    del before["scopes"]
    changes = diff(snapshot_of_data(parse_document("a.yaml", before)),
                   snapshot_of_data(parse_document("b.yaml", after)))
    assert list(changes["version"]["changed"]) == ["scopes"] and not changes["obligations"]["changed"]
    scopes = changes["version"]["changed"]["scopes"]
    assert scopes["kinds"] == {"added": ["vusa", "ssa"], "removed": [], "changed": []}
    assert scopes["old"] == {} and set(scopes["new"]) == {"vusa", "ssa"}

    revised = scoped(version="1.2")
    revised["scopes"]["vusa"]["confidence"] = "I"
    del revised["scopes"]["ssa"]
    old, new = write("b.yaml", yaml.safe_dump(after)), write("c.yaml", yaml.safe_dump(revised))
    result = cli("catalogue", "diff", str(old), str(new))
    assert result.exit_code == 0, result.stderr
    assert "~ version scopes: ssa removed; vusa changed" in result.stdout
    assert cli("catalogue", "diff", str(old), str(new), "--json").json()["version"]["changed"]["scopes"]["kinds"] == {
        "added": [], "removed": ["ssa"], "changed": ["vusa"]}


def test_a_scope_tagged_s_cites_a_specific_page():
    doc = scoped()
    doc["obligations"][0].update(source_url="https://example.org/glossary/alpha/", source_title="Glossary: Alpha")
    doc["obligations"][2]["confidence"] = "I"
    assert lint_document("t.yaml", doc) == []
    doc["scopes"]["ssa"]["sources"] = [{"url": "https://example.org/source", "title": "The overview"}]
    [problem] = lint_document("t.yaml", doc)
    assert (problem.rule, problem.place, problem.ref) == ("specific-source", "scopes.ssa", "ssa")
    doc["scopes"]["ssa"]["confidence"] = "I"
    assert lint_document("t.yaml", doc) == []
