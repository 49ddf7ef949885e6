"""The CIO's review of an assessment (query threads and comments), findings with their management
responses, and the actions of the remediation plans.

A query or comment is reached through ``review_door``, as on the review pages: a CIO reviewer only
on an assessment shared with her, a member through the organisation. Findings and actions are
reached through ``open_door``, as on the findings and plan pages, so that a CIO reviewer or a
provider is told there is no such organisation. Every change goes through the actions the pages
use, with the token's person as the one who acts.

No ``from __future__ import annotations`` here: the paginated routes' path parameters are read
from their annotations at import, which must then be types rather than strings."""

import datetime as dt

from django.db.models import Prefetch
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, model_validator

from secassure.api.core import (
    ERRORS,
    READ_ERRORS,
    BodyId,
    Cursor,
    Listing,
    PathId,
    day,
    member,
    person,
    shows,
    token_organisation,
)
from secassure.assessments.access import get_answer_for, get_assessment_for, get_row_for
from secassure.errors import ActionError
from secassure.evidence.models import Document
from secassure.review import actions, services
from secassure.review import remediation_actions as remediation
from secassure.review.access import review_door
from secassure.review.choices import ActionStatus, FindingKind, FindingStatus, QueryPurpose, Severity
from secassure.review.models import Comment, Finding, RemediationAction
from secassure.tenancy import access
from secassure.tenancy.access import ANSWER_QUERIES, open_door

router = Router(tags=["review"])



# --- what is shown ------------------------------------------------------------------------------


class PersonOut(Schema):
    id: int
    name: str
    email: str


class DocumentRef(Schema):
    id: int
    title: str


class AttachedOut(Schema):
    id: int
    title: str
    version: int | None


class MessageOut(Schema):
    id: int
    side: str
    author: PersonOut
    text: str
    document: AttachedOut | None
    created_at: str


class QueryOut(Schema):
    id: int
    assessment_id: int
    row_id: int | None
    answer_id: int | None
    item: str | None
    purpose: str
    status: str
    raised_by: PersonOut
    raised_at: str
    closed_by: PersonOut | None
    closed_at: str | None
    messages: list[MessageOut]


class CommentOut(Schema):
    id: int
    assessment_id: int
    row_id: int | None
    answer_id: int | None
    item: str | None
    author: PersonOut
    text: str
    created_at: str
    updated_at: str


class FindingOut(Schema):
    id: int
    ref: str
    assessment_id: int | None
    source: str
    clause: str
    kind: str
    severity: str
    status: str
    description: str
    response: str
    response_due: str | None
    responded_by: PersonOut | None
    responded_at: str | None
    response_approved_by: PersonOut | None
    response_approved_at: str | None
    evidence: list[DocumentRef]
    moves: list[str]
    created_at: str
    revision: int


class FindingRef(Schema):
    id: int
    ref: str


class ActionOut(Schema):
    id: int
    plan_id: int
    plan_version: int
    plan_status: str
    assessment_id: int
    finding: FindingRef | None
    clause: str
    description: str
    owner: PersonOut | None
    target_date: str
    status: str
    closure_evidence: DocumentRef | None
    closed_at: str | None
    revision: int


def message_out(message) -> dict:
    attached = None
    if message.document_id:
        attached = {"id": message.document_id, "title": message.document.title,
                    "version": message.version.number if message.version_id else None}
    return {"id": message.pk, "side": message.side, "author": person(message.author), "text": message.text,
            "document": attached, "created_at": message.created_at.isoformat()}


def query_out(query) -> dict:
    """A query thread as read through ``services.threads`` (its item, people and messages fetched)."""
    return {"id": query.pk, "assessment_id": query.assessment_id, "row_id": query.row_id,
            "answer_id": query.answer_id, "item": services.item_ref(query), "purpose": query.purpose,
            "status": query.status, "raised_by": person(query.raised_by), "raised_at": query.raised_at.isoformat(),
            "closed_by": person(query.closed_by), "closed_at": day(query.closed_at),
            "messages": [message_out(m) for m in query.messages.all()]}


def comment_out(comment: Comment) -> dict:
    return {"id": comment.pk, "assessment_id": comment.assessment_id, "row_id": comment.row_id,
            "answer_id": comment.answer_id, "item": services.item_ref(comment), "author": person(comment.author),
            "text": comment.text, "created_at": comment.created_at.isoformat(),
            "updated_at": comment.updated_at.isoformat()}


