"""Adding documents and versions. A version's file is checked (type against content, zip limits,
name) and stored as an immutable blob before its row is written; the row and its audit event
commit together, and a refused or interrupted upload leaves nothing behind."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from secassure import guards
from secassure.audit.actions import record
from secassure.audit.events import AuditEvent
from secassure.dates import add_months
from secassure.errors import ActionError
from secassure.evidence import blobs
from secassure.evidence.access import require_upload
from secassure.evidence.choices import TRANSITIONS, Classification, DocumentStatus, DocumentType
from secassure.evidence.filetypes import FileRefused, identify, safe_name
from secassure.evidence.models import (
    Acceptance,
    Document,
    DocumentStatusChange,
    DocumentVersion,
    ProviderMember,
)
from secassure.inbox.actions import members_who_may, notify
from secassure.inbox.choices import Kind
from secassure.people import display_name
from secassure.profile.models import ThirdPartyProvider
from secassure.tenancy import access
from secassure.tenancy.models import Organisation
from secassure.wording import in_sentence


def add_document(org: Organisation, *, by, title: str, doc_type: str, owner=None, provider=None,
                 classification: str = Classification.INTERNAL, review_months: int = 12,
                 status: str = DocumentStatus.DRAFT) -> Document:
    access.require(by, org, access.UPLOAD)
    return _add_document(org, title=title, doc_type=doc_type, owner=owner, provider=provider,
                         classification=classification, review_months=review_months, status=status)


def _add_document(org: Organisation, *, title: str, doc_type: str, owner=None, provider=None,
                  classification: str = Classification.INTERNAL, review_months: int = 12,
                  status: str = DocumentStatus.DRAFT) -> Document:
    title = guards.line(title, "the title", 300)
    if not title:
        raise ActionError("give the document a title")
    guards.fits(Document, "title", title, "the title")
    if doc_type not in DocumentType.values:
        raise ActionError(f"{doc_type!r} is not a document type; use one of {', '.join(DocumentType.values)}")
    if classification not in Classification.values:
        raise ActionError(f"{classification!r} is not a classification; use one of "
                          f"{', '.join(Classification.values)}")
    if status not in DocumentStatus.values:
        raise ActionError(f"{status!r} is not a document status")
    if not 1 <= review_months <= 60:
        raise ActionError("review every 1 to 60 months")
    if provider is not None and provider.organisation_id != org.pk:
        raise ActionError("that provider belongs to another organisation")
    if owner is not None and not owner.memberships.filter(organisation=org).exists():
        raise ActionError(f"{display_name(owner)} is not a member of {org.name}")
    with transaction.atomic():
        document = Document.objects.create(organisation=org, title=title, doc_type=doc_type, owner=owner,
                                           provider=provider, classification=classification,
                                           review_months=review_months, status=status)
        record(AuditEvent.EVIDENCE_DOCUMENT_ADDED, document, organisation=org,
               after={"title": title, "type": doc_type, "owner": owner.email if owner else None,
                      "provider": provider.name if provider else None, "classification": classification})
    return document


def add_version(document: Document, *, by, chunks, name: str, effective_date: dt.date | None = None,
                expiry_date: dt.date | None = None, note: str = "") -> DocumentVersion:
    """Check and store an uploaded file as the document's next version, uploaded by ``by``. A new
    version of a document a provider maintains goes to those who accept such versions."""
    require_upload(by, document)
    return _add_version(document, by=by, chunks=chunks, name=name, effective_date=effective_date,
                        expiry_date=expiry_date, note=note, to_accept=True)


def _add_version(document: Document, *, by, chunks, name: str, effective_date: dt.date | None = None,
                 expiry_date: dt.date | None = None, note: str = "", to_accept: bool = False) -> DocumentVersion:
    try:
        clean_name = safe_name(name)
    except FileRefused as exc:
        raise ActionError(str(exc)) from None
    note = guards.text(note, "the note", 500)
    effective_date = effective_date or timezone.localdate()
    if expiry_date and expiry_date <= effective_date:
        raise ActionError("the expiry date must come after the effective date")
    try:
        with blobs.staged(chunks, settings.SECASSURE_MAX_UPLOAD_BYTES) as staged:
            if staged.size == 0:
                raise ActionError(f"{clean_name}: the file is empty")
            kind = identify(staged.path, clean_name)
            blobs.commit(staged)
    except (FileRefused, blobs.BlobError) as exc:
        message = str(exc)
        raise ActionError(message if message.startswith(clean_name) else f"{clean_name}: {message}") from None
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        number = (locked.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = DocumentVersion.objects.create(
            document=locked, number=number, sha256=staged.sha256, size=staged.size, original_name=clean_name,
            media_type=kind.media_type, effective_date=effective_date, expiry_date=expiry_date,
            note=note, uploaded_by=by)
        if locked.next_review is None or number == 1:
            locked.next_review = add_months(effective_date, locked.review_months)
            locked.save(update_fields=["next_review"])
        record(AuditEvent.EVIDENCE_VERSION_ADDED, version, organisation=locked.organisation, after=version.as_dict())
        if to_accept and locked.provider_id:
            org = locked.organisation
            notify(org, members_who_may(org, access.ACCEPT), kind=Kind.VERSION_TO_ACCEPT,
                   text=f"Version {number} of {locked.title}, maintained by {locked.provider.name}, is uploaded: "
                        "check it and record whether you accept it",
                   url=reverse("document", args=[org.slug, locked.pk]), obj=locked, by=by)
    return version


def keep_imported_file(org: Organisation, *, by, title: str, chunks, name: str, note: str = "") -> DocumentVersion:
    """Keep a file an import read as the next version of the organisation's record titled ``title``,
    added the first time. The import has already decided, by its own rule, that ``by`` may make it
    (a CIO reviewer importing comments keeps their workbook here without being allowed to upload
    to the register), so this asks only that they belong to the organisation."""
    if access.door_of(by, org) is None:
        raise ActionError(f"only a member of {org.name} may import into it")
    with transaction.atomic():
        document = Document.objects.filter(organisation=org, title=title).first()
        if document is None:
            document = _add_document(org, title=title, doc_type=DocumentType.RECORD)
        return _add_version(document, by=by, chunks=chunks, name=name, note=note)


def verify_blobs(org: Organisation, progress=None) -> list[dict]:
    """Re-hash every blob the organisation's documents hold; one row per version. A blob shared by
    several versions is read once. progress, if given, is called with (done, total) bytes."""
    versions = list(DocumentVersion.objects.filter(document__organisation=org).select_related("document")
                    .order_by("document__title", "number"))
    total = sum({v.sha256: v.size for v in versions}.values())
    done = 0
    results: dict[str, tuple[bool, str]] = {}
    rows = []
    for version in versions:
        if version.sha256 not in results:
            results[version.sha256] = blobs.verify(version.sha256)
            done += version.size
            if progress:
                progress(done, total)
        ok, why = results[version.sha256]
        rows.append({"document": version.document.title, "version": version.number, "sha256": version.sha256,
                     "ok": ok, "problem": None if ok else why})
    return rows


def orphan_blobs() -> list[str]:
    """Stored blobs that no document version refers to, in any organisation: left by an upload
    whose database write failed after the file was stored. Listed for a person to decide; never
    deleted here."""
    orphans = []
    batch: list[str] = []

    def flush():
        known = set(DocumentVersion.objects.filter(sha256__in=batch).values_list("sha256", flat=True))
        orphans.extend(name for name in batch if name not in known)
        batch.clear()

    for name in blobs.store().names():
        batch.append(name)
        if len(batch) >= 500:
            flush()
    if batch:
        flush()
    return orphans


def accept(document: Document, *, by, basis: str, valid_until: dt.date | None = None) -> Acceptance:
    """Record that the User accepts the latest version of a provider-maintained document."""
    access.require(by, document.organisation, access.ACCEPT)
    if document.provider_id is None:
        raise ActionError(f"{document.title} is not maintained by a provider: there is nothing to accept")
    basis = guards.text(basis, "the basis of the acceptance")
    if not basis:
        raise ActionError("say what was checked: the basis of the acceptance is the evidence of assurance")
    with transaction.atomic():
        locked = Document.objects.select_for_update(of=("self",)).select_related("provider", "organisation").get(
            pk=document.pk)
        version = locked.versions.order_by("-number").first()
        if version is None:
            raise ActionError(f"{locked.title} has no version to accept yet")
        today = timezone.localdate()
        limits = [d for d in (locked.provider.relationship_end, locked.next_review) if d]
        valid_until = valid_until or (min(limits) if limits else None)
        if valid_until is not None and valid_until < today:
            raise ActionError(f"an acceptance valid until {valid_until.isoformat()} would already have lapsed")
        acceptance = Acceptance.objects.create(document=locked, version=version, accepted_by=by,
                                               basis=basis, valid_until=valid_until)
        record(AuditEvent.EVIDENCE_ACCEPTANCE_RECORDED, acceptance, organisation=locked.organisation,
               after={"document": locked.title, "version": version.number, "basis": basis,
                      "valid_until": valid_until.isoformat() if valid_until else None})
    return acceptance


def assign_provider_member(provider: ThirdPartyProvider, membership, *, by) -> ProviderMember:
    """Let a Provider-role member work on this provider's documents (and nothing else)."""
    access.require(by, provider.organisation, access.EDIT)
    if membership.organisation_id != provider.organisation_id:
        raise ActionError("that person belongs to another organisation")
    if membership.role != "provider":
        raise ActionError(f"{display_name(membership.user)} is not in the Provider role; change their role first")
    with transaction.atomic():
        link, _ = ProviderMember.objects.update_or_create(membership=membership, defaults={"provider": provider})
        record(AuditEvent.EVIDENCE_PROVIDER_MEMBER_ASSIGNED, link, organisation=provider.organisation,
               after={"email": membership.user.email, "provider": provider.name})
    return link


