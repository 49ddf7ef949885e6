"""Findings and remediation pages: the findings list (with what needs attention), one finding with
its management response, status and evidence, and the remediation plan board.

Every page reaches the organisation through ``open_door`` and every finding, plan and
action through it, so that another organisation's ids answer 404 as missing ones do. Each page
reads a fixed number of queries, however many findings or actions there are."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from secassure.acting import REFUSED, act
from secassure.assessments.models import Assessment
from secassure.errors import ActionError
from secassure.evidence.models import Document
from secassure.people import display_name
from secassure.review import board
from secassure.review import remediation_actions as remediation
from secassure.review.attention import DUE_SOON_DAYS, attention
from secassure.review.choices import (
    FindingKind,
    FindingStatus,
    PlanStatus,
    Severity,
)
from secassure.review.forms import (
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
from secassure.review.models import Finding, RemediationAction, RemediationPlan
from secassure.tenancy import access
from secassure.tenancy.access import open_door
from secassure.tenancy.choices import MemberRole
from secassure.wording import now_is

FILTERS = {"status": FindingStatus, "kind": FindingKind, "severity": Severity}


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
    door = open_door(request.user, slug, access.VIEW_ASSESSMENTS)
    org = door.organisation
    assessments = _assessments(org)
    form = FindingForm(request.POST or None, assessments=assessments)
    if request.method == "POST":
        door.need(access.MANAGE_FINDINGS)
        if form.is_valid():
            finding = act(request, remediation.add_finding, org, by=request.user, **form.cleaned_data, show_on=form,
                          ok=lambda finding: f"{finding.ref} is recorded.")
            if finding is not REFUSED:
                return redirect("finding", slug=slug, pk=finding.pk)
    filters = {key: request.GET.get(key, "") for key in FILTERS}
    filters = {key: value if value in FILTERS[key].values else "" for key, value in filters.items()}
    found = (Finding.objects.filter(organisation=org, **{k: v for k, v in filters.items() if v})
             .select_related("assessment").order_by("ref"))
    plans = list(RemediationPlan.objects.filter(organisation=org).select_related("assessment")
                 .order_by("-created_at"))
    planned = {p.assessment_id for p in plans}
    submitted = [a for a in assessments if a.submitted and a.pk not in planned]
    return render(request, "review/findings.html", {
        "org": org, "findings": found, "form": form, "filters": filters, "filtered": any(filters.values()),
        "statuses": FindingStatus.choices, "kinds": FindingKind.choices, "severities": Severity.choices,
        "can_manage": door.may(access.MANAGE_FINDINGS), "plans": plans,
        "open_form": OpenPlanForm(assessments=submitted), "attention": attention(org, timezone.localdate()),
        "soon_days": DUE_SOON_DAYS}, status=400 if form.errors else 200)


@login_required
@require_POST
def open_plan(request, slug):
    door = open_door(request.user, slug, access.VIEW_ASSESSMENTS)
    org = door.organisation
    door.need(access.MANAGE_FINDINGS)
    form = OpenPlanForm(request.POST, assessments=[a for a in _assessments(org) if a.submitted])
    if not form.is_valid():
        messages.error(request, "choose a submitted assessment to open its remediation plan")
        return redirect("findings", slug=slug)
    assessment = form.cleaned_data["assessment"]
    assessment.organisation = org
    plan = act(request, remediation.open_plan, assessment, by=request.user)
    if plan is REFUSED:
        return redirect("findings", slug=slug)
    return redirect("remediation-plan", slug=slug, pk=plan.pk)


# --- one finding --------------------------------------------------------------------------------


def _finding_for(request, slug, pk):
    door = open_door(request.user, slug, access.VIEW_ASSESSMENTS)
    org = door.organisation
    finding = get_object_or_404(Finding.objects.select_related("assessment", "responded_by", "created_by"),
                                organisation=org, pk=pk)
    finding.organisation = org
    return door, finding


def _finding_page(request, door, finding, *, response_form=None, status_form=None, evidence_form=None,
                  conflict=None, status: int = 200):
    org = door.organisation
    documents = _documents(org)
    linked = list(finding.evidence.order_by("title", "pk").only("pk", "title"))
    linked_ids = {d.pk for d in linked}
    moves = remediation.finding_moves(finding)
    can_manage = door.may(access.MANAGE_FINDINGS)
    actions = (RemediationAction.objects.filter(finding=finding, plan__organisation=org)
               .select_related("plan", "owner").order_by("target_date", "pk"))
    return render(request, "review/finding.html", {
        "org": org, "finding": finding, "evidence": linked, "actions": actions, "conflict": conflict,
        "can_manage": can_manage, "can_respond": can_manage and finding.still_open,
        "can_approve": (door.may(access.APPROVE_ASSESSMENTS) and bool(finding.response) and finding.still_open
                        and not finding.response_approved_by_id),
        "response_form": response_form or ResponseForm(initial={"revision": finding.revision,
                                                                "response": finding.response}),
        "status_form": status_form or FindingStatusForm(moves=moves),
        "evidence_form": evidence_form or EvidenceForm(documents=[d for d in documents if d.pk not in linked_ids]),
        "moves": moves, "response_overdue": (not finding.response and finding.still_open
                                              and finding.response_due is not None
                                              and finding.response_due < timezone.localdate())},
        status=status)


@login_required
@require_GET
def finding(request, slug, pk):
    door, found = _finding_for(request, slug, pk)
    return _finding_page(request, door, found)


@login_required
@require_POST
def finding_response(request, slug, pk):
    door, found = _finding_for(request, slug, pk)
    door.need(access.MANAGE_FINDINGS)
    form = ResponseForm(request.POST)
    if form.is_valid():
        try:
            remediation.respond(found, by=request.user, response=form.cleaned_data["response"],
                                revision=form.cleaned_data["revision"])
        except remediation.StaleEdit as exc:
            door, current = _finding_for(request, slug, pk)
            conflict = {"message": str(exc), "theirs": current.response, "yours": form.cleaned_data["response"]}
            return _finding_page(request, door, current, conflict=conflict, status=409)
        except ActionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"The response to {found.ref} is saved.")
            return redirect("finding", slug=slug, pk=pk)
    return _finding_page(request, door, found, response_form=form, status=400)


@login_required
@require_POST
def finding_status(request, slug, pk):
    door, found = _finding_for(request, slug, pk)
    door.need(access.MANAGE_FINDINGS)
    form = FindingStatusForm(request.POST, moves=FindingStatus.values)
    if form.is_valid():
        if act(request, remediation.set_finding_status, found, by=request.user, **form.cleaned_data, show_on=form,
               ok=lambda _: now_is(found.ref, found.get_status_display())) is not REFUSED:
            return redirect("finding", slug=slug, pk=pk)
    form.fields["status"].choices = FindingStatusForm(moves=remediation.finding_moves(found)).fields["status"].choices
    return _finding_page(request, door, found, status_form=form, status=400)


@login_required
@require_POST
def finding_evidence(request, slug, pk):
    door, found = _finding_for(request, slug, pk)
    door.need(access.MANAGE_FINDINGS)
    form = EvidenceForm(request.POST, documents=_documents(door.organisation))
    if form.is_valid():
        document = form.cleaned_data["document"]
        if act(request, remediation.link_finding_evidence, found, document, by=request.user, show_on=form,
               ok=f"{document.title} is linked to {found.ref}.") is not REFUSED:
            return redirect("finding", slug=slug, pk=pk)
    else:
        form.add_error(None, "choose a document from this organisation's register")
    return _finding_page(request, door, found, evidence_form=form, status=400)


# --- the plan board -----------------------------------------------------------------------------


def _plan_for(request, slug, pk):
    door = open_door(request.user, slug, access.VIEW_ASSESSMENTS)
    org = door.organisation
    plan = get_object_or_404(RemediationPlan.objects.select_related("assessment"), organisation=org, pk=pk)
    plan.organisation = org
    return door, plan


def _board(request, door, plan, *, forms=None, conflict=None, status: int = 200):
    """The board: actions grouped by status, reports, letters, and the forms the viewer may use.
    ``forms`` replaces a form (bound, with its errors) by name, or an action's form by its id."""
    org = door.organisation
    forms = forms or {}
    today = timezone.localdate()
    members, documents = _members(org), _documents(org)
    open_findings = board.open_findings(org)
    shown = board.read_board(plan, today)
    can_manage = door.may(access.MANAGE_FINDINGS)
    if can_manage:
        for action in shown.actions:
            action.form = forms.get(action.pk) or ChangeActionForm(
                initial=action_initial(action), members=_owners_for(action, members), documents=documents,
                auto_id=f"action-{action.pk}-%s")
    can_approve = door.may(access.RECORD_OUTCOME)
    can_sign = door.role == MemberRole.APPROVER and door.may(access.SIGN_LETTER)
    return render(request, "review/plan.html", {
        "org": org, "plan": plan, "a": plan.assessment, "groups": shown.groups, "actions": shown.actions,
        "letters": shown.letters, "reports": shown.reports, "signed_now": shown.signed_now, "sent": shown.sent,
        "overdue": shown.overdue, "soon_days": DUE_SOON_DAYS, "conflict": conflict,
        "can_manage": can_manage, "can_approve": can_approve, "can_sign": can_sign, "statuses": PlanStatus,
        # A form is shown when the plan is where it applies, and always when it comes back refused.
        "show_letter": can_sign and ("letter" in forms or (not shown.signed_now and bool(shown.actions))),
        "show_send": can_manage and ("send" in forms or plan.status == PlanStatus.SIGNED),
        "show_approval": can_approve and ("approval" in forms or plan.status == PlanStatus.SENT),
        "add_form": forms.get("add") or AddActionForm(members=members, findings=open_findings),
        "report_form": forms.get("report") or ReportForm(documents=documents, initial={"sent_on": today}),
        "letter_form": forms.get("letter") or LetterForm(documents=documents, initial={"signed_on": today}),
        "send_form": forms.get("send") or SendForm(initial={"sent_on": today}),
        "approval_form": forms.get("approval") or ApprovalForm(initial={"approved_on": today}),
    }, status=status)