@shows(Finding)
def finding_out(finding: Finding) -> dict:
    evidence = sorted(finding.evidence.all(), key=lambda d: (d.title, d.pk))
    return {"id": finding.pk, "ref": finding.ref, "assessment_id": finding.assessment_id, "source": finding.source,
            "clause": finding.clause, "kind": finding.kind, "severity": finding.severity,
            "status": finding.status, "description": finding.description, "response": finding.response,
            "response_due": day(finding.response_due), "responded_by": person(finding.responded_by),
            "responded_at": day(finding.responded_at),
            "response_approved_by": person(finding.response_approved_by),
            "response_approved_at": day(finding.response_approved_at),
            "evidence": [{"id": d.pk, "title": d.title} for d in evidence],
            "moves": remediation.finding_moves(finding), "created_at": finding.created_at.isoformat(),
            "revision": finding.revision}


@shows(RemediationAction)
def action_out(action: RemediationAction) -> dict:
    plan = action.plan
    finding, evidence = action.finding, action.closure_evidence
    return {"id": action.pk, "plan_id": plan.pk, "plan_version": plan.version, "plan_status": plan.status,
            "assessment_id": plan.assessment_id,
            "finding": {"id": finding.pk, "ref": finding.ref} if finding is not None else None,
            "clause": action.clause, "description": action.description, "owner": person(action.owner),
            "target_date": day(action.target_date), "status": action.status,
            "closure_evidence": {"id": evidence.pk, "title": evidence.title} if evidence is not None else None,
            "closed_at": day(action.closed_at), "revision": action.revision}


# --- what is sent -------------------------------------------------------------------------------


class Body(Schema):
    model_config = ConfigDict(extra="forbid")


class QueryIn(Body):
    """A query (or, during the fieldwork of an assessment the CIO conducts, an evidence request) on
    one row or one answer: give exactly one of ``row_id`` and ``answer_id``."""

    row_id: BodyId | None = None
    answer_id: BodyId | None = None
    text: str
    purpose: QueryPurpose = QueryPurpose.QUESTION

    @model_validator(mode="after")
    def _one_item(self):
        if (self.row_id is None) == (self.answer_id is None):
            raise ValueError("give either row_id or answer_id: the row or the answer the query is on")
        return self


class ReplyIn(Body):
    text: str
    document_id: BodyId | None = None


class CloseIn(Body):
    note: str = ""


class CommentIn(Body):
    """The CIO's comment on a row (``row_id``), an answer (``answer_id``), or overall (neither)."""

    text: str
    row_id: BodyId | None = None
    answer_id: BodyId | None = None

    @model_validator(mode="after")
    def _at_most_one_item(self):
        if self.row_id is not None and self.answer_id is not None:
            raise ValueError("a comment is on a row or on an answer, not on both")
        return self


class CommentEditIn(Body):
    text: str


class ResponseIn(Body):
    response: str
    revision: BodyId


class FindingStatusIn(Body):
    status: FindingStatus
    reason: str = ""


class ActionIn(Body):
    description: str
    target_date: dt.date
    owner_id: BodyId | None = None
    finding_id: BodyId | None = None
    clause: str = ""


class ActionChangeIn(Body):
    """What to change on the action, with the ``revision`` it had when it was read. Fields left out
    stay as they are; ``owner_id`` or ``closure_evidence_id`` sent as null takes the owner or the
    evidence off."""

    revision: BodyId
    description: str | None = None
    clause: str | None = None
    owner_id: BodyId | None = None
    target_date: dt.date | None = None
    status: ActionStatus | None = None
    closure_evidence_id: BodyId | None = None


# --- the CIO's queries --------------------------------------------------------------------------


def _item(door, row_id: int | None, answer_id: int | None):
    if row_id is not None:
        return get_row_for(door.assessment, row_id)
    return get_answer_for(door.assessment, answer_id)


def _thread(door, query_id: int):
    """One query of the assessment, with its item, people and messages (404 for any other id)."""
    found = services.threads(door.assessment).filter(pk=query_id).first()
    if found is None:
        raise Http404("No such query")
    found.assessment = door.assessment
    return found


