"""The door to documents. Members who may see documents see all of their organisation's; a
Provider-role member linked to a provider sees that provider's documents only, and may add
versions to them; anyone else gets 404, as for a document that does not exist."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from secassure.errors import ActionError
from secassure.evidence.models import Document, ProviderMember
from secassure.tenancy.access import ACCEPT, UPLOAD, VIEW_DOCUMENTS, Door, door_of, member_door
from secassure.tenancy.choices import MemberRole


@dataclass(frozen=True)
class DocumentScope(Door):
    """The organisation's door, with the documents the person may see through it and what they may
    do with them."""

    documents: QuerySet[Document]
    can_upload: bool
    can_add_documents: bool
    can_accept: bool
    provider_name: str = ""


def document_scope(user, slug: str) -> DocumentScope:
    door = member_door(user, slug)
    org, membership = door.organisation, door.membership
    if door.may(VIEW_DOCUMENTS):
        return DocumentScope(org, membership, Document.objects.filter(organisation=org),
                             can_upload=door.may(UPLOAD), can_add_documents=door.may(UPLOAD),
                             can_accept=door.may(ACCEPT))
    if door.role == MemberRole.PROVIDER:
        link = ProviderMember.objects.select_related("provider").filter(membership=membership).first()
        if link is not None:
            return DocumentScope(org, membership, Document.objects.filter(organisation=org, provider=link.provider),
                                 can_upload=True, can_add_documents=False, can_accept=False,
                                 provider_name=link.provider.name)
    raise Http404("No such organisation")


def require_upload(user, document: Document) -> None:
    """The check ``add_version`` makes, the same rule as ``document_scope``: the person's role in
    the document's organisation allows uploading, or they are a Provider-role member linked to the
    provider that maintains the document. ``None`` is the operator's command line."""
    org = document.organisation
    door = door_of(user, org)
    if door is not None:
        if door.may(UPLOAD):
            return
        if door.role == MemberRole.PROVIDER and ProviderMember.objects.filter(
                membership=door.membership, provider_id=document.provider_id).exists():
            return
    raise ActionError(f"your role in {org.name} does not allow this ({UPLOAD})")
