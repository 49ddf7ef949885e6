"""The PDF report of an assessment: the summary, compliance by SEC group, changes and material
risk decisions, evidence freshness, open findings and actions, and the CIO's and the SSC's word.

``report_data`` reads everything the report shows as plain JSON-ready values, at a fixed number
of queries however many rows there are. ``render_pdf`` hands that data to the typst template
next to this module as one JSON string (typst reads it with ``json``): user text is only ever a
string value to the template, never typst source, so nothing anyone writes can run as markup
or code. Control characters and bidirectional overrides are left out of what is printed, so the
page reads as the text was stored. The compiler's root is the template's folder and system fonts
are ignored, so the report reads no other file and looks the same on every machine (the fonts are
the ones built into the typst wheel: see ``FONTS``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import typst
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone

from secassure.assessments.choices import (
    MATERIALITY_TYPES,
    AssessmentStatus,
    AssessmentType,
    ChangeArea,
    Compliance,
    Decision,
    Treatment,
    regime_of,
)
from secassure.assessments.models import Assessment, ChangeRecord, EvidenceLink, QuestionAnswer, ValidationRow
from secassure.assessments.services import progress, register_of
from secassure.catalogue.choices import PartyCategory
from secassure.catalogue.models import Group
from secassure.evidence.choices import DocumentType
from secassure.evidence.freshness import ORDER as FRESHNESS_ORDER
from secassure.evidence.models import Document
from secassure.evidence.services import freshness_of, with_freshness_fields
from secassure.people import name_and_email
from secassure.review import choices as review_choices
from secassure.review.models import CioReport, Finding, RemediationAction
from secassure.review.services import bundle
from secassure.tenancy.models import DEFAULT_CLASSIFICATION

TEMPLATE = Path(__file__).resolve().parent / "report.typ"
# The families the template sets; all are embedded in the typst package, none comes from the system.
FONTS = ("Libertinus Serif", "DejaVu Sans Mono")
# The order of the compliance chart's segments, left to right.
CHART_ORDER = (Compliance.COMPLIANT, Compliance.PARTIAL, Compliance.NON_COMPLIANT, Compliance.NOT_APPLICABLE,
               Compliance.NOT_ASSESSED)
EXCEPTIONS = (Compliance.NON_COMPLIANT, Compliance.PARTIAL)


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    """A date as YYYY-MM-DD, a moment as local YYYY-MM-DDTHH:MM; None stays None."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")
    return value.isoformat()


def _label(choices: type[models.TextChoices], value: str | None) -> str:
    """The display label of a choice value (the value itself if unknown, empty for none)."""
    if value is None:
        return ""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _email(user) -> str | None:
    """A person as the report names them: by name, with the address the reader may write to."""
    return name_and_email(user) if user is not None else None


def _group_titles(assessment: Assessment) -> dict[str, tuple[int, str]]:
    """Top-level groups of the catalogue version: ref -> (order, title). One query."""
    groups = Group.objects.filter(version_id=assessment.catalogue_id, parent__isnull=True).values_list(
        "ref", "order", "title")
    return {ref: (order, title) for ref, order, title in groups}


def _compliance(assessment: Assessment) -> dict:
    """Counts of row statuses per SEC group, for the chart and its table. Two queries."""
    counts = {status.value: Count("pk", filter=Q(status=status)) for status in CHART_ORDER}
    per_group = (ValidationRow.objects.filter(assessment=assessment).values("group_ref").order_by("group_ref")
                 .annotate(**counts))
    titles = _group_titles(assessment)
    groups = []
    for g in per_group:
        ref = g["group_ref"]
        order, title = titles.get(ref, (10**9, ""))
        figures = {status.value: g[status.value] for status in CHART_ORDER}
        groups.append({"ref": ref or "(none)", "title": title, "counts": figures, "total": sum(figures.values()),
                       "_order": (order, ref)})
    groups.sort(key=lambda g: g.pop("_order"))
    totals = {status.value: sum(g["counts"][status.value] for g in groups) for status in CHART_ORDER}
    return {"statuses": [{"key": s.value, "label": s.label} for s in CHART_ORDER], "groups": groups,
            "totals": totals, "total": sum(totals.values())}


