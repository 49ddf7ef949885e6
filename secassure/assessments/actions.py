"""Everything that changes an assessment: creating it (with carry-forward from its baseline), saving
rows and answers (refusing stale saves), checking them (maker-checker), linking evidence, moving
through the lifecycle, the change log, the risk register and the materiality decision.

Each action checks first, then changes in one transaction with its audit event. A person acting
through the web passes ``by``; their role in the organisation is checked here as well as by the
view, so that no path around the view can skip it."""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar
from dataclasses import dataclass
from typing import NamedTuple

from django.db import IntegrityError, connections, router, transaction
from django.db.models import F, Max, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from secassure import guards
from secassure.assessments import inserting
from secassure.assessments.choices import (
    MATERIALITY_TYPES,
    PRIVACY_TYPES,
    TRANSITIONS,
    Answer,
    AssessmentStatus,
    AssessmentType,
    ChangeArea,
    Compliance,
    Decision,
    RiskStatus,
    Treatment,
    answers_for,
)
from secassure.assessments.declaration import DECLARATION
from secassure.assessments.models import (
    Assessment,
    ChangeRecord,
    EvidenceLink,
    QuestionAnswer,
    Risk,
    RiskRevision,
    RiskSnapshot,
    StatusChange,
    ValidationRow,
    answered,
)
from secassure.assessments.services import led_by_cio
from secassure.audit.actions import Pending, record, record_many
from secassure.audit.events import AuditEvent
from secassure.catalogue.choices import PartyCategory
from secassure.catalogue.models import FrameworkVersion, Group, Obligation, Question
from secassure.catalogue.queries import conditions, scope_for
from secassure.errors import ActionError
from secassure.evidence.models import Document, DocumentVersion
from secassure.inbox.actions import members_who_may, notify
from secassure.inbox.choices import Kind
from secassure.people import display_name
from secassure.profile.models import ThirdPartyProvider
from secassure.profile.services import PRIVACY_RULES, rules_in_force
from secassure.tenancy import access
from secassure.tenancy.choices import MemberRole
from secassure.tenancy.models import Organisation
from secassure.wording import article, in_sentence, plural

SEC_FRAMEWORK = "sec-g"
# The privacy assessments of SEC Section I are assessed against the privacy catalogue.
PRIVACY_FRAMEWORK = "sec-i"
TEXT_LIMIT = 20_000


class StaleEdit(ActionError):
    """Someone else saved the row or answer after this person loaded it. ``current`` is the row as
    it now stands, so that the page can show what the other person changed."""

    def __init__(self, message: str, current):
        super().__init__(message)
        self.current = current


# --- who may ------------------------------------------------------------------------------------


def _require_editable(assessment: Assessment) -> None:
    if not assessment.editable:
        label = in_sentence(AssessmentStatus(assessment.status).label)
        if assessment.status == AssessmentStatus.SUBMITTED:
            how = "an Owner can re-open it, giving a reason"
        elif assessment.status == AssessmentStatus.SIGN_OFF:
            how = "return it to preparation to change it"
        else:
            how = "it is with the CIO or the SSC; changes now belong in queries, findings and the remediation plan"
        raise ActionError(f"the assessment is locked while it is {label}; {how}")


def _text(value, what: str, limit: int = TEXT_LIMIT) -> str:
    return guards.text(value, what, limit)


# The roles already read in a batch of saves (see save_many), by (person, organisation): a batch
# giving a thousand rows to one owner reads their role once.
_BATCH_ROLES: ContextVar[dict | None] = ContextVar("batch_roles", default=None)


def assignee(user, org: Organisation, permission: str, what: str, work: str):
    """Refuse to give work to someone whose role does not let them do it: a CIO reviewer, who
    reviews the work independently; a provider; an observer. ``what`` names the place ("the
    owner"), ``work`` what it takes ("edit assessments")."""
    if user is None:
        return None
    known = _BATCH_ROLES.get()
    if known is not None and (user.pk, org.pk) in known:
        role = known[user.pk, org.pk]
    else:
        role = access.role_of(user, org)
        if known is not None:
            known[user.pk, org.pk] = role
    if role is None:
        raise ActionError(f"{what} must be a member of {org.name}")
    if not access.role_allows(role, permission):
        may = " or ".join(article(MemberRole(r).label) for r in access.roles_with(permission))
        raise ActionError(f"{display_name(user)} cannot be {what}: {article(MemberRole(role).label)} "
                          f"may not {work} in {org.name}. Choose {may}.")
    return user


# --- what applies -------------------------------------------------------------------------------


def roles_in_force(org: Organisation, on: dt.date | None = None) -> list[str]:
    on = on or timezone.localdate()
    holdings = org.role_holdings.filter(Q(start_date__isnull=True) | Q(start_date__lte=on),
                                        Q(end_date__isnull=True) | Q(end_date__gte=on))
    return sorted(set(holdings.values_list("role", flat=True)))


def organisation_facts(org: Organisation, on: dt.date | None = None) -> frozenset[str]:
    """What holds for the organisation on that day, as the catalogue's applicability conditions name
    it: ``srp-user`` while an arrangement with a Shared Resource Provider is in force, and
    ``live-dcc-user`` once it is a Live DCC User."""
    on = on or timezone.localdate()
    facts = set()
    if ThirdPartyProvider.objects.filter(organisation=org).srp().active_on(on).exists():
        facts.add("srp-user")
    if org.is_live_dcc_user(on):
        facts.add("live-dcc-user")
    return frozenset(facts)


def _applies(entry, category: str, roles: list[str], facts: frozenset[str]) -> bool:
    when, also_when = conditions(entry.extra)
    if also_when & facts:
        return True
    return (category in entry.categories and (not roles or bool(set(roles) & set(entry.roles)))
            and when <= facts)


def applicable(org: Organisation, catalogue: FrameworkVersion, roles: list[str], on: dt.date | None = None):
    """The catalogue's assessable obligations and its questions that apply to the organisation on
    that day: by its Party category and User Roles (all roles' obligations when it has none
    recorded), and by the conditions an entry names (while it uses a Shared Resource Provider, once
    it is a Live DCC User); an entry may also apply to anyone for whom such a condition holds."""
    facts = organisation_facts(org, on)
    obligations = [
        o for o in Obligation.objects.filter(version=catalogue, assessable=True)
        .only("pk", "ref", "group_id", "categories", "roles", "extra").order_by("order", "pk")
        if _applies(o, org.category, roles, facts)
    ]
    questions = _applicable_questions(org, catalogue)
    return obligations, questions


def _applicable_questions(org: Organisation, catalogue: FrameworkVersion) -> list:
    return [q for q in Question.objects.filter(version=catalogue).only("pk", "ref", "categories", "answer_kind")
            .order_by("order", "pk") if org.category in q.categories]


class _Entry(NamedTuple):
    """An obligation as creating an assessment needs it: what ``_applies`` reads, and no more."""

    pk: int
    ref: str
    group_id: int | None
    categories: list
    roles: list
    extra: dict


def _applicable_entries(org: Organisation, catalogue: FrameworkVersion, roles: list[str]) -> list[_Entry]:
    """The obligations of ``applicable``, read as plain values: building 1,300 model instances
    cost a third of the time taken to create an assessment, and nothing here needs them."""
    facts = organisation_facts(org)
    entries = (_Entry(*values) for values in Obligation.objects.filter(version=catalogue, assessable=True)
               .order_by("order", "pk").values_list("pk", "ref", "group_id", "categories", "roles", "extra"))
    return [e for e in entries if _applies(e, org.category, roles, facts)]


