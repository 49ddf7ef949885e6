"""The cycle planner: which assessment each year of the three-year cycle needs, and by when.

A pure function of the Party category, the cycle start (the end of the year-1 FUSA fieldwork),
the dated portfolio snapshots, the assessments recorded so far, SECAS's advice on the types,
today's date and the rules in force. Every answer carries the reasons in words and the ids of the
rules behind it, so that a person can check it.

Each year's type rests on what is known best: the assessment recorded for that year, else SECAS's
advice for it (SECAS counts the Smart Metering Inventory and advises the type: its advice is the
authority), else the rules' estimate from the portfolio. Each year's due date counts 12 months from
the fieldwork end recorded on the previous year's CIO-led assessment; until that is recorded, it is
estimated from the due date before it, and so from the cycle start.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from secassure.catalogue.choices import PartyCategory
from secassure.dates import add_months
from secassure.profile.recorded import RecordedAssessment
from secassure.profile.rules import CycleRule, RuleSetData, Threshold
from secassure.wording import article

CYCLE_YEARS = 3
ASSESSMENT_NAMES = {
    "FUSA": "Full User Security Assessment",
    "VUSA": "Verification User Security Assessment",
    "SSA": "User Security Self-Assessment",
    "UNKNOWN": "not publicly described",
}


# Where a year's type comes from, best first.
RECORDED, SECAS_ADVICE, ESTIMATE = "recorded", "secas-advice", "estimate"
BASIS_WORDS = {RECORDED: "the assessment recorded for the year", SECAS_ADVICE: "SECAS's advice",
               ESTIMATE: "the rules' estimate"}
# Where a year's due date comes from.
DUE_FROM_FIELDWORK, DUE_CYCLE_START, DUE_ESTIMATE = "recorded-fieldwork", "cycle-start", "estimate"
# The types a cycle year is (the others, such as a follow-up, only move the dates).
CYCLE_KINDS = ("fusa", "vusa", "ssa")
# An assessment closed with no fieldwork recorded cannot be placed in a cycle: taken as an earlier one's.
CLOSED = "closed"
_CONFIDENCE_RANK = {"R": 0, "I": 1, "S": 2}


@dataclass(frozen=True)
class Advice:
    """SECAS's advice on the type of one year of the cycle."""

    year: int
    type: str  # FUSA, VUSA or SSA
    advised_on: dt.date
    reference: str = ""
    cycle_start: dt.date | None = None  # the cycle start when it was recorded: the cycle it is for

    def as_dict(self) -> dict:
        return {"type": self.type, "advised_on": self.advised_on.isoformat(), "reference": self.reference,
                "cycle_start": self.cycle_start.isoformat() if self.cycle_start else None}

    def words(self) -> str:
        return f"SECAS advised {article(self.type)} on {self.advised_on.isoformat()}" + (
            f" (reference {self.reference})" if self.reference else "")


def _assessment_dict(found: RecordedAssessment | None) -> dict | None:
    if found is None:
        return None
    return {"id": found.pk, "type": found.kind, "status": found.status,
            "fieldwork_start": found.fieldwork_start.isoformat() if found.fieldwork_start else None,
            "fieldwork_end": found.fieldwork_end.isoformat() if found.fieldwork_end else None}


@dataclass(frozen=True)
class Portfolio:
    """The counts that decide the assessment type, as reported on one date."""

    as_of: dt.date
    domestic: int
    non_domestic: int


@dataclass
class PlannedYear:
    year: int
    type: str
    due_by: dt.date | None
    reasons: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    basis: str = ESTIMATE  # where the type comes from: recorded, secas-advice or estimate
    estimated_type: str = ""  # the type the rules give from the portfolio, whatever the basis
    confidence: str = ""  # how sure the rules are of the estimated type (S, I, R); "" for year 1
    due_basis: str = ""  # recorded-fieldwork, cycle-start or estimate; "" without a date
    due_from: RecordedAssessment | None = None  # the assessment whose fieldwork end the date counts from
    assessment: RecordedAssessment | None = None  # the assessment recorded for this year
    advice: Advice | None = None  # SECAS's advice for this year
    done: bool = False  # this year's CIO-led fieldwork has ended

    def as_dict(self) -> dict:
        return {
            "year": self.year,
            "type": self.type,
            "type_name": ASSESSMENT_NAMES[self.type],
            "due_by": self.due_by.isoformat() if self.due_by else None,
            "basis": self.basis,
            "estimated_type": self.estimated_type or self.type,
            "confidence": self.confidence or None,
            "due_basis": self.due_basis or None,
            "due_from": ({"assessment": self.due_from.pk, "type": self.due_from.kind,
                          "fieldwork_end": self.due_from.fieldwork_end.isoformat()} if self.due_from else None),
            "assessment": _assessment_dict(self.assessment),
            "advice": self.advice.as_dict() if self.advice else None,
            "reasons": self.reasons,
            "rules": self.rules,
        }

    @property
    def basis_words(self) -> str:
        return BASIS_WORDS[self.basis]


