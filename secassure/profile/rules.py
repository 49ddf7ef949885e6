"""The assessment-cycle rules: parsed from a rules file into typed, checked objects.

The rules are data (``secassure/data/rules/assessment-cycle.yaml``, format in
docs/rules-format.md); a newer file replaces them without a code change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from secassure.catalogue.choices import Confidence, PartyCategory
from secassure.datafiles import DataFileError
from secassure.wording import article

FORMAT = "secassure.rules/1"
ASSESSMENT_TYPES = ("FUSA", "VUSA", "SSA", "UNKNOWN")
MEASURES = ("domestic", "non_domestic", "weighted")
# The assessment types the workbench records (the values of the assessments' AssessmentType, which
# sits above this app): who conducts each is rule data.
CONDUCTED_KINDS = ("ssa", "fusa", "vusa", "follow-up", "cio-compliance")
CONDUCTORS = ("user", "cio")
# The privacy-cycle rule set (SEC Section I, Other Users only) reads the same format with its own
# assessment types: the Full Privacy Assessment, the Random Sample Privacy Assessment and the
# privacy self-assessment. It needs no thresholds and covers only the categories its cycle names.
PRIVACY_RULESET = "privacy-cycle"
PRIVACY_ASSESSMENT_TYPES = ("FPA", "RSPA", "PSA", "UNKNOWN")
PRIVACY_KINDS = ("fpa", "rspa", "psa")
PORTFOLIO_CONDITIONS = ("at-or-under", "over", "any")


@dataclass(frozen=True)
class Rule:
    """What every rule carries: an id to cite, how sure we are, and where it comes from."""

    id: str
    confidence: str
    verified: bool
    source_url: str
    explanation: str


@dataclass(frozen=True)
class Threshold(Rule):
    measure: str = "domestic"
    limit: float = 0
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class CycleRule(Rule):
    categories: tuple[str, ...] = ()
    portfolio: str = "any"
    years: tuple[str, ...] = ()


@dataclass(frozen=True)
class TimingRule(Rule):
    months: int | None = None


@dataclass(frozen=True)
class OutcomeRule(Rule):
    """What one of the SSC's decisions on a self-assessment leads to, and the clause it rests on."""

    decision: str = ""
    clause: str = ""


@dataclass(frozen=True)
class AssuranceNames(Rule):
    """The names of assurance statuses before and after a renaming, for reading old letters."""

    renamed_on: dt.date | None = None
    before: tuple[tuple[str, str], ...] = ()  # (status, name used before renamed_on)
    after: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Conductor:
    """Who conducts one type of assessment (``kind``): the User itself (``by`` "user") or the User
    CIO ("cio"), the clause that says so, and, as every rule, how sure we are and where it comes from."""

    id: str
    kind: str
    by: str
    clause: str
    confidence: str
    verified: bool
    source_url: str
    explanation: str


OUTCOME_DECISIONS = ("satisfactory", "actions", "cio-assessment")
ASSURANCE_STATUSES = ("approved", "approved-subject-to", "deferred", "rejected")


