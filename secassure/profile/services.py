"""Loading rule files and planning an organisation's cycle from what the database holds."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from secassure.audit.actions import record
from secassure.audit.events import AuditEvent
from secassure.datafiles import DataFileError, parse_yaml, paused_gc, read_text
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


def load_rules(data: RuleSetData) -> tuple[str, RuleSet]:
    """Store a rules version. The same content again does nothing; different content under a
    published version is refused: publish it under a new version."""
    digest = data.content_hash()
    existing = RuleSet.objects.filter(name=data.name, version=data.version).first()
    if existing is not None:
        if existing.content_hash == digest:
            return "unchanged", existing
        if existing.status == "published":
            raise DataFileError(data.file, "version", f"{data.label} is already published with different content; "
                                                      "give this content a new version string")
    with transaction.atomic():
        fields = {"status": data.status, "effective_date": data.effective_date, "source": data.source,
                  "source_url": data.source_url, "document": data.document, "content_hash": digest,
                  "loaded_at": dt.datetime.now(dt.UTC)}
        if existing is not None:
            RuleSet.objects.filter(pk=existing.pk).update(**fields)
            ruleset, outcome = RuleSet.objects.get(pk=existing.pk), "replaced-draft"
        else:
            ruleset, outcome = RuleSet.objects.create(name=data.name, version=data.version, **fields), "created"
        record(AuditEvent.PROFILE_RULES_LOADED if outcome == "created" else AuditEvent.PROFILE_RULES_REPLACED, ruleset,
               after={"rules": data.label, "status": data.status, "effective_date": data.effective_date.isoformat(),
                      "content_hash": digest, "file": Path(data.file).name})
    return outcome, ruleset


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