def framework_for(kind: str) -> str:
    """The catalogue an assessment of this type is assessed against: SEC Section I for a privacy
    assessment, SEC Section G for every other."""
    return PRIVACY_FRAMEWORK if kind in PRIVACY_TYPES else SEC_FRAMEWORK


def _require_privacy_party(org: Organisation, kind: str) -> None:
    """Privacy assessments are for Other Users only (the Privacy Controls Framework page): the
    categories come from the privacy-cycle rules in force, and Other Users alone when none are loaded."""
    if kind not in PRIVACY_TYPES:
        return
    rules = rules_in_force(timezone.localdate(), PRIVACY_RULES)
    categories = {c for rule in rules.cycle for c in rule.categories} if rules else {PartyCategory.OTHER_USER}
    if org.category not in categories:
        raise ActionError(f"a {AssessmentType(kind).label} is only for Other Users (SEC Section I); "
                          f"{org.name} is {article(org.get_category_display())}, so it has security assessments "
                          "only")


def _catalogue(catalogue: FrameworkVersion | None, kind: str = "") -> FrameworkVersion:
    if catalogue is None:
        framework = framework_for(kind)
        catalogue = FrameworkVersion.objects.in_force(framework)
        if catalogue is None:
            what = "privacy (SEC Section I)" if framework == PRIVACY_FRAMEWORK else "SEC"
            raise ActionError(f"no {what} catalogue is loaded: run `secassure catalogue load` "
                              "(make run does it)")
    elif PRIVACY_FRAMEWORK in (catalogue.framework.slug, framework_for(kind)) and (
            catalogue.framework.slug != framework_for(kind)):
        raise ActionError(f"a {AssessmentType(kind).label} is assessed against the {framework_for(kind)} "
                          f"catalogue, not {catalogue}")
    if not catalogue.is_published:
        raise ActionError(f"{catalogue} is a draft; assess against a published catalogue version")
    return catalogue


def _top_groups(catalogue: FrameworkVersion) -> dict[int, str]:
    """Each group's top-level ancestor's ref (G3, G4 ...), read in one query."""
    groups = {g.pk: g for g in Group.objects.filter(version=catalogue).only("pk", "parent_id", "ref")}
    tops = {}
    for pk, group in groups.items():
        seen = 0
        while group.parent_id is not None and group.parent_id in groups and seen < 50:
            group, seen = groups[group.parent_id], seen + 1
        tops[pk] = group.ref
    return tops


# --- creating -----------------------------------------------------------------------------------


@dataclass
class Created:
    assessment: Assessment
    rows: int
    answers: int
    carried_rows: int
    carried_answers: int
    carried_links: int
    warnings: list[str]


def create_assessment(org: Organisation, *, kind: str, by, baseline: Assessment | None = None,
                      catalogue: FrameworkVersion | None = None, title: str = "", cycle_year: int | None = None,
                      period_start: dt.date | None = None, period_end: dt.date | None = None,
                      planned_start: dt.date | None = None, planned_end: dt.date | None = None,
                      booking_reference: str = "") -> Created:
    """Create an assessment with a row for each applicable obligation and an answer for each
    applicable question, carrying the baseline's answers and evidence forward, unconfirmed."""
    access.require(by, org, access.CREATE_ASSESSMENTS)
    if kind not in AssessmentType.values:
        raise ActionError(f"{kind!r} is not an assessment type; use one of {', '.join(AssessmentType.values)}")
    if baseline is not None:
        if baseline.organisation_id != org.pk:
            raise ActionError("the baseline must be one of this organisation's assessments")
        if not baseline.submitted:
            raise ActionError(f"the baseline {baseline.title!r} has not been submitted; a baseline is a finished "
                              "assessment to compare with")
    if cycle_year is not None and not 1 <= cycle_year <= 3:
        raise ActionError("the cycle year is 1, 2 or 3")
    for start, end, what in ((period_start, period_end, "period"), (planned_start, planned_end, "planned dates")):
        if start and end and end < start:
            raise ActionError(f"the {what} end before they start")
    _require_privacy_party(org, kind)
    catalogue = _catalogue(catalogue, kind)
    roles = roles_in_force(org)
    obligations = _applicable_entries(org, catalogue, roles)
    questions = _applicable_questions(org, catalogue)
    warnings = [] if roles else ["no User Roles are recorded for the organisation, so obligations for every "
                                 "role are included; record its roles on the organisation page"]
    obligations, narrowing = _in_scope(catalogue, kind, obligations)
    warnings += narrowing
    if not obligations:
        raise ActionError(f"no obligation of {catalogue} applies to {article(org.get_category_display())}")
    title = _text(title, "the title", 200) or (
        f"{AssessmentType(kind).label.split(' (')[0]} {timezone.localdate().year}")
    with transaction.atomic():
        assessment = Assessment.objects.create(
            organisation=org, kind=kind, cycle_year=cycle_year, catalogue=catalogue, title=title,
            period_start=period_start, period_end=period_end, planned_start=planned_start, planned_end=planned_end,
            booking_reference=_text(booking_reference, "the booking reference", 100), baseline=baseline,
            created_by=by)
        counts = _fill(assessment, obligations, questions, baseline)
        record(AuditEvent.ASSESSMENTS_ASSESSMENT_CREATED, assessment, organisation=org,
               after={**assessment.as_dict(), "rows": counts[0], "answers": counts[1],
                      "carried_forward": {"rows": counts[2], "answers": counts[3], "links": counts[4]}})
    return Created(assessment, *counts, warnings=warnings)


# The types whose rows the catalogue version's scope narrows to the areas it names. An SSA's scope
# (the areas of the User's G5.14 risk assessment) says what its questions look for; its rows stay
# whole, so that the self-assessment's workbook still covers every obligation that applies.
NARROWED_BY_SCOPE = {AssessmentType.VUSA}


def _in_scope(catalogue: FrameworkVersion, kind: str, obligations: list) -> tuple[list, list[str]]:
    """The obligations an assessment of this type covers under the catalogue version's scope, and
    what to tell the person about it."""
    if kind not in NARROWED_BY_SCOPE:
        return obligations, []
    scope = scope_for(catalogue, kind)
    if scope is None:
        return obligations, []
    if not scope["obligation_refs"]:
        return obligations, [f"{catalogue} names no areas for the {AssessmentType(kind).label.split(' (')[0]}, so "
                             "it covers every obligation that applies; its scope is on the Details tab"]
    kept = [o for o in obligations if o.ref in scope["obligation_refs"]]
    return kept, [f"{len(kept)} of the {len(obligations)} obligations that apply are in its scope "
                  f"({scope['title']})"]


ROW_CARRIED = ("status", "narrative", "na_reason", "last_tested", "owner_id")
ANSWER_CARRIED = ("answer", "narrative", "material", "material_rationale", "owner_id")


