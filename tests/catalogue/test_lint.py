"""``secassure catalogue lint``: each rule on a small file that breaks it and nothing else, the
shipped catalogue clean, and the command's exit status and JSON."""

import json

import pytest
import yaml

from secassure.catalogue.lint import RULES, lint_document, lint_file
from tests.catalogue.samples import native_doc

STATED = {"source_url": "https://example.org/glossary/alpha/", "source_title": "Glossary: Alpha"}


def clean() -> dict:
    doc = native_doc()
    doc["obligations"][0].update(STATED)  # T1.1 is tagged S
    doc["obligations"][2]["confidence"] = "I"  # so is T1.2a, by default
    return doc


def rules_broken(doc) -> list[tuple[str, str, str]]:
    return [(p.rule, p.place, p.ref) for p in lint_document("test.yaml", doc)]


def test_a_clean_file_has_no_problems():
    assert rules_broken(clean()) == []


@pytest.mark.parametrize(("change", "problem"), [
    ({}, None),
    ({"source_title": ""}, "give the title of the page"),
    ({"source_url": ""}, "cites no page"),
    ({"source_url": "https://example.org/source"}, "general page"),  # the version's own overview
    ({"source_url": "https://smartenergycodecompany.co.uk/sec/security-assessments/"}, "general page"),
    ({"source_url": "https://smartenergycodecompany.co.uk/security-controls-framework/"}, "general page"),
])
def test_an_entry_tagged_s_names_the_page_that_states_it(change, problem):
    doc = clean()
    doc["obligations"][0].update(change)
    for key in [k for k, v in change.items() if v == ""]:
        del doc["obligations"][0][key]
    found = lint_document("test.yaml", doc)
    if problem is None:
        assert found == []
    else:
        [p] = found
        assert (p.rule, p.place, p.ref) == ("specific-source", "obligations[0]", "T1.1") and problem in p.message


def test_entries_tagged_i_or_r_and_headings_need_no_page():
    doc = clean()
    doc["obligations"][0] = {**doc["obligations"][0], "confidence": "I", "source_url": "", "source_title": ""}
    del doc["obligations"][0]["source_url"], doc["obligations"][0]["source_title"]
    doc["obligations"][2].update(assessable=False, confidence="R")  # a heading tagged R, cited by no question
    assert rules_broken(doc) == []


def test_a_standards_control_set_is_stated_by_the_standard():
    doc = clean()
    doc["framework"]["kind"] = "control-set"
    del doc["obligations"][0]["source_title"]
    assert rules_broken(doc) == []


def test_sec_ids_are_written_as_the_code_writes_them():
    doc = clean()
    doc["framework"]["slug"] = "sec-g"
    doc["groups"] = [{"ref": "G3", "title": "System security"}]
    doc["obligations"] = [
        {"ref": ref, "group": "G3", "title": ref, "summary": "Ours.", "confidence": "R"}
        for ref in ("G3.9", "G3.28(a)", "G10.8", "G3 .1", "g3.2", "G3.17-G3.20", "SSA-04")]
    doc["questions"] = [{"ref": ref, "text": "?", "topic": "changes", "clauses": ["G3.9"]}
                        for ref in ("SSA-04", "SSA-4", "Q1")]
    assert rules_broken(doc) == [
        ("ref-form", "obligations[3]", "G3 .1"), ("ref-form", "obligations[4]", "g3.2"),
        ("ref-form", "obligations[5]", "G3.17-G3.20"), ("ref-form", "obligations[6]", "SSA-04"),
        ("ref-form", "questions[1]", "SSA-4"), ("ref-form", "questions[2]", "Q1")]


def test_iso_ids_are_clauses_or_annex_a_controls():
    doc = clean()
    doc["framework"].update(slug="iso27001", kind="standard")
    doc["groups"] = [{"ref": "6", "title": "Planning"}]
    doc["obligations"] = [{"ref": ref, "group": "6", "title": ref}
                          for ref in ("6.1", "6.1.2", "10.2", "A.5.19", "5.19", "A5.19", "a.5.1", "A.5", "6.1.2.1.1")]
    doc["questions"] = []
    assert rules_broken(doc) == [("ref-form", f"obligations[{i}]", ref)
                                 for i, ref in ((5, "A5.19"), (6, "a.5.1"), (7, "A.5"), (8, "6.1.2.1.1"))]


def test_a_question_cites_obligations_that_exist():
    doc = clean()
    doc["questions"][1]["clauses"] = ["T2.1", "T9.9"]
    assert rules_broken(doc) == [("question-clauses", "questions[1].clauses[1]", "Q2")]


def test_a_question_cites_only_obligations_that_are_assessed():
    doc = clean()
    doc["obligations"][1]["assessable"] = False  # T1.2 becomes a heading; Q2 cites it second
    assert rules_broken(doc) == [("question-assessable", "questions[1].clauses[1]", "Q2")]
    [problem] = lint_document("test.yaml", doc)
    assert "T1.2" in problem.message and "assessable: false" in problem.message


def test_the_command_fails_on_a_question_citing_a_heading(cli, tmp_path):
    doc = clean()
    doc["obligations"][3]["assessable"] = False  # T2.1, which Q2 cites first
    path = tmp_path / "fw.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    result = cli("catalogue", "lint", str(path))
    assert result.exit_code == 1
    assert f"{path}: questions[1].clauses[0] (Q2): question-assessable: cites T2.1" in result.stdout


def test_no_two_entries_share_an_id():
    doc = clean()
    doc["obligations"].append({**doc["obligations"][3]})
    doc["questions"].append({**doc["questions"][0]})
    found = lint_document("test.yaml", doc)
    assert [(p.rule, p.place, p.ref) for p in found] == [
        ("unique-ref", "obligations[4]", "T2.1"), ("unique-ref", "questions[2]", "Q1")]
    assert "also obligations[3]" in found[0].message


def test_a_file_that_is_not_a_catalogue_is_one_problem(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: something-else\n")
    [problem] = lint_file(bad, 10_000)
    assert problem.rule == "format" and problem.place == "format"
    broken = tmp_path / "broken.yaml"
    broken.write_text("obligations: [unclosed\n")
    assert [p.rule for p in lint_file(broken, 10_000)] == ["format"]


def test_every_rule_is_listed():
    assert set(RULES) == {"format", "unique-ref", "question-clauses", "question-assessable", "ref-form",
                          "specific-source"}


def test_the_shipped_catalogue_passes(cli):
    result = cli("catalogue", "lint", "--json")
    assert result.exit_code == 0, result.stdout
    found = json.loads(result.stdout)
    assert found["problems"] == 0 and len(found["files"]) == 3  # ISO/IEC 27001, SEC Section G, SEC Section I


def test_the_command_exits_non_zero_and_names_the_entry(cli, tmp_path):
    doc = clean()
    del doc["obligations"][0]["source_title"]
    path = tmp_path / "fw.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    result = cli("catalogue", "lint", str(path))
    assert result.exit_code == 1
    assert f"{path}: obligations[0] (T1.1): specific-source: tagged S: give the title" in result.stdout
    result = cli("catalogue", "lint", str(path), "--json")
    assert result.exit_code == 1 and json.loads(result.stdout)["problems"] == 1