def _exceptions(assessment: Assessment) -> list[dict]:
    """The non-compliant and partially compliant rows, with how they stand. One query."""
    rows = (ValidationRow.objects.filter(assessment=assessment, status__in=EXCEPTIONS)
            .select_related("obligation", "owner").order_by("order", "pk"))
    found = [{"ref": r.obligation.ref, "title": r.obligation.title, "group": r.group_ref, "status": r.status,
              "status_label": _label(Compliance, r.status), "narrative": r.narrative, "owner": _email(r.owner),
              "last_tested": _iso(r.last_tested)} for r in rows]
    # Non-compliant first, then partial; the catalogue's order within each.
    return sorted(found, key=lambda r: EXCEPTIONS.index(r["status"]))


def _changes(assessment: Assessment) -> list[dict]:
    """The change log since the baseline. One query."""
    records = ChangeRecord.objects.filter(assessment=assessment).select_related("risk", "recorded_by")
    return [{"area": c.area, "area_label": _label(ChangeArea, c.area), "description": c.description,
             "changed_on": _iso(c.changed_on), "risk": f"{c.risk.ref} {c.risk.title}" if c.risk_id else None,
             "recorded_by": _email(c.recorded_by), "recorded_at": _iso(c.recorded_at)}
            for c in records.order_by("changed_on", "pk")]


def _material_answers(assessment: Assessment) -> list[dict]:
    """Answers marked as a material increase in risk, with their rationale. One query."""
    answers = (QuestionAnswer.objects.filter(assessment=assessment, material=True).select_related("question")
               .order_by("order", "pk"))
    return [{"ref": a.question.ref, "question": a.question.text, "answer": a.answer or None,
             "answer_label": a.shown, "narrative": a.narrative,
             "rationale": a.material_rationale} for a in answers]


def _high_risks(assessment: Assessment, threshold: int) -> dict:
    """Open risks of the register the assessment is judged on, at or above the threshold. One query."""
    register = register_of(assessment)
    risks = sorted((r for r in register.values() if r["status"] == "open" and r["residual_score"] >= threshold),
                   key=lambda r: (-r["residual_score"], r["ref"]))
    return {
        "threshold": threshold,
        "source": "snapshot" if assessment.submitted else "live",
        "risks": [{"ref": r["ref"], "title": r["title"], "residual": r["residual"], "inherent": r["inherent"],
                   "treatment_label": _label(Treatment, r["treatment"]), "treatment_plan": r["treatment_plan"],
                   "owner": r["owner"], "review_date": r["review_date"]} for r in risks],
    }


def _evidence(assessment: Assessment, today: dt.date) -> list[dict]:
    """Each document the assessment offers, at the version it offers (pinned at submission, the
    latest before), with its dates, its freshness today and the items it backs. Two queries."""
    links = (EvidenceLink.objects.filter(assessment=assessment)
             .select_related("version", "row__obligation", "answer__question").order_by("pk"))
    items: dict[tuple[int, int | None], list[str]] = defaultdict(list)
    pinned: dict[tuple[int, int | None], object] = {}
    for link in links:
        key = (link.document_id, link.version.number if link.version_id else None)
        pinned[key] = link.version
        ref = link.row.obligation.ref if link.row_id else link.answer.question.ref
        if ref not in items[key]:
            items[key].append(ref)
    if not items:
        return []
    documents = {d.pk: d for d in with_freshness_fields(Document.objects.filter(pk__in={k[0] for k in items}))}
    found = []
    for (doc_id, number), refs in items.items():
        doc = documents[doc_id]
        version = pinned[(doc_id, number)]
        fresh = freshness_of(doc, today)
        found.append({
            "title": doc.title, "type": _label(DocumentType, doc.doc_type),
            "version": number if number is not None else doc.latest_number,
            "latest_version": doc.latest_number,
            "effective": _iso(version.effective_date if version else doc.latest_effective),
            "expiry": _iso(version.expiry_date if version else doc.latest_expiry),
            "next_review": _iso(doc.next_review),
            "freshness": fresh.state, "freshness_label": fresh.label, "freshness_reason": fresh.reason,
            "items": refs,
        })
    # Those that need attention first (expired, overdue ...), then by title.
    found.sort(key=lambda d: (FRESHNESS_ORDER.index(d["freshness"]), d["title"].lower(), d["version"] or 0))
    return found


