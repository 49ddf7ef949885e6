"""Recording notices: adding one, and changing it as it is sent, answered and decided. Each change
is checked against the notice type's rules, refused when made on a stale page, and written with its
audit event in one transaction. The SSC's decision on a G3.9 notice is also the User System's, so
it goes through the profile's own action and the two never disagree."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from secassure import guards
from secassure.audit.actions import record
from secassure.audit.events import AuditEvent
from secassure.errors import ActionError
from secassure.evidence.models import Document
from secassure.notices.models import Notice
from secassure.notices.services import notice_rules
from secassure.profile import actions as profile_actions
from secassure.profile.choices import SystemKind
from secassure.profile.models import UserSystem
from secassure.profile.notice_rules import NoticeType
from secassure.tenancy import access
from secassure.tenancy.models import Organisation

MAX_COUNT = 40_000_000  # about the number of premises in Great Britain, with room: more is a typing error
FIELDS = ("kind", "what", "known_on", "sent_on", "sent_to", "sent_how", "reply", "reply_on", "decision",
          "decided_on", "system", "count", "documents")


class StaleNotice(ActionError):
    """Someone saved the notice after this page was loaded; ``current`` is the notice as it now is."""

    def __init__(self, message: str, current: Notice):
        super().__init__(message)
        self.current = current


def _day(value, what: str, *, required: bool = False) -> dt.date | None:
    if value is None:
        if required:
            raise ActionError(f"give {what}")
        return None
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ActionError(f"give {what} as a date")
    return guards.past_date(value, what)


def _type(org: Organisation, kind) -> NoticeType:
    rules = notice_rules(timezone.localdate())
    if rules is None:
        raise ActionError("no notice rules are loaded: run `secassure rules load --shipped`")
    ntype = rules.notice(kind) if isinstance(kind, str) else None
    if ntype is None:
        raise ActionError(f"{kind!r} is not a type of notice; use one of {', '.join(n.id for n in rules.notices)}")
    return ntype


def _system(org: Organisation, value) -> UserSystem | None:
    if value in (None, ""):
        return None
    pk = getattr(value, "pk", value)
    found = UserSystem.objects.filter(organisation=org, pk=pk if isinstance(pk, int) else -1).first()
    if found is None:  # another organisation's system reads as a missing one
        raise ActionError(f"{org.name} has no User System {pk}")
    return found


def _documents(org: Organisation, values) -> list[Document]:
    pks = [getattr(v, "pk", v) for v in (values or [])]
    if any(isinstance(pk, bool) or not isinstance(pk, int) for pk in pks):
        raise ActionError("give the documents by their ids in the register")
    found = list(Document.objects.filter(organisation=org, pk__in=pks))
    if len(found) != len(set(pks)):
        raise ActionError(f"a document chosen is not in {org.name}'s register")
    return found


def _check(org: Organisation, fields: dict) -> tuple[dict, NoticeType, list[Document]]:
    """The notice's fields, tidied and checked against its type; ActionError names the fault."""
    ntype = _type(org, fields.get("kind"))
    clean = {"kind": ntype.id,
             "what": guards.text(fields.get("what"), "what happened"),
             "known_on": _day(fields.get("known_on"), "the date it was known", required=True),
             "sent_on": _day(fields.get("sent_on"), "the date it was sent"),
             "sent_how": guards.line(fields.get("sent_how"), "how it was sent", 300),
             "reply": guards.text(fields.get("reply"), "the reply"),
             "reply_on": _day(fields.get("reply_on"), "the date of the reply"),
             "decision": guards.line(fields.get("decision"), "the decision", 300),
             "decided_on": _day(fields.get("decided_on"), "the date of the decision"),
             "system": _system(org, fields.get("system")),
             "count": fields.get("count")}
    sent_to = list(dict.fromkeys(fields.get("sent_to") or []))
    allowed = ", ".join(ntype.recipients)
    for who in sent_to:
        if who not in ntype.recipients:
            raise ActionError(f"a {ntype.clause} notice goes to {allowed}, not {who!r}")
    if len(sent_to) > 1 and not ntype.several:
        raise ActionError(f"a {ntype.clause} notice goes to one recipient ({allowed})")
    clean["sent_to"] = sent_to
    sent = clean["sent_on"]
    if bool(sent) != bool(sent_to):
        raise ActionError("give both the date it was sent and who it was sent to" if sent
                          else "give the date it was sent to them")
    if sent and sent < clean["known_on"]:
        raise ActionError("it was sent before it was known; check the dates")
    for key, what in (("reply_on", "reply"), ("decided_on", "decision")):
        if clean[key] and not sent:
            raise ActionError(f"record when it was sent before the {what}")
        if clean[key] and clean[key] < sent:
            raise ActionError(f"the {what} is dated before the notice was sent; check the dates")
    if bool(clean["decision"]) != bool(clean["decided_on"]):
        raise ActionError("give both the decision and the date it was made")
    if ntype.decisions and clean["decision"] and clean["decision"] not in ntype.decisions:
        raise ActionError(f"the decision on a {ntype.clause} notice is one of {', '.join(ntype.decisions)}")
    _check_system(ntype, clean["system"])
    _check_count(ntype, clean["count"])
    return clean, ntype, _documents(org, fields.get("documents"))


