"""Reading rule files and planning an organisation's cycle from what the database holds."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

from django.utils import timezone

from secassure.datafiles import parse_yaml, paused_gc, read_text
from secassure.profile.models import PortfolioSnapshot, RuleSet
from secassure.profile.planner import Plan, Portfolio, plan_cycle
from secassure.profile.rules import RuleSetData, parse_rules

CYCLE_RULES = "assessment-cycle"
SHIPPED_RULES = Path(__file__).resolve().parent.parent / "data" / "rules"


def shipped_rule_files() -> list[Path]:
    return sorted(SHIPPED_RULES.glob("*.yaml"))


def read_rules(path: str | Path, max_bytes: int) -> RuleSetData:
    name = str(path)
    with paused_gc():
        return parse_rules(name, parse_yaml(name, read_text(path, max_bytes)))


@lru_cache(maxsize=16)
def _parsed(content_hash: str, label: str, document_json: str) -> RuleSetData:
    import json

    return parse_rules(label, json.loads(document_json))


def rules_in_force(day: dt.date, name: str = CYCLE_RULES) -> RuleSetData | None:
    """The published rules that took effect last on or before day."""
    import json

    ruleset = (RuleSet.objects.filter(name=name, status="published", effective_date__lte=day)
               .order_by("-effective_date", "-loaded_at").first())
    if ruleset is None:
        return None
    return _parsed(ruleset.content_hash, str(ruleset), json.dumps(ruleset.document, sort_keys=True))


def snapshots_of(organisation) -> list[Portfolio]:
    return [Portfolio(s.as_of, s.domestic, s.non_domestic)
            for s in PortfolioSnapshot.objects.filter(organisation=organisation).order_by("as_of")]


_UNSET = object()


def plan_for(organisation, today: dt.date | None = None, snapshots: list[Portfolio] | None = None,
             rules=_UNSET) -> Plan:
    """The organisation's plan; pass snapshots and rules to plan many organisations at a fixed cost."""
    today = today or timezone.localdate()
    if rules is _UNSET:
        rules = rules_in_force(today)
    if rules is None:
        plan = Plan(organisation.slug, organisation.category, organisation.cycle_start, "", today)
        plan.warnings.append("no assessment-cycle rules are loaded: run `secassure rules load --shipped`")
        return plan
    return plan_cycle(organisation=organisation.slug, category=organisation.category,
                      cycle_start=organisation.cycle_start,
                      snapshots=snapshots if snapshots is not None else snapshots_of(organisation),
                      today=today, rules=rules)