def link_obligations(document: Document, obligations, questions=None, *, by) -> None:
    """Set which obligations (and self-assessment questions) the document evidences."""
    access.require(by, document.organisation, access.UPLOAD)
    obligations = list(obligations)
    questions = list(document.questions.all()) if questions is None else list(questions)
    with transaction.atomic():
        before = {"obligations": sorted(o.ref for o in document.obligations.all()),
                  "questions": sorted(q.ref for q in document.questions.all())}
        document.obligations.set(obligations)
        document.questions.set(questions)
        after = {"obligations": sorted(o.ref for o in obligations), "questions": sorted(q.ref for q in questions)}
        if before != after:
            record(AuditEvent.EVIDENCE_DOCUMENT_OBLIGATIONS_LINKED, document, organisation=document.organisation,
                   before=before, after=after)


def move_document(document: Document, to_status: str, *, by, reason: str = "") -> DocumentStatusChange:
    """Move a document along its lifecycle (``choices.TRANSITIONS``); anything else is refused."""
    access.require(by, document.organisation, access.UPLOAD)
    if to_status not in DocumentStatus.values:
        raise ActionError(f"{to_status!r} is not a document status")
    reason = guards.text(reason, "the reason", 500)
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        allowed = TRANSITIONS[locked.status]
        if to_status not in allowed:
            names = ", ".join(DocumentStatus(s).label for s in sorted(allowed)) or "nothing: it is final"
            raise ActionError(f"a {in_sentence(DocumentStatus(locked.status).label)} document cannot become "
                              f"{in_sentence(DocumentStatus(to_status).label)}; it can become {names}")
        if to_status == DocumentStatus.PUBLISHED and not locked.versions.exists():
            raise ActionError("upload a version before publishing the document")
        change = DocumentStatusChange.objects.create(document=locked, from_status=locked.status, to_status=to_status,
                                                     changed_by=by, reason=reason)
        before = locked.status
        locked.status = to_status
        locked.save(update_fields=["status"])
        record(AuditEvent.EVIDENCE_DOCUMENT_STATUS_CHANGED, locked, organisation=locked.organisation,
               before={"status": before}, after={"status": to_status}, reason=reason)
    document.status = to_status
    return change
