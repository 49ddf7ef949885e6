"""An assessment the User CIO conducts (a FUSA, a VUSA, a follow-up, a formal assessment under
G8.3(d)): the CIO's fieldwork, results and report, and the User's response to it.

Once an Owner shares such an assessment with a CIO reviewer, the fieldwork is under way: the CIO
records its dates (the next assessment falls due from its end), asks for evidence on obligations
(``raise_query`` with the evidence purpose, answered by the User from its register), and records a
result on each obligation with the evidence examined. The CIO writes the User Security Assessment
Report (G8.22) and issues it: each non-compliant result becomes a finding, the evidence offered is
pinned and the risk register is copied, as a submission would. The User writes a management
response to each finding, an Approver signs each off, and an Owner records the date the response
went to the SSC and the CIO (G8.24), by the date the SSC set. After a VUSA or a formal assessment,
non-compliance that remains opens a remediation plan; after a FUSA or a follow-up, the assurance
status the Panel assigns closes the assessment (``actions.record_assurance``).

Only the CIO writes the fieldwork's results and the report; only the User writes the response.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F as Field
from django.utils import timezone

from secassure import guards
from secassure.assessments.actions import pin_evidence, snapshot_risks
from secassure.assessments.choices import AssessmentStatus, AssessmentType
from secassure.assessments.models import Assessment, EvidenceLink, ValidationRow
from secassure.audit.actions import record
from secassure.audit.events import AuditEvent
from secassure.errors import ActionError
from secassure.evidence.models import Document, DocumentVersion
from secassure.inbox.actions import members_who_may, notify
from secassure.inbox.choices import Kind
from secassure.review.actions import _require_reviewer, _status_move, active_reviewers, overview_url
from secassure.review.choices import NON_COMPLIANT_RESULTS, FindingSource, FindingStatus, Result
from secassure.review.models import CioReport, Finding, RowResult
from secassure.review.remediation_actions import add_finding, day, open_plan
from secassure.tenancy import access
from secassure.wording import in_sentence, plural

S = AssessmentStatus
TEXT_LIMIT = 20_000
# After these types, non-compliance that remains once the response is sent opens a remediation plan;
# the others wait for the assurance status the Panel assigns.
PLAN_AFTER = frozenset({AssessmentType.VUSA, AssessmentType.CIO_COMPLIANCE})


def _conducting(assessment: Assessment, by, what: str) -> None:
    """The CIO with whom the assessment is shared, during the fieldwork."""
    _require_reviewer(by, assessment)
    if assessment.status != S.FIELDWORK:
        raise ActionError(f"{what} during the fieldwork; the assessment is "
                          f"{in_sentence(assessment.get_status_display())}")


def _draft(assessment: Assessment) -> CioReport | None:
    return assessment.cio_reports.filter(issued_at__isnull=True).first()


def issued_report(assessment: Assessment) -> CioReport | None:
    """The report version in force: the latest issued one."""
    return assessment.cio_reports.filter(issued_at__isnull=False).order_by("-version").first()


# --- the fieldwork ------------------------------------------------------------------------------


def record_fieldwork(assessment: Assessment, *, by, start: dt.date | None, end: dt.date | None) -> Assessment:
    """The CIO's fieldwork dates, once they have happened. The next assessment falls due within
    12 months of the end (G8.40)."""
    _require_reviewer(by, assessment)
    if assessment.status not in (S.FIELDWORK, S.REPORT_ISSUED):
        raise ActionError("the fieldwork's dates are recorded by the CIO conducting the assessment, until the "
                          "User has responded to the report")
    guards.past_date(start, "the fieldwork's start")
    guards.past_date(end, "the fieldwork's end")
    if start and end and end < start:
        raise ActionError("the fieldwork ends before it starts")
    if (start, end) == (assessment.fieldwork_start, assessment.fieldwork_end):  # saved unchanged
        return assessment
    before = [d.isoformat() if d else None for d in (assessment.fieldwork_start, assessment.fieldwork_end)]
    with transaction.atomic():
        Assessment.objects.filter(pk=assessment.pk).update(fieldwork_start=start, fieldwork_end=end,
                                                          revision=Field("revision") + 1)
        assessment.fieldwork_start, assessment.fieldwork_end = start, end
        assessment.revision += 1
        record(AuditEvent.REVIEW_FIELDWORK_RECORDED, assessment, organisation=assessment.organisation,
               before={"fieldwork": before},
               after={"fieldwork": [d.isoformat() if d else None for d in (start, end)]})
    return assessment


def record_result(row: ValidationRow, *, by, result: str, note: str = "",
                  examined: list[Document] | tuple = ()) -> RowResult:
    """The CIO's result on one obligation, with the evidence examined: documents offered on the
    row, kept at the version each had when the result was recorded. A non-compliant result says why."""
    assessment = row.assessment
    _conducting(assessment, by, "results are recorded")
    if result not in Result.values:
        raise ActionError(f"{result!r} is not a result; use one of {', '.join(Result.values)}")
    if result == Result.MATERIAL and assessment.kind != AssessmentType.VUSA:
        raise ActionError("a material increase in security risk since the last FUSA is what a VUSA reports "
                          "(G8.22); record actual or potential non-compliance")
    note = guards.text(note, "the note", TEXT_LIMIT)
    if result in NON_COMPLIANT_RESULTS and not note:
        raise ActionError(f"{row.obligation.ref}: say what was found; it is what the finding will say")
    offered = set(EvidenceLink.objects.filter(row=row).values_list("document_id", flat=True))
    strangers = [d.title for d in examined if d.pk not in offered]
    if strangers:
        raise ActionError(f"{', '.join(strangers)}: not offered as evidence on {row.obligation.ref}; ask for it "
                          "with an evidence request")
    versions = []
    for document in examined:
        version = DocumentVersion.objects.filter(document=document).order_by("-number").first()
        if version is None:
            raise ActionError(f"{document.title!r} has no version uploaded yet: there is nothing to examine")
        versions.append(version)
    shown = sorted(f"{v.document.title} v{v.number}" for v in versions)
    with transaction.atomic():
        found = RowResult.objects.select_for_update().filter(row=row).first()
        if found is not None:
            before = {"result": found.result, "note": found.note,
                      "examined": sorted(f"{v.document.title} v{v.number}"
                                         for v in found.examined.select_related("document"))}
            if before == {"result": result, "note": note, "examined": shown}:  # saved unchanged
                return found
            found.result, found.note, found.recorded_by = result, note, by
            found.revision += 1
            found.save()
        else:
            before = None
            found = RowResult.objects.create(assessment=assessment, row=row, result=result, note=note,
                                             recorded_by=by)
        found.examined.set(versions)
        record(AuditEvent.REVIEW_RESULT_RECORDED, found, organisation=assessment.organisation, before=before,
               after={"obligation": row.obligation.ref, "result": result, "note": note, "examined": shown})
    return found


# --- the report ---------------------------------------------------------------------------------


def write_report(assessment: Assessment, *, by, summary: str) -> CioReport:
    """The CIO's draft of the next version of the report; saved as often as the CIO likes until issued."""
    _conducting(assessment, by, "the report is written")
    summary = guards.text(summary, "the report's summary", TEXT_LIMIT)
    if not summary:
        raise ActionError("write the report's summary: what was assessed, how, and what was found")
    with transaction.atomic():
        draft = _draft(assessment)
        if draft is not None and draft.summary == summary:  # saved unchanged
            return draft
        if draft is None:
            last = assessment.cio_reports.order_by("-version").values_list("version", flat=True).first() or 0
            draft = CioReport.objects.create(assessment=assessment, version=last + 1, summary=summary, written_by=by)
            before = None
        else:
            before = {"summary": draft.summary}
            draft.summary, draft.written_by = summary, by
            draft.save(update_fields=["summary", "written_by", "updated_at"])
        record(AuditEvent.REVIEW_CIO_REPORT_DRAFTED, draft, organisation=assessment.organisation, before=before,
               after={"version": draft.version, "summary": summary})
    return draft


