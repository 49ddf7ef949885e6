"""Review pages: the CIO's queue, the review of one assessment (overview and one row at a time),
query threads, comments, sharing, final comments, the SSC's outcome, and the User's query inbox.

Every assessment is reached through ``review_door`` (a CIO only through an active share; a member
through their organisation), every row, query, comment and file through that assessment."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from secassure import guards
from secassure.acting import act
from secassure.assessments.access import get_answer_for, get_row_for
from secassure.assessments.models import EvidenceLink, QuestionAnswer, ValidationRow
from secassure.assessments.services import conducted_by_cio
from secassure.evidence.downloads import version_download
from secassure.evidence.models import Document
from secassure.people import display_name
from secassure.review import actions, services
from secassure.review import fieldwork_actions as fieldwork
from secassure.review.access import review_door, shares_of
from secassure.review.choices import NON_COMPLIANT_RESULTS, OPEN_QUERIES, QueryPurpose, QueryStatus
from secassure.review.fieldwork_views import examinable, report_findings
from secassure.review.forms import (
    AssuranceForm,
    CioReportForm,
    FieldworkForm,
    OutcomeForm,
    ResponseDueForm,
    ResultForm,
    SendResponseForm,
)
from secassure.review.models import Comment, Outcome, QueryMessage, ReviewQuery, RowResult, Share
from secassure.tenancy import access
from secassure.tenancy.access import open_door
from secassure.tenancy.choices import MemberRole
from secassure.tenancy.models import Membership


def _back(slug, pk, kind=None, item_pk=None):
    if kind:
        return redirect("review-item", slug=slug, pk=pk, kind=kind, item_pk=item_pk)
    return redirect("review", slug=slug, pk=pk)


@login_required
@require_GET
def queue(request):
    """What has been shared with this CIO reviewer."""
    shares = list(shares_of(request.user).annotate(
        open_queries=Count("assessment__queries", filter=Q(assessment__queries__status__in=OPEN_QUERIES)),
        waiting_for_cio=Count("assessment__queries", filter=Q(assessment__queries__status=QueryStatus.ANSWERED))))
    return render(request, "review/queue.html", {"shares": shares})


@login_required
@require_GET
def overview(request, slug, pk):
    door = review_door(request.user, slug, pk)
    a, org = door.assessment, door.assessment.organisation
    led = conducted_by_cio(a)
    counts = {"n_queries": Count("queries", distinct=True),
              "n_open": Count("queries", filter=Q(queries__status__in=OPEN_QUERIES), distinct=True),
              "n_comments": Count("cio_comments", distinct=True), "n_evidence": Count("links", distinct=True)}
    rows = (ValidationRow.objects.filter(assessment=a).select_related("obligation", "cio_result").annotate(**counts)
            .order_by("order"))
    answers = QuestionAnswer.objects.filter(assessment=a).select_related("question").annotate(**counts).order_by(
        "order")
    reviewers = Membership.objects.filter(organisation=org, role=MemberRole.CIO_REVIEWER).select_related("user")
    outcome = Outcome.objects.filter(assessment=a).select_related("follow_up", "letter").first()
    return render(request, "review/overview.html", {
        "org": org, "a": a, "door": door, "rows": rows, "answers": answers,
        "overall": [c for c in services.comments(a) if not c.row_id and not c.answer_id],
        "shares": Share.objects.filter(assessment=a).select_related("reviewer"),
        "reviewers": reviewers, "outcome": outcome,
        "can_share": door.may(access.SHARE_REVIEW) and a.status in (SHAREABLE_CONDUCTED if led else SHAREABLE),
        "can_outcome": door.may(access.RECORD_OUTCOME) and a.status == "cio-final" and not outcome and not led,
        "outcome_later": door.may(access.RECORD_OUTCOME) and a.status in ("submitted", "cio-review") and not led,
        "outcome_form": OutcomeForm(organisation=org, initial={"received_on": timezone.localdate()}),
        "assurance": a.assurance_records.all(), "assurance_form": AssuranceForm(),
        "can_assure": door.may(access.RECORD_OUTCOME) and (
            a.kind in actions.ASSURED_TYPES and a.status == "response-sent" if led else
            a.kind in ("fusa", "follow-up", "cio-compliance") and a.submitted_at is not None),
        "open_queries": a.queries.still_open().count(), "led": led,
        **(_conducting(door, a) if led else {})})


SHAREABLE = ("submitted", "cio-review")
SHAREABLE_CONDUCTED = ("draft", "preparation", "internal-review", "fieldwork", "report-issued")


def _conducting(door, a) -> dict:
    """What the overview shows of an assessment the CIO conducts: the fieldwork, the report's
    versions, and the User's response to the findings."""
    reports = list(a.cio_reports.select_related("issued_by", "written_by").order_by("-version"))
    draft = next((r for r in reports if not r.issued), None)
    issued = next((r for r in reports if r.issued), None)
    results = dict(RowResult.objects.filter(assessment=a).values_list("result").annotate(n=Count("pk")))
    findings = list(report_findings(a))
    at_work = door.is_cio and a.status == "fieldwork"
    answering = not door.is_cio and door.may(access.RECORD_OUTCOME) and a.status == "report-issued"
    return {
        "reports": reports, "draft": draft, "issued": issued, "report_findings": findings,
        "results": results, "resulted": sum(results.values()), "non_compliant": sum(
            n for result, n in results.items() if result in NON_COMPLIANT_RESULTS),
        "at_work": at_work, "answering": answering,
        "can_fieldwork": door.is_cio and a.status in ("fieldwork", "report-issued"),
        "issue_problems": fieldwork.problems_before_issue(a) if at_work else [],
        "send_problems": fieldwork.problems_before_sending(a) if answering else [],
        "fieldwork_form": FieldworkForm(initial={"start": a.fieldwork_start, "end": a.fieldwork_end}),
        "report_form": CioReportForm(initial={"summary": (draft or issued).summary if (draft or issued) else ""}),
        "due_form": ResponseDueForm(initial={"due": issued.response_due if issued else None}),
        "send_form": SendResponseForm(initial={"sent_on": timezone.localdate()}),
    }


