"""Findings and their management responses, and the remediation plan the SSC asks for: its actions
(with owners and timescales), the progress reports sent back under G8.28(b), the director's letter
that covers each version of the plan, and the SSC's approval.

Each action checks first, then changes in one transaction with its audit event. A person acting
through the web passes ``by``; ``None`` is the command line, which skips the role check except
where the rules need a person (the director's letter). A director's letter is written once and
never changed: changing a commitment it covered makes a new version of the plan, to be signed
afresh."""

from __future__ import annotations

import datetime as dt
import re

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from secassure import guards
from secassure.assessments import actions as assessment_actions
from secassure.assessments.actions import StaleEdit
from secassure.assessments.choices import AssessmentStatus
from secassure.assessments.models import Assessment
from secassure.audit.actions import record
from secassure.audit.events import AuditEvent
from secassure.audit.models import Event
from secassure.errors import ActionError
from secassure.evidence.models import Document
from secassure.inbox.actions import members_who_may, notify
from secassure.inbox.choices import Kind
from secassure.people import display_name
from secassure.review.choices import (
    ActionStatus,
    FindingKind,
    FindingSource,
    FindingStatus,
    PlanStatus,
    Severity,
)
from secassure.review.models import DirectorLetter, Finding, ProgressReport, RemediationAction, RemediationPlan
from secassure.tenancy import access
from secassure.tenancy.choices import MemberRole
from secassure.tenancy.models import Organisation

__all__ = ["StaleEdit", "add_action", "add_finding", "link_finding_evidence", "open_plan", "record_approval",
           "record_report", "respond", "send_plan", "set_finding_status", "sign_letter", "update_action"]

TEXT_LIMIT = 20_000
F = FindingStatus
A = ActionStatus

# Where a finding may go from each status. A finding the SSC lets the User live with is risk
# accepted, which needs the reason and is only possible before remediation starts; evidence the SSC
# found wanting sends it back to remediation.
FINDING_MOVES: dict[str, frozenset[str]] = {
    F.OPEN: frozenset({F.RESPONSE_DRAFTED, F.RISK_ACCEPTED}),
    F.RESPONSE_DRAFTED: frozenset({F.ACTION_PLANNED, F.RISK_ACCEPTED}),
    F.ACTION_PLANNED: frozenset({F.IN_REMEDIATION, F.RISK_ACCEPTED}),
    F.IN_REMEDIATION: frozenset({F.EVIDENCE_SUBMITTED}),
    F.EVIDENCE_SUBMITTED: frozenset({F.CLOSED, F.IN_REMEDIATION}),
    F.CLOSED: frozenset(),
    F.RISK_ACCEPTED: frozenset(),
}

# Where an action may go. A done action may be re-opened (its closure is undone); a cancelled one
# may be planned again.
ACTION_MOVES: dict[str, frozenset[str]] = {
    A.PLANNED: frozenset({A.IN_PROGRESS, A.DONE, A.CANCELLED}),
    A.IN_PROGRESS: frozenset({A.PLANNED, A.DONE, A.CANCELLED}),
    A.DONE: frozenset({A.IN_PROGRESS}),
    A.CANCELLED: frozenset({A.PLANNED}),
}

# What the director's letter commits the organisation to. Changing one of these after the letter
# was signed makes a new version of the plan; moving an action along does not.
COMMITMENTS = ("description", "owner", "target_date", "clause")
ACTION_FIELDS = (*COMMITMENTS, "status", "closure_evidence")

# Once given, a finding's number is in the audit log, so it is never given again, even if the
# finding itself were deleted.
FINDING_REF = re.compile(r"^F-(\d+)$")


# --- small checks -------------------------------------------------------------------------------


def _needed(value, what: str, limit: int = TEXT_LIMIT) -> str:
    value = guards.text(value, what, limit)
    if not value:
        raise ActionError(f"give {what}")
    return value


def _date(value, what: str, *, not_after_today: bool = False) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ActionError(f"give {what} as a date")
    if not_after_today and value > timezone.localdate():
        raise ActionError(f"{what} ({day(value)}) is in the future; record it once it has happened")
    return value


def _owner(user, org: Organisation):
    """An action is owned by someone who may carry the remediation forward: not a provider, not the
    CIO, who reviews it, not an observer."""
    return assessment_actions.assignee(user, org, access.MANAGE_FINDINGS, "the action's owner",
                                       "work on findings and remediation")


