"""Reading assessments: progress, the workspace's rows, material-increase suggestions and the
comparison of two assessments; each at a fixed number of queries however many rows there are."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import CharField, Count, Prefetch, Q, QuerySet, Value
from django.utils import timezone

from secassure import guards
from secassure.assessments.choices import PRIVACY_TYPES, AssessmentStatus, Compliance
from secassure.assessments.models import (
    Assessment,
    EvidenceLink,
    QuestionAnswer,
    Risk,
    RiskSnapshot,
    ValidationRow,
    answered,
)
from secassure.evidence.freshness import Freshness
from secassure.evidence.models import Document
from secassure.evidence.services import freshness_of, with_freshness_fields
from secassure.profile.services import CYCLE_RULES, PRIVACY_RULES, rules_in_force

# --- progress -----------------------------------------------------------------------------------


@dataclass
class Progress:
    total: int = 0
    assessed: int = 0
    checked: int = 0
    unconfirmed: int = 0
    non_compliant: int = 0
    # Rows not yet given a compliance status, questions not yet answered (confirmed or not): what the
    # workspace's "unanswered" filter shows.
    unanswered: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.assessed / self.total) if self.total else 0

    @property
    def unchecked(self) -> int:
        """What the "unchecked" filter shows: everything no second person has checked."""
        return self.total - self.checked

    def as_dict(self) -> dict:
        return {"total": self.total, "assessed": self.assessed, "checked": self.checked,
                "unconfirmed": self.unconfirmed, "non_compliant": self.non_compliant, "percent": self.percent}


def group_order(ref: str):
    """SEC groups in their natural order: G3, G4 ... G10, not G10 first."""
    head = ref.rstrip("0123456789")
    tail = ref[len(head):]
    return (head, int(tail) if tail else 0)


# What each progress figure counts, as a filter: the counts are aggregated with these and the
# workspace's filters of the same names show the items they count, so that a count and the list its
# link opens cannot disagree.
ROW_FIGURES = {
    "assessed": lambda: ~Q(status=Compliance.NOT_ASSESSED) & Q(confirmed=True),  # answered and confirmed
    "checked": lambda: Q(checked_by__isnull=False),
    "unconfirmed": lambda: Q(confirmed=False),
    "noncompliant": lambda: Q(status__in=[Compliance.NON_COMPLIANT, Compliance.PARTIAL]),
    "unanswered": lambda: Q(status=Compliance.NOT_ASSESSED),
    "unchecked": lambda: Q(checked_by__isnull=True),
}
ANSWER_FIGURES = {
    "assessed": lambda: answered() & Q(confirmed=True),
    "checked": ROW_FIGURES["checked"],
    "unconfirmed": ROW_FIGURES["unconfirmed"],
    "unanswered": lambda: ~answered(),
    "unchecked": ROW_FIGURES["unchecked"],
}


def _row_counts() -> dict:
    """The progress figures of validation rows, as aggregates (assessed means answered and confirmed)."""
    f = ROW_FIGURES
    return {"total": Count("pk"), "assessed": Count("pk", filter=f["assessed"]()),
            "checked": Count("pk", filter=f["checked"]()), "unconfirmed": Count("pk", filter=f["unconfirmed"]()),
            "non_compliant": Count("pk", filter=f["noncompliant"]()),
            "unanswered": Count("pk", filter=f["unanswered"]())}


def _answer_counts() -> dict:
    """The progress figures of answers, as aggregates in the order of ``_row_counts``."""
    f = ANSWER_FIGURES
    return {"total": Count("pk"), "assessed": Count("pk", filter=f["assessed"]()),
            "checked": Count("pk", filter=f["checked"]()), "unconfirmed": Count("pk", filter=f["unconfirmed"]()),
            "non_compliant": Count("pk", filter=Q(material=True)),
            "unanswered": Count("pk", filter=f["unanswered"]())}


def _progress(counts: dict) -> Progress:
    return Progress(counts["total"], counts["assessed"], counts["checked"], counts["unconfirmed"],
                    counts["non_compliant"], counts["unanswered"])


def progress(assessment: Assessment) -> dict:
    """Progress per group and for the questions: one query, the rows' figures for each group and,
    on the one line without a group, the questions' figures (a line even when there are none)."""
    per_group = (ValidationRow.objects.filter(assessment=assessment).values("group_ref").order_by()
                 .annotate(**_row_counts()))
    # Grouped by a constant, which is no grouping at all: the aggregate of every answer, in the same
    # columns, in the same order, as the rows' figures.
    answers = (QuestionAnswer.objects.filter(assessment=assessment).values(group_ref=Value(None, CharField()))
               .order_by().annotate(**_answer_counts()))
    groups, questions = {}, Progress()
    for counts in per_group.union(answers, all=True).order_by("group_ref"):
        if counts["group_ref"] is None:
            questions = _progress(counts)
        else:
            groups[counts["group_ref"]] = _progress(counts)
    overall = Progress()
    for p in groups.values():
        for f in ("total", "assessed", "checked", "unconfirmed", "non_compliant", "unanswered"):
            setattr(overall, f, getattr(overall, f) + getattr(p, f))
    return {"groups": groups, "rows": overall, "questions": questions}