@router.get("/organisations/{slug}/assessments/{assessment_id}/queries",
            response={200: list[QueryOut], **READ_ERRORS}, summary="The CIO's queries on an assessment")
@paginate(Cursor)
def queries(request: HttpRequest, slug: str, assessment_id: PathId):
    """Every query thread on the assessment, in the order they were raised, each with its messages.
    A CIO reviewer reads them only on an assessment shared with her."""
    token_organisation(request, slug)
    door = review_door(request.user, slug, assessment_id)
    return Listing(services.threads(door.assessment), lambda page: [query_out(q) for q in page])


@router.post("/organisations/{slug}/assessments/{assessment_id}/queries",
             response={201: QueryOut, **ERRORS}, summary="Raise a query")
def raise_query(request: HttpRequest, slug: str, assessment_id: PathId, body: QueryIn):
    """The CIO raises a query on a row or an answer (or, during the fieldwork of an assessment she
    conducts, requests evidence on an obligation). Only a CIO reviewer with whom the assessment is
    shared may; anyone else is refused with the reason."""
    token_organisation(request, slug)
    door = review_door(request.user, slug, assessment_id)
    found = _item(door, body.row_id, body.answer_id)
    query = actions.raise_query(door.assessment, found, by=request.user, text=body.text,
                                purpose=QueryPurpose(body.purpose).value)
    return Status(201, query_out(_thread(door, query.pk)))


@router.get("/organisations/{slug}/assessments/{assessment_id}/queries/{query_id}",
            response={200: QueryOut, **READ_ERRORS}, summary="One query thread")
def query(request: HttpRequest, slug: str, assessment_id: PathId, query_id: PathId):
    """The query with every message of its thread."""
    token_organisation(request, slug)
    door = review_door(request.user, slug, assessment_id)
    return query_out(_thread(door, query_id))


@router.post("/organisations/{slug}/assessments/{assessment_id}/queries/{query_id}/replies",
             response={201: QueryOut, **ERRORS}, summary="Reply in a query thread")
def reply(request: HttpRequest, slug: str, assessment_id: PathId, query_id: PathId, body: ReplyIn):
    """A message in the thread: from the CIO, or from the User, who may attach a document of the
    organisation's register as evidence (its latest version). Returns the thread as it now stands."""
    token_organisation(request, slug)
    door = review_door(request.user, slug, assessment_id)
    found = _thread(door, query_id)
    if not door.is_cio:
        door.need(ANSWER_QUERIES)  # as the web's thread page offers the reply only to those who may answer
    document = None
    if body.document_id is not None:
        if door.is_cio:  # the CIO never learns which documents the register holds
            raise ActionError("evidence is attached by the User")
        document = Document.objects.filter(organisation=door.organisation, pk=body.document_id).first()
        if document is None:
            raise ActionError("Choose a document from this organisation's register.")
    actions.reply(found, by=request.user, text=body.text, document=document)
    return Status(201, query_out(_thread(door, query_id)))


@router.post("/organisations/{slug}/assessments/{assessment_id}/queries/{query_id}/close",
             response={200: QueryOut, **ERRORS}, summary="Close a query")
def close_query(request: HttpRequest, slug: str, assessment_id: PathId, query_id: PathId, body: CloseIn):
    """The CIO closes the query, with a last note if she gives one."""
    token_organisation(request, slug)
    door = review_door(request.user, slug, assessment_id)
    actions.close_query(_thread(door, query_id), by=request.user, note=body.note)
    return query_out(_thread(door, query_id))


# --- the CIO's comments -------------------------------------------------------------------------


@router.get("/organisations/{slug}/assessments/{assessment_id}/comments",
            response={200: list[CommentOut], **READ_ERRORS}, summary="The CIO's comments on an assessment")
@paginate(Cursor)
def comments(request: HttpRequest, slug: str, assessment_id: PathId):
    """The CIO's comments, on rows, on answers and overall, in the order they were written."""
    token_organisation(request, slug)
    door = review_door(request.user, slug, assessment_id)
    return Listing(services.comments(door.assessment), lambda page: [comment_out(c) for c in page])


def _comment(door, comment_id: int) -> Comment:
    found = services.comments(door.assessment).filter(pk=comment_id).first()
    if found is None:
        raise Http404("No such comment")
    found.assessment = door.assessment
    return found