def _fill(assessment: Assessment, obligations, questions, baseline: Assessment | None):
    """Insert rows, answers and carried-forward links: a fixed handful of queries whatever the size
    of the catalogue. The baseline is read as plain values and the new records are written as
    plain tuples (see ``inserting``), not model instances: preparing 1,300 rows and 5,000 links
    field by field through ``bulk_create`` took longer than the database did to store them."""
    tops = _top_groups(assessment.catalogue)
    old_rows, old_answers = {}, {}
    if baseline is not None:
        old_rows = {r["ref"]: r for r in baseline.rows.values("pk", *ROW_CARRIED, ref=F("obligation__ref"))}
        old_answers = {a["ref"]: a for a in baseline.answers.values("pk", *ANSWER_CARRIED, ref=F("question__ref"))}
    pk, blank = assessment.pk, Compliance.NOT_ASSESSED.value
    rows = []
    for order, o in enumerate(obligations):
        old = old_rows.get(o.ref)
        rows.append((pk, o.pk, tops.get(o.group_id, ""), order, blank, "", "", None, None, False, True)
                    if old is None else
                    (pk, o.pk, tops.get(o.group_id, ""), order, *(old[f] for f in ROW_CARRIED), True, False))
    answers = []
    for order, q in enumerate(questions):
        old = old_answers.get(q.ref)
        if old is None:
            answers.append((pk, q.pk, order, Answer.UNANSWERED.value, "", False, "", None, False, True))
            continue
        # The baseline may be on a catalogue version where the question took another kind of
        # answer: its words carry forward, a choice this kind does not offer does not.
        answer = old["answer"]
        if answer and answer not in answers_for(q.answer_kind):
            answer = Answer.UNANSWERED.value
        answers.append((pk, q.pk, order, answer, *(old[f] for f in ANSWER_CARRIED[1:]), True, False))
    inserting.insert(ValidationRow, ("assessment_id", "obligation_id", "group_ref", "order", *ROW_CARRIED,
                                     "carried_forward", "confirmed"), rows)
    inserting.insert(QuestionAnswer, ("assessment_id", "question_id", "order", *ANSWER_CARRIED,
                                      "carried_forward", "confirmed"), answers)
    carried_rows, carried_answers = sum(not r[-1] for r in rows), sum(not a[-1] for a in answers)
    links = 0
    if baseline is not None and (carried_rows or carried_answers):
        row_ids = dict(ValidationRow.objects.filter(assessment=assessment).values_list("obligation_id", "pk"))
        answer_ids = dict(QuestionAnswer.objects.filter(assessment=assessment).values_list("question_id", "pk"))
        new_row = {old_rows[o.ref]["pk"]: row_ids[o.pk] for o in obligations if o.ref in old_rows}
        new_answer = {old_answers[q.ref]["pk"]: answer_ids[q.pk] for q in questions if q.ref in old_answers}
        carried = []
        for row_id, answer_id, document_id in baseline.links.values_list("row_id", "answer_id", "document_id"):
            row_pk, answer_pk = new_row.get(row_id), new_answer.get(answer_id)
            if row_pk is not None or answer_pk is not None:
                carried.append((pk, row_pk, answer_pk, document_id, True))
        links = inserting.insert(EvidenceLink, ("assessment_id", "row_id", "answer_id", "document_id",
                                                "carried_forward"), carried)
    return len(rows), len(answers), carried_rows, carried_answers, links


# --- rows and answers -------------------------------------------------------------------------------


ROW_FIELDS = ("status", "narrative", "na_reason", "owner", "changed", "change_note", "last_tested")
ANSWER_FIELDS = ("answer", "narrative", "material", "material_rationale", "owner", "changed", "change_note")


def _clean_row(row: ValidationRow, changes: dict) -> dict:
    org = row.assessment.organisation
    if "status" in changes and changes["status"] not in Compliance.values:
        raise ActionError(f"{changes['status']!r} is not a compliance status; use one of "
                          f"{', '.join(Compliance.values)}")
    for field, what in (("narrative", "how it is met"), ("na_reason", "the reason it does not apply"),
                        ("change_note", "what changed")):
        if field in changes:
            changes[field] = _text(changes[field], what)
    status = changes.get("status", row.status)
    na_reason = changes.get("na_reason", row.na_reason)
    if status == Compliance.NOT_APPLICABLE and not na_reason:
        raise ActionError(f"{row.obligation.ref}: say why the obligation does not apply to you")
    if "last_tested" in changes and changes["last_tested"] and changes["last_tested"] > timezone.localdate():
        raise ActionError("the last tested date is in the future")
    _clean_common(org, row, changes)
    return changes


def _clean_answer(answer: QuestionAnswer, changes: dict) -> dict:
    org = answer.assessment.organisation
    if "answer" in changes:
        changes["answer"] = changes["answer"] or Answer.UNANSWERED  # None or "" both clear it
        problem = answer_problem(answer.question, changes["answer"])
        if problem:
            raise ActionError(problem)
    for field, what in (("narrative", "the narrative"), ("material_rationale", "the rationale"),
                        ("change_note", "what changed")):
        if field in changes:
            changes[field] = _text(changes[field], what)
    material = changes.get("material", answer.material)
    if material and not changes.get("material_rationale", answer.material_rationale):
        raise ActionError(f"{answer.question.ref}: a material increase in risk needs its rationale")
    _clean_common(org, answer, changes)
    return changes


def answer_problem(question: Question, value: str) -> str | None:
    """What is wrong with ``value`` as the answer to ``question``, given its kind; None if nothing."""
    offered = answers_for(question.answer_kind)
    if not value or value in offered:
        return None
    if not offered:
        return (f"{question.ref} is answered in words: write the answer as its narrative and leave the "
                f"answer empty, not {value!r}")
    return (f"{value!r} is not an answer to {question.ref}; use one of "
            f"{', '.join(a.value for a in offered)}")


def _clean_common(org, item, changes: dict) -> None:
    owner = changes.get("owner")
    if owner is not None and owner.pk != item.owner_id:  # an owner left as they were is not a new assignment
        assignee(owner, org, access.EDIT_ASSESSMENTS, "the owner", "edit assessments")
    changed = changes.get("changed", item.changed)
    if changed and not changes.get("change_note", item.change_note):
        raise ActionError("say what changed since the baseline")


def _value(obj, field: str):
    if field == "owner":
        return obj.owner.email if obj.owner_id else None
    value = getattr(obj, field)
    return value.isoformat() if isinstance(value, dt.date) else value


def _save(item, model, fields, clean, action: str, *, by, revision: int, changes: dict, source: str = "",
          door: access.Door | None = None):
    """Save a row or an answer if nobody has saved it since ``revision``; a save (even with no
    change) confirms a carried-forward item; any change clears its check.

    With ``source`` (the file it came from) the content was taken in from elsewhere rather than
    written here: it arrives unconfirmed, as carried-forward content does, so that its author
    confirms it as their own before it can be checked and submitted; unchanged, nothing happens.
    ``door``, the person's door that the page read the item through, spares reading their
    membership again (``access.require``)."""
    assessment = item.assessment
    access.require(by, assessment.organisation, access.EDIT_ASSESSMENTS, door)
    _require_editable(assessment)
    values, audited = _prepared(item, fields, clean, by=by, changes=changes, source=source)
    if not values:
        return item
    with transaction.atomic():
        count = model.objects.filter(pk=item.pk, revision=revision).update(revision=F("revision") + 1, **values)
        if count == 0:
            raise _stale(model, item.pk)
        for field, value in values.items():
            setattr(item, field, value)
        item.revision = revision + 1
        record(action, item, organisation=assessment.organisation, **audited)
    return item


