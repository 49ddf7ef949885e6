"""Reading rule files and planning an organisation's cycle from what the database holds."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

from django.db.models import Case, F, Value, When
from django.utils import timezone

from secassure.datafiles import parse_yaml, paused_gc, read_text
from secassure.profile.models import PortfolioSnapshot, RuleSet, SecasAdvice
from secassure.profile.planner import Advice, Plan, Portfolio, plan_cycle
from secassure.profile.privacy_planner import plan_privacy
from secassure.profile.recorded import RecordedAssessment, recorded_of
from secassure.profile.rules import RuleSetData, parse_rules

CYCLE_RULES = "assessment-cycle"
# The SEC Section I privacy assessments' cycle, for Other Users (secassure/data/rules/privacy-cycle.yaml).
PRIVACY_RULES = "privacy-cycle"
SHIPPED_RULES = Path(__file__).resolve().parent.parent / "data" / "rules"


def shipped_rule_files() -> list[Path]:
    return sorted(SHIPPED_RULES.glob("*.yaml"))


def read_rules(path: str | Path, max_bytes: int) -> RuleSetData:
    name = str(path)
    with paused_gc():
        return parse_rules(name, parse_yaml(name, read_text(path, max_bytes)))


_PARSED: dict[tuple[str, str], RuleSetData] = {}


def _parsed(ruleset: RuleSet) -> RuleSetData:
    """A rule set parsed, once a process for each content it has held: the hash of its content,
    which the loading action writes with the document, says whether it is the one parsed before.
    The document is read here only when the query left it out (see rules_in_force) and it is
    needed after all."""
    key = (ruleset.content_hash, str(ruleset))
    found = _PARSED.get(key)
    if found is None:
        document = getattr(ruleset, "unparsed", None)
        if document is None:
            document = ruleset.document  # left out by the query: read now
        if len(_PARSED) >= 16:
            _PARSED.clear()
        found = _PARSED[key] = parse_rules(str(ruleset), document)
    return found


def rules_in_force(day: dt.date, name: str = CYCLE_RULES) -> RuleSetData | None:
    """The published rules that took effect last on or before day (parsed once a process: a page
    asks for them on every request). The query brings the rules' document only when this process
    has parsed no content of its hash under this name: reading and decoding a document of several
    kilobytes on every request, to find it parsed already, cost more than the rest of the query."""
    query = (RuleSet.objects.filter(name=name, status="published", effective_date__lte=day)
             .order_by("-effective_date", "-loaded_at"))
    # This name's contents parsed so far (most often one; list() copies the keys at once, while
    # another thread may be adding one).
    known = sorted({content_hash for content_hash, label in list(_PARSED) if label.startswith(f"{name}@")})
    if known:
        query = query.defer("document", "source").annotate(unparsed=Case(
            When(content_hash__in=known, then=Value(None)), default=F("document"),
            output_field=RuleSet._meta.get_field("document")))
    ruleset = query.first()
    if ruleset is None:
        return None
    return _parsed(ruleset)


def snapshots_of(organisation) -> list[Portfolio]:
    return [Portfolio(s.as_of, s.domestic, s.non_domestic)
            for s in PortfolioSnapshot.objects.filter(organisation=organisation).order_by("as_of")]


def as_advice(record: SecasAdvice) -> Advice:
    return Advice(year=record.year, type=record.kind.upper(), advised_on=record.advised_on,
                  reference=record.reference, cycle_start=record.cycle_start)


def advice_for(organisation_ids) -> dict[int, list[Advice]]:
    """Each organisation's SECAS advice, in one query however many organisations."""
    found: dict[int, list[Advice]] = defaultdict(list)
    for record in SecasAdvice.objects.filter(organisation_id__in=list(organisation_ids)).order_by("year"):
        found[record.organisation_id].append(as_advice(record))
    return found


_UNSET = object()


def plan_for(organisation, today: dt.date | None = None, snapshots: list[Portfolio] | None = None,
             rules=_UNSET, recorded: list[RecordedAssessment] | None = None,
             advice: list[Advice] | None = None) -> Plan:
    """The organisation's plan. Pass snapshots, rules, the recorded assessments
    (``recorded.recorded_for``) and the advice (``advice_for``) to plan many organisations at a
    fixed cost; each left out is read for this organisation."""
    today = today or timezone.localdate()
    # The privacy cycle is planned for one organisation at a time (its page, `secassure plan`); a
    # caller planning many passes the rules and gets the security cycle alone.
    with_privacy = rules is _UNSET
    if rules is _UNSET:
        rules = rules_in_force(today)
    if rules is None:
        plan = Plan(organisation.slug, organisation.category, organisation.cycle_start, "", today)
        plan.warnings.append("no assessment-cycle rules are loaded: run `secassure rules load --shipped`")
        return plan
    if recorded is None and with_privacy:
        recorded = recorded_of(organisation)
    plan = plan_cycle(organisation=organisation.slug, category=organisation.category,
                      cycle_start=organisation.cycle_start,
                      snapshots=snapshots if snapshots is not None else snapshots_of(organisation),
                      today=today, rules=rules,
                      assessments=recorded if recorded is not None else recorded_of(organisation),
                      advice=advice if advice is not None else advice_for([organisation.pk])[organisation.pk])
    if with_privacy:
        plan.privacy = plan_privacy(organisation.category, rules_in_force(today, PRIVACY_RULES), recorded, today)
    return plan