def _board_url(slug, pk) -> str:
    return reverse("remediation-plan", args=[slug, pk])


@login_required
@require_GET
def plan(request, slug, pk):
    door, found = _plan_for(request, slug, pk)
    return _board(request, door, found)


def _finish(request, door, found, name: str, form, do, done: str, anchor: str):
    """Run ``do(cleaned_data)`` if the form is valid; back to the board, or the board with the errors."""
    if form.is_valid() and act(request, do, form.cleaned_data, show_on=form, ok=done) is not REFUSED:
        return redirect(f"{_board_url(door.organisation.slug, found.pk)}#{anchor}")
    return _board(request, door, found, forms={name: form}, status=400)


@login_required
@require_POST
def plan_add_action(request, slug, pk):
    door, found = _plan_for(request, slug, pk)
    door.need(access.MANAGE_FINDINGS)
    form = AddActionForm(request.POST, members=_members(door.organisation),
                         findings=Finding.objects.filter(organisation=door.organisation).still_open())

    def do(data):
        remediation.add_action(found, by=request.user, **data)

    return _finish(request, door, found, "add", form, do, "The action is added.", "actions")


@login_required
@require_POST
def plan_action(request, slug, pk, action_pk):
    door, found = _plan_for(request, slug, pk)
    door.need(access.MANAGE_FINDINGS)
    action = get_object_or_404(RemediationAction.objects.select_related("owner"), plan=found, pk=action_pk)
    action.plan = found
    org = door.organisation
    form = ChangeActionForm(request.POST, members=_owners_for(action, _members(org)), documents=_documents(org),
                            auto_id=f"action-{action.pk}-%s")
    if form.is_valid():
        data = dict(form.cleaned_data)
        revision, version = data.pop("revision"), found.version
        try:
            remediation.update_action(action, by=request.user, revision=revision, **data)
        except remediation.StaleEdit as exc:
            return _board(request, door, found, conflict={"message": str(exc), "action": action.pk}, status=409)
        except ActionError as exc:
            form.add_error(None, str(exc))
        else:
            note = (f" The plan is now version {found.version}, in draft: the director signs the new version."
                    if found.version != version else "")
            messages.success(request, f"The action is saved.{note}")
            return redirect(f"{_board_url(slug, pk)}#action-{action.pk}")
    return _board(request, door, found, forms={action.pk: form}, status=400)