def _prepared(item, fields, clean, *, by, changes: dict, source: str = "") -> tuple[dict, dict]:
    """What saving ``changes`` to a row or an answer writes: the values for its update (none when
    there is nothing to write) and what its audit event says (before, after and reason). Cleans the
    changes and sets them on ``item``, refusing what a save refuses."""
    unknown = set(changes) - set(fields)
    if unknown:
        raise ActionError(f"cannot change {', '.join(sorted(unknown))}")
    changes = clean(item, dict(changes))
    before = {f: _value(item, f) for f in changes}
    for field, value in changes.items():
        setattr(item, field, value)
    after = {f: _value(item, f) for f in changes}
    changed = {f for f in changes if before[f] != after[f]}
    values = {("owner_id" if f == "owner" else f): (changes[f].pk if f == "owner" and changes[f] else changes[f])
              for f in changed}
    now = timezone.now()
    if source:
        if not changed:
            return {}, {}
        values.update(checked_by=None, checked_at=None, updated_by=by, updated_at=now, carried_forward=True,
                      confirmed=False)
    else:
        if changed - {"owner"}:  # who owns it is not what was checked
            values.update(checked_by=None, checked_at=None)
        if changed or not item.confirmed:
            values.update(updated_by=by, updated_at=now, confirmed=True)
    if source:
        reason = f"taken in from {source}"
    else:
        reason = "confirmed carried-forward content" if not changed else ""
    return values, {"before": {f: before[f] for f in changed}, "after": {f: after[f] for f in changed},
                    "reason": reason}


def _stale(model, pk: int) -> StaleEdit:
    """The refusal of a save made on a revision someone has saved over since, showing their version."""
    current = model.objects.select_related("updated_by", "owner").get(pk=pk)
    who = display_name(current.updated_by) if current.updated_by_id else "someone"
    return StaleEdit(f"this was saved by {who} after you opened it, so your change was not saved. Their "
                     "version is shown: make your change again on it.", current)


def check_changes(item: ValidationRow | QuestionAnswer, changes: dict) -> dict:
    """Check changes to a row or an answer as saving them would, without saving: the cleaned
    changes, or an ActionError saying what is wrong."""
    clean = _clean_row if isinstance(item, ValidationRow) else _clean_answer
    return clean(item, dict(changes))


def save_row(row: ValidationRow, /, *, by, revision: int, door: access.Door | None = None,
             **changes) -> ValidationRow:
    return _save(row, ValidationRow, ROW_FIELDS, _clean_row, AuditEvent.ASSESSMENTS_ROW_SAVED, by=by, revision=revision,
                 changes=changes, door=door)


def save_answer(answer: QuestionAnswer, /, *, by, revision: int, door: access.Door | None = None,
                **changes) -> QuestionAnswer:
    return _save(answer, QuestionAnswer, ANSWER_FIELDS, _clean_answer, AuditEvent.ASSESSMENTS_ANSWER_SAVED, by=by,
                 revision=revision, changes=changes, door=door)


ITEM_SAVES = {
    ValidationRow: (ROW_FIELDS, _clean_row, AuditEvent.ASSESSMENTS_ROW_SAVED),
    QuestionAnswer: (ANSWER_FIELDS, _clean_answer, AuditEvent.ASSESSMENTS_ANSWER_SAVED),
}
TAKEN_IN = {ValidationRow: AuditEvent.ASSESSMENTS_ROW_TAKEN_IN, QuestionAnswer: AuditEvent.ASSESSMENTS_ANSWER_TAKEN_IN}


def save_many(assessment: Assessment, edits: list[tuple[ValidationRow | QuestionAnswer, int, dict]], *,
              by, source: str | None = None) -> list[ValidationRow | QuestionAnswer]:
    """Save many rows and answers of one assessment, each (item, revision, changes) exactly as
    ``save_row`` or ``save_answer`` would save it (with ``source``, as ``take_in`` takes it in from
    that file), all or nothing, in a fixed number of statements however many there are: each is
    cleaned and refused as a single save is; if any has been saved by someone since its revision,
    StaleEdit names the first such (in the order given) and nothing is saved; each item written has
    its one audit event, as a single save writes, appended together. Returns the items written.
    With nothing to save, nothing is checked or written."""
    if not edits:
        return []
    if source is not None:
        source = guards.line(source, "the file name", 200)
        if not source:
            raise ActionError("name the file the content was taken in from")
    access.require(by, assessment.organisation, access.EDIT_ASSESSMENTS)
    _require_editable(assessment)
    writes = []
    roles = _BATCH_ROLES.set({})
    try:
        for item, revision, changes in edits:
            if item.assessment_id != assessment.pk:
                raise ActionError(f"{item} is not part of this assessment")
            fields, clean, action = ITEM_SAVES[type(item)]
            if source is not None:
                action = TAKEN_IN[type(item)]
            values, audited = _prepared(item, fields, clean, by=by, changes=changes, source=source or "")
            if values:
                writes.append((item, revision, values, Pending(action, item, **audited)))
    finally:
        _BATCH_ROLES.reset(roles)
    with transaction.atomic():
        # Lock what is about to be written and read its revisions first, so that the first stale
        # item can be named and nobody saves over one between this check and the update.
        found = {}
        for model in ITEM_SAVES:
            ids = [item.pk for item, *_ in writes if type(item) is model]
            if ids:
                found.update({(model, pk): revision for pk, revision in
                              model.objects.select_for_update().filter(pk__in=ids).values_list("pk", "revision")})
        for item, revision, _values, _event in writes:
            if found.get((type(item), item.pk)) != revision:
                raise _stale(type(item), item.pk)
        for model in ITEM_SAVES:
            _update_many(model, [(item.pk, revision, values) for item, revision, values, _ in writes
                                 if type(item) is model])
        record_many([event for *_, event in writes], organisation=assessment.organisation)
        for item, revision, values, _event in writes:
            for field, value in values.items():
                setattr(item, field, value)
            item.revision = revision + 1
    return [item for item, *_ in writes]


def _update_many(model, updates: list[tuple[int, int, dict]]) -> None:
    """Update each (pk, revision, values) as ``_save`` does, revision and all, with one UPDATE run for
    each (an executemany) per set of columns written."""
    if not updates:
        return
    connection = connections[router.db_for_write(model)]
    quote, meta = connection.ops.quote_name, model._meta
    revision, pk = quote(meta.get_field("revision").column), quote(meta.pk.column)
    shapes: dict[tuple[str, ...], list] = {}
    for update in updates:
        shapes.setdefault(tuple(sorted(update[2])), []).append(update)
    written = 0
    with connection.cursor() as cursor:
        for names, group in shapes.items():
            fields = [meta.get_field(name) for name in names]
            columns = ", ".join(f"{quote(f.column)} = %s" for f in fields)
            cursor.executemany(  # the model's own table and column names in the statement; values as parameters
                f"UPDATE {quote(meta.db_table)} SET {columns}, {revision} = {revision} + 1 "  # noqa: S608
                f"WHERE {pk} = %s AND {revision} = %s",
                [[f.get_db_prep_save(getattr(values[name], "pk", values[name]), connection)
                  for f, name in zip(fields, names, strict=True)] + [item_pk, item_revision]
                 for item_pk, item_revision, values in group])
            written += cursor.rowcount
    if written != len(updates):  # the rows were locked and their revisions read: this cannot happen
        raise ActionError("some of the items changed while they were being saved; nothing was saved")