def submission_summary(assessment: Assessment) -> dict:
    """What signing off submits, in figures a director reads before accepting the declaration: rows by
    compliance status, the questions and how many are flagged material, the evidence it cites, the
    risks it will carry and the materiality decision. A fixed number of queries, however large."""
    by_status = dict(ValidationRow.objects.filter(assessment=assessment).values("status").order_by("status")
                     .annotate(n=Count("pk")).values_list("status", "n"))
    questions = QuestionAnswer.objects.filter(assessment=assessment).aggregate(
        total=Count("pk"), material=Count("pk", filter=Q(material=True)))
    return {
        "rows": [(Compliance(status).label, by_status[status]) for status in Compliance.values if status in by_status],
        "rows_total": sum(by_status.values()),
        "questions": questions["total"], "material": questions["material"],
        "documents": assessment.links.values("document").distinct().count(),
        "risks": assessment.organisation.risks.count(),
        "decision": assessment.get_decision_display() if assessment.decision else "",
    }


def progress_many(assessments) -> dict[int, dict]:
    """Row progress of many assessments in one query (for lists)."""
    figures = {a.pk: Progress().as_dict() for a in assessments}
    counts = (ValidationRow.objects.filter(assessment__in=[a.pk for a in assessments]).values("assessment_id")
              .order_by("assessment_id").annotate(**_row_counts()))
    for c in counts:
        figures[c["assessment_id"]] = _progress(c).as_dict()
    return figures


def conductor(assessment: Assessment, on: dt.date | None = None):
    """Who conducts an assessment of this type under the rules in force: the User, or the User CIO
    (with the clause and source that say so); None when no rules are loaded."""
    rules = regime_rules(assessment.kind, on or timezone.localdate())
    return rules.conductor_of(assessment.kind) if rules is not None else None


def regime_rules(kind: str, on: dt.date):
    """The rules in force for an assessment of this type: the privacy-cycle rules for a privacy
    assessment (SEC Section I), the assessment-cycle rules for every other."""
    return rules_in_force(on, PRIVACY_RULES if kind in PRIVACY_TYPES else CYCLE_RULES)


def led_by_cio(assessment: Assessment):
    """The rule saying the User CIO conducts this type of assessment (FUSA, VUSA, follow-up, G8.3(d));
    None when the User conducts it, or when no rules are loaded to say."""
    found = conductor(assessment)
    return found if found is not None and found.by == "cio" else None


# Where a submitted self-assessment stands while the CIO reviews it and the SSC decides.
SELF_ASSESSMENT_REVIEW = (AssessmentStatus.SUBMITTED, AssessmentStatus.CIO_REVIEW, AssessmentStatus.CIO_FINAL)


def _kept_in_the_users_flow(assessment: Assessment) -> bool:
    """Submitted through the User's own flow before the rules said the CIO conducts its type: it
    finishes that way (shared, reviewed, the SSC's outcome) rather than being stranded."""
    return assessment.submitted_at is not None and assessment.status in SELF_ASSESSMENT_REVIEW


def conducted_by_cio(assessment: Assessment):
    """The rule saying the User CIO conducts the assessment, for one going the CIO's way; None for a
    self-assessment, and for one kept in the User's own flow."""
    return None if _kept_in_the_users_flow(assessment) else led_by_cio(assessment)


def goes_the_cios_way(assessment: Assessment, cio_kinds) -> bool:
    """``conducted_by_cio`` for a caller that already holds the types the rules say the CIO conducts."""
    return assessment.kind in cio_kinds and not _kept_in_the_users_flow(assessment)


