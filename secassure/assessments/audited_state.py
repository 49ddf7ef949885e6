"""Comparing assessments, rows and answers as they stand with what the audit log last recorded.

The hash chain proves the log was not rewritten; it says nothing of a table changed directly by
SQL, which leaves no event at all. Every change secassure makes to these fields writes an event
whose after-values say what the field became, so replaying the log gives each field's audited
value, and a current value that differs was written outside the product.

The replay is one pass over the relevant events, in chain order, with the current values read in
one query per model: no query per object. Only fields whose audited value is known are compared.
Rows and answers are bulk-created with their assessment, so the assessment's creation event stands
for their first values: the model's defaults, or what was carried forward from the baseline as the
log had it then. An object with no event behind it at all (created outside the product, or before
its kind was audited) has no audited value and is counted, not reported.

Two limits to bear in mind when reading a report. An owner is recorded by email address, so a person
whose address changed since shows as a difference; check it against their account. And statuses the
review set before it recorded them on the assessment (``review.assessment.moved``) are not in the
log: on an installation upgraded from then, such an assessment shows its status as changed, and its
status history (the StatusChange rows) says which move it was.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field

from django.db.models import F

from secassure.assessments.actions import ANSWER_CARRIED, ROW_CARRIED
from secassure.assessments.choices import Answer, answers_for
from secassure.assessments.models import Assessment, QuestionAnswer, ValidationRow
from secassure.audit.events import AuditEvent
from secassure.audit.models import Event

ASSESSMENT, ROW, ANSWER = "assessment", "row", "answer"
FIELDS = {
    ASSESSMENT: ("status", "decision", "decision_reason"),
    ROW: ("status", "narrative", "na_reason", "last_tested", "owner", "changed", "change_note"),
    ANSWER: ("answer", "narrative", "material", "material_rationale", "owner", "changed", "change_note"),
}
MODELS = {ASSESSMENT: Assessment, ROW: ValidationRow, ANSWER: QuestionAnswer}
KIND_OF_TYPE = {model._meta.label_lower: kind for kind, model in MODELS.items()}
# What creating an assessment copies from the baseline's matching row or answer; owner as a person.
CARRIED = {ROW: tuple(f.removesuffix("_id") for f in ROW_CARRIED),
           ANSWER: tuple(f.removesuffix("_id") for f in ANSWER_CARRIED)}

MOVES = {AuditEvent(f"assessments.assessment.{step}") for step in
         ("start", "send-for-review", "return", "send-for-sign-off", "reject", "submit", "reopen")}
MOVES.add(AuditEvent.REVIEW_ASSESSMENT_MOVED)
ITEM_SAVES = {AuditEvent.ASSESSMENTS_ROW_SAVED: ROW, AuditEvent.ASSESSMENTS_ROW_TAKEN_IN: ROW,
              AuditEvent.ASSESSMENTS_ANSWER_SAVED: ANSWER, AuditEvent.ASSESSMENTS_ANSWER_TAKEN_IN: ANSWER}
ACTIONS = {AuditEvent.ASSESSMENTS_ASSESSMENT_CREATED, AuditEvent.ASSESSMENTS_ASSESSMENT_CHANGED,
           AuditEvent.ASSESSMENTS_MATERIALITY_DECIDED, AuditEvent.ASSESSMENTS_ROWS_OWNER_ASSIGNED,
           *MOVES, *ITEM_SAVES}


@dataclass
class Difference:
    kind: str
    object_id: int
    object: str
    organisation: str
    field: str
    audited: object
    current: object


@dataclass
class StateReport:
    checked: dict = field(default_factory=dict)
    unaudited: dict = field(default_factory=dict)
    differences: list[Difference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences

    def as_dict(self) -> dict:
        return {"ok": self.ok, "checked": self.checked, "no_audited_value": self.unaudited,
                "differences": [asdict(d) for d in self.differences]}


def _text(value):
    """Text as the log stores it (record() writes NUL out as the text \\u0000)."""
    return value.replace("\x00", "\\u0000") if isinstance(value, str) else value


class _Current:
    """Every assessment, row and answer as it stands, in the form the log records values in."""

    def __init__(self):
        self.objects: dict[str, dict[int, dict]] = {}
        self.assessments = {a["pk"]: a for a in Assessment.objects.values(
            "pk", "title", "organisation__slug", *FIELDS[ASSESSMENT])}
        self.objects[ASSESSMENT] = self.assessments
        self.objects[ROW] = self._items(ValidationRow, "obligation")
        self.objects[ANSWER] = self._items(QuestionAnswer, "question", "question__answer_kind")
        owners = {item["owner_id"] for kind in (ROW, ANSWER) for item in self.objects[kind].values()}
        user_model = ValidationRow._meta.get_field("owner").related_model
        self.emails = dict(user_model.objects.filter(pk__in=owners - {None}).values_list("pk", "email"))
        self.by_assessment: dict[str, dict[int, dict[str, int]]] = {ROW: defaultdict(dict), ANSWER: defaultdict(dict)}
        for kind in (ROW, ANSWER):
            for pk, item in self.objects[kind].items():
                self.by_assessment[kind][item["assessment_id"]][item["ref"]] = pk

    def _items(self, model, entry: str, *extra: str) -> dict[int, dict]:
        names = [f"{f}_id" if f == "owner" else f for f in FIELDS[ROW if model is ValidationRow else ANSWER]]
        return {i["pk"]: i for i in model.objects.values("pk", "assessment_id", *names, *extra,
                                                          ref=F(f"{entry}__ref"))}

    def value(self, kind: str, item: dict, name: str):
        if name == "owner":
            return self.emails.get(item["owner_id"]) if item["owner_id"] else None
        value = item[name]
        if kind == ASSESSMENT and name in ("decision", "decision_reason"):
            return value or None  # as Assessment.as_dict records them
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return _text(value)


def check_state() -> StateReport:
    """Every compared field whose value differs from the one the audit log last recorded."""
    current = _Current()
    audited: dict[tuple[str, int], dict] = {}
    defaults = {kind: {name: MODELS[kind]._meta.get_field(name).get_default() for name in FIELDS[kind]}
                for kind in (ROW, ANSWER)}

    def start_items(assessment_id: int, baseline_id):
        """The first values of an assessment's rows and answers, as creating it sets them."""
        for kind in (ROW, ANSWER):
            old_by_ref = current.by_assessment[kind].get(baseline_id, {}) if baseline_id else {}
            for ref, pk in current.by_assessment[kind].get(assessment_id, {}).items():
                values = dict(defaults[kind])
                old = old_by_ref.get(ref)
                if old is not None:
                    known = audited.get((kind, old), {})
                    for name in CARRIED[kind]:
                        if name in known:
                            values[name] = known[name]
                        else:
                            values.pop(name)  # carried from a value the log never had
                    if kind == ANSWER and values.get("answer"):
                        kind_of_question = current.objects[ANSWER][pk]["question__answer_kind"]
                        if values["answer"] not in answers_for(kind_of_question):
                            values["answer"] = Answer.UNANSWERED.value
                audited[(kind, pk)] = values

    events = (Event.objects.filter(object_type__in=list(KIND_OF_TYPE), action__in=[a.value for a in ACTIONS])
              .order_by("chain", "seq").values_list("action", "object_type", "object_id", "after")
              .iterator(chunk_size=2000))
    for action, object_type, object_id, after in events:
        if not object_id.isdigit() or not isinstance(after, dict):
            continue
        kind, pk = KIND_OF_TYPE[object_type], int(object_id)
        if pk not in current.objects[kind]:
            continue  # deleted since: nothing to compare
        if kind in ITEM_SAVES.values():
            if ITEM_SAVES.get(action) == kind:
                known = audited.setdefault((kind, pk), {})
                known.update({name: after[name] for name in FIELDS[kind] if name in after})
            continue
        known = audited.setdefault((ASSESSMENT, pk), {})
        if action == AuditEvent.ASSESSMENTS_ASSESSMENT_CREATED:
            start_items(pk, after.get("baseline"))
        if action == AuditEvent.ASSESSMENTS_MATERIALITY_DECIDED:
            known.update(decision=after.get("decision"), decision_reason=after.get("reason"))
        elif action == AuditEvent.ASSESSMENTS_ROWS_OWNER_ASSIGNED:
            refs = current.by_assessment[ROW].get(pk, {})
            for ref in after.get("rows") or []:
                if ref in refs:
                    audited.setdefault((ROW, refs[ref]), {})["owner"] = after.get("owner")
        else:  # created, changed (the whole assessment) and the moves (its status)
            known.update({name: after[name] for name in FIELDS[ASSESSMENT] if name in after})

    report = StateReport()
    for kind in (ASSESSMENT, ROW, ANSWER):
        report.checked[kind] = report.unaudited[kind] = 0
        for pk, item in current.objects[kind].items():
            known = audited.get((kind, pk))
            if not known:
                report.unaudited[kind] += 1
                continue
            report.checked[kind] += 1
            for name in FIELDS[kind]:
                if name in known and known[name] != current.value(kind, item, name):
                    report.differences.append(_difference(current, kind, pk, item, name, known[name]))
    return report


def _difference(current: _Current, kind: str, pk: int, item: dict, name: str, audited) -> Difference:
    if kind == ASSESSMENT:
        assessment, label = item, f"assessment {item['title']!r}"
    else:
        assessment = current.assessments.get(item["assessment_id"], {})
        label = f"{kind} {item['ref']} of assessment {assessment.get('title', '?')!r}"
    return Difference(kind, pk, label, assessment.get("organisation__slug", ""), name, audited,
                      current.value(kind, item, name))