def problems_before_issue(assessment: Assessment) -> list[str]:
    """What stops the CIO issuing the report, in words that say what to do; empty when nothing does."""
    found = []
    missing = list(assessment.rows.filter(cio_result__isnull=True).values_list("obligation__ref", flat=True))
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        found.append(f"{plural(len(missing), 'obligation has', 'obligations have')} no result yet: {shown}")
    waiting = assessment.queries.still_open().count()
    if waiting:
        found.append(f"{plural(waiting, 'query or evidence request is', 'queries and evidence requests are')} "
                     "still open: close them first")
    if assessment.fieldwork_end is None:
        found.append("record the fieldwork's dates: the next assessment falls due from its end")
    if _draft(assessment) is None:
        found.append("write the report's summary")
    return found


def _results(assessment: Assessment) -> list[dict]:
    results = (RowResult.objects.filter(assessment=assessment).select_related("row__obligation")
               .prefetch_related("examined__document").order_by("row__order"))
    return [{"ref": r.row.obligation.ref, "title": r.row.obligation.title, "result": r.result,
             "result_label": r.get_result_display(), "note": r.note,
             "examined": sorted(f"{v.document.title} v{v.number}" for v in r.examined.all())} for r in results]


def issue_report(assessment: Assessment, *, by) -> CioReport:
    """Issue the drafted version: it is never changed after this. Each non-compliant result without
    a finding yet becomes one, in the organisation's numbering; the evidence offered is pinned at its
    latest version and the risk register copied, as at a submission."""
    _conducting(assessment, by, "the report is issued")
    problems = problems_before_issue(assessment)
    if problems:
        raise ActionError("the report cannot be issued yet: " + "; ".join(problems))
    org = assessment.organisation
    with transaction.atomic():
        draft = CioReport.objects.select_for_update().get(pk=_draft(assessment).pk)
        draft.results = _results(assessment)
        draft.issued_by, draft.issued_at = by, timezone.now()
        earlier = issued_report(assessment)
        if earlier is not None:
            draft.response_due = earlier.response_due
        draft.save()
        revised = _follow_revision(assessment, draft)
        known = set(Finding.objects.filter(assessment=assessment, source=FindingSource.CIO_REPORT)
                    .values_list("clause", flat=True))
        raised = []
        for result in draft.results:
            if result["result"] in NON_COMPLIANT_RESULTS and result["ref"] not in known:
                raised.append(add_finding(org, by=None, kind=result["result"], description=result["note"],
                                          clause=result["ref"], source=FindingSource.CIO_REPORT, assessment=assessment,
                                          response_due=draft.response_due).ref)
        pin_evidence(assessment)
        snapshot_risks(assessment)
        _status_move(assessment, S.REPORT_ISSUED, by=by, reason=f"User Security Assessment Report v{draft.version}")
        record(AuditEvent.REVIEW_CIO_REPORT_ISSUED, draft, organisation=org, after={
            "version": draft.version, "results": len(draft.results), "findings_raised": raised,
            **{key: refs for key, refs in revised.items() if refs},
            "non_compliant": [r["ref"] for r in draft.results if r["result"] in NON_COMPLIANT_RESULTS]})
        _tell_report_issued(assessment, draft, by=by)
    return draft


