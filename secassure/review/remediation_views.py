"""Findings and remediation pages: the findings list (with what needs attention), one finding with
its management response, status and evidence, and the remediation plan board.

Every page reaches the organisation through ``get_organisation_for`` and every finding, plan and
action through it, so that another organisation's ids answer 404 as missing ones do. Each page
reads a fixed number of queries, however many findings or actions there are."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from secassure.assessments.choices import SUBMITTED_STATES
from secassure.assessments.models import Assessment
from secassure.errors import ActionError
from secassure.evidence.models import Document
from secassure.people import display_name
from secassure.review import remediation
from secassure.review.attention import DUE_SOON_DAYS, attention
from secassure.review.choices import (
    ACTION_DONE,
    FINDING_DONE,
    ActionStatus,
    FindingKind,
    FindingStatus,
    PlanStatus,
    Severity,
)
from secassure.review.models import Finding, RemediationAction, RemediationPlan
from secassure.review.remediation_forms import (
    AddActionForm,
    ApprovalForm,
    ChangeActionForm,
    EvidenceForm,
    FindingForm,
    FindingStatusForm,
    LetterForm,
    OpenPlanForm,
    ReportForm,
    ResponseForm,
    SendForm,
    action_initial,
)
from secassure.tenancy import access
from secassure.tenancy.access import get_organisation_for
from secassure.tenancy.choices import MemberRole
from secassure.wording import now_is

FILTERS = {"status": FindingStatus, "kind": FindingKind, "severity": Severity}


def _may(org, permission: str) -> bool:
    return permission in access.PERMISSIONS[org.viewer_role]


def _need(org, permission: str) -> None:
    if not _may(org, permission):
        raise PermissionDenied("Your role does not allow this")


def _documents(org) -> list[Document]:
    return list(Document.objects.filter(organisation=org).only("pk", "title").order_by("title", "pk"))


def _assessments(org) -> list[Assessment]:
    return list(Assessment.objects.filter(organisation=org).only("pk", "title", "status").order_by("-created_at"))


def _members(org) -> list:
    """Who may be given an action: those whose role lets them carry remediation forward."""
    return list(access.people_with(org, access.MANAGE_FINDINGS).only("pk", "email", "first_name", "last_name"))


def _owners_for(action, members: list) -> list:
    """The people offered for one action: its owner stays on offer even if their role has changed
    since, so that saving something else does not drop them."""
    if action.owner_id is None or any(m.pk == action.owner_id for m in members):
        return members
    return sorted([*members, action.owner], key=lambda m: display_name(m).casefold())


# --- the findings list --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def findings(request, slug):
    org = get_organisation_for(request.user, slug, access.VIEW_ASSESSMENTS)
    assessments = _assessments(org)
    form = FindingForm(request.POST or None, assessments=assessments)
    if request.method == "POST":
        _need(org, access.MANAGE_FINDINGS)
        if form.is_valid():
            try:
                finding = remediation.add_finding(org, by=request.user, **form.cleaned_data)
            except ActionError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"{finding.ref} is recorded.")
                return redirect("finding", slug=slug, pk=finding.pk)
    filters = {key: request.GET.get(key, "") for key in FILTERS}
    filters = {key: value if value in FILTERS[key].values else "" for key, value in filters.items()}
    found = (Finding.objects.filter(organisation=org, **{k: v for k, v in filters.items() if v})
             .select_related("assessment").order_by("ref"))
    plans = list(RemediationPlan.objects.filter(organisation=org).select_related("assessment")
                 .order_by("-created_at"))
    planned = {p.assessment_id for p in plans}
    submitted = [a for a in assessments if a.status in SUBMITTED_STATES and a.pk not in planned]
    return render(request, "review/findings.html", {
        "org": org, "findings": found, "form": form, "filters": filters, "filtered": any(filters.values()),
        "statuses": FindingStatus.choices, "kinds": FindingKind.choices, "severities": Severity.choices,
        "can_manage": _may(org, access.MANAGE_FINDINGS), "plans": plans,
        "open_form": OpenPlanForm(assessments=submitted), "attention": attention(org, timezone.localdate()),
        "soon_days": DUE_SOON_DAYS}, status=400 if form.errors else 200)


@login_required
@require_POST
def open_plan(request, slug):
    org = get_organisation_for(request.user, slug, access.VIEW_ASSESSMENTS)
    _need(org, access.MANAGE_FINDINGS)
    form = OpenPlanForm(request.POST, assessments=[a for a in _assessments(org) if a.status in SUBMITTED_STATES])
    if not form.is_valid():
        messages.error(request, "choose a submitted assessment to open its remediation plan")
        return redirect("findings", slug=slug)
    assessment = form.cleaned_data["assessment"]
    assessment.organisation = org
    try:
        plan = remediation.open_plan(assessment, by=request.user)
    except ActionError as exc:
        messages.error(request, str(exc))
        return redirect("findings", slug=slug)
    return redirect("remediation-plan", slug=slug, pk=plan.pk)


# --- one finding --------------------------------------------------------------------------------


def _finding_for(request, slug, pk):
    org = get_organisation_for(request.user, slug, access.VIEW_ASSESSMENTS)
    finding = get_object_or_404(Finding.objects.select_related("assessment", "responded_by", "created_by"),
                                organisation=org, pk=pk)
    finding.organisation = org
    return org, finding


def _finding_page(request, org, finding, *, response_form=None, status_form=None, evidence_form=None,
                  conflict=None, status: int = 200):
    documents = _documents(org)
    linked = list(finding.evidence.order_by("title", "pk").only("pk", "title"))
    linked_ids = {d.pk for d in linked}
    moves = remediation.finding_moves(finding)
    can_manage = _may(org, access.MANAGE_FINDINGS)
    actions = (RemediationAction.objects.filter(finding=finding, plan__organisation=org)
               .select_related("plan", "owner").order_by("target_date", "pk"))
    return render(request, "review/finding.html", {
        "org": org, "finding": finding, "evidence": linked, "actions": actions, "conflict": conflict,
        "can_manage": can_manage, "can_respond": can_manage and finding.status not in FINDING_DONE,
        "response_form": response_form or ResponseForm(initial={"revision": finding.revision,
                                                                "response": finding.response}),
        "status_form": status_form or FindingStatusForm(moves=moves),
        "evidence_form": evidence_form or EvidenceForm(documents=[d for d in documents if d.pk not in linked_ids]),
        "moves": moves, "response_overdue": (not finding.response and finding.status not in FINDING_DONE
                                              and finding.response_due is not None
                                              and finding.response_due < timezone.localdate())},
        status=status)


@login_required
@require_GET
def finding(request, slug, pk):
    org, found = _finding_for(request, slug, pk)
    return _finding_page(request, org, found)


@login_required
@require_POST
def finding_response(request, slug, pk):
    org, found = _finding_for(request, slug, pk)
    _need(org, access.MANAGE_FINDINGS)
    form = ResponseForm(request.POST)
    if form.is_valid():
        try:
            remediation.respond(found, by=request.user, response=form.cleaned_data["response"],
                                revision=form.cleaned_data["revision"])
        except remediation.StaleEdit as exc:
            org, current = _finding_for(request, slug, pk)
            conflict = {"message": str(exc), "theirs": current.response, "yours": form.cleaned_data["response"]}
            return _finding_page(request, org, current, conflict=conflict, status=409)
        except ActionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"The response to {found.ref} is saved.")
            return redirect("finding", slug=slug, pk=pk)
    return _finding_page(request, org, found, response_form=form, status=400)


@login_required
@require_POST
def finding_status(request, slug, pk):
    org, found = _finding_for(request, slug, pk)
    _need(org, access.MANAGE_FINDINGS)
    form = FindingStatusForm(request.POST, moves=FindingStatus.values)
    if form.is_valid():
        try:
            remediation.set_finding_status(found, by=request.user, **form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, now_is(found.ref, found.get_status_display()))
            return redirect("finding", slug=slug, pk=pk)
    form.fields["status"].choices = FindingStatusForm(moves=remediation.finding_moves(found)).fields["status"].choices
    return _finding_page(request, org, found, status_form=form, status=400)


@login_required
@require_POST
def finding_evidence(request, slug, pk):
    org, found = _finding_for(request, slug, pk)
    _need(org, access.MANAGE_FINDINGS)
    form = EvidenceForm(request.POST, documents=_documents(org))
    if form.is_valid():
        try:
            remediation.link_finding_evidence(found, form.cleaned_data["document"], by=request.user)
        except ActionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{form.cleaned_data['document'].title} is linked to {found.ref}.")
            return redirect("finding", slug=slug, pk=pk)
    else:
        form.add_error(None, "choose a document from this organisation's register")
    return _finding_page(request, org, found, evidence_form=form, status=400)


# --- the plan board -----------------------------------------------------------------------------


def _plan_for(request, slug, pk):
    org = get_organisation_for(request.user, slug, access.VIEW_ASSESSMENTS)
    plan = get_object_or_404(RemediationPlan.objects.select_related("assessment"), organisation=org, pk=pk)
    plan.organisation = org
    return org, plan


def _board(request, org, plan, *, forms=None, conflict=None, status: int = 200):
    """The board: actions grouped by status, reports, letters, and the forms the viewer may use.
    ``forms`` replaces a form (bound, with its errors) by name, or an action's form by its id."""
    forms = forms or {}
    today = timezone.localdate()
    members, documents = _members(org), _documents(org)
    open_findings = list(Finding.objects.filter(organisation=org).exclude(status__in=FINDING_DONE)
                         .only("pk", "ref", "description").order_by("ref"))
    actions = list(plan.actions.select_related("owner", "finding", "closure_evidence").order_by("target_date", "pk"))
    can_manage = _may(org, access.MANAGE_FINDINGS)
    for action in actions:
        action.overdue = action.status not in ACTION_DONE and action.target_date < today
        action.days_left = (action.target_date - today).days
        action.due_soon = action.status not in ACTION_DONE and 0 <= action.days_left <= DUE_SOON_DAYS
        action.days_over = -action.days_left
        if can_manage:
            action.form = forms.get(action.pk) or ChangeActionForm(
                initial=action_initial(action), members=_owners_for(action, members), documents=documents,
                auto_id=f"action-{action.pk}-%s")
    groups = [(label, [a for a in actions if a.status == value]) for value, label in ActionStatus.choices]
    letters = list(plan.letters.select_related("signatory", "document").order_by("-plan_version"))
    for letter in letters:
        letter.rows = [_as_signed(row) for row in letter.snapshot or []]
    reports = list(plan.reports.select_related("document", "recorded_by").order_by("-sent_on", "-pk"))
    signed_now = any(letter.plan_version == plan.version for letter in letters)
    can_approve = _may(org, access.RECORD_OUTCOME)
    can_sign = org.viewer_role == MemberRole.APPROVER and _may(org, access.SIGN_LETTER)
    return render(request, "review/plan.html", {
        "org": org, "plan": plan, "a": plan.assessment, "groups": [g for g in groups if g[1]], "actions": actions,
        "letters": letters, "reports": reports, "signed_now": signed_now,
        "sent": plan.sent_on if plan.sent_version == plan.version else None,
        "overdue": sum(a.overdue for a in actions), "soon_days": DUE_SOON_DAYS, "conflict": conflict,
        "can_manage": can_manage, "can_approve": can_approve, "can_sign": can_sign, "statuses": PlanStatus,
        # A form is shown when the plan is where it applies, and always when it comes back refused.
        "show_letter": can_sign and ("letter" in forms or (not signed_now and bool(actions))),
        "show_send": can_manage and ("send" in forms or plan.status == PlanStatus.SIGNED),
        "show_approval": can_approve and ("approval" in forms or plan.status == PlanStatus.SENT),
        "add_form": forms.get("add") or AddActionForm(members=members, findings=open_findings),
        "report_form": forms.get("report") or ReportForm(documents=documents, initial={"sent_on": today}),
        "letter_form": forms.get("letter") or LetterForm(documents=documents, initial={"signed_on": today}),
        "send_form": forms.get("send") or SendForm(initial={"sent_on": today}),
        "approval_form": forms.get("approval") or ApprovalForm(initial={"approved_on": today}),
    }, status=status)


