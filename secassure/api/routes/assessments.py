"""Assessments: the list and creating one, each assessment's details and lifecycle, its validation
rows and question answers (read, saved and checked as on the web, refusing a save made on a stale
revision), and the evidence linked to them.

Members reach an assessment through the assessments door, as the workspace does; a CIO reviewer
reads only an assessment shared with her, through the review's door, as the review pages do, and
changes nothing here (the CIO's own work is in the review's routes)."""

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import model_validator

from secassure.api.core import (
    ERRORS,
    MAX_ID,
    READ_ERRORS,
    Cursor,
    Listing,
    PathId,
    day,
    member,
    person,
    shows,
    token_organisation,
)
from secassure.assessments import actions, services
from secassure.assessments.access import get_answer_for, get_assessment_for, get_link_for, get_row_for
from secassure.assessments.choices import TRANSITIONS, AssessmentStatus, AssessmentType, Compliance
from secassure.assessments.models import Assessment, EvidenceLink, QuestionAnswer, ValidationRow
from secassure.errors import ActionError
from secassure.evidence.models import Document
from secassure.people import display_name
from secassure.review.access import review_door
from secassure.review.models import Share
from secassure.tenancy import access
from secassure.tenancy.access import Door, member_door
from secassure.tenancy.choices import MemberRole

router = Router(tags=["assessments"])

A = "/organisations/{slug}/assessments/{assessment_id}"


# --- what is shown ------------------------------------------------------------------------------


class PersonOut(Schema):
    id: int
    email: str
    name: str


class FiguresOut(Schema):
    total: int
    assessed: int
    checked: int
    unconfirmed: int
    non_compliant: int
    percent: int
    unanswered: int | None = None


class ProgressOut(Schema):
    rows: FiguresOut
    questions: FiguresOut
    groups: dict[str, FiguresOut]


class AssessmentOut(Schema):
    id: int
    title: str
    type: str
    type_label: str
    status: str
    status_label: str
    editable: bool
    submitted: bool
    cycle_year: int | None
    catalogue: str
    catalogue_version: str
    baseline_id: int | None
    period_start: str | None
    period_end: str | None
    planned_start: str | None
    planned_end: str | None
    fieldwork_start: str | None
    fieldwork_end: str | None
    booking_reference: str
    decision: str
    created_at: str | None
    submitted_at: str | None
    revision: int


class AssessmentListed(AssessmentOut):
    progress: FiguresOut


class AssessmentDetail(AssessmentOut):
    progress: ProgressOut


class Created(Schema):
    assessment: AssessmentDetail
    rows: int
    answers: int
    carried_rows: int
    carried_answers: int
    carried_links: int
    warnings: list[str]


class LinkBrief(Schema):
    id: int
    document_id: int
    document_title: str
    version: int | None


class ItemOut(Schema):
    id: int
    ref: str
    owner: PersonOut | None
    changed: bool | None
    change_note: str
    carried_forward: bool
    confirmed: bool
    updated_by: PersonOut | None
    updated_at: str | None
    checked_by: PersonOut | None
    checked_at: str | None
    revision: int
    links: list[LinkBrief]


class RowOut(ItemOut):
    title: str
    group: str
    status: str
    status_label: str
    narrative: str
    na_reason: str
    last_tested: str | None


class AnswerOut(ItemOut):
    question: str
    answer_kind: str
    answer: str
    answer_label: str
    answered: bool
    narrative: str
    material: bool
    material_rationale: str


class LinkOut(Schema):
    id: int
    row_id: int | None
    answer_id: int | None
    ref: str
    document_id: int
    document_title: str
    version: int | None
    carried_forward: bool
    added_by: PersonOut | None
    added_at: str | None