def export(assessment: Assessment) -> dict:
    """The whole assessment as plain data: details, progress, rows and answers with their evidence."""
    figures = progress(assessment)

    def common(item) -> dict:
        return {"owner": item.owner.email if item.owner_id else None, "changed": item.changed,
                "change_note": item.change_note or None, "carried_forward": item.carried_forward,
                "confirmed": item.confirmed, "checked_by": item.checked_by.email if item.checked_by_id else None,
                "updated_by": item.updated_by.email if item.updated_by_id else None,
                "evidence": [{"document": link.document.title, "document_id": link.document_id,
                              "version": link.version.number if link.version_id else None}
                             for link in item.links.all()]}

    rows = with_details(assessment.rows.select_related("obligation"))
    answers = with_details(assessment.answers.select_related("question"))
    return {
        "assessment": {**assessment.as_dict(), "conducted_by": getattr(conductor(assessment), "by", None)},
        "progress": {"groups": {ref: p.as_dict() for ref, p in figures["groups"].items()},
                     "rows": figures["rows"].as_dict(), "questions": figures["questions"].as_dict()},
        "rows": [{"ref": r.obligation.ref, "group": r.group_ref, "status": r.status, "narrative": r.narrative,
                  "na_reason": r.na_reason or None,
                  "last_tested": r.last_tested.isoformat() if r.last_tested else None, **common(r)} for r in rows],
        "answers": [{"ref": a.question.ref, "answer": a.answer or None, "narrative": a.narrative,
                     "material": a.material, "material_rationale": a.material_rationale or None, **common(a)}
                    for a in answers],
    }


# --- the workspace ------------------------------------------------------------------------------


# The workspace's filters. Those of ROW_FIGURES are set by "1", and each shows what its progress
# figure counts; "group" is a section's reference, NO_GROUP the rows of no section.
FILTERS = ("group", "status", "owner", "changed", *ROW_FIGURES)
NO_GROUP = "-"


def filtered_rows(assessment: Assessment, filters: dict) -> QuerySet[ValidationRow]:
    rows = ValidationRow.objects.filter(assessment=assessment)
    if filters.get("group"):
        rows = rows.filter(group_ref="" if filters["group"] == NO_GROUP else filters["group"])
    if filters.get("status") in Compliance.values:
        rows = rows.filter(status=filters["status"])
    owner = filters.get("owner")
    if owner == "none":
        rows = rows.filter(owner__isnull=True)
    elif owner:
        rows = rows.filter(owner_id=guards.record_id(owner) or -1)
    if filters.get("changed") == "yes":
        rows = rows.filter(changed=True)
    elif filters.get("changed") == "no":
        rows = rows.filter(Q(changed=False) | Q(changed__isnull=True))
    for name, condition in ROW_FIGURES.items():
        if filters.get(name):
            rows = rows.filter(condition())
    return rows


# The questionnaire's filters: each matches one of the counts in the progress box.
ANSWER_FILTERS = tuple(ANSWER_FIGURES)


def filtered_answers(assessment: Assessment, filters: dict) -> QuerySet[QuestionAnswer]:
    answers = QuestionAnswer.objects.filter(assessment=assessment)
    for name, condition in ANSWER_FIGURES.items():
        if filters.get(name):
            answers = answers.filter(condition())
    return answers


PICKER_LIMIT = 20


def documents_matching(organisation, text: str, limit: int = PICKER_LIMIT) -> tuple[list[Document], bool]:
    """The evidence picker's choices: the organisation's documents whose title holds every word of
    ``text`` (all of them when it is empty), by title, at most ``limit``; and whether more match.
    One query, however large the register."""
    documents = Document.objects.filter(organisation=organisation).only("pk", "title").order_by("title", "pk")
    for word in text.split()[:8]:
        documents = documents.filter(title__icontains=word[:100])
    found = list(documents[: limit + 1])
    return found[:limit], len(found) > limit


def links_prefetch() -> Prefetch:
    return Prefetch("links", queryset=EvidenceLink.objects.select_related("document", "version").order_by("pk"))


def with_details(rows: QuerySet) -> QuerySet:
    """Rows (or answers) with everything the workspace shows, in a fixed number of queries."""
    return rows.select_related("owner", "updated_by", "checked_by").prefetch_related(links_prefetch())


