"""A document version's file, as the person downloading it receives it."""

from __future__ import annotations

from django.http import FileResponse

from secassure.audit.actions import record
from secassure.audit.events import AuditEvent
from secassure.evidence import blobs
from secassure.evidence.models import DocumentVersion


def version_download(version: DocumentVersion) -> FileResponse | None:
    """The version's file as a download, or None (audited) when its bytes no longer match."""
    try:
        handle = blobs.open_verified(version.sha256)
    except blobs.BlobTampered as exc:
        record(AuditEvent.EVIDENCE_BLOB_TAMPERED, version, organisation=version.document.organisation,
               after={"sha256": version.sha256}, reason=str(exc))
        return None
    # Always an attachment, never shown inline, with the type we checked and no sniffing.
    response = FileResponse(handle, as_attachment=True, filename=version.original_name,
                            content_type=version.media_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