def _document(document: Document | None, org: Organisation) -> Document | None:
    if document is not None and document.organisation_id != org.pk:
        raise ActionError("that document is not in this organisation's register; add it there first")
    return document


def _choice(value: str, choices, what: str) -> str:
    if value not in choices.values:
        raise ActionError(f"{value!r} is not a {what}; use one of {', '.join(choices.values)}")
    return value


def _label(choices, value: str) -> str:
    """A status as it reads in a sentence: "sent to the SSC", "risk accepted (SSC allowed)"."""
    if value not in choices.values:
        return repr(value)
    label = choices(value).label
    return label[:1].lower() + label[1:]


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def day(value: dt.date) -> str:
    """A date as people write it: 3 March 2026."""
    return f"{value.day} {value:%B %Y}"


# --- findings -----------------------------------------------------------------------------------


def finding_facts(finding: Finding) -> dict:
    return {"ref": finding.ref, "kind": finding.kind, "severity": finding.severity, "source": finding.source,
            "clause": finding.clause, "status": finding.status, "description": finding.description,
            "response_due": _iso(finding.response_due), "assessment": finding.assessment_id}


def _next_ref(org: Organisation) -> str:
    used = list(Finding.objects.filter(organisation=org).values_list("ref", flat=True))
    used += [ref for ref in Event.objects.filter(organisation=org, action="review.finding.added")
             .values_list("after__ref", flat=True) if isinstance(ref, str)]
    numbers = [int(m.group(1)) for m in map(FINDING_REF.match, used) if m]
    return f"F-{max(numbers, default=0) + 1:03d}"


def add_finding(org: Organisation, *, by, kind: str, description: str, clause: str = "", severity: str = "medium",
                source: str = "cio-report", assessment: Assessment | None = None,
                response_due: dt.date | None = None) -> Finding:
    """Record a finding (from the CIO's report, the SSC or the User's own), numbered F-001, F-002 ...
    in the organisation."""
    access.require(by, org, access.MANAGE_FINDINGS)
    _choice(kind, FindingKind, "kind of finding")
    _choice(severity, Severity, "severity")
    _choice(source, FindingSource, "source of findings")
    description = _needed(description, "a description of the finding")
    clause = guards.text(clause, "the clause", 40)
    if assessment is not None and assessment.organisation_id != org.pk:
        raise ActionError("that assessment is not one of this organisation's")
    if response_due is not None:
        _date(response_due, "the date the response is due")
    with transaction.atomic():
        Organisation.objects.select_for_update().filter(pk=org.pk).first()  # one numbering at a time
        finding = Finding.objects.create(organisation=org, ref=_next_ref(org), kind=kind, description=description,
                                         clause=clause, severity=severity, source=source, assessment=assessment,
                                         response_due=response_due, created_by=by)
        record(AuditEvent.REVIEW_FINDING_ADDED, finding, organisation=org, after=finding_facts(finding))
    return finding


def respond(finding: Finding, *, by, response: str, revision: int) -> Finding:
    """Save the management response to a finding, unless someone else saved one after this person
    opened it (``StaleEdit``, carrying the finding as it now stands)."""
    org = finding.organisation
    access.require(by, org, access.MANAGE_FINDINGS)
    response = _needed(response, "the management response")
    with transaction.atomic():
        locked = Finding.objects.select_for_update().get(pk=finding.pk)
        if locked.revision != revision:
            who = (f" (its response was last saved by {display_name(locked.responded_by)})"
                   if locked.responded_by_id else "")
            raise StaleEdit(f"{locked.ref} was changed after you opened it{who}, so your response was not saved. "
                            "It is shown as it now stands: make your change again on it.", locked)
        if not locked.still_open:
            raise ActionError(f"{locked.ref} is {_label(F, locked.status)}; its response can no longer change")
        if response == locked.response and locked.status != F.OPEN:  # saved unchanged
            return locked
        before = {"response": locked.response, "status": locked.status,
                  "approved_by": locked.response_approved_by.email if locked.response_approved_by_id else None}
        locked.response, locked.responded_by, locked.responded_at = response, by, timezone.now()
        # A changed response is not the one the Approver signed off: it needs signing off again.
        locked.response_approved_by, locked.response_approved_at = None, None
        if locked.status == F.OPEN:
            locked.status = F.RESPONSE_DRAFTED
        locked.revision += 1
        locked.save(update_fields=["response", "responded_by", "responded_at", "response_approved_by",
                                   "response_approved_at", "status", "revision"])
        record(AuditEvent.REVIEW_FINDING_RESPONDED, locked, organisation=org, before=before,
               after={"response": locked.response, "status": locked.status, "approved_by": None})
        _tell_approvers(locked, org, by=by)
    return locked