def _item(door, kind, item_pk):
    if kind == "rows":
        return get_row_for(door.assessment, item_pk)
    if kind == "answers":
        return get_answer_for(door.assessment, item_pk)
    raise Http404("No such page")


@login_required
@require_GET
def item(request, slug, pk, kind, item_pk):
    """One row or answer, as submitted, with the CIO's comments and the query threads on it."""
    door = review_door(request.user, slug, pk)
    a, org = door.assessment, door.assessment.organisation
    found = _item(door, kind, item_pk)
    target = {"row": found} if kind == "rows" else {"answer": found}
    model = ValidationRow if kind == "rows" else QuestionAnswer
    order = list(model.objects.filter(assessment=a).order_by("order").values_list("pk", flat=True))
    at = order.index(found.pk)
    return render(request, "review/item.html", {
        "org": org, "a": a, "door": door, "item": found, "kind": kind,
        "links": EvidenceLink.objects.filter(assessment=a, **target).select_related("document", "version"),
        "comments": Comment.objects.filter(assessment=a, **target).select_related("author"),
        "queries": services.threads(a).filter(**target),
        "documents": Document.objects.filter(organisation=org).only("pk", "title") if not door.is_cio else [],
        "previous": order[at - 1] if at > 0 else None, "next": order[at + 1] if at + 1 < len(order) else None,
        "position": at + 1, "count": len(order), "at_work": a.status in actions.CIO_AT_WORK,
        "can_reply": not door.is_cio and door.may(access.ANSWER_QUERIES) and a.status in actions.CIO_AT_WORK,
        "can_write": door.is_cio and a.status == "cio-review",
        "can_query": door.is_cio and a.status in actions.CIO_AT_WORK, **_result(door, a, kind, found)})