def _check_system(ntype: NoticeType, system: UserSystem | None) -> None:
    if ntype.needs_system and system is None:
        raise ActionError(f"a {ntype.clause} notice is about a User System: choose which")
    if ntype.needs_system and system.kind != SystemKind.FURTHER:
        raise ActionError(f"{system.name} is the primary User System; {ntype.clause} concerns a further one")
    if not ntype.needs_system and system is not None:
        raise ActionError(f"a {ntype.clause} notice is not about a User System")


def _check_count(ntype: NoticeType, count) -> None:
    if not ntype.needs_count:
        if count is not None:
            raise ActionError(f"a {ntype.clause} notice carries no count")
        return
    if count is None:
        raise ActionError(f"give the number of Smart Metering Systems the {ntype.clause} notice reports")
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ActionError("the count must be a whole number, not negative")
    if count > MAX_COUNT:
        raise ActionError(f"a count of {count:,} is more than there are premises in Great Britain; check it")


def _sync_decision(notice: Notice, ntype: NoticeType, before: dict, *, by) -> None:
    """A G3.9 decision is the User System's too: record it there through the profile's action."""
    if not (ntype.needs_system and notice.decision and notice.decided_on):
        return
    if (notice.decision, notice.decided_on.isoformat()) == (before.get("decision"), before.get("decided_on")):
        return
    if not access.role_allows(access.role_of(by, notice.organisation), access.EDIT) and by is not None:
        raise ActionError("the SSC's decision on a User System changes the system's record too, which an Owner "
                          "records")
    profile_actions.record_system_decision(notice.system, by=by, decision=notice.decision,
                                           decided_on=notice.decided_on)


def add_notice(org: Organisation, *, by, **fields) -> Notice:
    """Record a notice owed or sent."""
    access.require(by, org, access.RECORD_NOTICES)
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ActionError(f"a notice has no {', '.join(sorted(unknown))}")
    clean, ntype, documents = _check(org, fields)
    with transaction.atomic():
        notice = Notice.objects.create(organisation=org, recorded_by=by, recorded_at=timezone.now(), **clean)
        notice.documents.set(documents)
        _sync_decision(notice, ntype, {}, by=by)
        record(AuditEvent.NOTICES_NOTICE_ADDED, notice, organisation=org, after=notice.as_dict())
    return notice


def update_notice(notice: Notice, changes: dict, *, by, revision: int) -> Notice:
    """Change a notice: what happened, when and to whom it was sent, the reply and the decision,
    the documents attached. ``revision`` is the one the page showed: a newer one means someone saved
    in between, and the save is refused. Saving it unchanged writes nothing."""
    org = notice.organisation
    access.require(by, org, access.RECORD_NOTICES)
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ActionError(f"a notice has no {', '.join(sorted(unknown))}")
    with transaction.atomic():
        locked = Notice.objects.select_for_update().get(pk=notice.pk)
        if locked.revision != revision:
            raise StaleNotice("someone else saved this notice after you opened it; your change is not saved. "
                              "The page now shows their version: make your change again.", locked)
        before = locked.as_dict()
        fields = {**{f: getattr(locked, f) for f in FIELDS if f not in ("documents",)},
                  "documents": [d.pk for d in locked.documents.all()], **changes}
        clean, ntype, documents = _check(org, fields)
        for key, value in clean.items():
            setattr(locked, key, value)
        after = {**locked.as_dict(), "documents": sorted(d.pk for d in documents)}
        if after == before:
            return locked
        locked.revision += 1
        locked.save()
        locked.documents.set(documents)
        _sync_decision(locked, ntype, before, by=by)
        changed = sorted(k for k in after if after[k] != before[k])
        answered = {"reply", "reply_on", "decision", "decided_on"} & set(changed)
        event = (AuditEvent.NOTICES_NOTICE_SENT if before["sent_on"] is None and after["sent_on"]
                 else AuditEvent.NOTICES_NOTICE_ANSWERED if answered else AuditEvent.NOTICES_NOTICE_CHANGED)
        record(event, locked, organisation=org, before={k: before[k] for k in changed},
               after={k: after[k] for k in changed})
    return locked