@router.post("/organisations/{slug}/assessments/{assessment_id}/comments",
             response={201: CommentOut, **ERRORS}, summary="Write a comment")
def comment(request: HttpRequest, slug: str, assessment_id: PathId, body: CommentIn):
    """The CIO's comment on a row, an answer or the assessment overall, while it is under her review."""
    token_organisation(request, slug)
    door = review_door(request.user, slug, assessment_id)
    found = _item(door, body.row_id, body.answer_id) if body.row_id or body.answer_id else None
    written = actions.comment(door.assessment, by=request.user, text=body.text, item=found)
    return Status(201, comment_out(_comment(door, written.pk)))


@router.patch("/organisations/{slug}/assessments/{assessment_id}/comments/{comment_id}",
              response={200: CommentOut, **ERRORS}, summary="Change a comment")
def edit_comment(request: HttpRequest, slug: str, assessment_id: PathId, comment_id: PathId,
                 body: CommentEditIn):
    """The CIO who wrote the comment changes its words, until the comments are final."""
    token_organisation(request, slug)
    door = review_door(request.user, slug, assessment_id)
    actions.edit_comment(_comment(door, comment_id), by=request.user, text=body.text)
    return comment_out(_comment(door, comment_id))


# --- findings -----------------------------------------------------------------------------------


def _findings(org):
    return (Finding.objects.filter(organisation=org)
            .select_related("responded_by", "response_approved_by")
            .prefetch_related(Prefetch("evidence", queryset=Document.objects.only("pk", "title"))))


def _finding(request, slug: str, finding_id: int):
    door = open_door(request.user, slug, access.VIEW_ASSESSMENTS)
    found = get_object_or_404(_findings(door.organisation), pk=finding_id)
    found.organisation = door.organisation
    return door, found


@router.get("/organisations/{slug}/findings", response={200: list[FindingOut], **READ_ERRORS},
            summary="The organisation's findings")
@paginate(Cursor)
def findings(request: HttpRequest, slug: str, status: FindingStatus | None = None, kind: FindingKind | None = None,
             severity: Severity | None = None):
    """Every finding of the organisation, with its management response and where its status may go
    next; ``status``, ``kind`` and ``severity`` narrow the list."""
    token_organisation(request, slug)
    door = open_door(request.user, slug, access.VIEW_ASSESSMENTS)
    chosen = {"status": status, "kind": kind, "severity": severity}
    found = _findings(door.organisation).filter(**{k: v.value for k, v in chosen.items() if v is not None})
    return Listing(found, lambda page: [finding_out(f) for f in page])


@router.get("/organisations/{slug}/findings/{finding_id}", response={200: FindingOut, **READ_ERRORS},
            summary="One finding")
def finding(request: HttpRequest, slug: str, finding_id: PathId):
    """The finding, its management response, its evidence and where its status may go next."""
    token_organisation(request, slug)
    _, found = _finding(request, slug, finding_id)
    return finding_out(found)


@router.post("/organisations/{slug}/findings/{finding_id}/response", response={200: FindingOut, **ERRORS},
             summary="Write the management response")
def respond(request: HttpRequest, slug: str, finding_id: PathId, body: ResponseIn):
    """Save the management response, with the finding's ``revision`` as you read it: if someone has
    changed the finding since, nothing is saved and the answer (409) shows it as it now stands."""
    token_organisation(request, slug)
    door, found = _finding(request, slug, finding_id)
    door.need(access.MANAGE_FINDINGS)
    remediation.respond(found, by=request.user, response=body.response, revision=body.revision)
    return finding_out(_finding(request, slug, finding_id)[1])


@router.post("/organisations/{slug}/findings/{finding_id}/status", response={200: FindingOut, **ERRORS},
             summary="Move a finding on")
def finding_status(request: HttpRequest, slug: str, finding_id: PathId, body: FindingStatusIn):
    """Move the finding to one of the statuses in its ``moves``; accepting a risk needs the reason."""
    token_organisation(request, slug)
    door, found = _finding(request, slug, finding_id)
    door.need(access.MANAGE_FINDINGS)
    remediation.set_finding_status(found, by=request.user, status=FindingStatus(body.status).value,
                                   reason=body.reason)
    return finding_out(_finding(request, slug, finding_id)[1])


# --- remediation actions ------------------------------------------------------------------------


