"""Pages of an assessment the User CIO conducts: the CIO's fieldwork dates, results and report, and
the User's response. The review overview and item pages show them; these views take their forms.

Every assessment is reached through ``review_door``; what each person may do is decided by the
actions in ``fieldwork_actions`` (the CIO with an active share writes the fieldwork; the User's
Owners and Approvers the response)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from secassure import guards
from secassure.acting import act
from secassure.assessments.access import get_row_for
from secassure.assessments.choices import AssessmentType
from secassure.evidence.models import Document
from secassure.review import fieldwork_actions as fieldwork
from secassure.review.access import review_door
from secassure.review.forms import CioReportForm, FieldworkForm, ResponseDueForm, ResultForm, SendResponseForm
from secassure.review.models import Finding
from secassure.review.remediation_views import _finding_for
from secassure.tenancy import access


def _back(slug, pk, anchor: str = ""):
    response = redirect("review", slug=slug, pk=pk)
    response["Location"] += anchor
    return response


def _submitted(request, form, action, *args, ok) -> None:
    """Run the action with the form's values, or say what is wrong with them; either way the
    person goes back to the page the form is on."""
    if form.is_valid():
        act(request, action, *args, by=request.user, **form.cleaned_data, ok=ok)
        return
    problems = [f"{form.fields[name].label or name}: {' '.join(errors)}" if name != "__all__" else " ".join(errors)
                for name, errors in form.errors.items()]
    messages.error(request, "Not saved. " + " ".join(problems))


def examinable(row) -> list[Document]:
    """The documents offered on the row: what the CIO may record as examined."""
    return list(Document.objects.filter(assessment_links__row=row).order_by("title", "pk").only("pk", "title"))


@login_required
@require_POST
def record_fieldwork(request, slug, pk):
    door = review_door(request.user, slug, pk)
    _submitted(request, FieldworkForm(request.POST), fieldwork.record_fieldwork, door.assessment,
               ok="The fieldwork's dates are recorded.")
    return _back(slug, pk, "#conducting")


@login_required
@require_POST
def record_result(request, slug, pk, item_pk):
    door = review_door(request.user, slug, pk)
    row = get_row_for(door.assessment, item_pk)
    form = ResultForm(request.POST, documents=examinable(row), material=door.assessment.kind == AssessmentType.VUSA)
    _submitted(request, form, fieldwork.record_result, row, ok=f"The result on {row.obligation.ref} is recorded.")
    return redirect("review-item", slug=slug, pk=pk, kind="rows", item_pk=item_pk)


@login_required
@require_POST
def write_report(request, slug, pk):
    door = review_door(request.user, slug, pk)
    _submitted(request, CioReportForm(request.POST), fieldwork.write_report, door.assessment,
               ok="The draft report is saved.")
    return _back(slug, pk, "#report")


@login_required
@require_POST
def issue_report(request, slug, pk):
    door = review_door(request.user, slug, pk)
    act(request, fieldwork.issue_report, door.assessment, by=request.user,
        ok=lambda report: f"Version {report.version} of the report is issued; the User can now respond to it.")
    return _back(slug, pk, "#report")


@login_required
@require_POST
def reopen_report(request, slug, pk):
    door = review_door(request.user, slug, pk)
    act(request, fieldwork.reopen_report, door.assessment, by=request.user, reason=request.POST.get("reason", ""),
        ok="The report is taken back for revision: the fieldwork is open again.")
    return _back(slug, pk, "#report")


@login_required
@require_POST
def response_due(request, slug, pk):
    door = review_door(request.user, slug, pk)
    door.need(access.RECORD_OUTCOME)
    _submitted(request, ResponseDueForm(request.POST), fieldwork.set_response_due, door.assessment,
               ok="The SSC's date for the response is recorded on every finding of the report.")
    return _back(slug, pk, "#response")


@login_required
@require_POST
def send_response(request, slug, pk):
    door = review_door(request.user, slug, pk)
    door.need(access.RECORD_OUTCOME)
    _submitted(request, SendResponseForm(request.POST), fieldwork.send_response, door.assessment,
               ok=lambda _: "The response is recorded as sent to the SSC and the CIO" + (
                   "; non-compliance remains, so the remediation plan is open." if door.assessment.status ==
                   "actions-requested" else "."))
    return _back(slug, pk, "#response")


@login_required
@require_POST
def approve_response(request, slug, pk):
    """An Approver signs off the management response to a finding, as it stood when they read it."""
    door, found = _finding_for(request, slug, pk)
    door.need(access.APPROVE_ASSESSMENTS)
    revision = request.POST.get("revision", "")
    act(request, fieldwork.approve_response, found, by=request.user,
        revision=guards.record_id(revision) or -1,
        ok=f"The response to {found.ref} is signed off.")
    return redirect("finding", slug=slug, pk=pk)


def report_findings(assessment):
    return (Finding.objects.filter(assessment=assessment, source="cio-report")
            .select_related("responded_by", "response_approved_by").order_by("ref"))
