"""The document register, a document's versions, uploads and downloads. Every organisation is
reached through ``get_organisation_for``; every document through its organisation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from secassure.audit.actions import record
from secassure.errors import ActionError
from secassure.evidence import actions, blobs
from secassure.evidence.forms import DocumentForm, VersionForm
from secassure.evidence.models import Document, DocumentVersion
from secassure.tenancy.access import PERMISSIONS, UPLOAD, VIEW_DOCUMENTS, get_organisation_for


def _document_in(org, pk) -> Document:
    return get_object_or_404(Document.objects.select_related("owner", "provider"), pk=pk, organisation=org)


@login_required
@require_http_methods(["GET", "POST"])
def register(request, slug):
    org = get_organisation_for(request.user, slug, VIEW_DOCUMENTS)
    can_upload = UPLOAD in PERMISSIONS[org.viewer_role]
    form = DocumentForm(request.POST or None)
    if request.method == "POST":
        if not can_upload:
            raise Http404("Not found")
        if form.is_valid():
            try:
                document = actions.add_document(org, owner=request.user, **form.cleaned_data)
            except ActionError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"{document.title} is added: upload its first version.")
                return redirect("document", slug=org.slug, pk=document.pk)
    documents = (Document.objects.filter(organisation=org).select_related("owner", "provider")
                 .annotate(n_versions=Count("versions"), latest=Max("versions__effective_date"))
                 .order_by("title"))
    return render(request, "evidence/register.html",
                  {"org": org, "documents": documents, "form": form, "can_upload": can_upload})


@login_required
@require_http_methods(["GET", "POST"])
def document(request, slug, pk):
    org = get_organisation_for(request.user, slug, VIEW_DOCUMENTS)
    doc = _document_in(org, pk)
    can_upload = UPLOAD in PERMISSIONS[org.viewer_role]
    form = VersionForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not can_upload:
            raise Http404("Not found")
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                version = actions.add_version(
                    doc, chunks=upload.chunks(), name=upload.name, effective_date=form.cleaned_data["effective_date"],
                    expiry_date=form.cleaned_data["expiry_date"], note=form.cleaned_data["note"],
                    uploaded_by=request.user)
            except ActionError as exc:
                form.add_error("file", str(exc))
            else:
                messages.success(request, f"Version {version.number} is stored.")
                return redirect("document", slug=org.slug, pk=doc.pk)
    versions = DocumentVersion.objects.filter(document=doc).select_related("uploaded_by").order_by("-number")
    return render(request, "evidence/document.html",
                  {"org": org, "doc": doc, "versions": versions, "form": form, "can_upload": can_upload})


@login_required
@require_GET
def download(request, slug, pk, number):
    org = get_organisation_for(request.user, slug, VIEW_DOCUMENTS)
    doc = _document_in(org, pk)
    version = get_object_or_404(DocumentVersion, document=doc, number=number)
    try:
        handle = blobs.open_verified(version.sha256)
    except blobs.BlobTampered as exc:
        record("evidence.blob.tampered", version, organisation=org, after={"sha256": version.sha256},
               reason=str(exc))
        return render(request, "evidence/tampered.html", {"org": org, "doc": doc, "version": version}, status=409)
    # Always an attachment, never shown inline, with the type we checked and no sniffing.
    response = FileResponse(handle, as_attachment=True, filename=version.original_name,
                            content_type=version.media_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response