def _result(door, a, kind: str, found) -> dict:
    """On an obligation of an assessment the CIO conducts: the CIO's result, and its form during the fieldwork."""
    if kind != "rows" or a.status not in CONDUCTED_STATES:
        return {}
    result = RowResult.objects.filter(row=found).prefetch_related("examined__document").first()
    can_result = door.is_cio and a.status == "fieldwork"
    form = None
    if can_result:
        initial = {"result": result.result, "note": result.note,
                   "examined": [str(v.document_id) for v in result.examined.all()]} if result else {}
        form = ResultForm(initial=initial, documents=examinable(found), material=a.kind == "vusa")
    return {"result": result, "can_result": can_result, "result_form": form, "can_request": can_result}


CONDUCTED_STATES = ("fieldwork", "report-issued", "response-sent", "actions-requested", "closed")


@login_required
@require_GET
def evidence_file(request, slug, pk, link_pk):
    """A linked document's file, as pinned at submission: how the CIO reads the evidence."""
    door = review_door(request.user, slug, pk)
    link = get_object_or_404(EvidenceLink.objects.select_related("version", "document__organisation"),
                             assessment=door.assessment, pk=link_pk, version__isnull=False)
    return _serve(link.version)


def _serve(version):
    response = version_download(version)
    if response is None:
        raise Http404("The file has been changed on disk; it is refused and reported")
    return response


@login_required
@require_GET
def message_file(request, slug, pk, message_pk):
    door = review_door(request.user, slug, pk)
    message = get_object_or_404(QueryMessage.objects.select_related("version", "document__organisation"),
                                query__assessment=door.assessment, pk=message_pk, version__isnull=False)
    return _serve(message.version)


@login_required
@require_POST
def share(request, slug, pk):
    door = review_door(request.user, slug, pk)
    org = door.assessment.organisation
    door.need(access.SHARE_REVIEW)
    user_id = request.POST.get("reviewer", "")
    member = Membership.objects.filter(organisation=org, role=MemberRole.CIO_REVIEWER,
                                       user_id=guards.record_id(user_id) or -1).select_related("user").first()
    if member is None:
        messages.error(request, "Choose one of the organisation's CIO reviewers (invite them first).")
    else:
        act(request, actions.share, door.assessment, member.user, by=request.user,
            ok=f"Shared with {display_name(member.user)}.")
    return _back(slug, pk)


@login_required
@require_POST
def revoke(request, slug, pk, share_pk):
    door = review_door(request.user, slug, pk)
    door.need(access.SHARE_REVIEW)
    found = get_object_or_404(Share.objects.select_related("reviewer", "assessment"), assessment=door.assessment,
                              pk=share_pk)
    act(request, actions.revoke, found, by=request.user, ok="The share is withdrawn.")
    return _back(slug, pk)


@login_required
@require_POST
def raise_query(request, slug, pk, kind, item_pk):
    door = review_door(request.user, slug, pk)
    found = _item(door, kind, item_pk)
    purpose = request.POST.get("purpose", QueryPurpose.QUESTION)
    act(request, actions.raise_query, door.assessment, found, by=request.user, text=request.POST.get("text", ""),
        purpose=purpose,
        ok="The evidence request is sent." if purpose == QueryPurpose.EVIDENCE else "The query is raised.")
    return _back(slug, pk, kind, item_pk)


def _query(door, query_pk) -> ReviewQuery:
    found = get_object_or_404(ReviewQuery.objects.select_related("row", "answer"), assessment=door.assessment,
                              pk=query_pk)
    found.assessment = door.assessment
    return found


def _back_to_query(slug, pk, query: ReviewQuery):
    return _back(slug, pk, "rows" if query.row_id else "answers", query.row_id or query.answer_id)