# While the User's response to the CIO's report has not gone, each of its findings' responses waits
# for an Approver's sign-off (``fieldwork_actions.approve_response``).
RESPONSE_PENDING = (AssessmentStatus.FIELDWORK, AssessmentStatus.REPORT_ISSUED)


def _tell_approvers(finding: Finding, org: Organisation, *, by) -> None:
    """A response the User's response to the CIO's report waits on goes to the Approvers to sign off."""
    if finding.source != FindingSource.CIO_REPORT or finding.assessment_id is None:
        return
    assessment = Assessment.objects.only("title", "status").get(pk=finding.assessment_id)
    if assessment.status not in RESPONSE_PENDING:
        return
    where = f"{finding.clause} of {assessment.title}" if finding.clause else assessment.title
    notify(org, members_who_may(org, access.APPROVE_ASSESSMENTS), kind=Kind.RESPONSE_TO_APPROVE,
           text=f"The response to {finding.ref} ({where}) awaits your sign-off",
           url=reverse("finding", args=[org.slug, finding.pk]) + "#sign-off", obj=finding, by=by)


def finding_moves(finding: Finding) -> list[str]:
    """Where the finding may go next, in the order of the statuses."""
    allowed = FINDING_MOVES.get(finding.status, frozenset())
    return [s for s in F.values if s in allowed]


def set_finding_status(finding: Finding, *, by, status: str, reason: str = "") -> Finding:
    """Move a finding along the table above. Risk acceptance needs the reason (the SSC's words)."""
    org = finding.organisation
    access.require(by, org, access.MANAGE_FINDINGS)
    reason = guards.text(reason, "the reason", 2000)
    with transaction.atomic():
        locked = Finding.objects.select_for_update().get(pk=finding.pk)
        if status not in FINDING_MOVES.get(locked.status, frozenset()):
            raise ActionError(f"{locked.ref} is {_label(F, locked.status)} and cannot go to {_label(F, status)}")
        if status == F.RISK_ACCEPTED and not reason:
            raise ActionError("give the reason the risk is accepted, with the SSC's reference if it has one")
        if status == F.RESPONSE_DRAFTED and not locked.response:
            raise ActionError(f"write the management response to {locked.ref} first")
        if status == F.EVIDENCE_SUBMITTED and not locked.evidence.exists():
            raise ActionError(f"link the evidence submitted for {locked.ref} first")
        before = locked.status
        locked.status = status
        locked.revision += 1
        locked.save(update_fields=["status", "revision"])
        record(AuditEvent.REVIEW_FINDING_MOVED, locked, organisation=org, before={"status": before},
               after={"status": status}, reason=reason)
    finding.status, finding.revision = locked.status, locked.revision
    return locked


def link_finding_evidence(finding: Finding, document: Document, *, by) -> None:
    """Link a document of the organisation's register to the finding as evidence."""
    org = finding.organisation
    access.require(by, org, access.MANAGE_FINDINGS)
    if document is None or document.organisation_id != org.pk:
        raise ActionError("that document is not in this organisation's register")
    with transaction.atomic():
        if finding.evidence.filter(pk=document.pk).exists():
            raise ActionError(f"{document.title!r} is already linked to {finding.ref}")
        finding.evidence.add(document)
        record(AuditEvent.REVIEW_FINDING_EVIDENCE_LINKED, finding, organisation=org,
               after={"ref": finding.ref, "document": document.title, "document_id": document.pk})


# --- the plan and its actions ---------------------------------------------------------------------