def _actions(org):
    return (RemediationAction.objects.filter(plan__organisation=org)
            .select_related("plan", "owner", "finding", "closure_evidence"))


def _action(request, slug: str, action_id: int):
    door = open_door(request.user, slug, access.VIEW_ASSESSMENTS)
    found = get_object_or_404(_actions(door.organisation), pk=action_id)
    found.plan.organisation = door.organisation
    return door, found


def _owner(org, owner_id: int | None):
    """A member of the organisation, to be given the action (the action refuses a role that may not
    carry remediation forward); nobody for None."""
    return member(org, owner_id, f"the action's owner must be a member of {org.name}")


def _closure_evidence(org, document_id: int | None):
    if document_id is None:
        return None
    found = Document.objects.filter(organisation=org, pk=document_id).first()
    if found is None:
        raise ActionError("that document is not in this organisation's register; add it there first")
    return found


@router.get("/organisations/{slug}/remediation/actions", response={200: list[ActionOut], **READ_ERRORS},
            summary="The organisation's remediation actions")
@paginate(Cursor)
def remediation_actions(request: HttpRequest, slug: str):
    """Every action of every remediation plan of the organisation, with its owner, target date,
    status and closure evidence, and its plan's version and status."""
    token_organisation(request, slug)
    door = open_door(request.user, slug, access.VIEW_ASSESSMENTS)
    return Listing(_actions(door.organisation), lambda page: [action_out(a) for a in page])


@router.get("/organisations/{slug}/remediation/actions/{action_id}", response={200: ActionOut, **READ_ERRORS},
            summary="One remediation action")
def remediation_action(request: HttpRequest, slug: str, action_id: PathId):
    token_organisation(request, slug)
    _, found = _action(request, slug, action_id)
    return action_out(found)


@router.post("/organisations/{slug}/assessments/{assessment_id}/remediation/actions",
             response={201: ActionOut, **ERRORS}, summary="Add a remediation action")
def add_action(request: HttpRequest, slug: str, assessment_id: PathId, body: ActionIn):
    """Add an action to the assessment's remediation plan, opening the plan (in draft, at version 1)
    if it has none yet. An action added after the director signed the plan makes a new version."""
    token_organisation(request, slug)
    door, assessment = get_assessment_for(request.user, slug, assessment_id)
    door.need(access.MANAGE_FINDINGS)
    org = door.organisation
    owner = _owner(org, body.owner_id)
    finding = None
    if body.finding_id is not None:
        finding = Finding.objects.filter(organisation=org, pk=body.finding_id).still_open().first()
        if finding is None:
            raise ActionError("choose one of this organisation's open findings, or none")
    plan = remediation.open_plan(assessment, by=request.user)
    plan.organisation = org
    added = remediation.add_action(plan, by=request.user, description=body.description,
                                   target_date=body.target_date, owner=owner, finding=finding, clause=body.clause)
    return Status(201, action_out(_action(request, slug, added.pk)[1]))


@router.patch("/organisations/{slug}/remediation/actions/{action_id}", response={200: ActionOut, **ERRORS},
              summary="Change a remediation action")
def update_action(request: HttpRequest, slug: str, action_id: PathId, body: ActionChangeIn):
    """Change an action's description, clause, owner, target date, status or closure evidence, with
    the ``revision`` it had when you read it: if someone has changed it since, nothing is saved and
    the answer (409) shows it as it now stands. Done needs closure evidence; a commitment changed
    after the director signed makes a new version of the plan."""
    token_organisation(request, slug)
    door, found = _action(request, slug, action_id)
    door.need(access.MANAGE_FINDINGS)
    org = door.organisation
    sent = body.model_dump(exclude_unset=True)
    revision = sent.pop("revision")
    changes = {}
    for name in ("description", "clause", "target_date", "status"):
        if sent.get(name) is not None:
            changes[name] = sent[name]
    if "status" in changes:
        changes["status"] = ActionStatus(changes["status"]).value
    if "owner_id" in sent:
        changes["owner"] = _owner(org, sent["owner_id"])
    if "closure_evidence_id" in sent:
        changes["closure_evidence"] = _closure_evidence(org, sent["closure_evidence_id"])
    remediation.update_action(found, by=request.user, revision=revision, **changes)
    return action_out(_action(request, slug, action_id)[1])