def _findings_and_actions(review: dict, today: dt.date) -> dict:
    """Open findings and the remediation plan's actions (open ones listed, overdue marked). Whether
    each is still open, or overdue, is the models' own rule, read on the bundle's plain values."""
    findings = [{**f, "kind_label": _label(review_choices.FindingKind, f["kind"]),
                 "severity_label": _label(review_choices.Severity, f["severity"]),
                 "status_label": _label(review_choices.FindingStatus, f["status"]),
                 "source_label": _label(review_choices.FindingSource, f["source"])}
                for f in review["findings"]]
    open_findings = [f for f in findings if Finding(status=f["status"]).still_open]
    plan = review["plans"][0] if review["plans"] else None
    actions = []
    for a in plan["actions"] if plan else []:
        target = dt.date.fromisoformat(a["target_date"])
        action = RemediationAction(status=a["status"], target_date=target)
        actions.append({**a, "status_label": _label(review_choices.ActionStatus, a["status"]),
                        "open": action.still_open, "overdue": action.is_overdue(today),
                        "days_overdue": max((today - target).days, 0)})
    return {
        "findings": open_findings,
        "findings_closed": len(findings) - len(open_findings),
        "plan": None if plan is None else {
            "version": plan["version"], "status": plan["status"],
            "status_label": _label(review_choices.PlanStatus, plan["status"]),
            "approved_on": plan["approved_on"], "approval_reference": plan["approval_reference"] or None},
        "actions": [a for a in actions if a["open"]],
        "actions_closed": sum(not a["open"] for a in actions),
        "actions_overdue": sum(a["overdue"] for a in actions),
    }


def _cio_report(report: CioReport | None) -> dict | None:
    """An issued version of the User CIO's report, with its results as issued."""
    if report is None:
        return None
    results = [{"ref": r["ref"], "result": r["result"], "result_label": r["result_label"], "note": r["note"],
                "examined": r["examined"]} for r in report.results]
    return {"version": report.version, "summary": report.summary, "issued_by": _email(report.issued_by),
            "issued_at": _iso(report.issued_at), "response_due": _iso(report.response_due),
            "response_sent_on": _iso(report.response_sent_on), "results": results,
            "non_compliant": sum(r["result"] in review_choices.NON_COMPLIANT_RESULTS for r in results)}