def open_plan(assessment: Assessment, *, by) -> RemediationPlan:
    """The assessment's remediation plan: the one already open, or a new draft at version 1."""
    org = assessment.organisation
    access.require(by, org, access.MANAGE_FINDINGS)
    if not assessment.submitted:
        raise ActionError(f"{assessment.title!r} has not been submitted; a remediation plan answers the SSC's "
                          "request after submission")
    with transaction.atomic():
        Assessment.objects.select_for_update().filter(pk=assessment.pk).first()  # one plan, even when two ask
        plan = RemediationPlan.objects.filter(assessment=assessment).order_by("created_at", "pk").first()
        if plan is not None:
            return plan
        plan = RemediationPlan.objects.create(organisation=org, assessment=assessment, version=1,
                                              status=PlanStatus.DRAFT)
        record(AuditEvent.REVIEW_PLAN_OPENED, plan, organisation=org,
               after={"assessment": assessment.pk, "title": assessment.title, "version": 1})
    return plan


def action_facts(action: RemediationAction) -> dict:
    """An action's commitments and status, as the audit log and a director's letter keep them."""
    return {"action": action.pk, "description": action.description,
            "owner": action.owner.email if action.owner_id else None, "target_date": _iso(action.target_date),
            "clause": action.clause, "finding": action.finding.ref if action.finding_id else None,
            "status": action.status,
            "closure_evidence": action.closure_evidence.title if action.closure_evidence_id else None}


def _lock_plan(plan: RemediationPlan) -> RemediationPlan:
    locked = RemediationPlan.objects.select_for_update().get(pk=plan.pk)
    locked.organisation = plan.organisation
    return locked


def _revise(plan: RemediationPlan, change: str) -> bool:
    """After a commitment changed: if the director signed the plan's current version, start the
    next one, in draft, to be signed again. The plan must be locked."""
    signed = plan.letters.filter(plan_version=plan.version).exists()
    if not signed:
        return False
    before = {"version": plan.version, "status": plan.status}
    plan.version += 1
    plan.status = PlanStatus.DRAFT
    plan.save(update_fields=["version", "status"])
    record(AuditEvent.REVIEW_PLAN_REVISED, plan, organisation=plan.organisation, before=before,
           after={"version": plan.version, "status": plan.status, "change": change},
           reason=f"changed after the director signed version {before['version']}")
    return True


def _clean_action(org: Organisation, changes: dict, action: RemediationAction | None = None) -> dict:
    unknown = set(changes) - set(ACTION_FIELDS)
    if unknown:
        raise ActionError(f"cannot change {', '.join(sorted(unknown))} on an action")
    if "description" in changes:
        changes["description"] = _needed(changes["description"], "a description of the action", 5000)
    if "clause" in changes:
        changes["clause"] = guards.text(changes["clause"], "the clause", 40)
    if "target_date" in changes:
        _date(changes["target_date"], "the target date")
    owner = changes.get("owner")
    # An owner left as they were is not a new assignment, whatever their role now.
    if owner is not None and (action is None or owner.pk != action.owner_id):
        _owner(owner, org)
    if "status" in changes:
        _choice(changes["status"], ActionStatus, "status of actions")
    if "closure_evidence" in changes:
        _document(changes["closure_evidence"], org)
    return changes


def _finding_of(finding: Finding | None, org: Organisation) -> Finding | None:
    if finding is not None and finding.organisation_id != org.pk:
        raise ActionError("that finding is not one of this organisation's")
    return finding


def add_action(plan: RemediationPlan, *, by, description: str, target_date: dt.date, owner=None,
               finding: Finding | None = None, clause: str = "") -> RemediationAction:
    """Add an action to the plan. A new action after the director signed makes a new version."""
    org = plan.organisation
    access.require(by, org, access.MANAGE_FINDINGS)
    fields = _clean_action(org, {"description": description, "target_date": target_date, "owner": owner,
                                 "clause": clause})
    _finding_of(finding, org)
    with transaction.atomic():
        locked = _lock_plan(plan)
        action = RemediationAction.objects.create(plan=locked, finding=finding, **fields)
        facts = action_facts(action)
        record(AuditEvent.REVIEW_ACTION_ADDED, action, organisation=org, after=facts)
        if action.owner_id:
            _tell_owner(plan, action, by=by)
        _revise(locked, f"action added: {action.description[:80]}")
    plan.version, plan.status = locked.version, locked.status
    return action


