"""The document register: documents with their current version and freshness, adding a document,
a document's versions, uploading a new version and downloading one. Reached through the same door
as the register's web pages, so that a Provider-role member sees, and adds versions to, only their
provider's documents."""


import datetime as dt
from typing import Annotated

from django.conf import settings
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError
from ninja.pagination import paginate

from secassure import guards
from secassure.api.core import (
    ERRORS,
    MAX_ID,
    READ_ERRORS,
    Cursor,
    Listing,
    PathId,
    Problem,
    day,
    problem,
    token_organisation,
)
from secassure.errors import ActionError
from secassure.evidence import actions
from secassure.evidence.access import DocumentScope, document_scope
from secassure.evidence.downloads import version_download
from secassure.evidence.models import Document, DocumentVersion
from secassure.evidence.services import freshness_of, with_freshness_fields
from secassure.evidence.uploads import TOO_LARGE
from secassure.profile.models import ThirdPartyProvider

router = Router(tags=["documents"])

BINARY = {"schema": {"type": "string", "format": "binary"}}


class FreshnessOut(Schema):
    state: str = Field(description="missing, expired, overdue, acceptance-lapsed, review-due or current")
    label: str
    reason: str


class VersionOut(Schema):
    id: int
    number: int
    name: str
    size: int
    media_type: str
    sha256: str
    effective_date: str
    expiry_date: str | None
    note: str
    uploaded_by: str | None = Field(description="The uploader's email address")
    uploaded_at: str
    file: str = Field(description="Where to download the file")


class DocumentOut(Schema):
    id: int
    title: str
    doc_type: str
    classification: str
    status: str
    review_months: int
    next_review: str | None
    owner: str | None = Field(description="The owner's email address")
    provider: str | None = Field(description="The provider that maintains it, if one does")
    created_at: str
    current_version: VersionOut | None
    freshness: FreshnessOut


class DocumentIn(Schema):
    title: str = Field(max_length=300)
    doc_type: str = Field(max_length=20, description="policy, procedure, standard, plan, record, report, ...")
    classification: str = Field("internal", max_length=20, description="public, internal, confidential or restricted")
    review_months: int = Field(12, ge=1, le=60, description="How often it is reviewed")
    provider_id: int | None = Field(None, ge=1, le=MAX_ID,
                                    description="The organisation's provider that maintains it, if one does")


def _path(document: Document) -> str:
    return f"/api/v1/organisations/{document.organisation.slug}/documents/{document.pk}"


def version_out(version: DocumentVersion, document: Document) -> dict:
    return {"id": version.pk, "number": version.number, "name": version.original_name, "size": version.size,
            "media_type": version.media_type, "sha256": version.sha256, "effective_date": day(version.effective_date),
            "expiry_date": day(version.expiry_date), "note": version.note,
            "uploaded_by": version.uploaded_by.email if version.uploaded_by_id else None,
            "uploaded_at": version.uploaded_at.isoformat(),
            "file": f"{_path(document)}/versions/{version.pk}/file"}


def document_out(document: Document, current: DocumentVersion | None, today: dt.date) -> dict:
    fresh = freshness_of(document, today)
    return {"id": document.pk, "title": document.title, "doc_type": document.doc_type,
            "classification": document.classification, "status": document.status,
            "review_months": document.review_months, "next_review": day(document.next_review),
            "owner": document.owner.email if document.owner_id else None,
            "provider": document.provider.name if document.provider_id else None,
            "created_at": document.created_at.isoformat(),
            "current_version": version_out(current, document) if current is not None else None,
            "freshness": {"state": fresh.state, "label": fresh.label, "reason": fresh.reason}}


def _register(scope: DocumentScope) -> QuerySet[Document]:
    """The documents the person may see, each with its freshness fields and its latest version's id."""
    latest = DocumentVersion.objects.filter(document=OuterRef("pk")).order_by("-number")
    return with_freshness_fields(scope.documents).annotate(latest_id=Subquery(latest.values("pk")[:1]))


def _shown(documents: list[Document], scope: DocumentScope) -> list[dict]:
    """The documents as shown, their current versions fetched in one query."""
    for document in documents:
        document.organisation = scope.organisation
    current = DocumentVersion.objects.select_related("uploaded_by").in_bulk(
        [d.latest_id for d in documents if d.latest_id is not None])
    today = timezone.localdate()
    return [document_out(d, current.get(d.latest_id), today) for d in documents]


def _document_in(scope: DocumentScope, pk: int) -> Document:
    return get_object_or_404(_register(scope), pk=pk)


@router.get("/organisations/{slug}/documents", response={200: list[DocumentOut], **READ_ERRORS},
            summary="The document register")