@dataclass
class Plan:
    organisation: str
    category: str
    cycle_start: dt.date | None
    ruleset: str
    today: dt.date
    years: list[PlannedYear] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    next_cycle: PlannedYear | None = None
    # The assessment types the rules say the User CIO conducts.
    cio_kinds: frozenset[str] = frozenset()
    # The SEC Section I privacy cycle, for an organisation it applies to (privacy_planner).
    privacy: Any = None

    def as_dict(self) -> dict:
        return {
            "organisation": self.organisation,
            "category": self.category,
            "cycle_start": self.cycle_start.isoformat() if self.cycle_start else None,
            "ruleset": self.ruleset,
            "as_of": self.today.isoformat(),
            "cycle": [y.as_dict() for y in self.years],
            "next_cycle": self.next_cycle.as_dict() if self.next_cycle else None,
            "warnings": self.warnings,
            # Only where a privacy cycle applies (Other Users): other categories have no such key.
            **({"privacy": self.privacy.as_dict()} if self.privacy is not None else {}),
        }

    def next_due(self) -> PlannedYear | None:
        """The first assessment still to come: in this cycle (a year whose CIO fieldwork has ended is
        done), or the next cycle's FUSA."""
        for year in self.years:
            if year.due_by is not None and year.due_by >= self.today and year.year > 1 and not year.done:
                return year
        if self.years and self.years[-1].due_by is not None:
            return self.next_cycle
        return None

    def types(self) -> dict[int, str]:
        return {y.year: y.type for y in self.years}


def _number(value: float) -> str:
    return f"{value:,.2f}" if value != int(value) else f"{int(value):,}"


def _measure(portfolio: Portfolio, threshold: Threshold, rules: RuleSetData, category: str) -> float:
    if threshold.measure == "domestic":
        return portfolio.domestic
    if threshold.measure == "non_domestic":
        return portfolio.non_domestic
    # The rules loader makes sure a category with a weighted threshold has both limits.
    limits = {t.measure: t.limit for t in rules.thresholds_for(category) if t.measure != "weighted"}
    return portfolio.domestic / limits["domestic"] + portfolio.non_domestic / limits["non_domestic"]


_MEASURE_WORDS = {"domestic": "domestic premises", "non_domestic": "non-domestic premises"}


def _weighted(value: float, limit: float) -> str:
    # Two decimals, unless rounding would make a sum just over the limit read as equal to it.
    text = f"{value:.2f}"
    if float(text) == limit and value != limit:
        text = f"{value:.6f}".rstrip("0")
    return text


def _portfolio_verdict(category: str, portfolio: Portfolio | None, rules: RuleSetData
                       ) -> tuple[bool, str, list[str]]:
    """Over a threshold or not, the words that say why, and the threshold rules relied on."""
    label = PartyCategory(category).label
    thresholds = rules.thresholds_for(category)
    if not thresholds:
        return False, f"{label}: the size of the portfolio does not change the type", []
    if portfolio is None:
        return False, f"{label} with no portfolio snapshot recorded: taken as at or under the thresholds", []
    crossed, within = [], []
    for t in thresholds:
        value = _measure(portfolio, t, rules, category)
        words = (f"a weighted sum of {_weighted(value, t.limit)}" if t.measure == "weighted"
                 else f"{_number(value)} {_MEASURE_WORDS[t.measure]}")
        if value > t.limit:
            crossed.append((t, f"{words}, above the {_number(t.limit)} threshold (rule {t.id})"))
        else:
            within.append((t, f"{words} (threshold {_number(t.limit)}, rule {t.id})"))
    when = f"snapshot of {portfolio.as_of.isoformat()}"
    if crossed:
        return True, f"{label} with {'; '.join(w for _, w in crossed)} ({when})", [t.id for t, _ in crossed]
    return False, f"{label} at or under every threshold: {'; '.join(w for _, w in within)} ({when})", [
        t.id for t, _ in within]