def update_action(action: RemediationAction, *, by, revision: int, **changes) -> RemediationAction:
    """Change an action's commitments (description, owner, target date, clause), its status or its
    closure evidence. Done needs closure evidence. A commitment changed after the director signed
    makes a new version of the plan; a status change does not."""
    plan = action.plan
    org = plan.organisation
    access.require(by, org, access.MANAGE_FINDINGS)
    changes = _clean_action(org, dict(changes), action)
    with transaction.atomic():
        locked_plan = _lock_plan(plan)
        locked = RemediationAction.objects.select_for_update().get(pk=action.pk)
        if locked.revision != revision:
            raise StaleEdit("this action was changed by someone else after you opened it, so your change was not "
                            "saved. It is shown as it now stands: make your change again on it.", locked)
        before = action_facts(locked)
        status = changes.get("status", locked.status)
        if status != locked.status and status not in ACTION_MOVES[locked.status]:
            raise ActionError(f"an action that is {_label(A, locked.status)} cannot go to {_label(A, status)}")
        evidence = changes["closure_evidence"] if "closure_evidence" in changes else locked.closure_evidence
        if status == A.DONE and evidence is None:
            raise ActionError("an action is marked done with its closure evidence: choose the document that shows "
                              "it is done")
        for field, value in changes.items():
            setattr(locked, field, value)
        if status != before["status"]:
            locked.closed_at = timezone.now() if status == A.DONE else None
        after = action_facts(locked)
        changed = [k for k in after if after[k] != before[k]]
        if not changed:
            return locked
        locked.revision += 1
        locked.save()
        record(AuditEvent.REVIEW_ACTION_CHANGED, locked, organisation=org, before={k: before[k] for k in changed},
               after={k: after[k] for k in changed})
        if "owner" in changed and locked.owner_id:
            _tell_owner(plan, locked, by=by)
        committed = [k for k in changed if k in COMMITMENTS]
        if committed:
            _revise(locked_plan, f"{', '.join(committed)} of an action changed: {locked.description[:80]}")
    plan.version, plan.status = locked_plan.version, locked_plan.status
    return locked


def _tell_owner(plan: RemediationPlan, action: RemediationAction, *, by) -> None:
    """The person an action is now given to is told it is theirs to carry out."""
    org = plan.organisation
    title = Assessment.objects.filter(pk=plan.assessment_id).values_list("title", flat=True).first()
    notify(org, [action.owner_id], kind=Kind.ACTION_ASSIGNED,
           text=f"A remediation action after {title} is yours, due by {day(action.target_date)}: "
                f"{action.description}",
           url=reverse("remediation-plan", args=[org.slug, plan.pk]) + f"#action-{action.pk}", obj=action, by=by)


# --- reporting, the director's letter, sending and approval -----------------------------------------


def record_report(plan: RemediationPlan, *, by, sent_on: dt.date, summary: str,
                  document: Document | None = None) -> ProgressReport:
    """Record a progress report sent to the SSC (G8.28(b)): when, what it said, and the copy sent."""
    org = plan.organisation
    access.require(by, org, access.MANAGE_FINDINGS)
    _date(sent_on, "the date the report was sent", not_after_today=True)
    summary = _needed(summary, "a summary of what the report said")
    _document(document, org)
    with transaction.atomic():
        report = ProgressReport.objects.create(plan=plan, sent_on=sent_on, summary=summary, document=document,
                                               recorded_by=by)
        record(AuditEvent.REVIEW_REPORT_RECORDED, report, organisation=org,
               after={"plan": plan.pk, "sent_on": sent_on.isoformat(), "summary": summary,
                      "document": document.title if document else None})
    return report


def snapshot(plan: RemediationPlan) -> list[dict]:
    actions = plan.actions.select_related("owner", "finding", "closure_evidence").order_by("target_date", "pk")
    return [action_facts(a) for a in actions]