def _when(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def assessment_out(a: Assessment) -> dict:
    return {
        "id": a.pk, "title": a.title, "type": a.kind, "type_label": a.get_kind_display(), "status": a.status,
        "status_label": a.get_status_display(), "editable": a.editable, "submitted": a.submitted,
        "cycle_year": a.cycle_year, "catalogue": str(a.catalogue), "catalogue_version": a.catalogue.version,
        "baseline_id": a.baseline_id, "period_start": day(a.period_start), "period_end": day(a.period_end),
        "planned_start": day(a.planned_start), "planned_end": day(a.planned_end),
        "fieldwork_start": day(a.fieldwork_start), "fieldwork_end": day(a.fieldwork_end),
        "booking_reference": a.booking_reference, "decision": a.decision or "", "created_at": _when(a.created_at),
        "submitted_at": _when(a.submitted_at), "revision": a.revision,
    }


@shows(Assessment)
def _assessment_as_it_stands(a: Assessment) -> dict:
    return assessment_out(a)


def _figures(p: services.Progress) -> dict:
    return {**p.as_dict(), "unanswered": p.unanswered}


def assessment_detail(a: Assessment) -> dict:
    progress = services.progress(a)
    return {**assessment_out(a), "progress": {
        "rows": _figures(progress["rows"]), "questions": _figures(progress["questions"]),
        "groups": {ref: _figures(p) for ref, p in sorted(progress["groups"].items(),
                                                         key=lambda item: services.group_order(item[0]))}}}


def _links_of(item) -> list[EvidenceLink]:
    """The item's links: those fetched with it when they were, read now otherwise (a 409's
    ``current`` is read afresh without them)."""
    cache = getattr(item, "_prefetched_objects_cache", {})
    if "links" in cache:
        return list(item.links.all())
    return list(item.links.select_related("document", "version").order_by("pk"))


def _item_out(item) -> dict:
    return {
        "id": item.pk, "owner": person(item.owner), "changed": item.changed, "change_note": item.change_note,
        "carried_forward": item.carried_forward, "confirmed": item.confirmed,
        "updated_by": person(item.updated_by), "updated_at": _when(item.updated_at),
        "checked_by": person(item.checked_by), "checked_at": _when(item.checked_at), "revision": item.revision,
        "links": [{"id": link.pk, "document_id": link.document_id, "document_title": link.document.title,
                   "version": link.version.number if link.version_id else None} for link in _links_of(item)],
    }


@shows(ValidationRow)
def row_out(row: ValidationRow) -> dict:
    return {**_item_out(row), "ref": row.obligation.ref, "title": row.obligation.title, "group": row.group_ref,
            "status": row.status, "status_label": row.get_status_display(), "narrative": row.narrative,
            "na_reason": row.na_reason, "last_tested": day(row.last_tested)}


@shows(QuestionAnswer)
def answer_out(answer: QuestionAnswer) -> dict:
    q = answer.question
    return {**_item_out(answer), "ref": q.ref, "question": q.text, "answer_kind": q.answer_kind,
            "answer": answer.answer or "", "answer_label": answer.shown, "answered": answer.is_answered,
            "narrative": answer.narrative, "material": answer.material,
            "material_rationale": answer.material_rationale}


def link_out(link: EvidenceLink) -> dict:
    return {"id": link.pk, "row_id": link.row_id, "answer_id": link.answer_id,
            "ref": link.row.obligation.ref if link.row_id else link.answer.question.ref,
            "document_id": link.document_id, "document_title": link.document.title,
            "version": link.version.number if link.version_id else None, "carried_forward": link.carried_forward,
            "added_by": person(link.added_by), "added_at": _when(link.added_at)}


# --- the doors ----------------------------------------------------------------------------------


def _reading(request: HttpRequest, slug: str, assessment_id: int) -> tuple[Door, Assessment]:
    """The assessment as the web shows it to this person: a member through the assessments door
    (404 for a Provider), a CIO reviewer only when it is shared with her (404 otherwise)."""
    token_organisation(request, slug)
    door = member_door(request.user, slug)
    if door.role == MemberRole.CIO_REVIEWER:
        shared = review_door(request.user, slug, assessment_id)
        return shared, shared.assessment
    return get_assessment_for(request.user, slug, assessment_id)


def _changing(request: HttpRequest, slug: str, assessment_id: int, permission: str) -> tuple[Door, Assessment]:
    """The assessment, for a change that needs ``permission``: as the web's pages that change an
    assessment, 404 for anyone who may not see the organisation's assessments (a CIO reviewer, a
    Provider), 403 for a member whose role does not allow it."""
    token_organisation(request, slug)
    door, assessment = get_assessment_for(request.user, slug, assessment_id)
    door.need(permission)
    return door, assessment


def _unchanged_since(assessment: Assessment, revision: int | None) -> None:
    """Refuse a change made on an older reading of the assessment than its current revision."""
    if revision is not None and revision != assessment.revision:
        raise actions.StaleEdit(f"{assessment.title} was changed after you read it (it is now at revision "
                                f"{assessment.revision}), so nothing was done: read it again and decide on what "
                                "it now says", assessment)


def _rows_query(assessment: Assessment):
    return services.with_details(ValidationRow.objects.filter(assessment=assessment).select_related("obligation"))


def _answers_query(assessment: Assessment):
    return services.with_details(QuestionAnswer.objects.filter(assessment=assessment).select_related("question"))


def _row(assessment: Assessment, row_id: int) -> ValidationRow:
    found = get_row_for(assessment, row_id)
    return _rows_query(assessment).get(pk=found.pk)


def _answer(assessment: Assessment, answer_id: int) -> QuestionAnswer:
    found = get_answer_for(assessment, answer_id)
    return _answers_query(assessment).get(pk=found.pk)


def _owner(org, owner_id: int | None):
    """The person named as owner: one of the organisation's members (whether their role lets them
    own the work is the action's to say); ``None`` gives the item to nobody."""
    return member(org, owner_id, f"the owner must be a member of {org.name}")


# --- assessments --------------------------------------------------------------------------------


class AssessmentIn(Schema):
    kind: str = Field(..., max_length=40, description=f"One of {', '.join(AssessmentType.values)}")
    title: str = Field("", description="Made up from the type and year when empty")
    cycle_year: int | None = None
    baseline_id: int | None = Field(None, ge=1, le=MAX_ID, description="A submitted assessment to carry forward from")
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    planned_start: dt.date | None = None
    planned_end: dt.date | None = None
    booking_reference: str = ""


class DetailsIn(Schema):
    revision: int | None = Field(None, ge=1, le=MAX_ID, description="The revision read; refused (409) if it has "
                                                                    "changed since")
    title: str | None = None
    cycle_year: int | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    planned_start: dt.date | None = None
    planned_end: dt.date | None = None
    booking_reference: str | None = None
    fieldwork_start: dt.date | None = None
    fieldwork_end: dt.date | None = None


class MoveIn(Schema):
    to: str = Field(..., max_length=40, description=f"One of {', '.join(AssessmentStatus.values)}")
    reason: str = ""
    declaration: str | None = Field(None, max_length=40, description="To sign off and submit: the version of the "
                                                                     "director's declaration accepted")
    revision: int | None = Field(None, ge=1, le=MAX_ID, description="The revision read; refused (409) if it has "
                                                                    "changed since")


@router.get("/organisations/{slug}/assessments", response={200: list[AssessmentListed], **READ_ERRORS},
            summary="The assessments")
@paginate(Cursor)
def assessment_list(request: HttpRequest, slug: str):
    """The organisation's assessments, oldest first, each with its rows' progress. A CIO reviewer
    sees those shared with her."""
    token_organisation(request, slug)
    door = member_door(request.user, slug)
    if door.role == MemberRole.CIO_REVIEWER:
        shared = Share.objects.active().filter(reviewer=request.user).values("assessment")
        found = Assessment.objects.filter(organisation=door.organisation, pk__in=shared)
    else:
        door = access.open_door(request.user, slug, access.VIEW_ASSESSMENTS)
        found = Assessment.objects.filter(organisation=door.organisation)

    def present(page: list[Assessment]) -> list[dict]:
        figures = services.progress_many(page)
        return [{**assessment_out(a), "progress": figures[a.pk]} for a in page]

    return Listing(found.select_related("catalogue__framework"), present)


@router.post("/organisations/{slug}/assessments", response={201: Created, **ERRORS}, summary="Create an assessment")
def create(request: HttpRequest, slug: str, body: AssessmentIn):
    """Create an assessment of the given type on the SEC catalogue in force, with a row for each
    obligation and an answer for each question that applies; with a baseline (a submitted
    assessment), its answers and evidence are carried forward, to be confirmed."""
    token_organisation(request, slug)
    door = access.open_door(request.user, slug, access.VIEW_ASSESSMENTS)
    door.need(access.CREATE_ASSESSMENTS)
    org = door.organisation
    fields = body.dict()
    baseline_id = fields.pop("baseline_id")
    baseline = None
    if baseline_id is not None:
        baseline = Assessment.objects.filter(organisation=org, pk=baseline_id).first()
        if baseline is None:
            raise ActionError("the baseline must be one of this organisation's assessments")
    made = actions.create_assessment(org, by=request.user, baseline=baseline, **fields)
    _, assessment = get_assessment_for(request.user, slug, made.assessment.pk)
    return Status(201, {"assessment": assessment_detail(assessment), "rows": made.rows, "answers": made.answers,
                        "carried_rows": made.carried_rows, "carried_answers": made.carried_answers,
                        "carried_links": made.carried_links, "warnings": made.warnings})


@router.get(A, response={200: AssessmentDetail, **READ_ERRORS}, summary="One assessment")
def assessment(request: HttpRequest, slug: str, assessment_id: PathId):
    """The assessment's details, status, type, catalogue version and revision, with its progress:
    rows and questions, and rows by group."""
    _, found = _reading(request, slug, assessment_id)
    return assessment_detail(found)


@router.patch(A, response={200: AssessmentDetail, **ERRORS}, summary="Change the assessment's details")
def update_details(request: HttpRequest, slug: str, body: DetailsIn, assessment_id: PathId):
    """Change the title, cycle year, period, planned dates and booking reference until it is
    submitted; the fieldwork's dates whenever they become known. Only the fields sent change."""
    _, found = _changing(request, slug, assessment_id, access.EDIT_ASSESSMENTS)
    changes = body.dict(exclude_unset=True)
    _unchanged_since(found, changes.pop("revision", None))
    actions.update_details(found, by=request.user, **changes)
    _, found = get_assessment_for(request.user, slug, assessment_id)
    return assessment_detail(found)


@router.post(A + "/move", response={200: AssessmentDetail, **ERRORS}, summary="Move the assessment on")
def move(request: HttpRequest, slug: str, body: MoveIn, assessment_id: PathId):
    """Move the assessment along its lifecycle (``to``), with a reason where the move needs one. To
    sign off and submit, an Approver accepts the director's declaration by naming its version."""
    door, found = _changing(request, slug, assessment_id, access.VIEW_ASSESSMENTS)
    step = TRANSITIONS.get((found.status, body.to))
    if step is not None:
        door.need(step.permission)
    _unchanged_since(found, body.revision)
    actions.move(found, body.to, by=request.user, reason=body.reason, declaration=body.declaration)
    _, found = get_assessment_for(request.user, slug, assessment_id)
    return assessment_detail(found)


# --- rows ---------------------------------------------------------------------------------------


class RowFilters(Schema):
    status: Compliance | None = None
    owner: str | None = Field(None, pattern=r"^(none|[0-9]{1,10})$", description="A person's id, or none")
    group: str | None = Field(None, max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$",
                              description="A top-level group's ref; - for no group")
    changed: Literal["yes", "no"] | None = None
    assessed: bool = False
    checked: bool = False
    unconfirmed: bool = False
    noncompliant: bool = False
    unanswered: bool = False
    unchecked: bool = False


class AnswerFilters(Schema):
    assessed: bool = False
    checked: bool = False
    unconfirmed: bool = False
    unanswered: bool = False
    unchecked: bool = False


class ItemIn(Schema):
    revision: int = Field(..., ge=1, le=MAX_ID, description="The revision read; refused (409) if it has changed since")
    owner_id: int | None = Field(None, ge=1, le=MAX_ID, description="A member who may edit assessments; null for "
                                                                    "nobody")
    changed: bool | None = None
    change_note: str | None = None


class RowIn(ItemIn):
    status: str | None = Field(None, max_length=40, description=f"One of {', '.join(Compliance.values)}")
    narrative: str | None = None
    na_reason: str | None = None
    last_tested: dt.date | None = None


class AnswerIn(ItemIn):
    answer: str | None = Field(None, max_length=40)
    narrative: str | None = None
    material: bool | None = None
    material_rationale: str | None = None


class CheckIn(Schema):
    revision: int = Field(..., ge=1, le=MAX_ID, description="The revision checked")


def _changes(org, body: ItemIn, item: ValidationRow | QuestionAnswer) -> tuple[int, dict]:
    """The revision and the changes sent, refusing a null for a field that cannot be empty, and
    a revision that is not the item's current one even when nothing would change (the action lets
    an unchanged save pass; a script is told its reading is out of date)."""
    changes = body.dict(exclude_unset=True)
    revision = changes.pop("revision")
    if "owner_id" in changes:
        changes["owner"] = _owner(org, changes.pop("owner_id"))
    fields = {f.name: f for f in type(item)._meta.get_fields()}
    for name, value in changes.items():
        if value is None and name in fields and not fields[name].null:
            raise ActionError(f"{name} cannot be null: leave it out to keep it as it is")
    if revision != item.revision:
        current = type(item).objects.select_related("updated_by", "owner").get(pk=item.pk)
        who = display_name(current.updated_by) if current.updated_by_id else "someone"
        raise actions.StaleEdit(f"this was saved by {who} after you read it (it is now at revision "
                                f"{current.revision}), so nothing was saved: read it again", current)
    return revision, changes


@router.get(A + "/rows", response={200: list[RowOut], **READ_ERRORS}, summary="The validation rows")
@paginate(Cursor)
def rows(request: HttpRequest, slug: str, filters: Query[RowFilters], assessment_id: PathId):
    """The rows, one per applicable obligation, filtered as the workspace filters them: by status,
    owner, group, change since the baseline, and by what each progress figure counts."""
    _, found = _reading(request, slug, assessment_id)
    wanted = {key: (value.value if isinstance(value, Compliance) else value)
              for key, value in filters.dict().items() if value not in (None, False)}
    query = services.with_details(services.filtered_rows(found, wanted).select_related("obligation"))
    return Listing(query, lambda page: [row_out(r) for r in page])


@router.get(A + "/rows/{row_id}", response={200: RowOut, **READ_ERRORS}, summary="One validation row")
def row(request: HttpRequest, slug: str, assessment_id: PathId, row_id: PathId):
    _, found = _reading(request, slug, assessment_id)
    return row_out(_row(found, row_id))


@router.patch(A + "/rows/{row_id}", response={200: RowOut, **ERRORS}, summary="Save a validation row")
def save_row(request: HttpRequest, slug: str, body: RowIn, assessment_id: PathId, row_id: PathId):
    """Save the fields sent, if nobody has saved the row since ``revision`` (409 with the row as it
    now stands otherwise). A save confirms carried-forward content; a change clears its check."""
    _, found = _changing(request, slug, assessment_id, access.EDIT_ASSESSMENTS)
    item = get_row_for(found, row_id)
    revision, changes = _changes(found.organisation, body, item)
    actions.save_row(item, by=request.user, revision=revision, **changes)
    return row_out(_row(found, row_id))


@router.post(A + "/rows/{row_id}/check", response={200: RowOut, **ERRORS}, summary="Check a validation row")
def check_row(request: HttpRequest, slug: str, body: CheckIn, assessment_id: PathId, row_id: PathId):
    """Record that a second person checked the row as it stood at ``revision``."""
    _, found = _changing(request, slug, assessment_id, access.CHECK_ASSESSMENTS)
    actions.check_item(get_row_for(found, row_id), by=request.user, revision=body.revision)
    return row_out(_row(found, row_id))


# --- answers ------------------------------------------------------------------------------------


@router.get(A + "/answers", response={200: list[AnswerOut], **READ_ERRORS}, summary="The question answers")
@paginate(Cursor)
def answers(request: HttpRequest, slug: str, filters: Query[AnswerFilters], assessment_id: PathId):
    """The answers, one per applicable question, filtered as the questionnaire filters them."""
    _, found = _reading(request, slug, assessment_id)
    wanted = {key: value for key, value in filters.dict().items() if value}
    query = services.with_details(services.filtered_answers(found, wanted).select_related("question"))
    return Listing(query, lambda page: [answer_out(a) for a in page])


@router.get(A + "/answers/{answer_id}", response={200: AnswerOut, **READ_ERRORS}, summary="One question answer")
def answer(request: HttpRequest, slug: str, assessment_id: PathId, answer_id: PathId):
    _, found = _reading(request, slug, assessment_id)
    return answer_out(_answer(found, answer_id))


@router.patch(A + "/answers/{answer_id}", response={200: AnswerOut, **ERRORS}, summary="Save a question answer")
def save_answer(request: HttpRequest, slug: str, body: AnswerIn, assessment_id: PathId, answer_id: PathId):
    """Save the fields sent, if nobody has saved the answer since ``revision`` (409 with the answer
    as it now stands otherwise)."""
    _, found = _changing(request, slug, assessment_id, access.EDIT_ASSESSMENTS)
    item = get_answer_for(found, answer_id)
    revision, changes = _changes(found.organisation, body, item)
    actions.save_answer(item, by=request.user, revision=revision, **changes)
    return answer_out(_answer(found, answer_id))


@router.post(A + "/answers/{answer_id}/check", response={200: AnswerOut, **ERRORS}, summary="Check a question answer")
def check_answer(request: HttpRequest, slug: str, body: CheckIn, assessment_id: PathId, answer_id: PathId):
    """Record that a second person checked the answer as it stood at ``revision``."""
    _, found = _changing(request, slug, assessment_id, access.CHECK_ASSESSMENTS)
    actions.check_item(get_answer_for(found, answer_id), by=request.user, revision=body.revision)
    return answer_out(_answer(found, answer_id))


# --- evidence links -----------------------------------------------------------------------------


class LinkFilters(Schema):
    row_id: int | None = Field(None, ge=1, le=MAX_ID)
    answer_id: int | None = Field(None, ge=1, le=MAX_ID)


class LinkIn(Schema):
    row_id: int | None = Field(None, ge=1, le=MAX_ID)
    answer_id: int | None = Field(None, ge=1, le=MAX_ID)
    document_id: int = Field(..., ge=1, le=MAX_ID)

    @model_validator(mode="after")
    def _one_item(self):
        if (self.row_id is None) == (self.answer_id is None):
            raise ValueError("give row_id or answer_id: the one item the document is evidence for")
        return self


@router.get(A + "/links", response={200: list[LinkOut], **READ_ERRORS}, summary="The evidence links")
@paginate(Cursor)
def links(request: HttpRequest, slug: str, filters: Query[LinkFilters], assessment_id: PathId):
    """The documents offered as evidence for the assessment's rows and answers (of one row or
    answer with ``row_id`` or ``answer_id``); ``version`` is the version pinned at submission."""
    _, found = _reading(request, slug, assessment_id)
    query = EvidenceLink.objects.filter(assessment=found)
    if filters.row_id is not None:
        query = query.filter(row_id=filters.row_id)
    if filters.answer_id is not None:
        query = query.filter(answer_id=filters.answer_id)
    query = query.select_related("document", "version", "added_by", "row__obligation", "answer__question")
    return Listing(query, lambda page: [link_out(link) for link in page])


@router.post(A + "/links", response={201: LinkOut, **ERRORS}, summary="Link evidence")
def link(request: HttpRequest, slug: str, body: LinkIn, assessment_id: PathId):
    """Offer a document of the organisation's register as evidence for a row or an answer; it asks
    for a fresh check of the item."""
    _, found = _changing(request, slug, assessment_id, access.EDIT_ASSESSMENTS)
    item = get_row_for(found, body.row_id) if body.row_id is not None else get_answer_for(found, body.answer_id)
    document = Document.objects.filter(organisation=found.organisation, pk=body.document_id).first()
    if document is None:
        raise ActionError("choose a document from this organisation's register")
    made = actions.link_evidence(item, document, by=request.user)
    return Status(201, link_out(get_link_for(found, made.pk)))


@router.delete(A + "/links/{link_id}", response={204: None, **ERRORS}, summary="Unlink evidence")
def unlink(request: HttpRequest, slug: str, assessment_id: PathId, link_id: PathId):
    """Withdraw a document offered as evidence; it asks for a fresh check of the item."""
    _, found = _changing(request, slug, assessment_id, access.EDIT_ASSESSMENTS)
    actions.unlink_evidence(get_link_for(found, link_id), by=request.user)
    return Status(204, None)