def _portfolio_on(snapshots: list[Portfolio], day: dt.date) -> Portfolio | None:
    """The latest snapshot dated on or before day."""
    found = None
    for snap in sorted(snapshots, key=lambda s: s.as_of):
        if snap.as_of <= day:
            found = snap
    return found


def _this_cycle(assessments, cycle_start: dt.date | None) -> list[RecordedAssessment]:
    """The recorded assessments of the current cycle: an assessment whose fieldwork ended before the
    cycle start belongs to an earlier cycle, as does one closed with no fieldwork end recorded."""
    if cycle_start is None:
        return list(assessments)
    return [a for a in assessments
            if (a.fieldwork_end >= cycle_start if a.fieldwork_end else a.status != CLOSED)]


def _cio_led(rules: RuleSetData) -> dict[str, str]:
    """The assessment types the User CIO conducts, each with the id of the rule that says so."""
    return {c.kind: c.id for c in rules.conductors if c.by == "cio"}


def _own(assessments: list[RecordedAssessment], year: int) -> RecordedAssessment | None:
    """The assessment recorded for that year of the cycle (the latest, if there are several)."""
    found = [a for a in assessments if a.cycle_year == year and a.kind in CYCLE_KINDS]
    return found[-1] if found else None


def _fieldwork_of(assessments: list[RecordedAssessment], year: int, cio_led: dict[str, str]
                  ) -> RecordedAssessment | None:
    """The CIO-led assessment of that year whose fieldwork ended last (a follow-up may end after the
    year's own assessment)."""
    ended = [a for a in assessments if a.cycle_year == year and a.kind in cio_led and a.fieldwork_end]
    return max(ended, key=lambda a: (a.fieldwork_end, a.pk)) if ended else None


def _confidence(rules: RuleSetData, category: str, year: int, cycle_rule: CycleRule) -> str:
    """How sure the rules are of that year's type: the cycle rule's confidence, unless the rule for
    the other side of the thresholds gives the same type on firmer ground."""
    found = cycle_rule.confidence
    for over in (False, True):
        other = rules.cycle_rule(category, over)
        if (other is not None and other.years[year - 1] == cycle_rule.years[year - 1]
                and _CONFIDENCE_RANK[other.confidence] > _CONFIDENCE_RANK[found]):
            found = other.confidence
    return found


@dataclass
class _Clock:
    """What estimated due dates count from: the cycle start, or the last fieldwork end recorded,
    and how many periods have passed since (counted from it each time, so that a month end stays one)."""

    start: dt.date | None
    periods: int = 0
    recorded: int | None = None  # the year whose recorded fieldwork the clock counts from

    def source(self) -> str:
        return ("the cycle start" if self.recorded is None
                else f"the fieldwork end recorded for year {self.recorded}")


def _due(year: int, clock: _Clock, assessments: list[RecordedAssessment], cio_led: dict[str, str],
         months: int, timing_id: str) -> tuple[dt.date | None, str, RecordedAssessment | None, str]:
    """The due date of cycle year ``year`` (4 is the next cycle's FUSA): its basis, the assessment it
    counts from, and the reason in words. Moves ``clock`` on."""
    ended = _fieldwork_of(assessments, year - 1, cio_led)
    if ended is not None:
        clock.start, clock.periods, clock.recorded = ended.fieldwork_end, 1, year - 1
        due = add_months(ended.fieldwork_end, months)
        return due, DUE_FROM_FIELDWORK, ended, (
            f"due by {due.isoformat()}: within {months} months of the end of the fieldwork recorded on the "
            f"year-{year - 1} {ended.kind.upper()} (assessment {ended.pk}, fieldwork ended "
            f"{ended.fieldwork_end.isoformat()}), conducted by the User CIO (rule {timing_id})")
    if clock.start is None:
        return None, "", None, ""
    clock.periods += 1
    due = add_months(clock.start, months * clock.periods)
    if year > CYCLE_YEARS:
        return due, DUE_ESTIMATE, None, (
            f"due by {due.isoformat()}: within {months} months of year {CYCLE_YEARS} (rule {timing_id}); "
            f"estimated until year {CYCLE_YEARS}'s fieldwork end is recorded"
            + (f" (counted from {clock.source()})" if clock.recorded is not None else ""))
    return due, DUE_ESTIMATE, None, (
        f"due by {due.isoformat()}: within {months} months of the previous assessment's fieldwork "
        f"(rule {timing_id}); estimated from {clock.source()} until that fieldwork's end is recorded")