def _tell_report_issued(assessment: Assessment, report: CioReport, *, by) -> None:
    """The User's people who respond to the report's findings, and those who send the response
    (G8.24), are told the report is issued."""
    org = assessment.organisation
    waiting = Finding.objects.filter(assessment=assessment, source=FindingSource.CIO_REPORT).still_open().count()
    people = members_who_may(org, access.RECORD_OUTCOME)
    issued = f"The User CIO's report on {assessment.title}" + (f" (version {report.version})"
                                                               if report.version > 1 else "")
    if waiting:
        people = people | members_who_may(org, access.MANAGE_FINDINGS)
        text = f"{issued} is issued: respond to its {plural(waiting, 'finding')} (G8.24)"
    else:
        text = f"{issued} is issued and finds no non-compliance: send the User's response (G8.24)"
    notify(org, people, kind=Kind.REPORT_ISSUED, text=text, url=overview_url(assessment, "#response"), obj=report,
           by=by)


def _follow_revision(assessment: Assessment, report: CioReport) -> dict:
    """The findings follow a revised report until the response is sent: one whose obligation the new
    version finds compliant is withdrawn (closed), one whose result or note changed is brought up to
    date (and its response wants signing off again). Findings already in remediation stay as they are."""
    by_ref = {r["ref"]: r for r in report.results}
    withdrawn, changed = [], []
    findings = Finding.objects.select_for_update().filter(
        assessment=assessment, source=FindingSource.CIO_REPORT,
        status__in=(FindingStatus.OPEN, FindingStatus.RESPONSE_DRAFTED))
    for finding in findings:
        now = by_ref.get(finding.clause)
        if now is None or now["result"] not in NON_COMPLIANT_RESULTS:
            finding.status = FindingStatus.CLOSED
            finding.save(update_fields=["status"])
            record(AuditEvent.REVIEW_FINDING_MOVED, finding, organisation=assessment.organisation,
                   after={"status": FindingStatus.CLOSED},
                   reason=f"withdrawn by version {report.version} of the User CIO's report")
            withdrawn.append(finding.ref)
        elif (now["result"], now["note"]) != (finding.kind, finding.description):
            before = {"kind": finding.kind, "description": finding.description}
            finding.kind, finding.description = now["result"], now["note"]
            finding.response_approved_by, finding.response_approved_at = None, None
            finding.revision += 1
            finding.save(update_fields=["kind", "description", "response_approved_by", "response_approved_at",
                                        "revision"])
            record(AuditEvent.REVIEW_FINDING_REVISED, finding, organisation=assessment.organisation, before=before,
                   after={"kind": finding.kind, "description": finding.description},
                   reason=f"as version {report.version} of the User CIO's report says")
            changed.append(finding.ref)
    return {"findings_withdrawn": withdrawn, "findings_revised": changed}