def take_in(item: ValidationRow | QuestionAnswer, /, *, by, revision: int, source: str, **changes):
    """Write what a client's own spreadsheet (``source``, its file name) says of a row or an
    answer, as saving it would check it, but leave it carried forward and unconfirmed with its check
    cleared: the file is someone's earlier work, and the person answerable for the item confirms it
    before it counts as prepared here. Audited as taken in, one event for each item changed."""
    source = guards.line(source, "the file name", 200)
    if not source:
        raise ActionError("name the file the content was taken in from")
    if isinstance(item, ValidationRow):
        return _save(item, ValidationRow, ROW_FIELDS, _clean_row, AuditEvent.ASSESSMENTS_ROW_TAKEN_IN, by=by,
                     revision=revision, changes=changes, source=source)
    return _save(item, QuestionAnswer, ANSWER_FIELDS, _clean_answer, AuditEvent.ASSESSMENTS_ANSWER_TAKEN_IN, by=by,
                 revision=revision, changes=changes, source=source)


def check_item(item: ValidationRow | QuestionAnswer, *, by, revision: int):
    """Record that a second person checked a row or answer as it stands (maker-checker)."""
    assessment = item.assessment
    access.require(by, assessment.organisation, access.CHECK_ASSESSMENTS)
    _require_editable(assessment)
    if by is None:
        raise ActionError("a check is made by a person, through the web")
    if item.updated_by_id == by.pk:
        raise ActionError("you made the last change to this item; someone else must check it")
    if not item.confirmed:
        raise ActionError("this item was carried forward and is not yet confirmed; its author confirms it first")
    model = type(item)
    with transaction.atomic():
        now = timezone.now()
        if not model.objects.filter(pk=item.pk, revision=revision).update(checked_by=by, checked_at=now):
            raise StaleEdit("it was changed after you opened it; check the new version",
                            model.objects.select_related("updated_by").get(pk=item.pk))
        item.checked_by, item.checked_at = by, now
        event = AuditEvent.ASSESSMENTS_ROW_CHECKED if model is ValidationRow else AuditEvent.ASSESSMENTS_ANSWER_CHECKED
        record(event, item,
               organisation=assessment.organisation, after={"checked_by": by.email, "revision": revision})
    return item


def assign_owner(assessment: Assessment, row_ids: list[int], owner, *, by) -> int:
    """Give many rows one owner in one statement; returns how many changed."""
    access.require(by, assessment.organisation, access.EDIT_ASSESSMENTS)
    _require_editable(assessment)
    assignee(owner, assessment.organisation, access.EDIT_ASSESSMENTS, "the owner", "edit assessments")
    rows = assessment.rows.filter(pk__in=row_ids).exclude(owner=owner)
    with transaction.atomic():
        refs = list(rows.values_list("obligation__ref", flat=True))
        count = rows.update(owner=owner, revision=F("revision") + 1)
        if count:
            record(AuditEvent.ASSESSMENTS_ROWS_OWNER_ASSIGNED, assessment, organisation=assessment.organisation,
                   after={"owner": owner.email if owner else None, "rows": refs})
            if owner is not None:
                rows_text = f"{count} rows" if count != 1 else f"Row {refs[0]}"
                notify(assessment.organisation, [owner], kind=Kind.ROWS_ASSIGNED,
                       text=f"{rows_text} of {assessment.title} assigned to you", obj=assessment, by=by,
                       url=reverse("assessment", args=[assessment.organisation.slug, assessment.pk])
                       + f"?owner={owner.pk}")
    return count


# --- many at once ---------------------------------------------------------------------------------


BULK_LIMIT = 500
# Each kind of item, as the addresses name it: its model and what gives its ref.
ITEMS = {"rows": (ValidationRow, "obligation"), "answers": (QuestionAnswer, "question")}


@dataclass
class Batch:
    """What a bulk action did: the refs of the items it did, and of those it refused with the reason
    for each, in the assessment's order."""

    done: list[str]
    refused: list[tuple[str, str]]


def _each(assessment: Assessment, kind: str, ids, *, by, permission: str, revisions: dict | None, one) -> Batch:
    """Apply ``one(item, revision)`` to each chosen item of the assessment, each in a transaction
    of its own: a refusal is recorded against the item and the others go on. The items are read in
    one query; each write costs what it costs for a single item."""
    if kind not in ITEMS:
        raise ActionError(f"{kind!r} is not a kind of item; use rows or answers")
    access.require(by, assessment.organisation, permission)
    _require_editable(assessment)
    wanted = list(dict.fromkeys(int(i) for i in ids))
    if not wanted:
        raise ActionError("choose the items first")
    if len(wanted) > BULK_LIMIT:
        raise ActionError(f"choose at most {BULK_LIMIT} items at a time")
    model, entry = ITEMS[kind]
    items = list(model.objects.filter(assessment=assessment, pk__in=wanted)
                 .select_related(entry, "checked_by").order_by("order", "pk"))
    revisions = revisions or {}
    batch = Batch([], [])
    for item in items:
        item.assessment = assessment
        ref = getattr(item, entry).ref
        try:
            with transaction.atomic():
                one(item, revisions.get(item.pk, item.revision))
        except StaleEdit as exc:
            who = display_name(exc.current.updated_by) if exc.current.updated_by_id else "someone"
            batch.refused.append((ref, f"{who} changed it after you opened the page; look at it again first"))
        except ActionError as exc:
            batch.refused.append((ref, str(exc)))
        else:
            batch.done.append(ref)
    found = {item.pk for item in items}
    batch.refused += [(f"#{pk}", "not an item of this assessment") for pk in wanted if pk not in found]
    return batch


def check_many(assessment: Assessment, kind: str, ids, *, by, revisions: dict | None = None) -> Batch:
    """Check many rows or answers (``kind``) at once, each as ``check_item`` would, at the revision
    the checker saw (``revisions``, by id; as they stand without it). Nothing is checked that nobody
    has prepared yet, nor checked again."""
    if by is None:
        raise ActionError("a check is made by a person, through the web")

    def one(item, revision):
        if item.checked_by_id is not None:
            raise ActionError(f"already checked by {display_name(item.checked_by)}")
        if item.confirmed and item.updated_by_id is None:  # an unconfirmed one is refused as check_item says
            raise ActionError("nobody has prepared it yet, so there is nothing to check")
        check_item(item, by=by, revision=revision)

    return _each(assessment, kind, ids, by=by, permission=access.CHECK_ASSESSMENTS, revisions=revisions, one=one)


def confirm_many(assessment: Assessment, kind: str, ids, *, by, revisions: dict | None = None) -> Batch:
    """Confirm many carried-forward rows or answers at once, each by saving it unchanged, as its
    edit form does, at the revision the person saw."""
    save = save_row if kind == "rows" else save_answer

    def one(item, revision):
        if item.confirmed:
            raise ActionError("already confirmed")
        save(item, by=by, revision=revision)

    return _each(assessment, kind, ids, by=by, permission=access.EDIT_ASSESSMENTS, revisions=revisions, one=one)


