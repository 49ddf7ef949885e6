"""The cycle planner: which assessment each year of the three-year cycle needs, and by when.

A pure function of the Party category, the cycle start (the end of the year-1 FUSA fieldwork),
the dated portfolio snapshots, today's date and the rules in force. Every answer carries the
reasons in words and the ids of the rules behind it, so that a person can check it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from secassure.catalogue.choices import PartyCategory
from secassure.dates import add_months
from secassure.profile.rules import RuleSetData, Threshold
from secassure.wording import article

CYCLE_YEARS = 3
ASSESSMENT_NAMES = {
    "FUSA": "Full User Security Assessment",
    "VUSA": "Verification User Security Assessment",
    "SSA": "User Security Self-Assessment",
    "UNKNOWN": "not publicly described",
}


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

    def as_dict(self) -> dict:
        return {
            "year": self.year,
            "type": self.type,
            "type_name": ASSESSMENT_NAMES[self.type],
            "due_by": self.due_by.isoformat() if self.due_by else None,
            "reasons": self.reasons,
            "rules": self.rules,
        }


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
        }

    def next_due(self) -> PlannedYear | None:
        """The first assessment still to come: in this cycle, or the next cycle's FUSA."""
        for year in self.years:
            if year.due_by is not None and year.due_by >= self.today and year.year > 1:
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


def plan_cycle(*, organisation: str, category: str, cycle_start: dt.date | None, snapshots: list[Portfolio],
               today: dt.date, rules: RuleSetData) -> Plan:
    plan = Plan(organisation, category, cycle_start, rules.label, today)
    if category not in PartyCategory.values:
        plan.warnings.append(f"{category!r} is not a Party category; set the organisation's category")
        return plan
    months, timing = rules.timing_months()
    if cycle_start is None:
        plan.warnings.append(
            "no cycle start recorded: set it to the end date of the year-1 FUSA fieldwork to get due dates")
    unverified: dict[str, None] = {}
    for year in range(1, CYCLE_YEARS + 1):
        due_by = add_months(cycle_start, months * (year - 1)) if cycle_start else None
        planned = PlannedYear(year=year, type="UNKNOWN", due_by=due_by)
        if year == 1:
            # Every cycle rule starts with a FUSA; cite the one that applied when the cycle began.
            at_start = _portfolio_on(snapshots, cycle_start) if cycle_start else None
            over, _, _ = _portfolio_verdict(category, at_start, rules)
            cycle_rule = rules.cycle_rule(category, over)
            planned.type = cycle_rule.years[0]
            planned.reasons.append(
                f"year 1 of every cycle is {article(planned.type)} (rule {cycle_rule.id})"
                + (f"; its fieldwork ended on {due_by.isoformat()}, which starts the cycle" if due_by else ""))
            planned.rules.append(cycle_rule.id)
        else:
            decided_on = min(due_by, today) if due_by else today
            portfolio = _portfolio_on(snapshots, decided_on)
            over, why, threshold_ids = _portfolio_verdict(category, portfolio, rules)
            cycle_rule = rules.cycle_rule(category, over)
            planned.type = cycle_rule.years[year - 1]
            planned.reasons.append(f"{why}: year {year} is {article(planned.type)} (rule {cycle_rule.id})")
            # Timing rules without a month count say which snapshot decides the type.
            planned.rules += [*threshold_ids, cycle_rule.id, *(t.id for t in rules.timing if t.months is None)]
            if due_by:
                planned.reasons.append(
                    f"due by {due_by.isoformat()}: within {months} months of the previous assessment's fieldwork "
                    f"(rule {timing.id}); estimated from the cycle start until that fieldwork's end is recorded")
                planned.rules.append(timing.id)
            if portfolio is None and threshold_ids == [] and rules.thresholds_for(category):
                plan.warnings.append(f"year {year}: no portfolio snapshot on or before {decided_on.isoformat()}; "
                                     "add one with the counts reported to SECAS")
        planned.rules = list(dict.fromkeys(planned.rules))
        for rule_id in planned.rules:
            if not rules.rule(rule_id).verified:
                unverified[rule_id] = None
        plan.years.append(planned)
    if cycle_start:
        due = add_months(cycle_start, months * CYCLE_YEARS)
        plan.next_cycle = PlannedYear(
            year=1, type="FUSA", due_by=due,
            reasons=[f"the next cycle starts with a FUSA, due by {due.isoformat()}: within {months} months of "
                     f"year {CYCLE_YEARS} (rule {timing.id}); estimated until year {CYCLE_YEARS}'s fieldwork "
                     "end is recorded"],
            rules=[timing.id])
    if cycle_start and add_months(cycle_start, months * (CYCLE_YEARS - 1)) < today:
        plan.warnings.append(
            f"year {CYCLE_YEARS} was due by {plan.years[-1].due_by.isoformat()}: once the next cycle's FUSA "
            "fieldwork has ended, set the new cycle start")
    if unverified:
        plan.warnings.append(
            f"rules {', '.join(unverified)} are unverified reconstructions: check them against the Security "
            "Controls Framework in force before relying on this plan")
    return plan


def changed_years(before: Plan, after: Plan) -> list[dict]:
    """Years still to come whose assessment type differs between two plans."""
    changes = []
    old = before.types()
    for year in after.years:
        if year.year in old and old[year.year] != year.type and (year.due_by is None or year.due_by >= after.today):
            changes.append({"year": year.year, "from": old[year.year], "to": year.type,
                            "due_by": year.due_by.isoformat() if year.due_by else None})
    return changes