def reopen_report(assessment: Assessment, *, by, reason: str) -> Assessment:
    """The CIO takes the report back to revise it: the fieldwork resumes and the next version is
    drafted from the one issued. Not once the User's response has gone to the SSC."""
    _require_reviewer(by, assessment)
    if assessment.status != S.REPORT_ISSUED:
        raise ActionError("only an issued report, not yet answered, is revised")
    reason = guards.text(reason, "the reason", 2000)
    if not reason:
        raise ActionError("say why the report is revised: the User and the SSC will read it")
    current = issued_report(assessment)
    with transaction.atomic():
        CioReport.objects.create(assessment=assessment, version=current.version + 1, summary=current.summary,
                                 written_by=by)
        _status_move(assessment, S.FIELDWORK, by=by, reason=reason)
        record(AuditEvent.REVIEW_CIO_REPORT_REOPENED, current, organisation=assessment.organisation,
               reason=reason, after={"next_version": current.version + 1})
    return assessment


# --- the User's response (G8.24) -------------------------------------------------------------------


def set_response_due(assessment: Assessment, *, by, due: dt.date) -> CioReport:
    """The date the SSC set for the User's response: every finding of the report is due by it."""
    org = assessment.organisation
    access.require(by, org, access.RECORD_OUTCOME)
    report = issued_report(assessment)
    if report is None or assessment.status != S.REPORT_ISSUED:
        raise ActionError("the SSC's date is recorded once the CIO has issued the report, until the response is sent")
    if not isinstance(due, dt.date):
        raise ActionError("give the date the SSC set for the response")
    if due == report.response_due:  # saved unchanged
        return report
    with transaction.atomic():
        before = report.response_due
        CioReport.objects.filter(pk=report.pk).update(response_due=due)
        report.response_due = due
        findings = Finding.objects.filter(assessment=assessment, source=FindingSource.CIO_REPORT)
        refs = sorted(findings.values_list("ref", flat=True))
        findings.update(response_due=due, revision=Field("revision") + 1)
        record(AuditEvent.REVIEW_RESPONSE_DUE_SET, report, organisation=org,
               before={"response_due": before.isoformat() if before else None},
               after={"response_due": due.isoformat(), "findings": refs})
        notify(org, members_who_may(org, access.MANAGE_FINDINGS), kind=Kind.RESPONSE_DUE,
               text=f"The SSC wants the response to the User CIO's report on {assessment.title} by {day(due)}",
               url=overview_url(assessment, "#response"), obj=report, by=by)
    return report