def evidence_freshness(items, today: dt.date) -> dict[int, Freshness]:
    """The freshness of every document linked from these rows or answers: one query."""
    ids = {link.document_id for item in items for link in item.links.all()}
    if not ids:
        return {}
    return {d.pk: freshness_of(d, today) for d in with_freshness_fields(Document.objects.filter(pk__in=ids))}


# --- material increase ----------------------------------------------------------------------------


@dataclass
class Suggestion:
    risk_id: int
    ref: str
    title: str
    kind: str  # "rose" or "new-high"
    before: int | None
    after: int

    @property
    def text(self) -> str:
        if self.kind == "rose":
            return f"{self.ref} {self.title}: residual score rose from {self.before} to {self.after}"
        return f"{self.ref} {self.title}: a new high risk, residual score {self.after}"

    def as_dict(self) -> dict:
        return {"risk": self.ref, "title": self.title, "kind": self.kind, "before": self.before, "after": self.after,
                "text": self.text}


def register_of(assessment: Assessment) -> dict[int, dict]:
    """The register an assessment is judged on: its snapshot once submitted (or once the CIO who
    conducts it has issued the report, which copies the register too), the live register before."""
    if assessment.submitted_at is not None or assessment.submitted:  # its snapshot holds
        return {s.risk_id: {**s.data, "residual_score": s.residual_score}
                for s in RiskSnapshot.objects.filter(assessment=assessment)}
    return {r.pk: {**r.as_dict(), "residual_score": r.residual_score}
            for r in Risk.objects.filter(organisation_id=assessment.organisation_id).select_related("owner")}


def suggestions(assessment: Assessment) -> list[Suggestion]:
    """Where the register suggests a material increase since the baseline: a risk whose residual
    score rose to the organisation's threshold or past it, or a new open risk at it. Closed risks
    are left out. A person decides; this only points."""
    if assessment.baseline_id is None:
        return []
    threshold = assessment.organisation.material_risk_threshold
    before = register_of(assessment.baseline)
    found = []
    for risk_id, now in sorted(register_of(assessment).items(), key=lambda item: item[1]["ref"]):
        if now["status"] != "open" or now["residual_score"] < threshold:
            continue
        old = before.get(risk_id)
        if old is None:
            found.append(Suggestion(risk_id, now["ref"], now["title"], "new-high", None, now["residual_score"]))
        elif old["residual_score"] < threshold or old["status"] != "open":
            found.append(Suggestion(risk_id, now["ref"], now["title"], "rose", old["residual_score"],
                                    now["residual_score"]))
    return found


# --- comparing two assessments ------------------------------------------------------------------


@dataclass
class Comparison:
    first: Assessment
    second: Assessment
    status_changes: list[dict] = field(default_factory=list)
    answer_changes: list[dict] = field(default_factory=list)
    risk_movements: list[dict] = field(default_factory=list)
    evidence: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"first": self.first.as_dict(), "second": self.second.as_dict(),
                "status_changes": self.status_changes, "answer_changes": self.answer_changes,
                "risk_movements": self.risk_movements, "evidence": self.evidence}


def _documents_by_item(assessment: Assessment) -> dict[str, dict[int, EvidenceLink]]:
    found: dict[str, dict[int, EvidenceLink]] = defaultdict(dict)
    links = assessment.links.select_related("document", "version", "row__obligation", "answer__question")
    for link in links:
        ref = link.row.obligation.ref if link.row_id else link.answer.question.ref
        found[ref][link.document_id] = link
    return found


def _status_changes(first: Assessment, second: Assessment) -> list[dict]:
    """Each obligation whose status differs, by ref: the second's rows in order, then the first's alone."""
    changes = []
    rows1 = {r.obligation.ref: r for r in first.rows.select_related("obligation")}
    for row in second.rows.select_related("obligation"):
        old = rows1.pop(row.obligation.ref, None)
        before = old.status if old else None
        if before != row.status:
            changes.append({"ref": row.obligation.ref, "title": row.obligation.title,
                            "before": before, "after": row.status})
    for ref, old in sorted(rows1.items()):
        changes.append({"ref": ref, "title": old.obligation.title, "before": old.status, "after": None})
    return changes


_ANSWER_FIELDS = ("answer", "narrative", "material")


def _answer_fields(answer: QuestionAnswer) -> dict:
    """What of an answer is compared."""
    return {f: getattr(answer, f) for f in _ANSWER_FIELDS}