def plan_cycle(*, organisation: str, category: str, cycle_start: dt.date | None, snapshots: list[Portfolio],
               today: dt.date, rules: RuleSetData, assessments: list[RecordedAssessment] | tuple = (),
               advice: list[Advice] | tuple = ()) -> Plan:
    plan = Plan(organisation, category, cycle_start, rules.label, today, cio_kinds=frozenset(_cio_led(rules)))
    if category not in PartyCategory.values:
        plan.warnings.append(f"{category!r} is not a Party category; set the organisation's category")
        return plan
    months, timing = rules.timing_months()
    if cycle_start is None:
        plan.warnings.append(
            "no cycle start recorded: set it to the end date of the year-1 FUSA fieldwork to get due dates")
    recorded = _this_cycle(sorted(assessments, key=lambda a: a.pk), cycle_start)
    cio_led = _cio_led(rules)
    if not cio_led and any(a.fieldwork_end for a in recorded):
        plan.warnings.append(
            f"the rules {rules.label} do not say who conducts each type of assessment, so the fieldwork recorded "
            "does not date the plan: load the shipped rules (`secassure rules load --shipped`)")
    advised = _advice_for_this_cycle(plan, advice, cycle_start)
    unverified: dict[str, None] = {}
    for year in range(1, CYCLE_YEARS + 1):
        own = _own(recorded, year)
        if year == 1:
            due_by = cycle_start or (own.fieldwork_end if own and own.fieldwork_end else None)
            planned = PlannedYear(year=year, type="UNKNOWN", due_by=due_by,
                                  due_basis=DUE_CYCLE_START if cycle_start else
                                  (DUE_FROM_FIELDWORK if due_by else ""))
            # Every cycle rule starts with a FUSA; cite the one that applied when the cycle began.
            at_start = _portfolio_on(snapshots, due_by) if due_by else None
            over, _, _ = _portfolio_verdict(category, at_start, rules)
            cycle_rule = rules.cycle_rule(category, over)
            planned.type = cycle_rule.years[0]
            planned.reasons.append(
                f"year 1 of every cycle is {article(planned.type)} (rule {cycle_rule.id})"
                + (f"; its fieldwork ended on {due_by.isoformat()}, which starts the cycle" if due_by else ""))
            planned.rules.append(cycle_rule.id)
            _check_cycle_start(plan, own, cycle_start)
            clock = _Clock(due_by)
        else:
            due_by, due_basis, due_from, due_reason = _due(year, clock, recorded, cio_led, months, timing.id)
            planned = PlannedYear(year=year, type="UNKNOWN", due_by=due_by, due_basis=due_basis, due_from=due_from)
            decided_on = min(due_by, today) if due_by else today
            portfolio = _portfolio_on(snapshots, decided_on)
            over, why, threshold_ids = _portfolio_verdict(category, portfolio, rules)
            cycle_rule = rules.cycle_rule(category, over)
            planned.type = cycle_rule.years[year - 1]
            planned.confidence = _confidence(rules, category, year, cycle_rule)
            planned.reasons.append(f"{why}: year {year} is {article(planned.type)} (rule {cycle_rule.id})")
            # Timing rules without a month count say which snapshot decides the type.
            planned.rules += [*threshold_ids, cycle_rule.id, *(t.id for t in rules.timing if t.months is None)]
            if due_by:
                planned.reasons.append(due_reason)
                planned.rules.append(timing.id)
                if due_from is not None:
                    planned.rules.append(cio_led[due_from.kind])
            if planned.confidence == "R":
                planned.reasons.append(
                    f"rule {cycle_rule.id} is recalled, to check (confidence R): no public source found states "
                    f"the year-{year} type here; SECAS advises the type, and its advice is the authority")
            if portfolio is None and threshold_ids == [] and rules.thresholds_for(category):
                plan.warnings.append(f"year {year}: no portfolio snapshot on or before {decided_on.isoformat()}; "
                                     "add one with the counts reported to SECAS")
        _settle_type(plan, planned, own, advised.get(year), cio_led)
        planned.rules = list(dict.fromkeys(planned.rules))
        for rule_id in planned.rules:
            if not rules.rule(rule_id).verified:
                unverified[rule_id] = None
        plan.years.append(planned)
    _unplaced_fieldwork(plan, recorded, cio_led)
    due, due_basis, due_from, due_reason = _due(CYCLE_YEARS + 1, clock, recorded, cio_led, months, timing.id)
    if due is not None:
        plan.next_cycle = PlannedYear(
            year=1, type="FUSA", due_by=due, due_basis=due_basis, due_from=due_from,
            reasons=[f"the next cycle starts with a FUSA, {due_reason}"],
            rules=[timing.id, *([cio_led[due_from.kind]] if due_from else [])])
    last = plan.years[-1]
    if last.due_by is not None and last.due_by < today:
        plan.warnings.append(
            f"year {CYCLE_YEARS} was due by {last.due_by.isoformat()}: once the next cycle's FUSA "
            "fieldwork has ended, set the new cycle start")
    if unverified:
        plan.warnings.append(
            f"rules {', '.join(unverified)} are unverified reconstructions: check them against the Security "
            "Controls Framework in force before relying on this plan")
    return plan