@login_required
@require_POST
def plan_report(request, slug, pk):
    door, found = _plan_for(request, slug, pk)
    door.need(access.MANAGE_FINDINGS)
    form = ReportForm(request.POST, documents=_documents(door.organisation))

    def do(data):
        remediation.record_report(found, by=request.user, **data)

    return _finish(request, door, found, "report", form, do, "The progress report is recorded.", "reports")


@login_required
@require_POST
def plan_letter(request, slug, pk):
    door, found = _plan_for(request, slug, pk)
    door.need(access.SIGN_LETTER)
    form = LetterForm(request.POST, documents=_documents(door.organisation))

    def do(data):
        remediation.sign_letter(found, by=request.user, **data)

    return _finish(request, door, found, "letter", form, do,
                   f"The director's letter for version {found.version} is recorded.", "letters")


@login_required
@require_POST
def plan_send(request, slug, pk):
    door, found = _plan_for(request, slug, pk)
    door.need(access.MANAGE_FINDINGS)

    def do(data):
        remediation.send_plan(found, by=request.user, **data)

    return _finish(request, door, found, "send", SendForm(request.POST), do,
                   "The plan is recorded as sent to the SSC.", "status")


@login_required
@require_POST
def plan_approval(request, slug, pk):
    door, found = _plan_for(request, slug, pk)
    door.need(access.RECORD_OUTCOME)

    def do(data):
        remediation.record_approval(found, by=request.user, **data)

    return _finish(request, door, found, "approval", ApprovalForm(request.POST), do,
                   "The SSC's approval is recorded.", "status")

