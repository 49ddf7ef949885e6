"""Who conducts each type of assessment, as rule data: the shipped entries and the files refused.

Expected values are SECAS's: the SSA by the User (G8.18), the FUSA (G8.16) and VUSA (G8.22) by the
User CIO, stated; the follow-up and the G8.3(d) compliance assessment by the User CIO, inferred.
"""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import pytest

import secassure
from secassure.assessments.choices import AssessmentType
from secassure.datafiles import DataFileError, parse_yaml, read_text
from secassure.profile.rules import CONDUCTED_KINDS, PRIVACY_KINDS, Conductor, parse_rules

RULES_PATH = str(Path(secassure.__file__).resolve().parent / "data" / "rules" / "assessment-cycle.yaml")
SHIPPED = parse_yaml(RULES_PATH, read_text(RULES_PATH, 10_000_000))

EXPECTED = {
    "ssa": ("user", "G8.18", "S", "https://smartenergycodecompany.co.uk/glossary/user-security-self-assessment/"),
    "fusa": ("cio", "G8.16", "S", "https://smartenergycodecompany.co.uk/glossary/full-user-security-assessment/"),
    "vusa": ("cio", "G8.22", "S", "https://smartenergycodecompany.co.uk/glossary/user-security-assessment-report/"),
    "follow-up": ("cio", "G8", "I", "https://smartenergycodecompany.co.uk/assessment-process/"),
    "cio-compliance": ("cio", "G8.3(d)", "I", "https://smartenergycodecompany.co.uk/sec/security-assessments"),
}


def test_the_rules_name_the_types_the_workbench_records():
    assert set(CONDUCTED_KINDS) == set(EXPECTED)
    # the privacy types are named by the privacy-cycle rules instead (tests/privacy)
    assert set(CONDUCTED_KINDS) | set(PRIVACY_KINDS) == set(AssessmentType.values)


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_each_shipped_conductor(kind):
    found = parse_rules(RULES_PATH, copy.deepcopy(SHIPPED)).conductor_of(kind)
    assert isinstance(found, Conductor) and found.kind == kind
    assert (found.by, found.clause, found.confidence, found.source_url) == EXPECTED[kind]
    assert found.verified is (found.confidence == "S")
    assert found.explanation and found.id.startswith("CB-")


def test_a_conductor_is_a_frozen_record_with_the_agreed_fields():
    assert [f.name for f in dataclasses.fields(Conductor)] == [
        "id", "kind", "by", "clause", "confidence", "verified", "source_url", "explanation"]
    found = parse_rules(RULES_PATH, copy.deepcopy(SHIPPED)).conductor_of("fusa")
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.by = "user"


def test_a_type_the_rules_do_not_know_has_no_conductor():
    rules = parse_rules(RULES_PATH, copy.deepcopy(SHIPPED))
    assert rules.conductor_of("audit") is None
    assert rules.rule("CB-SSA").kind == "ssa"


def test_rules_from_before_the_section_existed_still_read():
    doc = copy.deepcopy(SHIPPED)
    del doc["conducted_by"]
    assert parse_rules("older.yaml", doc).conductor_of("fusa") is None


def _entries(doc) -> list:
    return doc["conducted_by"]


def _without(kind):
    def mutate(doc):
        doc["conducted_by"] = [c for c in _entries(doc) if c["kind"] != kind]
    return mutate


def _set(index, key, value):
    def mutate(doc):
        _entries(doc)[index][key] = value
    return mutate


def _drop(index, key):
    def mutate(doc):
        del _entries(doc)[index][key]
    return mutate


def _twice(doc):
    extra = copy.deepcopy(_entries(doc)[0])
    extra["id"] = "CB-SSA-AGAIN"
    _entries(doc).append(extra)


def _empty(doc):
    doc["conducted_by"] = []


REFUSALS = [
    pytest.param(_without("follow-up"), "conducted_by", "no entry for 'follow-up': say who conducts every "
                 "assessment type", id="a-type-missing"),
    pytest.param(_set(2, "kind", "audit"), "conducted_by[2].kind",
                 "'audit' is not one of ssa, fusa, vusa, follow-up, cio-compliance", id="another-type"),
    pytest.param(_set(1, "by", "ssc"), "conducted_by[1].by", "'ssc' is not one of user, cio", id="another-conductor"),
    pytest.param(_set(0, "by", None), "conducted_by[0].by", "None is not one of user, cio", id="no-conductor"),
    pytest.param(_twice, "conducted_by[5].kind", "a second entry for 'ssa'", id="a-type-twice"),
    pytest.param(_drop(3, "clause"), "conducted_by[3].clause", "missing", id="no-clause"),
    pytest.param(_set(0, "confidence", "X"), "conducted_by[0].confidence", "expected S, I or R", id="bad-confidence"),
    pytest.param(_set(4, "source_url", "http://example.org/"), "conducted_by[4].source_url",
                 "must be an https:// address", id="http-source"),
    pytest.param(_set(0, "id", "CY-OTHER-USER"), "conducted_by[0].id", "duplicate rule id 'CY-OTHER-USER'",
                 id="id-taken-by-another-rule"),
    pytest.param(_set(0, "colour", "blue"), "conducted_by[0].colour", "unknown key", id="unknown-key"),
    pytest.param(_empty, "conducted_by", "expected a non-empty list", id="empty"),
]


@pytest.mark.parametrize(("mutate", "place", "problem"), REFUSALS)
def test_a_faulty_section_is_refused_with_its_place(mutate, place, problem):
    doc = copy.deepcopy(SHIPPED)
    mutate(doc)
    with pytest.raises(DataFileError) as caught:
        parse_rules("faulty.yaml", doc)
    assert caught.value.file == "faulty.yaml"
    assert caught.value.place == place
    assert problem in caught.value.problem
    assert str(caught.value).startswith(f"faulty.yaml: {place}: ")