# --- evidence -----------------------------------------------------------------------------------


def link_evidence(item: ValidationRow | QuestionAnswer, document: Document, *, by) -> EvidenceLink:
    assessment = item.assessment
    access.require(by, assessment.organisation, access.EDIT_ASSESSMENTS)
    _require_editable(assessment)
    if document.organisation_id != assessment.organisation_id:
        raise ActionError("that document is not in this organisation's register")
    target = {"row": item} if isinstance(item, ValidationRow) else {"answer": item}
    with transaction.atomic():
        link, created = EvidenceLink.objects.get_or_create(assessment=assessment, document=document,
                                                           defaults={"added_by": by}, **target)
        if not created:
            raise ActionError(f"{document.title!r} is already linked here")
        _uncheck(item)
        record(AuditEvent.ASSESSMENTS_EVIDENCE_LINKED, link, organisation=assessment.organisation,
               after={"item": str(item), "document": document.title})
    return link


def unlink_evidence(link: EvidenceLink, *, by) -> None:
    assessment = link.assessment
    access.require(by, assessment.organisation, access.EDIT_ASSESSMENTS)
    _require_editable(assessment)
    with transaction.atomic():
        record(AuditEvent.ASSESSMENTS_EVIDENCE_UNLINKED, link, organisation=assessment.organisation,
               before={"item": str(link.row or link.answer), "document": link.document.title})
        _uncheck(link.row or link.answer)
        link.delete()


def link_many(assessment: Assessment, links: list[tuple[ValidationRow | QuestionAnswer, Document]], *,
              by) -> list[EvidenceLink]:
    """Link each (item, document) as ``link_evidence`` would, all or nothing, in a few statements
    however many there are (the links are inserted in one statement on PostgreSQL, in batches of
    a hundred or so on SQLite, whose statements take at most 999 values): each document must be in
    the organisation's register and not yet linked to its item; each item linked asks for a fresh
    check; each link has its one audit event, appended together. Returns the links made."""
    if not links:
        return []
    access.require(by, assessment.organisation, access.EDIT_ASSESSMENTS)
    _require_editable(assessment)
    made = []
    for item, document in links:
        if item.assessment_id != assessment.pk:
            raise ActionError(f"{item} is not part of this assessment")
        if document.organisation_id != assessment.organisation_id:
            raise ActionError("that document is not in this organisation's register")
        made.append(EvidenceLink(assessment=assessment, document=document, added_by=by,
                                 **({"row": item} if isinstance(item, ValidationRow) else {"answer": item})))
    if len({(link.row_id, link.answer_id, link.document_id) for link in made}) != len(made):
        raise ActionError("a document is named twice for one item")
    with transaction.atomic():
        for model, key in ((ValidationRow, "row_id"), (QuestionAnswer, "answer_id")):
            ids = {getattr(link, key) for link in made if getattr(link, key) is not None}
            if not ids:
                continue
            already = EvidenceLink.objects.filter(assessment=assessment, **{f"{key}__in": ids}).values_list(
                key, "document_id")
            twice = set(already) & {(getattr(link, key), link.document_id) for link in made}
            if twice:
                title = next(link.document.title for link in made if (getattr(link, key), link.document_id) in twice)
                raise ActionError(f"{title!r} is already linked here")
            model.objects.filter(pk__in=ids).update(checked_by=None, checked_at=None)
        try:
            with transaction.atomic():  # a savepoint: a link someone made meanwhile refuses the batch
                EvidenceLink.objects.bulk_create(made)
        except IntegrityError:
            raise ActionError("a document was linked here by someone else meanwhile; nothing was linked. Look at "
                              "the item again") from None
        record_many([Pending(AuditEvent.ASSESSMENTS_EVIDENCE_LINKED, link,
                             after={"item": str(link.row or link.answer), "document": link.document.title})
                     for link in made], organisation=assessment.organisation)
    for link in made:
        item = link.row or link.answer
        item.checked_by, item.checked_at = None, None
    return made


def _uncheck(item) -> None:
    """Evidence is part of what a checker saw: changing it asks for a fresh check."""
    type(item).objects.filter(pk=item.pk).update(checked_by=None, checked_at=None)
    item.checked_by, item.checked_at = None, None


# --- the lifecycle ------------------------------------------------------------------------------


def problems_before(assessment: Assessment, to: str, by=None) -> list[str]:
    """What stops the move, in words that say what to do; empty when it may go ahead."""
    rows, answers = assessment.rows, assessment.answers
    found = []
    if to in (AssessmentStatus.SIGN_OFF, AssessmentStatus.SUBMITTED):
        unassessed = list(rows.filter(status=Compliance.NOT_ASSESSED).values_list("obligation__ref", flat=True))
        if unassessed:
            found.append(f"{plural(len(unassessed), 'row')} not assessed yet: {_some(unassessed)}")
        unanswered = list(answers.exclude(answered()).values_list("question__ref", flat=True))
        if unanswered:
            found.append(f"{plural(len(unanswered), 'question')} not answered: {_some(unanswered)}")
        unconfirmed = (list(rows.filter(confirmed=False).values_list("obligation__ref", flat=True))
                       + list(answers.filter(confirmed=False).values_list("question__ref", flat=True)))
        if unconfirmed:
            found.append(f"{plural(len(unconfirmed), 'carried-forward item')} not confirmed: {_some(unconfirmed)}")
        unchecked = (list(rows.filter(checked_by__isnull=True).values_list("obligation__ref", flat=True))
                     + list(answers.filter(checked_by__isnull=True).values_list("question__ref", flat=True)))
        if unchecked:
            found.append(f"{plural(len(unchecked), 'item')} not checked by a second person: {_some(unchecked)}")
    if to == AssessmentStatus.SUBMITTED:
        if assessment.kind in MATERIALITY_TYPES and not assessment.decision:
            found.append("record the decision on whether security risk has materially increased, with its reason")
        empty = list(assessment.links.filter(document__versions__isnull=True)
                     .values_list("document__title", flat=True).distinct())
        if empty:
            found.append(f"{'a linked document' if len(empty) == 1 else 'linked documents'} with no version uploaded: "
                         f"{_some(empty)}")
        if by is not None:
            authored = (rows.filter(updated_by=by).exists() or answers.filter(updated_by=by).exists()
                        or assessment.status_changes.filter(by=by, to_status=AssessmentStatus.INTERNAL_REVIEW).exists())
            if authored:
                found.append("you prepared part of this assessment; another Approver must sign it off")
    return found