def sign_letter(plan: RemediationPlan, *, by, signed_on: dt.date, commitments: str,
                document: Document | None = None) -> DirectorLetter:
    """Record the director's signed cover letter for the plan's current version, with a copy of its
    actions as they were signed. Only an Approver (a director) of the organisation may sign."""
    org = plan.organisation
    if by is None or access.role_of(by, org) != MemberRole.APPROVER:
        raise ActionError(f"only an Approver of {org.name} (a director) may sign the director's letter")
    access.require(by, org, access.SIGN_LETTER)
    _date(signed_on, "the date the letter was signed", not_after_today=True)
    commitments = _needed(commitments, "the commitments the letter makes")
    _document(document, org)
    with transaction.atomic():
        locked = _lock_plan(plan)
        earlier = locked.letters.filter(plan_version=locked.version).select_related("signatory").first()
        if earlier is not None:
            raise ActionError(f"version {locked.version} of the plan was signed by {display_name(earlier.signatory)} "
                              f"on {day(earlier.signed_on)}; a letter is never replaced. Change a commitment to "
                              "make a new version, then sign that")
        actions = snapshot(locked)
        if not actions:
            raise ActionError("the plan has no actions yet; add its actions, owners and target dates first")
        try:
            with transaction.atomic():
                letter = DirectorLetter.objects.create(plan=locked, plan_version=locked.version, signatory=by,
                                                       signed_on=signed_on, commitments=commitments,
                                                       snapshot=actions, document=document)
        except IntegrityError:
            raise ActionError(f"version {locked.version} of the plan has just been signed by someone else") from None
        before = locked.status
        locked.status = PlanStatus.SIGNED
        locked.save(update_fields=["status"])
        record(AuditEvent.REVIEW_LETTER_SIGNED, letter, organisation=org, before={"status": before},
               after={"plan": locked.pk, "version": locked.version, "signed_on": signed_on.isoformat(),
                      "signatory": by.email, "actions": len(actions), "status": locked.status})
    plan.status = locked.status
    return letter


def send_plan(plan: RemediationPlan, *, by, sent_on: dt.date) -> RemediationPlan:
    """Record that the signed plan and its letter went to the SSC for approval."""
    org = plan.organisation
    access.require(by, org, access.MANAGE_FINDINGS)
    _date(sent_on, "the date the plan was sent", not_after_today=True)
    with transaction.atomic():
        locked = _lock_plan(plan)
        if locked.status != PlanStatus.SIGNED:
            raise ActionError(f"the plan is {_label(PlanStatus, locked.status)}; it is sent once the director has "
                              "signed its letter")
        letter = locked.letters.filter(plan_version=locked.version).first()
        if letter is None:
            raise ActionError(f"version {locked.version} of the plan has no director's letter; it is signed first")
        if sent_on < letter.signed_on:
            raise ActionError(f"the plan cannot have been sent before its letter was signed on "
                              f"{day(letter.signed_on)}")
        locked.status, locked.sent_on, locked.sent_version = PlanStatus.SENT, sent_on, locked.version
        locked.save(update_fields=["status", "sent_on", "sent_version"])
        record(AuditEvent.REVIEW_PLAN_SENT, locked, organisation=org, before={"status": PlanStatus.SIGNED},
               after={"status": locked.status, "version": locked.version, "sent_on": sent_on.isoformat()})
    plan.status, plan.sent_on, plan.sent_version = locked.status, locked.sent_on, locked.sent_version
    return locked


def record_approval(plan: RemediationPlan, *, by, approved_on: dt.date, reference: str) -> RemediationPlan:
    """Record the SSC's approval of the plan as sent, from its notification."""
    org = plan.organisation
    access.require(by, org, access.RECORD_OUTCOME)
    _date(approved_on, "the date of the SSC's approval", not_after_today=True)
    reference = _needed(reference, "the SSC's reference for the approval", 100)
    with transaction.atomic():
        locked = _lock_plan(plan)
        if locked.status != PlanStatus.SENT:
            raise ActionError(f"the plan is {_label(PlanStatus, locked.status)}; the SSC approves a plan that has "
                              "been sent to it")
        before = {"status": locked.status, "approved_on": _iso(locked.approved_on),
                  "reference": locked.approval_reference}
        locked.status, locked.approved_on, locked.approval_reference = PlanStatus.APPROVED, approved_on, reference
        locked.approved_version = locked.version
        locked.save(update_fields=["status", "approved_on", "approval_reference", "approved_version"])
        record(AuditEvent.REVIEW_PLAN_APPROVED, locked, organisation=org, before=before,
               after={"status": locked.status, "version": locked.version, "approved_on": approved_on.isoformat(),
                      "reference": reference})
    plan.status, plan.approved_on, plan.approval_reference = locked.status, approved_on, reference
    plan.approved_version = locked.approved_version
    return locked