def _as_signed(row: dict) -> dict:
    """One action of a letter's snapshot, with its status and date as people read them."""
    status, target = row.get("status", ""), row.get("target_date")
    try:
        target = dt.date.fromisoformat(target) if target else None
    except (TypeError, ValueError):
        pass
    return {**row, "target": target,
            "status_label": ActionStatus(status).label if status in ActionStatus.values else status}


def _board_url(slug, pk) -> str:
    return reverse("remediation-plan", args=[slug, pk])


@login_required
@require_GET
def plan(request, slug, pk):
    org, found = _plan_for(request, slug, pk)
    return _board(request, org, found)


def _finish(request, org, found, name: str, form, do, done: str, anchor: str):
    """Run ``do(cleaned_data)`` if the form is valid; back to the board, or the board with the errors."""
    if form.is_valid():
        try:
            do(form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, done)
            return redirect(f"{_board_url(org.slug, found.pk)}#{anchor}")
    return _board(request, org, found, forms={name: form}, status=400)


@login_required
@require_POST
def plan_add_action(request, slug, pk):
    org, found = _plan_for(request, slug, pk)
    _need(org, access.MANAGE_FINDINGS)
    form = AddActionForm(request.POST, members=_members(org),
                         findings=Finding.objects.filter(organisation=org).exclude(status__in=FINDING_DONE))

    def do(data):
        remediation.add_action(found, by=request.user, **data)

    return _finish(request, org, found, "add", form, do, "The action is added.", "actions")