def _some(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def move(assessment: Assessment, to: str, *, by, reason: str = "", declaration: str | None = None) -> Assessment:
    """Move the assessment along its lifecycle, if the table allows it and nothing stops it. Signing
    off and submitting is a deliberate act: the Approver accepts the director's declaration in
    force, naming its version (``declaration``), and the audit event keeps its text."""
    with transaction.atomic():
        locked = Assessment.objects.select_for_update(of=("self",)).select_related("organisation").get(
            pk=assessment.pk)
        step = TRANSITIONS.get((locked.status, to))
        if step is None:
            target = in_sentence(AssessmentStatus(to).label) if to in AssessmentStatus.values else repr(to)
            raise ActionError(f"an assessment that is {in_sentence(AssessmentStatus(locked.status).label)} "
                              f"cannot go to {target}")
        access.require(by, locked.organisation, step.permission)
        if by is None:
            raise ActionError("lifecycle moves are made by a person, through the web")
        if to in (AssessmentStatus.SIGN_OFF, AssessmentStatus.SUBMITTED):
            refuse_user_flow(locked, step.label)
        reason = _text(reason, "the reason", 2000)
        if step.needs_reason and not reason:
            raise ActionError(f"{step.label}: give a reason")
        problems = problems_before(locked, to, by)
        if problems:
            raise ActionError(f"{step.label}: not yet. " + "; ".join(problems))
        if to == AssessmentStatus.SUBMITTED and declaration != DECLARATION.version:
            raise ActionError(f"{step.label}: accept the director's declaration (version {DECLARATION.version}) first; "
                              "it is shown on the sign-off page with what will be submitted")
        before = locked.status
        locked.status = to
        fields = ["status", "revision"]
        locked.revision += 1
        if to == AssessmentStatus.SUBMITTED:
            locked.submitted_by, locked.submitted_at = by, timezone.now()
            fields += ["submitted_by", "submitted_at"]
            pinned = pin_evidence(locked)
            snapped = snapshot_risks(locked)
        locked.save(update_fields=fields)
        StatusChange.objects.create(assessment=locked, from_status=before, to_status=to, by=by, reason=reason)
        after = {"status": to}
        if to == AssessmentStatus.SUBMITTED:
            after.update(pinned_links=pinned, risks_snapshotted=snapped,
                         declaration={"version": DECLARATION.version,
                                      "text": DECLARATION.text_for(locked.organisation.name)})
        record(AuditEvent(f"assessments.assessment.{step.name}"), locked, organisation=locked.organisation,
               before={"status": before}, after=after, reason=reason)
        _hand_on(locked, step.name, by, reason)
    assessment.status, assessment.revision = locked.status, locked.revision
    assessment.submitted_by, assessment.submitted_at = locked.submitted_by, locked.submitted_at
    return locked


# Who each lifecycle move hands the assessment to: the permission they need for what comes next, the
# kind of notification, and what it says (the assessment's title follows).
HAND_ONS = {
    "send-for-review": (access.CHECK_ASSESSMENTS, Kind.INTERNAL_REVIEW, "Ready for your internal review"),
    "return": (access.EDIT_ASSESSMENTS, Kind.RETURNED, "Returned to preparation"),
    "send-for-sign-off": (access.APPROVE_ASSESSMENTS, Kind.SIGN_OFF, "Ready for your sign-off"),
    "reject": (access.EDIT_ASSESSMENTS, Kind.SIGN_OFF_REJECTED, "Sign-off refused, back in preparation"),
    "submit": (access.SHARE_REVIEW, Kind.SUBMITTED, "Signed off and submitted: share it with the User CIO"),
    "reopen": (access.EDIT_ASSESSMENTS, Kind.RETURNED, "Re-opened for preparation"),
}


def _hand_on(assessment: Assessment, step: str, by, reason: str) -> None:
    """Tell the people the move hands the assessment to, in the move's transaction."""
    if step not in HAND_ONS:
        return
    permission, kind, says = HAND_ONS[step]
    text = f"{says}: {assessment.title}" + (f" ({reason})" if reason else "")
    notify(assessment.organisation, members_who_may(assessment.organisation, permission), kind=kind, text=text,
           url=reverse("assessment", args=[assessment.organisation.slug, assessment.pk]), obj=assessment, by=by)


def refuse_user_flow(assessment: Assessment, what: str) -> None:
    """Refuse a step of the User's own flow (sign-off, submission) on an assessment the User CIO
    conducts, saying what happens instead."""
    rule = led_by_cio(assessment)
    if rule is not None:
        kind = AssessmentType(assessment.kind).label
        raise ActionError(f"{what}: not for this assessment. A {kind} is conducted by the User CIO "
                          f"({rule.clause}): share it with the CIO, who records the fieldwork and issues the "
                          "User Security Assessment Report (G8.22); the User then gives its response (G8.24)")


def pin_evidence(assessment: Assessment) -> int:
    """Pin every link to its document's latest version: what the CIO and the SSC saw."""
    latest = DocumentVersion.objects.filter(document=OuterRef("document")).order_by("-number").values("pk")[:1]
    return assessment.links.update(version=Subquery(latest))


def snapshot_risks(assessment: Assessment) -> int:
    """Copy the organisation's risk register into the assessment, replacing an earlier copy."""
    assessment.risk_snapshots.all().delete()
    risks = Risk.objects.filter(organisation=assessment.organisation).select_related("owner")
    snaps = [RiskSnapshot(assessment=assessment, risk=r, data=r.as_dict(), residual_score=r.residual_score)
             for r in risks]
    RiskSnapshot.objects.bulk_create(snaps, batch_size=500)
    return len(snaps)


def decide_materiality(assessment: Assessment, *, by, decision: str, reason: str) -> Assessment:
    """A person's decision on whether security risk materially increased since the baseline."""
    access.require(by, assessment.organisation, access.DECIDE_MATERIALITY)
    if assessment.kind not in MATERIALITY_TYPES:
        rule = led_by_cio(assessment)
        if assessment.kind == AssessmentType.VUSA:
            raise ActionError("on a VUSA the User CIO identifies any material increase in security risk since "
                              f"the last FUSA ({rule.clause if rule else 'G8.22'}): it is the CIO's result on the "
                              "obligation concerned, in the User Security Assessment Report, not the User's decision")
        raise ActionError(f"a {AssessmentType(assessment.kind).label} has no materiality decision: the User "
                          "decides that only in its self-assessment")
    if assessment.submitted:
        raise ActionError("the assessment is submitted; re-open it to change the decision")
    if decision not in (Decision.MATERIAL, Decision.NOT_MATERIAL):
        raise ActionError("decide 'material' or 'not-material'")
    reason = _text(reason, "the reason", 5000)
    if not reason:
        raise ActionError("give the reason for the decision: it is what the CIO and the SSC will read")
    if decision == assessment.decision and reason == assessment.decision_reason:  # saved unchanged
        return assessment
    with transaction.atomic():
        before = {"decision": assessment.decision or None, "reason": assessment.decision_reason or None}
        Assessment.objects.filter(pk=assessment.pk).update(decision=decision, decision_reason=reason, decided_by=by,
                                                          decided_at=timezone.now(), revision=F("revision") + 1)
        assessment.refresh_from_db()
        record(AuditEvent.ASSESSMENTS_MATERIALITY_DECIDED, assessment, organisation=assessment.organisation,
               before=before, after={"decision": decision, "reason": reason})
    return assessment


FIELDWORK = frozenset({"fieldwork_start", "fieldwork_end"})


def update_details(assessment: Assessment, *, by, **changes) -> Assessment:
    """Dates, booking reference and title: the planning details, editable until submission. The
    fieldwork dates are facts of the CIO's engagement, recorded once they have happened, whenever
    that is: the next assessment falls due within 12 months of the fieldwork's end (G8.40)."""
    access.require(by, assessment.organisation, access.EDIT_ASSESSMENTS)
    allowed = {"title", "cycle_year", "period_start", "period_end", "planned_start", "planned_end",
               "booking_reference", *FIELDWORK}
    unknown = set(changes) - allowed
    if unknown:
        raise ActionError(f"cannot change {', '.join(sorted(unknown))}")
    if assessment.submitted and {f for f in changes if changes[f] != getattr(assessment, f)} - FIELDWORK:
        raise ActionError("the assessment is submitted; re-open it to change its details")
    if (by is not None and assessment.status in (AssessmentStatus.FIELDWORK, AssessmentStatus.REPORT_ISSUED)
            and any(changes[f] != getattr(assessment, f) for f in FIELDWORK & set(changes))):
        raise ActionError("the User CIO conducting the assessment records the fieldwork's dates")
    for field, what in (("fieldwork_start", "the fieldwork's start"), ("fieldwork_end", "the fieldwork's end")):
        if field in changes:
            guards.past_date(changes[field], what)
    if "title" in changes:
        changes["title"] = _text(changes["title"], "the title", 200)
        if not changes["title"]:
            raise ActionError("the title cannot be empty")
    if "booking_reference" in changes:
        changes["booking_reference"] = _text(changes["booking_reference"], "the booking reference", 100)
    merged = {f: changes.get(f, getattr(assessment, f)) for f in allowed}
    for start, end, what in (("period_start", "period_end", "period"), ("planned_start", "planned_end", "plan"),
                             ("fieldwork_start", "fieldwork_end", "fieldwork")):
        if merged[start] and merged[end] and merged[end] < merged[start]:
            raise ActionError(f"the {what} ends before it starts")
    if merged["cycle_year"] is not None and not 1 <= merged["cycle_year"] <= 3:
        raise ActionError("the cycle year is 1, 2 or 3")
    changes = {f: v for f, v in changes.items() if getattr(assessment, f) != v}
    if not changes:  # saved unchanged: nothing to record
        return assessment
    with transaction.atomic():
        before = assessment.as_dict()
        for field, value in changes.items():
            setattr(assessment, field, value)
        assessment.revision += 1
        assessment.save()
        record(AuditEvent.ASSESSMENTS_ASSESSMENT_CHANGED, assessment, organisation=assessment.organisation,
               before=before, after=assessment.as_dict())
    return assessment


# --- the change log -----------------------------------------------------------------------------


def add_change(assessment: Assessment, *, by, area: str, description: str, changed_on: dt.date | None = None,
               risk: Risk | None = None) -> ChangeRecord:
    access.require(by, assessment.organisation, access.EDIT_ASSESSMENTS)
    _require_editable(assessment)
    if area not in ChangeArea.values:
        raise ActionError(f"{area!r} is not a change area; use one of {', '.join(ChangeArea.values)}")
    description = _text(description, "the description", 5000)
    if not description:
        raise ActionError("describe what changed")
    if risk is not None and risk.organisation_id != assessment.organisation_id:
        raise ActionError("that risk is not in this organisation's register")
    if changed_on and changed_on > timezone.localdate():
        raise ActionError("the change date is in the future")
    with transaction.atomic():
        change = ChangeRecord.objects.create(assessment=assessment, area=area, description=description,
                                             changed_on=changed_on, risk=risk, recorded_by=by)
        record(AuditEvent.ASSESSMENTS_CHANGE_RECORDED, change, organisation=assessment.organisation,
               after={"area": area, "description": description, "risk": risk.ref if risk else None,
                      "changed_on": changed_on.isoformat() if changed_on else None})
    return change


# --- the risk register ------------------------------------------------------------------------------


RISK_FIELDS = ("title", "asset", "threat", "vulnerability", "inherent_likelihood", "inherent_impact",
               "residual_likelihood", "residual_impact", "treatment", "treatment_plan", "owner", "review_date",
               "status")


def _clean_risk(org: Organisation, fields: dict, risk: Risk | None = None) -> dict:
    unknown = set(fields) - set(RISK_FIELDS)
    if unknown:
        raise ActionError(f"cannot set {', '.join(sorted(unknown))} on a risk")
    if "title" in fields:
        fields["title"] = guards.line(fields["title"], "the title", 200)
        if not fields["title"]:
            raise ActionError("give the risk a title")
        guards.fits(Risk, "title", fields["title"], "the title")
    if "asset" in fields:
        fields["asset"] = _text(fields["asset"], "the asset or scope", 300)
    for field in ("threat", "vulnerability", "treatment_plan"):
        if field in fields:
            fields[field] = _text(fields[field], field.replace("_", " "), 5000)
    for field in ("inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact"):
        if field in fields:
            value = fields[field]
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
                raise ActionError(f"{field.replace('_', ' ')} is a whole number from 1 to 5")
    if "treatment" in fields and fields["treatment"] not in Treatment.values:
        raise ActionError(f"{fields['treatment']!r} is not a treatment; use one of {', '.join(Treatment.values)}")
    if "status" in fields and fields["status"] not in RiskStatus.values:
        raise ActionError("a risk is open or closed")
    owner = fields.get("owner")
    if owner is not None and (risk is None or owner.pk != risk.owner_id):
        assignee(owner, org, access.EDIT_RISKS, "the risk owner", "edit the risk register")
    return fields


def add_risk(org: Organisation, *, by, **fields) -> Risk:
    access.require(by, org, access.EDIT_RISKS)
    missing = [f for f in ("title", "inherent_likelihood", "inherent_impact", "residual_likelihood",
                           "residual_impact") if fields.get(f) in (None, "")]
    if missing:
        raise ActionError(f"a risk needs {', '.join(m.replace('_', ' ') for m in missing)}")
    fields = _clean_risk(org, fields)
    with transaction.atomic():
        Organisation.objects.select_for_update().filter(pk=org.pk).first()  # one numbering at a time
        numbers = [int(ref[2:]) for ref in Risk.objects.filter(organisation=org).values_list("ref", flat=True)
                   if ref[2:].isdigit()]
        risk = Risk.objects.create(organisation=org, ref=f"R-{max(numbers, default=0) + 1:03d}", **fields)
        RiskRevision.objects.create(risk=risk, number=1, data=risk.as_dict(), by=by, reason="added")
        record(AuditEvent.ASSESSMENTS_RISK_ADDED, risk, organisation=org, after=risk.as_dict())
    return risk


def update_risk(risk: Risk, *, by, revision: int, reason: str = "", **fields) -> Risk:
    org = risk.organisation
    access.require(by, org, access.EDIT_RISKS)
    fields = _clean_risk(org, fields, risk)
    with transaction.atomic():
        locked = Risk.objects.select_for_update(of=("self",)).select_related("owner").get(pk=risk.pk)
        if locked.revision != revision:
            raise StaleEdit("someone changed this risk after you opened it; your change was not saved", locked)
        before = locked.as_dict()
        for field, value in fields.items():
            setattr(locked, field, value)
        after = locked.as_dict()
        if after == before:
            return locked
        locked.revision += 1
        locked.save()
        number = (locked.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
        RiskRevision.objects.create(risk=locked, number=number, data=after, by=by, reason=_text(reason, "reason", 2000))
        changed = [k for k in after if after[k] != before[k]]
        record(AuditEvent.ASSESSMENTS_RISK_CHANGED, locked, organisation=org, before={k: before[k] for k in changed},
               after={k: after[k] for k in changed}, reason=reason)
    return locked
