"""The privacy assessment cycle of SEC Section I, planned beside the security cycle.

Only Other Users take privacy assessments; the rule set (``privacy-cycle``, docs/rules-format.md)
names the categories its cycle covers, so an organisation of another category has no privacy plan.
Public pages state only that the cycle begins with a Full Privacy Assessment, conducted by the
Independent Privacy Auditor as part of the User Entry Process: the years after it, their interval
and when a Random Sample Privacy Assessment comes are set by the Privacy Controls Framework, whose
content no public page gives. The plan shows them as the rules reconstruct them and says, in its
warnings, which rules are recalled (R) rather than stated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from secassure.dates import add_months
from secassure.profile.recorded import RecordedAssessment
from secassure.profile.rules import RuleSetData, TimingRule

CONFIDENCE_WORDS = {"S": "stated by a public source", "I": "inferred from public sources",
                    "R": "recalled, not stated by any public source consulted"}


@dataclass
class PrivacyYear:
    """One year of the privacy cycle: its assessment type, due date and why."""

    year: int
    type: str
    confidence: str
    due_by: dt.date | None = None
    due_basis: str = "unknown"  # recorded-fieldwork, estimate or unknown
    reasons: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"year": self.year, "type": self.type, "confidence": self.confidence,
                "due_by": self.due_by.isoformat() if self.due_by else None, "due_basis": self.due_basis,
                "reasons": self.reasons, "rules": self.rules}


@dataclass
class PrivacyPlan:
    ruleset: str
    cycle_start: dt.date | None
    years: list[PrivacyYear] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"ruleset": self.ruleset, "cycle_start": self.cycle_start.isoformat() if self.cycle_start else None,
                "cycle": [y.as_dict() for y in self.years], "warnings": self.warnings}


def _timing(rules: RuleSetData, rule_id: str) -> TimingRule | None:
    return next((t for t in rules.timing if t.id == rule_id), None)


def _last_cio_fieldwork(recorded: list[RecordedAssessment], cio_kinds: set[str]) -> RecordedAssessment | None:
    ended = [a for a in recorded if a.kind in cio_kinds and a.fieldwork_end]
    return max(ended, key=lambda a: (a.fieldwork_end, a.pk)) if ended else None


def plan_privacy(category: str, rules: RuleSetData | None, recorded: list[RecordedAssessment],
                 today: dt.date) -> PrivacyPlan | None:
    """The privacy cycle for an organisation of that category, or None where no privacy cycle
    applies to it (or no privacy-cycle rules are loaded)."""
    if rules is None:
        return None
    cycle = rules.cycle_rule(category, False)
    if cycle is None:
        return None
    cio_kinds = {c.kind for c in rules.conductors if c.by == "cio"}
    fpas = [a for a in recorded if a.kind == "fpa" and a.fieldwork_end]
    start = max(a.fieldwork_end for a in fpas) if fpas else None
    plan = PrivacyPlan(rules.label, start)
    months, interval = rules.timing_months()
    first = _timing(rules, "PT-FPA-FIRST")
    used = {cycle}
    for year, kind in enumerate(cycle.years, start=1):
        planned = PrivacyYear(year, kind, cycle.confidence, rules=[cycle.id])
        if year == 1:
            if first is not None:
                planned.confidence = first.confidence
                planned.rules.append(first.id)
                used.add(first)
            planned.reasons.append("the privacy cycle begins with a Full Privacy Assessment, conducted by the "
                                   "Independent Privacy Auditor as part of the User Entry Process")
            if start is not None:
                planned.due_by, planned.due_basis = start, "recorded-fieldwork"
                planned.reasons.append(f"its fieldwork is recorded as ending on {start.isoformat()}")
            else:
                planned.reasons.append("no Full Privacy Assessment with a fieldwork end is recorded: it is due "
                                       "before User Entry completes")
        else:
            planned.rules.append(interval.id)
            used.add(interval)
            last = _last_cio_fieldwork(recorded, cio_kinds)
            if last is not None:
                planned.due_by = add_months(last.fieldwork_end, months * (year - 1))
                planned.due_basis = "estimate"
                planned.reasons.append(f"estimated {months * (year - 1)} months after the fieldwork of assessment "
                                       f"{last.pk} ({last.kind.upper()}) ended ({interval.id}, "
                                       f"{CONFIDENCE_WORDS[interval.confidence]})")
            else:
                planned.reasons.append("no date until the Full Privacy Assessment's fieldwork end is recorded")
            planned.reasons.append(f"the type of year {year} is {CONFIDENCE_WORDS[cycle.confidence]} ({cycle.id})")
        plan.years.append(planned)
    sample = _timing(rules, "PT-RSPA-SELECTION")
    if sample is not None:
        used.add(sample)
    for rule in sorted(used, key=lambda r: r.id):
        if rule.confidence == "R" or not rule.verified:
            plan.warnings.append(f"{rule.id} is {CONFIDENCE_WORDS[rule.confidence]}: {rule.explanation}")
    return plan