@paginate(Cursor)
def documents(request: HttpRequest, slug: str):
    """The documents the token's person may see (a provider's member: that provider's documents only),
    each with its current version and how fresh its evidence is, in the order they were added."""
    token_organisation(request, slug)
    scope = document_scope(request.user, slug)
    return Listing(_register(scope), lambda page: _shown(page, scope))


@router.post("/organisations/{slug}/documents", response={201: DocumentOut, **ERRORS}, summary="Add a document")
def add_document(request: HttpRequest, slug: str, body: DocumentIn):
    """Add a document to the register, owned by the token's person; then upload its first version."""
    token_organisation(request, slug)
    scope = document_scope(request.user, slug)
    if not scope.can_add_documents:
        raise Http404("Not found")
    org = scope.organisation
    provider = None
    if body.provider_id is not None:
        provider = ThirdPartyProvider.objects.filter(organisation=org, pk=body.provider_id).first()
        if provider is None:
            raise ActionError(f"{org.name} has no provider {body.provider_id}: see its providers page")
    document = actions.add_document(org, by=request.user, owner=request.user, title=body.title,
                                    doc_type=body.doc_type, classification=body.classification,
                                    review_months=body.review_months, provider=provider)
    return Status(201, _shown([_document_in(scope, document.pk)], scope)[0])


@router.get("/organisations/{slug}/documents/{document_id}", response={200: DocumentOut, **READ_ERRORS},
            summary="A document")
def document(request: HttpRequest, slug: str, document_id: PathId):
    """One document, with its current version and freshness."""
    token_organisation(request, slug)
    scope = document_scope(request.user, slug)
    return _shown([_document_in(scope, document_id)], scope)[0]


@router.get("/organisations/{slug}/documents/{document_id}/versions",
            response={200: list[VersionOut], **READ_ERRORS}, summary="A document's versions")
@paginate(Cursor)
def versions(request: HttpRequest, slug: str, document_id: PathId):
    """Every version of the document, oldest first."""
    token_organisation(request, slug)
    scope = document_scope(request.user, slug)
    found = get_object_or_404(scope.documents, pk=document_id)
    found.organisation = scope.organisation
    return Listing(DocumentVersion.objects.filter(document=found).select_related("uploaded_by"),
                   lambda page: [version_out(v, found) for v in page])


@router.post("/organisations/{slug}/documents/{document_id}/versions",
             response={201: VersionOut, **ERRORS, 413: Problem}, summary="Upload a version")
def add_version(request: HttpRequest, slug: str, document_id: PathId, file: File[UploadedFile] = None,
                effective_date: Form[dt.date | None] = None, expiry_date: Form[dt.date | None] = None,
                note: Annotated[str, Form(max_length=500)] = ""):
    """Upload a file (multipart/form-data, field ``file``) as the document's next version. It is checked
    as the web's upload is: its size, its type against its content, and content that could run on a
    reader's computer (macros, scripts); a refused file answers 422 saying why, one over the upload
    limit 413. ``effective_date`` is today unless given."""
    token_organisation(request, slug)
    scope = document_scope(request.user, slug)
    found = get_object_or_404(scope.documents, pk=document_id)
    if not scope.can_upload:
        raise Http404("Not found")
    too_large = getattr(request, TOO_LARGE, None)
    if too_large:
        raise HttpError(413, f"{too_large}: the file is larger than the {settings.SECASSURE_MAX_UPLOAD_BYTES:,}-byte "
                             "upload limit")
    if file is None:
        raise ActionError("send the file as the multipart field 'file'")
    # The upload form cleans the note before the action sees it; so does this route, with the product's rule.
    note = guards.text(note, "the note", 500)
    version = actions.add_version(found, chunks=file.chunks(), name=file.name or "", effective_date=effective_date,
                                  expiry_date=expiry_date, note=note, by=request.user)
    found.organisation = scope.organisation
    return Status(201, version_out(version, found))


@router.get("/organisations/{slug}/documents/{document_id}/versions/{version_id}/file",
            response={**READ_ERRORS, 409: Problem}, summary="Download a version's file",
            openapi_extra={"responses": {200: {"description": "The file, as an attachment",
                                               "content": {"*/*": BINARY}}}})
def version_file(request: HttpRequest, slug: str, document_id: PathId, version_id: PathId):
    """The version's file, streamed as an attachment with the type it was checked as. A file whose
    bytes no longer match the fingerprint it was stored with is not served (409, and recorded)."""
    token_organisation(request, slug)
    scope = document_scope(request.user, slug)
    found = get_object_or_404(scope.documents, pk=document_id)
    version = get_object_or_404(DocumentVersion.objects.select_related("document__organisation"), document=found,
                                pk=version_id)
    response = version_download(version)
    if response is None:
        return problem(request, 409, f"version {version.number} of {found.title} no longer matches the fingerprint "
                                     f"it was stored with (sha256 {version.sha256[:12]}), so it is not served; the "
                                     "event is recorded in the audit log")
    return response