def approve_response(finding: Finding, *, by, revision: int) -> Finding:
    """An Approver signs off the management response as it stands; not their own, and not one
    changed since they opened it."""
    org = finding.organisation
    access.require(by, org, access.APPROVE_ASSESSMENTS)
    if by is None:
        raise ActionError("a response is signed off by a person, through the web")
    with transaction.atomic():
        locked = Finding.objects.select_for_update().get(pk=finding.pk)
        if locked.revision != revision:
            raise ActionError(f"{locked.ref}'s response was changed after you opened it; read it again before "
                              "signing it off")
        if not locked.response:
            raise ActionError(f"{locked.ref} has no management response to sign off yet")
        if locked.responded_by_id == by.pk:
            raise ActionError("you wrote this response; another Approver must sign it off")
        if locked.response_approved_by_id:
            raise ActionError(f"{locked.ref}'s response is already signed off")
        locked.response_approved_by, locked.response_approved_at = by, timezone.now()
        locked.revision += 1
        locked.save(update_fields=["response_approved_by", "response_approved_at", "revision"])
        record(AuditEvent.REVIEW_RESPONSE_APPROVED, locked, organisation=org,
               after={"ref": locked.ref, "response": locked.response, "approved_by": by.email})
        assessment = locked.assessment
        if (assessment is not None and assessment.status == S.REPORT_ISSUED
                and not problems_before_sending(assessment)):
            # The last response signed off: the response can go, which those who send it are told.
            notify(org, members_who_may(org, access.RECORD_OUTCOME), kind=Kind.RESPONSE_DUE,
                   text=f"Every response to the CIO's report on {assessment.title} is signed off: send the "
                        "response to the SSC and the User CIO (G8.24)",
                   url=overview_url(assessment, "#response"), obj=assessment, by=by)
    return locked


def problems_before_sending(assessment: Assessment) -> list[str]:
    """What stops the response going: a finding of the report still open without a management
    response signed off by an Approver. A finding the report withdrew, or already closed, needs none."""
    findings = Finding.objects.filter(assessment=assessment, source=FindingSource.CIO_REPORT).still_open()
    found = []
    unanswered = list(findings.filter(response="").values_list("ref", flat=True))
    if unanswered:
        found.append(f"{plural(len(unanswered), 'finding has', 'findings have')} no management response: "
                     f"{', '.join(unanswered)}")
    unsigned = list(findings.exclude(response="").filter(response_approved_by__isnull=True)
                    .values_list("ref", flat=True))
    if unsigned:
        found.append(f"{plural(len(unsigned), 'response is', 'responses are')} not signed off by an Approver: "
                     f"{', '.join(unsigned)}")
    return found


def send_response(assessment: Assessment, *, by, sent_on: dt.date) -> CioReport:
    """Record that the User Security Assessment Response went to the SSC and the CIO (G8.24). After
    a VUSA or a formal assessment, non-compliance still open opens the remediation plan the SSC
    approves (with a director's letter); otherwise the assessment is closed. After a FUSA or a
    follow-up it waits for the assurance status."""
    org = assessment.organisation
    access.require(by, org, access.RECORD_OUTCOME)
    report = issued_report(assessment)
    if report is None or assessment.status != S.REPORT_ISSUED:
        raise ActionError("the response answers the CIO's issued report" if report is None else
                          "the CIO has taken the report back to revise it: the response answers the new version"
                          if assessment.status == S.FIELDWORK else "the response has already been sent")
    guards.past_date(sent_on, "the date the response was sent")
    if sent_on is None:
        raise ActionError("give the date the response was sent")
    problems = problems_before_sending(assessment)
    if problems:
        raise ActionError("the response cannot go yet: " + "; ".join(problems))
    late = report.response_due is not None and sent_on > report.response_due
    with transaction.atomic():
        CioReport.objects.filter(pk=report.pk).update(response_sent_on=sent_on)
        report.response_sent_on = sent_on
        _status_move(assessment, S.RESPONSE_SENT, by=by, reason=f"response sent on {day(sent_on)}")
        remaining = Finding.objects.filter(assessment=assessment).still_open().exclude(kind="observation")
        plan = None
        if assessment.kind in PLAN_AFTER:
            if remaining.exists():
                _status_move(assessment, S.ACTIONS_REQUESTED, by=by,
                             reason="non-compliance remains: a remediation plan for the SSC's approval")
                plan = open_plan(assessment, by=by)
            else:
                _status_move(assessment, S.CLOSED, by=by, reason="no non-compliance remains")
        record(AuditEvent.REVIEW_RESPONSE_SENT, report, organisation=org, after={
            "sent_on": sent_on.isoformat(), "due": report.response_due.isoformat() if report.response_due else None,
            "late": late, "responses": dict(Finding.objects.filter(assessment=assessment,
                                                                   source=FindingSource.CIO_REPORT)
                                            .order_by("ref").values_list("ref", "response")),
            "plan": plan.pk if plan else None})
        notify(org, active_reviewers(assessment), kind=Kind.RESPONSE_SENT,
               text=f"{org.name} sent its response to your report on {assessment.title} on {day(sent_on)}",
               url=overview_url(assessment, "#response"), obj=report, by=by)
    return report