@login_required
@require_POST
def reply(request, slug, pk, query_pk):
    door = review_door(request.user, slug, pk)
    query = _query(door, query_pk)
    document_id = request.POST.get("document", "")
    document = (Document.objects.filter(organisation=door.assessment.organisation,
                                        pk=guards.record_id(document_id)).first()
                if guards.record_id(document_id) else None)
    if document_id and door.is_cio:
        # Refused before the register is looked at, so that which ids exist is not told to the CIO.
        messages.error(request, "Evidence is attached by the User.")
    elif document_id and document is None:
        messages.error(request, "Choose a document from this organisation's register.")
    else:
        act(request, actions.reply, query, by=request.user, text=request.POST.get("text", ""), document=document,
            ok="The reply is sent.")
    return _back_to_query(slug, pk, query)


@login_required
@require_POST
def close_query(request, slug, pk, query_pk):
    door = review_door(request.user, slug, pk)
    query = _query(door, query_pk)
    act(request, actions.close_query, query, by=request.user, note=request.POST.get("note", ""),
        ok="The evidence request is closed." if query.purpose == QueryPurpose.EVIDENCE else "The query is closed.")
    return _back_to_query(slug, pk, query)


@login_required
@require_POST
def comment(request, slug, pk):
    door = review_door(request.user, slug, pk)
    kind, item_pk = request.POST.get("kind", ""), request.POST.get("item", "")
    found = _item(door, kind, guards.record_id(item_pk)) if kind and guards.record_id(item_pk) else None
    act(request, actions.comment, door.assessment, by=request.user, text=request.POST.get("text", ""), item=found,
        ok="The comment is saved.")
    return _back(slug, pk, kind if found else None, found.pk if found else None)


@login_required
@require_POST
def edit_comment(request, slug, pk, comment_pk):
    door = review_door(request.user, slug, pk)
    found = get_object_or_404(Comment, assessment=door.assessment, pk=comment_pk)
    found.assessment = door.assessment
    act(request, actions.edit_comment, found, by=request.user, text=request.POST.get("text", ""),
        ok="The comment is changed.")
    if found.row_id or found.answer_id:
        return _back(slug, pk, "rows" if found.row_id else "answers", found.row_id or found.answer_id)
    return _back(slug, pk)


@login_required
@require_POST
def finalise(request, slug, pk):
    door = review_door(request.user, slug, pk)
    act(request, actions.finalise, door.assessment, by=request.user,
        ok="The comments are final: the Validation Workbook can go to the SSC with them.")
    return _back(slug, pk)


@login_required
@require_POST
def outcome(request, slug, pk):
    door = review_door(request.user, slug, pk)
    org = door.assessment.organisation
    door.need(access.RECORD_OUTCOME)
    form = OutcomeForm(request.POST, organisation=org)
    if not form.is_valid():
        messages.error(request, "Choose the decision, and give the dates the assessment was sent to the SSC and "
                                "the decision received.")
        return _back(slug, pk)
    recorded = act(request, actions.record_outcome, door.assessment, by=request.user, **form.cleaned_data,
                   ok="The SSC's outcome is recorded.")
    if recorded and recorded.follow_up_id:
        return redirect("assessment", slug=slug, pk=recorded.follow_up_id)
    return _back(slug, pk)


@login_required
@require_POST
def assurance(request, slug, pk):
    door = review_door(request.user, slug, pk)
    org = door.assessment.organisation
    door.need(access.RECORD_OUTCOME)
    form = AssuranceForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the status as named in the letter and the letter's date.")
    else:
        act(request, actions.record_assurance, org, by=request.user, assessment=door.assessment,
            **form.cleaned_data, ok="The assurance status is recorded.")
    return _back(slug, pk)


@login_required
@require_http_methods(["GET"])
def inbox(request, slug):
    """The User's queries from the CIO, open ones first."""
    door = open_door(request.user, slug, access.VIEW_ASSESSMENTS)
    org = door.organisation
    queries = (ReviewQuery.objects.filter(assessment__organisation=org)
               .select_related("assessment", "row__obligation", "answer__question", "raised_by")
               .annotate(messages_count=Count("messages"))
               .order_by("status", "-raised_at"))
    return render(request, "review/inbox.html", {"org": org, "queries": queries,
                                                 "base": reverse("home")})
