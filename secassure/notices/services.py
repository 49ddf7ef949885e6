"""Reading the register: the notice types in force, each notice's deadline and state, the further
User Systems in use that were never notified, and what is overdue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, Max, OuterRef
from django.urls import reverse

from secassure.dates import add_months
from secassure.notices.choices import NoticeState
from secassure.notices.models import Notice
from secassure.profile.choices import SystemKind
from secassure.profile.models import UserSystem
from secassure.profile.notice_rules import RULESET, NoticeRules, NoticeType
from secassure.profile.services import rules_in_force

# Used only while no notice rules are loaded, as the reminders did before the register existed:
# G5.27 (the SECAS "Spotlight on Security" news item) gives six months.
FALLBACK_COUNT_MONTHS = 6
R_NO_DEADLINE = ("No public source states a deadline for this notice: secassure counts it due on the day it was "
                 "known (R, a reconstruction to check against the SEC text in force).")


def notice_rules(day: dt.date) -> NoticeRules | None:
    """The notice types in force on that day; None when none are loaded."""
    rules = rules_in_force(day, RULESET)
    return rules if isinstance(rules, NoticeRules) else None


def _ids(rules: NoticeRules | None, test) -> list[str]:
    return [n.id for n in rules.notices if test(n)] if rules is not None else []


def count_types(rules) -> list[str]:
    """The types that are a periodic count (G5.27), by their deadline rule."""
    return _ids(rules, lambda n: n.deadline.rule == "every-months")


def system_types(rules) -> list[str]:
    """The types that notify a User System before use (G3.9), by their deadline rule."""
    return _ids(rules, lambda n: n.deadline.rule == "before-first-use")


def last_count_sent(org, rules) -> dt.date | None:
    kinds = count_types(rules)
    if not kinds:
        return None
    return Notice.objects.filter(organisation=org, kind__in=kinds, sent_on__isnull=False).aggregate(
        last=Max("sent_on"))["last"]


def count_due(org, today: dt.date, rules=None) -> dt.date | None:
    """G5.27: a Live DCC User that uses a Shared Resource Provider reports its count of Smart Metering
    Systems to SECAS every six months. The next is due that long after the last count sent, as
    recorded in this register; where none is recorded, after the last portfolio snapshot, or today
    if there is none. None when the organisation is not a Live DCC User or uses no Shared Resource
    Provider now."""
    if not org.is_live_dcc_user(today) or not org.providers.srp().active_on(today).exists():
        return None
    rules = rules if rules is not None else notice_rules(today)
    kinds = count_types(rules)
    months = rules.notice(kinds[0]).deadline.months if kinds else FALLBACK_COUNT_MONTHS
    last = last_count_sent(org, rules)
    if last is None:
        last = org.portfolio_snapshots.order_by("-as_of").values_list("as_of", flat=True).first()
    return add_months(last, months) if last else today


def deadline_of(notice: Notice, ntype: NoticeType | None, count_next: dt.date | None) -> dt.date | None:
    """When the notice was or is due: the day it was known for one the clause wants without delay
    (R: no public source gives a number of days), the User System's first use for G3.9, and for a
    count still to send the date the last one makes it due."""
    if ntype is None:
        return None
    rule = ntype.deadline.rule
    if rule == "without-delay":
        return notice.known_on
    if rule == "before-first-use":
        return notice.system.in_use_from if notice.system_id else None
    return count_next if notice.sent_on is None else None


@dataclass
class Row:
    """A notice as the register lists it."""

    notice: Notice
    type: NoticeType | None
    deadline: dt.date | None
    state: str
    late: bool  # sent after its deadline

    @property
    def state_label(self) -> str:
        return NoticeState(self.state).label

    @property
    def deadline_unsourced(self) -> bool:
        return self.type is not None and self.type.deadline.confidence == "R"

    def as_dict(self) -> dict:
        t = self.type
        return {"id": self.notice.pk, **self.notice.as_dict(), "clause": t.clause if t else "",
                "name": t.name if t else "", "deadline": self.deadline.isoformat() if self.deadline else None,
                "deadline_rule": t.deadline.rule if t else None,
                "deadline_confidence": t.deadline.confidence if t else None,
                "deadline_note": t.deadline.explanation if t else "", "state": self.state, "late": self.late,
                "revision": self.notice.revision}


def rows_for(org, today: dt.date, rules=None, notices=None) -> list[Row]:
    """Every notice of the organisation with its deadline and state, in a fixed number of queries."""
    rules = rules if rules is not None else notice_rules(today)
    if notices is None:
        notices = Notice.objects.filter(organisation=org)
    notices = notices.select_related("system", "recorded_by").prefetch_related("documents")
    count_next = count_due(org, today, rules)
    rows = []
    for notice in notices.order_by("-known_on", "-pk"):
        ntype = rules.notice(notice.kind) if rules is not None else None
        deadline = deadline_of(notice, ntype, count_next)
        rows.append(Row(notice, ntype, deadline, notice.state(deadline, today),
                        bool(notice.sent_on and deadline and notice.sent_on > deadline)))
    return rows


def unnotified_systems(org, today: dt.date, rules=None) -> list[UserSystem]:
    """Further User Systems in use (first used on or before today) with no G3.9 notice sent on or
    before their first use."""
    rules = rules if rules is not None else notice_rules(today)
    sent_in_time = Notice.objects.filter(system=OuterRef("pk"), kind__in=system_types(rules),
                                         sent_on__isnull=False, sent_on__lte=OuterRef("in_use_from"))
    return list(UserSystem.objects.filter(organisation=org, kind=SystemKind.FURTHER, in_use_from__lte=today)
                .exclude(Exists(sent_in_time)).order_by("in_use_from", "pk"))


@dataclass(frozen=True)
class Overdue:
    """Something owed whose deadline passed with nothing sent. ``key`` names it for good: the inbox
    tells people of each once."""

    key: str
    title: str
    clause: str
    deadline: dt.date
    path: str
    count: bool = False  # the periodic G5.27 count, which the reminders also list as due before it is late


def overdue_for(org, today: dt.date, rules=None) -> list[Overdue]:
    """What the organisation owes and is late with: notices recorded but not sent by their deadline,
    further User Systems in use without a notice sent before their first use, and the G5.27 count."""
    rules = rules if rules is not None else notice_rules(today)
    if rules is None:
        return []
    page = reverse("notices", args=[org.slug])
    found = []
    for row in rows_for(org, today, rules, Notice.objects.filter(organisation=org, sent_on__isnull=True)):
        if row.state == NoticeState.OVERDUE and not (row.type and row.type.deadline.rule == "every-months"):
            found.append(Overdue(f"notice-{row.notice.pk}", f"{row.type.name}: not sent",
                                 row.type.clause, row.deadline, reverse("notice", args=[org.slug, row.notice.pk])))
    g39 = [rules.notice(k) for k in system_types(rules)]
    for system in unnotified_systems(org, today, rules):
        if g39:
            found.append(Overdue(f"system-{system.pk}", f"{system.name} in use with no notice to the SSC sent "
                                 "before its first use", g39[0].clause, system.in_use_from, page))
    kinds = count_types(rules)
    due = count_due(org, today, rules)
    if kinds and due is not None and due < today:
        ntype = rules.notice(kinds[0])
        found.append(Overdue(f"count-{org.pk}-{due.isoformat()}", f"{ntype.name}: not sent", ntype.clause, due,
                             page, count=True))
    return sorted(found, key=lambda o: (o.deadline, o.key))