def _answer_changes(first: Assessment, second: Assessment) -> list[dict]:
    """Each question whose answer differs, by ref: the second's answers in order, then the first's alone."""
    changes = []
    answers1 = {a.question.ref: a for a in first.answers.select_related("question")}
    for answer in second.answers.select_related("question"):
        old = answers1.pop(answer.question.ref, None)
        if old is None or any(getattr(old, f) != getattr(answer, f) for f in _ANSWER_FIELDS):
            changes.append({"ref": answer.question.ref, "before": _answer_fields(old) if old else None,
                            "after": _answer_fields(answer)})
    for ref, old in sorted(answers1.items()):
        changes.append({"ref": ref, "before": _answer_fields(old), "after": None})
    return changes


def _movement(old: dict | None, new: dict | None) -> str:
    """How one risk moved between two registers."""
    if old is None:
        return "new"
    if new is None:
        return "removed"
    if new["status"] != old["status"] and new["status"] == "closed":
        return "closed"
    if new["residual_score"] > old["residual_score"]:
        return "up"
    if new["residual_score"] < old["residual_score"]:
        return "down"
    return "reopened"


def _risk_movements(first: Assessment, second: Assessment) -> list[dict]:
    """Each risk whose residual score or status differs between the two registers, by ref."""
    movements = []
    reg1, reg2 = register_of(first), register_of(second)
    for risk_id in sorted(set(reg1) | set(reg2), key=lambda i: (reg2.get(i) or reg1.get(i))["ref"]):
        old, new = reg1.get(risk_id), reg2.get(risk_id)
        if old and new and old["residual_score"] == new["residual_score"] and old["status"] == new["status"]:
            continue
        movements.append({
            "ref": (new or old)["ref"], "title": (new or old)["title"], "movement": _movement(old, new),
            "before": old["residual_score"] if old else None, "after": new["residual_score"] if new else None})
    return movements


def _version_number(link: EvidenceLink | None, assessment: Assessment, documents: dict[int, Document]) -> int | None:
    """The version a link stands for: its pin, or before submission the document's latest."""
    if link is None:
        return None
    if link.version_id:
        return link.version.number
    return None if assessment.submitted else documents[link.document_id].latest_number


def _evidence_change(old: EvidenceLink | None, new: EvidenceLink | None, before: int | None, after: int | None,
                     freshness: Freshness | None) -> str | None:
    """What happened to one document's link to one item, or None when there is nothing to say."""
    if old is None:
        return "added"
    if new is None:
        return "removed"
    if before and after and after != before:
        return "renewed"
    if freshness and freshness.needs_attention:
        return "lapsed"
    return None


def _evidence_changes(first: Assessment, second: Assessment, today: dt.date) -> list[dict]:
    """Evidence added, removed, renewed or lapsed, per item ref and document."""
    changes = []
    docs1, docs2 = _documents_by_item(first), _documents_by_item(second)
    doc_ids = {d for links in (*docs1.values(), *docs2.values()) for d in links}
    documents = {d.pk: d for d in with_freshness_fields(Document.objects.filter(pk__in=doc_ids))}
    fresh = {pk: freshness_of(d, today) for pk, d in documents.items()}
    for ref in sorted(set(docs1) | set(docs2)):
        old_links, new_links = docs1.get(ref, {}), docs2.get(ref, {})
        for doc_id in sorted(set(old_links) | set(new_links)):
            old, new = old_links.get(doc_id), new_links.get(doc_id)
            link = new or old
            entry = {"ref": ref, "document": link.document.title,
                     "before": _version_number(old, first, documents),
                     "after": _version_number(new, second, documents),
                     "freshness": fresh[doc_id].state if doc_id in fresh else None}
            change = _evidence_change(old, new, entry["before"], entry["after"], fresh.get(doc_id))
            if change is not None:
                entry["change"] = change
                changes.append(entry)
    return changes


def compare(first: Assessment, second: Assessment, today: dt.date) -> Comparison:
    """What moved between two assessments of one organisation, matched by obligation and question
    refs (so that assessments on different catalogue versions compare too)."""
    return Comparison(first, second, status_changes=_status_changes(first, second),
                      answer_changes=_answer_changes(first, second), risk_movements=_risk_movements(first, second),
                      evidence=_evidence_changes(first, second, today))
