"""Flat CSV files of an assessment's rows, the organisation's risks and the remediation actions, for
people who want a spreadsheet without the workbook's structure. Text that a spreadsheet would take
for a formula is prefixed with an apostrophe."""

from __future__ import annotations

import csv

from secassure.assessments.models import Assessment, ValidationRow
from secassure.errors import ActionError
from secassure.exchange.layout import FORMULA_START
from secassure.people import name_and_email
from secassure.review.models import RemediationAction

WHAT = ("rows", "risks", "actions")


def _cell(value) -> str:
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _rows(assessment: Assessment):
    yield ["ref", "group", "obligation", "status", "how it is met", "why it does not apply", "last tested",
           "changed since baseline", "what changed", "owner", "checked by", "evidence"]
    rows = (ValidationRow.objects.filter(assessment=assessment)
            .select_related("obligation", "owner", "checked_by")
            .prefetch_related("links__document").order_by("order", "pk"))
    for r in rows.iterator(chunk_size=500):
        yield [r.obligation.ref, r.group_ref, r.obligation.title, r.get_status_display(), r.narrative, r.na_reason,
               r.last_tested, {True: "yes", False: "no"}.get(r.changed, ""), r.change_note,
               name_and_email(r.owner) if r.owner_id else "", name_and_email(r.checked_by) if r.checked_by_id else "",
               "; ".join(f"D-{link.document_id} {link.document.title}" for link in r.links.all())]


RISK_HEADERS = ["Ref", "Risk", "Asset or scope", "Inherent likelihood", "Inherent impact", "Inherent score",
                "Residual likelihood", "Residual impact", "Residual score", "Treatment", "Treatment plan", "Owner",
                "Review date", "Status"]


def risk_rows(assessment: Assessment):
    """The register the assessment is judged on, a list per risk: the snapshot taken at submission
    once it was submitted (what the CIO and the SSC saw), the live register before."""
    from secassure.assessments.choices import RiskStatus, Treatment
    from secassure.assessments.services import register_of

    treatments, statuses = dict(Treatment.choices), dict(RiskStatus.choices)
    for r in sorted(register_of(assessment).values(), key=lambda r: r["ref"]):
        yield [r["ref"], r["title"], r["asset"], *r["inherent"], *r["residual"],
               treatments.get(r["treatment"], r["treatment"]), r["treatment_plan"], r["owner"] or "",
               r["review_date"] or "", statuses.get(r["status"], r["status"])]


def _risks(assessment: Assessment):
    yield RISK_HEADERS
    yield from risk_rows(assessment)


def _actions(assessment: Assessment):
    yield ["plan version", "finding", "clause", "action", "owner", "target date", "status", "closure evidence",
           "closed at"]
    actions = (RemediationAction.objects.filter(plan__assessment=assessment)
               .select_related("plan", "finding", "owner", "closure_evidence").order_by("target_date", "pk"))
    for a in actions:
        yield [a.plan.version, a.finding.ref if a.finding_id else "", a.clause, a.description,
               name_and_email(a.owner) if a.owner_id else "", a.target_date, a.get_status_display(),
               a.closure_evidence.title if a.closure_evidence_id else "", a.closed_at]


def lines(assessment: Assessment, what: str):
    """The CSV's records, header first, as lists of cells (not yet escaped)."""
    if what not in WHAT:
        raise ActionError(f"{what!r} is not a CSV export; use one of {', '.join(WHAT)}")
    return {"rows": _rows, "risks": _risks, "actions": _actions}[what](assessment)


class _Echo:
    def write(self, value: str) -> str:
        return value


def stream(assessment: Assessment, what: str):
    """The CSV text, record by record (for a streaming download)."""
    writer = csv.writer(_Echo())
    for record in lines(assessment, what):
        yield writer.writerow([_cell(v) for v in record])


def write(assessment: Assessment, what: str, handle) -> int:
    """Write the CSV to an open text file; returns the number of records after the header."""
    count = -1
    for text in stream(assessment, what):
        handle.write(text)
        count += 1
    return count