@dataclass
class RuleSetData:
    """One version of the assessment-cycle rules."""

    file: str
    name: str
    version: str
    status: str
    effective_date: dt.date
    source: str
    source_url: str
    thresholds: list[Threshold] = field(default_factory=list)
    cycle: list[CycleRule] = field(default_factory=list)
    timing: list[TimingRule] = field(default_factory=list)
    outcomes: list[OutcomeRule] = field(default_factory=list)
    assurance: list[AssuranceNames] = field(default_factory=list)
    conductors: list[Conductor] = field(default_factory=list)
    document: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"

    def content_hash(self) -> str:
        text = json.dumps(self.document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def rule(self, rule_id: str) -> Rule | Conductor:
        for rule in (*self.thresholds, *self.cycle, *self.timing, *self.outcomes, *self.assurance, *self.conductors):
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def timing_months(self) -> tuple[int, TimingRule]:
        for rule in self.timing:
            if rule.months:
                return rule.months, rule
        raise DataFileError(self.file, "timing", "no timing rule gives the months between assessments")

    def cycle_rule(self, category: str, over: bool) -> CycleRule | None:
        wanted = "over" if over else "at-or-under"
        for rule in self.cycle:
            if category in rule.categories and rule.portfolio in (wanted, "any"):
                return rule
        return None

    def outcome(self, decision: str) -> OutcomeRule | None:
        return next((rule for rule in self.outcomes if rule.decision == decision), None)

    def conductor_of(self, kind: str) -> Conductor | None:
        """Who conducts that type of assessment; None for a type these rules do not name (rules
        stored before they said who conducts each type)."""
        return next((rule for rule in self.conductors if rule.kind == kind), None)

    def assurance_status(self, name: str, on: dt.date) -> tuple[str, AssuranceNames] | None:
        """The current status a name in an SSC letter of that date stands for."""
        wanted = " ".join(name.split()).casefold()
        for rule in self.assurance:
            names = rule.before if rule.renamed_on and on < rule.renamed_on else rule.after
            for status, given in names:
                if given.casefold() == wanted:
                    return status, rule
        return None

    def thresholds_for(self, category: str) -> list[Threshold]:
        return [t for t in self.thresholds if category in t.categories]


def parse_rules(name: str, doc: Any) -> RuleSetData:
    if isinstance(doc, dict) and doc.get("format") == "secassure.notices/1":
        # The notice types are rules too, stored and versioned the same way, in a format of their own.
        from secassure.profile.notice_rules import parse_notice_rules

        return parse_notice_rules(name, doc)
    _check_document(name, doc)
    data = _ruleset(name, doc)
    privacy = data.name == PRIVACY_RULESET
    ids: set[str] = set()
    for i, node in enumerate(doc.get("thresholds") or [] if privacy else _items(name, doc, "thresholds")):
        data.thresholds.append(_threshold(name, node, f"thresholds[{i}]", ids))
    _check_weighted_thresholds(name, data)
    types = PRIVACY_ASSESSMENT_TYPES if privacy else ASSESSMENT_TYPES
    for i, node in enumerate(_items(name, doc, "cycle")):
        data.cycle.append(_cycle_rule(name, node, f"cycle[{i}]", ids, types))
    for i, node in enumerate(_items(name, doc, "timing")):
        data.timing.append(_timing_rule(name, node, f"timing[{i}]", ids))
    for i, node in enumerate(doc.get("outcomes") or []):
        data.outcomes.append(_outcome_rule(name, node, f"outcomes[{i}]", ids, data))
    for i, node in enumerate(doc.get("assurance") or []):
        data.assurance.append(_assurance_names(name, node, f"assurance[{i}]", ids))
    _conductors(name, doc, data, ids, PRIVACY_KINDS if privacy else CONDUCTED_KINDS)
    if not privacy:
        # The privacy cycle covers only the categories it names (Other Users); the security cycle every one.
        _check_cycle_covers_every_category(name, data)
    data.timing_months()
    return data


def _check_document(name: str, doc: Any) -> None:
    """The file is a mapping in this format, with no key the format does not know."""
    if not isinstance(doc, dict):
        raise DataFileError(name, "root", "expected a mapping")
    if doc.get("format") != FORMAT:
        raise DataFileError(name, "format", f"expected {FORMAT!r}, found {doc.get('format')!r}")
    allowed = {"format", "ruleset", "version", "status", "effective_date", "source", "source_url",
               "thresholds", "cycle", "timing", "outcomes", "assurance", "conducted_by"}
    unknown = sorted(set(doc) - allowed)
    if unknown:
        raise DataFileError(name, unknown[0], "unknown key")


def _ruleset(name: str, doc: dict) -> RuleSetData:
    """The rule set's own fields, checked, with no rules in it yet."""
    for key, limit in (("ruleset", 80), ("version", 100)):
        if isinstance(doc.get(key), str) and len(doc[key]) > limit:
            raise DataFileError(name, key, f"longer than {limit} characters")
    effective = _date(doc.get("effective_date"))
    if not isinstance(effective, dt.date) or isinstance(effective, dt.datetime):
        raise DataFileError(name, "effective_date", "expected a date in the form YYYY-MM-DD")
    status = doc.get("status", "published")
    if status not in ("published", "draft"):
        raise DataFileError(name, "status", "expected published or draft")
    return RuleSetData(
        file=name,
        name=_text(name, doc, "ruleset", ""),
        version=_text(name, doc, "version", ""),
        status=status,
        effective_date=effective,
        source=_text(name, doc, "source", "", required=False),
        source_url=_text(name, doc, "source_url", "", required=False),
        document=json.loads(json.dumps(doc, default=str)),
    )


def _threshold(name: str, node: Any, place: str, ids: set[str]) -> Threshold:
    base = _rule_fields(name, node, place, ids, {"measure", "limit", "categories"})
    measure = node.get("measure")
    if measure not in MEASURES:
        raise DataFileError(name, f"{place}.measure", f"{measure!r} is not one of {', '.join(MEASURES)}")
    limit = node.get("limit")
    if isinstance(limit, bool) or not isinstance(limit, int | float) or limit <= 0:
        raise DataFileError(name, f"{place}.limit", "expected a positive number")
    return Threshold(**base, measure=measure, limit=limit, categories=_categories(name, node, place))


def _check_weighted_thresholds(name: str, data: RuleSetData) -> None:
    """A weighted threshold weighs the domestic and non-domestic measures, so a category needs both."""
    for category in PartyCategory.values:
        measures = {t.measure for t in data.thresholds_for(category)}
        if "weighted" in measures and not {"domestic", "non_domestic"} <= measures:
            raise DataFileError(name, "thresholds", f"the weighted threshold for {category} needs domestic and "
                                                    "non_domestic thresholds for it too")


def _cycle_rule(name: str, node: Any, place: str, ids: set[str], types: tuple[str, ...] = ASSESSMENT_TYPES
                ) -> CycleRule:
    base = _rule_fields(name, node, place, ids, {"categories", "portfolio", "years"})
    portfolio = node.get("portfolio", "any")
    if portfolio not in PORTFOLIO_CONDITIONS:
        raise DataFileError(name, f"{place}.portfolio", f"expected one of {', '.join(PORTFOLIO_CONDITIONS)}")
    years = node.get("years")
    if not isinstance(years, list) or len(years) != 3:
        raise DataFileError(name, f"{place}.years", "expected the three years' assessment types")
    for j, kind in enumerate(years):
        if kind not in types:
            raise DataFileError(name, f"{place}.years[{j}]",
                                f"{kind!r} is not one of {', '.join(types)}")
    return CycleRule(**base, categories=_categories(name, node, place), portfolio=portfolio, years=tuple(years))


def _timing_rule(name: str, node: Any, place: str, ids: set[str]) -> TimingRule:
    base = _rule_fields(name, node, place, ids, {"months"})
    months = node.get("months")
    if months is not None and (isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 60):
        raise DataFileError(name, f"{place}.months", "expected a whole number of months from 1 to 60")
    return TimingRule(**base, months=months)


def _outcome_rule(name: str, node: Any, place: str, ids: set[str], data: RuleSetData) -> OutcomeRule:
    """One decision's rule; ``data`` holds the outcome rules read so far, each decision at most once."""
    base = _rule_fields(name, node, place, ids, {"decision", "clause"})
    decision = node.get("decision")
    if decision not in OUTCOME_DECISIONS:
        raise DataFileError(name, f"{place}.decision", f"expected one of {', '.join(OUTCOME_DECISIONS)}")
    if data.outcome(decision) is not None:
        raise DataFileError(name, f"{place}.decision", f"a second rule for {decision!r}")
    return OutcomeRule(**base, decision=decision, clause=_text(name, node, "clause", place, required=False))


def _assurance_names(name: str, node: Any, place: str, ids: set[str]) -> AssuranceNames:
    base = _rule_fields(name, node, place, ids, {"renamed_on", "before", "after"})
    renamed_on = _date(node.get("renamed_on"))
    if not isinstance(renamed_on, dt.date):
        raise DataFileError(name, f"{place}.renamed_on", "expected a date in the form YYYY-MM-DD")
    names = {key: _status_names(name, node.get(key), f"{place}.{key}") for key in ("before", "after")}
    return AssuranceNames(**base, renamed_on=renamed_on, **names)


def _conductors(name: str, doc: dict, data: RuleSetData, ids: set[str],
                kinds: tuple[str, ...] = CONDUCTED_KINDS) -> None:
    """Who conducts each assessment type: one entry for every type, no other. Rule files written
    before the section existed have none; given, it must name every type."""
    if "conducted_by" not in doc:
        return
    nodes = _items(name, doc, "conducted_by")
    for i, node in enumerate(nodes):
        place = f"conducted_by[{i}]"
        base = _rule_fields(name, node, place, ids, {"kind", "by", "clause"})
        kind = node.get("kind")
        if kind not in kinds:
            raise DataFileError(name, f"{place}.kind", f"{kind!r} is not one of {', '.join(kinds)}")
        if data.conductor_of(kind) is not None:
            raise DataFileError(name, f"{place}.kind", f"a second entry for {kind!r}")
        by = node.get("by")
        if by not in CONDUCTORS:
            raise DataFileError(name, f"{place}.by", f"{by!r} is not one of {', '.join(CONDUCTORS)}")
        data.conductors.append(Conductor(**base, kind=kind, by=by, clause=_text(name, node, "clause", place)))
    missing = [kind for kind in kinds if data.conductor_of(kind) is None]
    if missing:
        raise DataFileError(name, "conducted_by", f"no entry for {', '.join(repr(k) for k in missing)}: say who "
                                                  "conducts every assessment type")


def _check_cycle_covers_every_category(name: str, data: RuleSetData) -> None:
    """Every Party category has a cycle rule both at or under its thresholds and over one."""
    for category in PartyCategory.values:
        for over in (False, True):
            if data.cycle_rule(category, over) is None:
                condition = "over a threshold" if over else "at or under the thresholds"
                raise DataFileError(name, "cycle", f"no rule covers {article(category)} {condition}")


def _date(value: Any) -> Any:
    """A date given as text read as a date (None if the text is no date); anything else as it is."""
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return value


def _rule_fields(name: str, node: Any, place: str, ids: set[str], extra: set[str]) -> dict:
    if not isinstance(node, dict):
        raise DataFileError(name, place, "expected a mapping")
    allowed = {"id", "confidence", "verified", "source_url", "explanation", *extra}
    unknown = sorted(set(node) - allowed)
    if unknown:
        raise DataFileError(name, f"{place}.{unknown[0]}", f"unknown key; expected one of {', '.join(sorted(allowed))}")
    rule_id = _text(name, node, "id", place)
    if rule_id in ids:
        raise DataFileError(name, f"{place}.id", f"duplicate rule id {rule_id!r}")
    ids.add(rule_id)
    confidence = node.get("confidence")
    if confidence not in Confidence.values:
        raise DataFileError(name, f"{place}.confidence", "expected S, I or R")
    verified = node.get("verified")
    if not isinstance(verified, bool):
        raise DataFileError(name, f"{place}.verified", "expected true or false")
    source_url = _text(name, node, "source_url", place)
    if not source_url.startswith("https://"):
        raise DataFileError(name, f"{place}.source_url", "must be an https:// address")
    return {"id": rule_id, "confidence": confidence, "verified": verified, "source_url": source_url,
            "explanation": _text(name, node, "explanation", place)}


def _status_names(name: str, node: Any, place: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(node, dict) or set(node) != set(ASSURANCE_STATUSES):
        raise DataFileError(name, place, f"expected the name of each of {', '.join(ASSURANCE_STATUSES)}")
    return tuple((status, _text(name, node, status, place)) for status in ASSURANCE_STATUSES)


def _categories(name: str, node: dict, place: str) -> tuple[str, ...]:
    values = node.get("categories")
    if not isinstance(values, list) or not values:
        raise DataFileError(name, f"{place}.categories", "expected a list of Party categories")
    for j, value in enumerate(values):
        if value not in PartyCategory.values:
            raise DataFileError(name, f"{place}.categories[{j}]", f"{value!r} is not a Party category")
    return tuple(values)


def _items(name: str, doc: dict, key: str) -> list:
    value = doc.get(key)
    if not isinstance(value, list) or not value:
        raise DataFileError(name, key, "expected a non-empty list")
    return value


def _text(name: str, node: dict, key: str, place: str, *, required: bool = True) -> str:
    value = node.get(key)
    where = f"{place}.{key}" if place else key
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise DataFileError(name, where, "missing")
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise DataFileError(name, where, "expected text")
    return " ".join(str(value).split())
