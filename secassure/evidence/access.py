"""The door to documents. Members who may see documents see all of their organisation's; a
Provider-role member linked to a provider sees that provider's documents only, and may add
versions to them; anyone else gets 404, as for a document that does not exist."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from secassure.evidence.models import Document, ProviderMember
from secassure.tenancy.access import ACCEPT, PERMISSIONS, UPLOAD, VIEW_DOCUMENTS, memberships_of
from secassure.tenancy.choices import MemberRole
from secassure.tenancy.models import Organisation


@dataclass
class DocumentScope:
    organisation: Organisation
    documents: QuerySet[Document]
    can_upload: bool
    can_add_documents: bool
    can_accept: bool
    provider_name: str = ""


def document_scope(user, slug: str) -> DocumentScope:
    membership = memberships_of(user).filter(organisation__slug=slug).first()
    if membership is None:
        raise Http404("No such organisation")
    org = membership.organisation
    org.viewer_role = membership.role  # as get_organisation_for does: what the viewer may do
    allowed = PERMISSIONS[membership.role]
    if VIEW_DOCUMENTS in allowed:
        return DocumentScope(org, Document.objects.filter(organisation=org), UPLOAD in allowed, UPLOAD in allowed,
                             ACCEPT in allowed)
    if membership.role == MemberRole.PROVIDER:
        link = ProviderMember.objects.select_related("provider").filter(membership=membership).first()
        if link is not None:
            return DocumentScope(org, Document.objects.filter(organisation=org, provider=link.provider),
                                 can_upload=True, can_add_documents=False, can_accept=False,
                                 provider_name=link.provider.name)
    raise Http404("No such organisation")
