"""What needs attention in an organisation's findings and remediation: actions past or near their
target date, and management responses past or near the date the SSC set for them. Also the
findings and plan of one assessment, read as plain values for an export.

Each reads a fixed number of queries, however many findings and actions there are."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, Q

from secassure.assessments.choices import AssessmentStatus
from secassure.assessments.models import Assessment
from secassure.evidence.models import Document
from secassure.people import display_name
from secassure.review.models import DirectorLetter, Finding, ProgressReport, RemediationAction, RemediationPlan
from secassure.tenancy.models import Organisation

# "Due soon" is from today to this many days ahead, both ends included. Due today is due soon, not
# overdue; due yesterday is overdue.
DUE_SOON_DAYS = 14


def attention(org: Organisation, today: dt.date) -> dict:
    """Four lists, most urgent first, each item a small dict: ``ref``, ``description``, ``date`` and
    ``days`` (days overdue, or days left: 0 is today). Actions also carry their ``plan`` and ``pk``
    and their owner's name; findings their ``pk``. Two queries."""
    horizon = today + dt.timedelta(days=DUE_SOON_DAYS)
    result = {"overdue_actions": [], "actions_due_soon": [], "responses_overdue": [], "responses_due_soon": []}
    actions = (RemediationAction.objects.filter(plan__organisation=org).due_by(horizon)
               .select_related("finding", "owner")
               .only("pk", "plan_id", "description", "target_date", "finding__ref", "owner__email", "owner__first_name",
                     "owner__last_name", "finding", "owner")
               .order_by("target_date", "pk"))
    for action in actions:
        item = {"ref": action.finding.ref if action.finding_id else "", "description": action.description,
                "date": action.target_date, "plan": action.plan_id, "pk": action.pk,
                "owner": display_name(action.owner) if action.owner_id else ""}
        _place(item, today, result["overdue_actions"], result["actions_due_soon"])
    # A response to the CIO's report is given only once signed off and sent: until then a finding of
    # an issued report awaits its response, written or not.
    awaiting = Q(response="") | Q(assessment__status=AssessmentStatus.REPORT_ISSUED)
    findings = (Finding.objects.filter(awaiting, organisation=org, response_due__isnull=False,
                                       response_due__lte=horizon)
                .still_open().only("pk", "ref", "description", "response_due")
                .order_by("response_due", "ref"))
    for finding in findings:
        item = {"ref": finding.ref, "description": finding.description, "date": finding.response_due,
                "pk": finding.pk}
        _place(item, today, result["responses_overdue"], result["responses_due_soon"])
    return result


def _place(item: dict, today: dt.date, overdue: list, soon: list) -> None:
    if item["date"] < today:
        item["days"] = (today - item["date"]).days
        overdue.append(item)
    else:
        item["days"] = (item["date"] - today).days
        soon.append(item)


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def findings_and_actions(assessment: Assessment) -> dict:
    """The assessment's findings (with their responses and the titles of their evidence) and its
    remediation plans (with actions, progress reports and director's letters), as plain values
    ready for JSON. Six queries, however many there are of each."""
    findings = (Finding.objects.filter(assessment=assessment).select_related("responded_by")
                .prefetch_related(Prefetch("evidence", queryset=Document.objects.only("pk", "title")
                                           .order_by("title", "pk")))
                .order_by("ref"))
    plans = (RemediationPlan.objects.filter(assessment=assessment).order_by("created_at", "pk")
             .prefetch_related(
                 Prefetch("actions", queryset=RemediationAction.objects
                          .select_related("owner", "finding", "closure_evidence").order_by("target_date", "pk")),
                 Prefetch("reports", queryset=ProgressReport.objects.select_related("document", "recorded_by")
                          .order_by("sent_on", "pk")),
                 Prefetch("letters", queryset=DirectorLetter.objects.select_related("signatory", "document")
                          .order_by("plan_version"))))
    return {
        "findings": [{
            "ref": f.ref, "kind": f.kind, "source": f.source, "severity": f.severity, "status": f.status,
            "clause": f.clause, "description": f.description, "response": f.response,
            "response_due": _iso(f.response_due), "responded_by": f.responded_by.email if f.responded_by_id else None,
            "responded_at": _iso(f.responded_at), "evidence": [d.title for d in f.evidence.all()],
        } for f in findings],
        "plans": [{
            "version": p.version, "status": p.status, "approved_on": _iso(p.approved_on),
            "approval_reference": p.approval_reference,
            "actions": [{
                "description": a.description, "finding": a.finding.ref if a.finding_id else None,
                "clause": a.clause, "owner": a.owner.email if a.owner_id else None,
                "target_date": _iso(a.target_date), "status": a.status,
                "closure_evidence": a.closure_evidence.title if a.closure_evidence_id else None,
                "closed_at": _iso(a.closed_at),
            } for a in p.actions.all()],
            "reports": [{
                "sent_on": _iso(r.sent_on), "summary": r.summary,
                "document": r.document.title if r.document_id else None,
                "recorded_by": r.recorded_by.email if r.recorded_by_id else None,
            } for r in p.reports.all()],
            "letters": [{
                "plan_version": x.plan_version, "signatory": x.signatory.email, "signed_on": _iso(x.signed_on),
                "commitments": x.commitments, "snapshot": x.snapshot,
                "document": x.document.title if x.document_id else None,
            } for x in p.letters.all()],
        } for p in plans],
    }
