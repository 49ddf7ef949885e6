"""The notice types a DCC User owes (SEC G3.5, G3.9, G3.16, G3.17 to G3.20, G5.27): parsed from a
rules file (``secassure/data/rules/notices.yaml``, format in docs/rules-format.md) into typed,
checked objects. They are stored and versioned as every rules file is, so a newer file replaces
them without a code change; the notices register reads the version in force."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from secassure.catalogue.choices import Confidence
from secassure.datafiles import DataFileError
from secassure.profile.rules import Rule, RuleSetData, _items, _rule_fields, _ruleset, _text

FORMAT = "secassure.notices/1"
RULESET = "notices"
RECIPIENTS = ("ssc", "smki-pma", "secas", "manufacturer")
# How a notice's deadline is reckoned: on the day it was known (the clause asks for no delay),
# before the User System's first use, or a number of months after the last one sent.
DEADLINES = ("without-delay", "before-first-use", "every-months")


@dataclass(frozen=True)
class Deadline:
    """When a notice is due, with how sure we are of it and where that comes from."""

    rule: str
    months: int | None
    confidence: str
    source_url: str
    explanation: str


@dataclass(frozen=True)
class NoticeType(Rule):
    """One kind of notice: the clause, who may receive it, whether it may go to more than one of
    them at once, and when it is due."""

    clause: str = ""
    name: str = ""
    recipients: tuple[str, ...] = ()
    several: bool = False
    needs_system: bool = False
    needs_count: bool = False
    decisions: tuple[str, ...] = ()
    deadline: Deadline | None = None


@dataclass
class NoticeRules(RuleSetData):
    """One version of the notice types."""

    notices: list[NoticeType] = field(default_factory=list)

    def notice(self, type_id: str) -> NoticeType | None:
        return next((n for n in self.notices if n.id == type_id), None)


def parse_notice_rules(name: str, doc: Any) -> NoticeRules:
    allowed = {"format", "ruleset", "version", "status", "effective_date", "source", "source_url", "notices"}
    unknown = sorted(set(doc) - allowed)
    if unknown:
        raise DataFileError(name, unknown[0], "unknown key")
    base = _ruleset(name, doc)
    if base.name != RULESET:
        raise DataFileError(name, "ruleset", f"a file in the {FORMAT} format holds the {RULESET!r} rules")
    data = NoticeRules(**{f: getattr(base, f) for f in ("file", "name", "version", "status", "effective_date",
                                                        "source", "source_url", "document")})
    ids: set[str] = set()
    for i, node in enumerate(_items(name, doc, "notices")):
        data.notices.append(_notice(name, node, f"notices[{i}]", ids))
    return data


def _notice(name: str, node: Any, place: str, ids: set[str]) -> NoticeType:
    extra = {"clause", "name", "recipients", "several", "needs_system", "needs_count", "decisions", "deadline"}
    base = _rule_fields(name, node, place, ids, extra)
    if len(base["id"]) > 40:
        raise DataFileError(name, f"{place}.id", "longer than 40 characters")
    recipients = node.get("recipients")
    if not isinstance(recipients, list) or not recipients or any(r not in RECIPIENTS for r in recipients):
        raise DataFileError(name, f"{place}.recipients", f"expected a list of {', '.join(RECIPIENTS)}")
    flags = {}
    for key in ("several", "needs_system", "needs_count"):
        value = node.get(key, False)
        if not isinstance(value, bool):
            raise DataFileError(name, f"{place}.{key}", "expected true or false")
        flags[key] = value
    decisions = node.get("decisions", [])
    if not isinstance(decisions, list) or not all(isinstance(d, str) and d for d in decisions):
        raise DataFileError(name, f"{place}.decisions", "expected a list of the decisions the recipient may give")
    return NoticeType(**base, clause=_text(name, node, "clause", place), name=_text(name, node, "name", place),
                      recipients=tuple(recipients), decisions=tuple(decisions),
                      deadline=_deadline(name, node.get("deadline"), f"{place}.deadline"), **flags)


def _deadline(name: str, node: Any, place: str) -> Deadline:
    if not isinstance(node, dict):
        raise DataFileError(name, place, "expected a mapping")
    unknown = sorted(set(node) - {"rule", "months", "confidence", "source_url", "explanation"})
    if unknown:
        raise DataFileError(name, f"{place}.{unknown[0]}", "unknown key")
    rule = node.get("rule")
    if rule not in DEADLINES:
        raise DataFileError(name, f"{place}.rule", f"expected one of {', '.join(DEADLINES)}")
    months = node.get("months")
    if rule == "every-months" and (isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 60):
        raise DataFileError(name, f"{place}.months", "expected a whole number of months from 1 to 60")
    if rule != "every-months" and months is not None:
        raise DataFileError(name, f"{place}.months", "only an every-months deadline has months")
    if node.get("confidence") not in Confidence.values:
        raise DataFileError(name, f"{place}.confidence", "expected S, I or R")
    source_url = _text(name, node, "source_url", place)
    if not source_url.startswith("https://"):
        raise DataFileError(name, f"{place}.source_url", "must be an https:// address")
    return Deadline(rule=rule, months=months, confidence=node["confidence"], source_url=source_url,
                    explanation=_text(name, node, "explanation", place))