def _advice_for_this_cycle(plan: Plan, advice, cycle_start: dt.date | None) -> dict[int, Advice]:
    """SECAS's advice by year, leaving out (and saying so) advice recorded for another cycle."""
    found = {}
    for given in sorted(advice, key=lambda a: a.year):
        if given.cycle_start != cycle_start:
            when = given.cycle_start.isoformat() if given.cycle_start else "not recorded"
            plan.warnings.append(
                f"year {given.year}: {given.words()} for the cycle whose start was {when}, not this one: record "
                "SECAS's advice for this cycle")
            continue
        found[given.year] = given
    return found


def _settle_type(plan: Plan, planned: PlannedYear, own: RecordedAssessment | None, advised: Advice | None,
                 cio_led: dict[str, str]) -> None:
    """The year's type from the best basis there is, and a warning wherever the bases disagree."""
    year, estimate = planned.year, planned.type
    planned.estimated_type, planned.assessment, planned.advice = estimate, own, advised
    if advised is not None:
        planned.reasons.append(f"{advised.words()} for year {year}: SECAS counts the Smart Metering Inventory and "
                               "advises the type, so its advice is the authority")
        if advised.type != estimate and (own is None or own.kind.upper() == advised.type):
            plan.warnings.append(f"year {year}: {advised.words()}, where the rules estimate {article(estimate)}: "
                                 "the plan follows SECAS's advice")
    if own is not None:
        kind = own.kind.upper()
        planned.type, planned.basis = kind, RECORDED
        planned.done = own.kind in cio_led and own.fieldwork_end is not None
        ended = f", fieldwork ended {own.fieldwork_end.isoformat()}" if own.fieldwork_end else ""
        planned.reasons.append(f"year {year}'s assessment is recorded: {article(kind)} (assessment {own.pk}, "
                               f"status {own.status}{ended})")
        if advised is not None and advised.type != kind:
            plan.warnings.append(f"year {year} is recorded as {article(kind)} (assessment {own.pk}), but "
                                 f"{advised.words()}: check the assessment's type with SECAS")
        elif advised is None and kind != estimate:
            plan.warnings.append(f"year {year} is recorded as {article(kind)} (assessment {own.pk}), where the rules "
                                 f"estimate {article(estimate)}: record SECAS's advice on the type")
    elif advised is not None:
        planned.type, planned.basis = advised.type, SECAS_ADVICE


def _check_cycle_start(plan: Plan, own: RecordedAssessment | None, cycle_start: dt.date | None) -> None:
    if own is not None and own.fieldwork_end and cycle_start and own.fieldwork_end != cycle_start:
        plan.warnings.append(
            f"the year-1 {own.kind.upper()}'s fieldwork is recorded as ending on {own.fieldwork_end.isoformat()} "
            f"(assessment {own.pk}), but the cycle start is {cycle_start.isoformat()}: if that assessment began "
            f"this cycle, set the cycle start to {own.fieldwork_end.isoformat()}")


def _unplaced_fieldwork(plan: Plan, recorded: list[RecordedAssessment], cio_led: dict[str, str]) -> None:
    for a in recorded:
        if a.cycle_year is None and a.kind in cio_led and a.fieldwork_end:
            plan.warnings.append(
                f"assessment {a.pk} ({a.kind}) has its fieldwork recorded as ending on {a.fieldwork_end.isoformat()} "
                "but no cycle year: give it one so that the plan counts the next due date from it")


def changed_years(before: Plan, after: Plan) -> list[dict]:
    """Years still to come whose assessment type differs between two plans."""
    changes = []
    old = before.types()
    for year in after.years:
        if year.year in old and old[year.year] != year.type and (year.due_by is None or year.due_by >= after.today):
            changes.append({"year": year.year, "from": old[year.year], "to": year.type,
                            "due_by": year.due_by.isoformat() if year.due_by else None})
    return changes
