"""Replacing the rules: a newer file takes over from its effective date, without a code change."""

import copy
import datetime as dt

import pytest
import yaml

from secassure.audit.models import Event
from secassure.datafiles import DataFileError
from secassure.profile.actions import load_rules
from secassure.profile.models import RuleSet
from secassure.profile.services import read_rules, rules_in_force, shipped_rule_files


@pytest.fixture
def shipped(db):
    path = shipped_rule_files()[0]
    load_rules(read_rules(path, 10_000_000), by=None)
    return yaml.safe_load(path.read_text())


def _variant(shipped, write, name, **changes):
    doc = copy.deepcopy(shipped)
    doc.update(changes)
    return read_rules(write(name, yaml.safe_dump(doc, sort_keys=False)), 10_000_000)


def test_a_newer_version_takes_over_from_its_effective_date(shipped, write):
    doc = copy.deepcopy(shipped)
    doc["cycle"][0]["years"] = ["FUSA", "VUSA", "VUSA"]
    newer = read_rules(write("newer.yaml", yaml.safe_dump({**doc, "version": "2027.1",
                                                           "effective_date": "2027-01-01"})), 10_000_000)
    outcome, _ = load_rules(newer, by=None)
    assert outcome == "created"
    assert rules_in_force(dt.date(2026, 12, 31)).version == "2026.4"
    in_force = rules_in_force(dt.date(2027, 1, 1))
    assert in_force.version == "2027.1" and in_force.cycle[0].years == ("FUSA", "VUSA", "VUSA")
    assert Event.objects.filter(action="profile.rules.loaded").count() == 2


def test_a_draft_is_never_in_force_and_may_be_replaced(shipped, write):
    draft = _variant(shipped, write, "draft.yaml", version="2030.0-draft", status="draft",
                     effective_date="2020-01-01")
    load_rules(draft, by=None)
    assert rules_in_force(dt.date(2030, 1, 1)).version == "2026.4"
    again = _variant(shipped, write, "draft2.yaml", version="2030.0-draft", status="draft",
                     effective_date="2020-01-02")
    assert load_rules(again, by=None)[0] == "replaced-draft"


def test_changed_content_under_a_published_version_is_refused(shipped, write):
    changed = _variant(shipped, write, "changed.yaml", source="something else")
    with pytest.raises(DataFileError, match="already published with different content"):
        load_rules(changed, by=None)


def test_the_plan_follows_the_rules_in_force(org_a, shipped, write):
    from secassure.profile.services import plan_for

    doc = copy.deepcopy(shipped)
    for rule in doc["cycle"]:
        if "large-supplier" in rule["categories"] and rule["portfolio"] == "at-or-under":
            rule["years"] = ["FUSA", "VUSA", "VUSA"]
    load_rules(read_rules(write("strict.yaml", yaml.safe_dump({**doc, "version": "2027.1",
                                                               "effective_date": "2027-01-01"})), 10_000_000),
               by=None)
    assert plan_for(org_a, dt.date(2026, 6, 1)).years[2].type == "SSA"
    assert plan_for(org_a, dt.date(2027, 2, 1)).years[2].type == "VUSA"


def test_only_the_operator_loads_rules(db, alice):
    from secassure.errors import ActionError

    with pytest.raises(ActionError, match="command line"):
        load_rules(read_rules(shipped_rule_files()[0], 10_000_000), by=alice)
    assert not RuleSet.objects.exists()


def test_the_rules_in_force_are_parsed_once_for_each_content(shipped, write, monkeypatch):
    """Pages ask for the rules on every request: the same content is parsed once a process, and
    rules that take over are parsed in their turn."""
    from secassure.profile import services

    parsed = []
    real = services.parse_rules
    monkeypatch.setattr(services, "parse_rules", lambda label, document: parsed.append(label) or real(label, document))
    monkeypatch.setattr(services, "_PARSED", {})
    first, again = rules_in_force(dt.date(2026, 12, 31)), rules_in_force(dt.date(2026, 12, 31))
    assert again is first and parsed == ["assessment-cycle@2026.4"]
    load_rules(_variant(shipped, write, "draft.yaml", version="2030.0-draft", status="published",
                        effective_date="2026-06-01", source="other content"), by=None)
    assert rules_in_force(dt.date(2026, 12, 31)).version == "2030.0-draft"
    assert [label for label in parsed if "@" in label] == ["assessment-cycle@2026.4", "assessment-cycle@2030.0-draft"]


def test_rules_parsed_already_are_not_read_again_and_new_rules_come_in_the_same_query(
        shipped, write, monkeypatch, django_assert_num_queries):
    """The rules' document (several kilobytes) comes with the query only when this process has not
    parsed a content of its hash: a page that asks for the rules again reads only the row, and rules
    that take over still arrive whole in that one query."""
    from django.db.models import JSONField

    from secassure.profile import services

    day = dt.date(2026, 12, 31)
    monkeypatch.setattr(services, "_PARSED", {})
    decoded = []
    real = JSONField.from_db_value
    monkeypatch.setattr(JSONField, "from_db_value", lambda field, value, expression, connection: (
        decoded.append(value) or real(field, value, expression, connection)))
    first = rules_in_force(day)
    assert [v for v in decoded if v is not None]  # read and decoded the first time
    decoded.clear()
    with django_assert_num_queries(1):
        again = rules_in_force(day)
    assert again is first and not [v for v in decoded if v is not None]
    load_rules(_variant(shipped, write, "newer.yaml", version="2026.9", effective_date="2026-06-01",
                        source="newer content"), by=None)
    decoded.clear()
    with django_assert_num_queries(1):
        newer = rules_in_force(day)
    assert newer.version == "2026.9" and [v for v in decoded if v is not None]


def test_rules_whose_content_was_parsed_under_another_version_are_read_and_parsed(
        shipped, monkeypatch, django_assert_num_queries):
    """The document is left out for a content this process has parsed under this name; under
    another version it was not this rule set's, and the document is read by a query of its own."""
    from secassure.profile import services

    content_hash = RuleSet.objects.get(version="2026.4").content_hash
    monkeypatch.setattr(services, "_PARSED", {(content_hash, "assessment-cycle@1.0"): None})
    with django_assert_num_queries(2):
        in_force = rules_in_force(dt.date(2026, 12, 31))
    assert in_force.version == "2026.4" and in_force.cycle


def test_the_parsed_rules_kept_are_bounded(shipped, monkeypatch):
    """A process keeps at most 16 parsed contents: past that it starts afresh, and the rules in force
    are still read and parsed whole."""
    from secassure.profile import services

    kept = {(f"{n:064x}", f"other-rules@{n}"): None for n in range(16)}
    monkeypatch.setattr(services, "_PARSED", kept)
    in_force = rules_in_force(dt.date(2026, 12, 31))
    assert in_force.version == "2026.4" and in_force.cycle
    assert list(kept) == [(RuleSet.objects.get(version="2026.4").content_hash, "assessment-cycle@2026.4")]