@login_required
@require_POST
def plan_action(request, slug, pk, action_pk):
    org, found = _plan_for(request, slug, pk)
    _need(org, access.MANAGE_FINDINGS)
    action = get_object_or_404(RemediationAction.objects.select_related("owner"), plan=found, pk=action_pk)
    action.plan = found
    form = ChangeActionForm(request.POST, members=_owners_for(action, _members(org)), documents=_documents(org),
                            auto_id=f"action-{action.pk}-%s")
    if form.is_valid():
        data = dict(form.cleaned_data)
        revision, version = data.pop("revision"), found.version
        try:
            remediation.update_action(action, by=request.user, revision=revision, **data)
        except remediation.StaleEdit as exc:
            return _board(request, org, found, conflict={"message": str(exc), "action": action.pk}, status=409)
        except ActionError as exc:
            form.add_error(None, str(exc))
        else:
            note = (f" The plan is now version {found.version}, in draft: the director signs the new version."
                    if found.version != version else "")
            messages.success(request, f"The action is saved.{note}")
            return redirect(f"{_board_url(slug, pk)}#action-{action.pk}")
    return _board(request, org, found, forms={action.pk: form}, status=400)


@login_required
@require_POST
def plan_report(request, slug, pk):
    org, found = _plan_for(request, slug, pk)
    _need(org, access.MANAGE_FINDINGS)
    form = ReportForm(request.POST, documents=_documents(org))

    def do(data):
        remediation.record_report(found, by=request.user, **data)

    return _finish(request, org, found, "report", form, do, "The progress report is recorded.", "reports")


@login_required
@require_POST
def plan_letter(request, slug, pk):
    org, found = _plan_for(request, slug, pk)
    _need(org, access.SIGN_LETTER)
    form = LetterForm(request.POST, documents=_documents(org))

    def do(data):
        remediation.sign_letter(found, by=request.user, **data)

    return _finish(request, org, found, "letter", form, do,
                   f"The director's letter for version {found.version} is recorded.", "letters")


@login_required
@require_POST
def plan_send(request, slug, pk):
    org, found = _plan_for(request, slug, pk)
    _need(org, access.MANAGE_FINDINGS)

    def do(data):
        remediation.send_plan(found, by=request.user, **data)

    return _finish(request, org, found, "send", SendForm(request.POST), do,
                   "The plan is recorded as sent to the SSC.", "status")


@login_required
@require_POST
def plan_approval(request, slug, pk):
    org, found = _plan_for(request, slug, pk)
    _need(org, access.RECORD_OUTCOME)

    def do(data):
        remediation.record_approval(found, by=request.user, **data)

    return _finish(request, org, found, "approval", ApprovalForm(request.POST), do,
                   "The SSC's approval is recorded.", "status")