def report_data(assessment: Assessment, *, today: dt.date | None = None, cio_report: CioReport | None = None) -> dict:
    """Everything the report shows, as plain JSON-ready values (dates as ISO strings, moments in
    local time to the minute, choices with their labels): the organisation and the assessment,
    progress, the materiality decision, the SSC outcome, compliance counts per SEC group, the
    non-compliant and partial rows, the change log, material answers, high risks, evidence with its
    freshness on ``today``, open findings and actions, and the CIO's comments. A fixed number of
    queries, however many rows, answers, links, findings or comments there are."""
    today = today or timezone.localdate()
    a = (Assessment.objects.select_related("organisation", "catalogue__framework", "submitted_by", "decided_by",
                                           "baseline")
         .get(pk=assessment.pk))
    org = a.organisation
    figures = progress(a)
    review = bundle(a)
    outcome = review["outcome"]
    comments = [{**c, "at": _iso(dt.datetime.fromisoformat(c["at"]))} for c in review["comments"]]
    queries = Counter(q["status"] for q in review["queries"])
    cio_first = cio_report is not None
    if cio_report is None:
        cio_report = (CioReport.objects.filter(assessment=a, issued_at__isnull=False).select_related("issued_by")
                      .order_by("-version").first())
    return {
        "cio_report": _cio_report(cio_report), "cio_first": cio_first,
        "produced_on": today.isoformat(),
        "classification": org.classification_label.strip() or DEFAULT_CLASSIFICATION,
        "organisation": {"name": org.name, "sec_party_id": org.sec_party_id or None,
                         "category": _label(PartyCategory, org.category)},
        "assessment": {
            "title": a.title, "type": a.kind, "type_label": _label(AssessmentType, a.kind),
            "regime": regime_of(a.kind),
            "cycle_year": a.cycle_year, "catalogue": a.catalogue.label, "catalogue_name": a.catalogue.framework.name,
            "status": a.status, "status_label": _label(AssessmentStatus, a.status),
            "submitted": a.submitted,
            "period": [_iso(a.period_start), _iso(a.period_end)],
            "fieldwork": [_iso(a.fieldwork_start), _iso(a.fieldwork_end)],
            "booking_reference": a.booking_reference or None,
            "baseline": a.baseline.title if a.baseline_id else None,
            "submitted_by": _email(a.submitted_by), "submitted_at": _iso(a.submitted_at),
            "revision": a.revision,
        },
        "progress": {"rows": figures["rows"].as_dict(), "questions": figures["questions"].as_dict()},
        "materiality": {
            "required": a.kind in MATERIALITY_TYPES, "decision": a.decision or None,
            "label": _label(Decision, a.decision or ""), "reason": a.decision_reason or None,
            "decided_by": _email(a.decided_by), "decided_at": _iso(a.decided_at),
        },
        "outcome": None if outcome is None else {
            **outcome, "label": _label(review_choices.Decision, outcome["decision"])},
        "compliance": _compliance(a),
        "exceptions": _exceptions(a),
        "changes": _changes(a),
        "material_answers": _material_answers(a),
        "high_risks": _high_risks(a, org.material_risk_threshold),
        "evidence": _evidence(a, today),
        **_findings_and_actions(review, today),
        "review": {
            "overall": [c for c in comments if c["item"] is None],
            "items": [c for c in comments if c["item"] is not None],
            "queries": {"total": sum(queries.values()), "open": queries.get("open", 0),
                        "answered": queries.get("answered", 0), "closed": queries.get("closed", 0)},
        },
    }


# Control characters, and the bidirectional embeddings, overrides and isolates that could make
# printed text read differently from what was stored: dropped from what the PDF prints.
_UNPRINTED = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def printable(value: object) -> object:
    """The data with the characters above removed from every string (line breaks and tabs kept)."""
    if isinstance(value, str):
        return _UNPRINTED.sub("", value)
    if isinstance(value, dict):
        return {k: printable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [printable(v) for v in value]
    return value


def compiler(data: dict) -> typst.Compiler:
    """A typst compiler for the report template: rooted at the template's folder, system fonts
    ignored, the data given as one JSON string input."""
    return typst.Compiler(input=str(TEMPLATE), root=str(TEMPLATE.parent), ignore_system_fonts=True,
                          sys_inputs={"data": json.dumps(printable(data), ensure_ascii=False)})


def render_cio_report(report: CioReport, *, today: dt.date | None = None) -> bytes:
    """An issued version of the User CIO's User Security Assessment Report (G8.22) as a PDF: the CIO's
    report first, then the assessment's facts as the assessment report gives them."""
    return render_pdf(report.assessment, today=today, cio_report=report)


def render_pdf(assessment: Assessment, *, today: dt.date | None = None, cio_report: CioReport | None = None) -> bytes:
    """The report as a PDF (A4, tagged for accessibility). The same data on the same day gives the
    same bytes: the creation date is the report's date."""
    today = today or timezone.localdate()
    data = report_data(assessment, today=today, cio_report=cio_report)
    stamp = dt.datetime.combine(today, dt.time(12), tzinfo=dt.UTC)
    return compiler(data).compile(format="pdf", timestamp=stamp)
