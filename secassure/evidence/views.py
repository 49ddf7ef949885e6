"""The document register, a document's versions, uploads and downloads. Every organisation is
reached through ``open_door``; every document through its organisation."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from secassure import guards
from secassure.acting import REFUSED, act
from secassure.catalogue.models import FrameworkVersion
from secassure.catalogue.queries import DEFAULT_FRAMEWORK as SEC_FRAMEWORK
from secassure.errors import ActionError
from secassure.evidence import actions, attestations, usage
from secassure.evidence.access import document_scope
from secassure.evidence.choices import TRANSITIONS, DocumentStatus, DocumentType
from secassure.evidence.downloads import version_download
from secassure.evidence.forms import (
    AcceptForm,
    CampaignForm,
    DocumentForm,
    ObligationLinkForm,
    VersionForm,
)
from secassure.evidence.freshness import LABELS
from secassure.evidence.models import (
    Acceptance,
    AttestationCampaign,
    Document,
    DocumentVersion,
    ProviderMember,
)
from secassure.evidence.services import freshness_of, register_rows, with_freshness_fields
from secassure.evidence.uploads import TOO_LARGE
from secassure.people import display_name
from secassure.profile import actions as profile_actions
from secassure.profile.forms import ProviderForm
from secassure.profile.models import ThirdPartyProvider
from secassure.tenancy.access import EDIT, VIEW_DOCUMENTS, open_door
from secassure.tenancy.models import Membership
from secassure.wording import now_is


def _document_in(scope, pk) -> Document:
    return get_object_or_404(with_freshness_fields(scope.documents), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def register(request, slug):
    scope = document_scope(request.user, slug)
    org = scope.organisation
    form = DocumentForm(request.POST or None, organisation=org)
    if request.method == "POST":
        if not scope.can_add_documents:
            raise Http404("Not found")
        if form.is_valid():
            document = act(request, actions.add_document, org, by=request.user, owner=request.user,
                           **form.cleaned_data, show_on=form,
                           ok=lambda document: f"{document.title} is added: upload its first version.")
            if document is not REFUSED:
                return redirect("document", slug=org.slug, pk=document.pk)
    filters = {key: request.GET.get(key, "") for key in ("type", "status", "provider", "owner", "state")}
    documents = scope.documents
    if filters["type"] in DocumentType.values:
        documents = documents.filter(doc_type=filters["type"])
    if filters["status"] in DocumentStatus.values:
        documents = documents.filter(status=filters["status"])
    if guards.record_id(filters["provider"]):
        documents = documents.filter(provider_id=guards.record_id(filters["provider"]))
    if guards.record_id(filters["owner"]):
        documents = documents.filter(owner_id=guards.record_id(filters["owner"]))
    rows = register_rows(documents, timezone.localdate())
    if filters["state"]:
        rows = [(d, f) for d, f in rows
                if f.state == filters["state"] or (filters["state"] == "attention" and f.needs_attention)]
    return render(request, "evidence/register.html", {
        "org": org, "rows": rows, "form": form, "scope": scope, "filters": filters, "states": LABELS.items(),
        "types": DocumentType.choices, "statuses": DocumentStatus.choices,
        "providers": ThirdPartyProvider.objects.filter(organisation=org).order_by("name"),
        "owners": Membership.objects.filter(organisation=org).select_related("user").order_by("user__email")})


@login_required
@require_http_methods(["GET", "POST"])
def document(request, slug, pk):
    scope = document_scope(request.user, slug)
    org = scope.organisation
    doc = _document_in(scope, pk)
    form = VersionForm(request.POST, request.FILES) if request.method == "POST" else VersionForm()
    if request.method == "POST":
        if not scope.can_upload:
            raise Http404("Not found")
        too_large = getattr(request, TOO_LARGE, None)
        if too_large:
            form.is_valid()
            form.errors.pop("file", None)
            form.add_error(None, f"{too_large}: the file is larger than the "
                                   f"{settings.SECASSURE_MAX_UPLOAD_BYTES:,}-byte upload limit")
        elif form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                version = actions.add_version(
                    doc, chunks=upload.chunks(), name=upload.name, effective_date=form.cleaned_data["effective_date"],
                    expiry_date=form.cleaned_data["expiry_date"], note=form.cleaned_data["note"],
                    by=request.user)
            except ActionError as exc:
                form.add_error("file", str(exc))
            else:
                messages.success(request, f"Version {version.number} is stored.")
                return redirect("document", slug=org.slug, pk=doc.pk)
    versions = DocumentVersion.objects.filter(document=doc).select_related("uploaded_by").order_by("-number")
    sec = FrameworkVersion.objects.in_force(SEC_FRAMEWORK)
    link_form = ObligationLinkForm(version=sec, initial={"obligations": list(doc.obligations.all()),
                                                         "questions": list(doc.questions.all())})
    acceptances = Acceptance.objects.filter(document=doc).select_related("version", "accepted_by")
    return render(request, "evidence/document.html", {
        "org": org, "doc": doc, "versions": versions, "form": form, "scope": scope,
        "freshness": freshness_of(doc, timezone.localdate()), "acceptances": acceptances,
        "accept_form": AcceptForm(), "link_form": link_form, "linked": doc.obligations.order_by("order"),
        "linked_questions": doc.questions.order_by("order"), "places": usage.places_of(doc, scope),
        "next_statuses": [(s, DocumentStatus(s).label) for s in sorted(TRANSITIONS[doc.status])],
        "history": doc.status_changes.select_related("changed_by"),
        "campaigns": AttestationCampaign.objects.filter(version__document=doc).select_related("version").annotate(
            asked=Count("attestations"),
            confirmed=Count("attestations", filter=Q(attestations__confirmed_at__isnull=False))),
        "campaign_form": CampaignForm()})


@login_required
@require_POST
def move(request, slug, pk):
    scope = document_scope(request.user, slug)
    doc = _document_in(scope, pk)
    if not scope.can_add_documents:
        raise PermissionDenied("Only the organisation's own members move a document along its lifecycle")
    act(request, actions.move_document, doc, request.POST.get("status", ""), by=request.user,
        reason=request.POST.get("reason", ""), ok=lambda _: now_is(doc.title, doc.get_status_display()))
    return redirect("document", slug=scope.organisation.slug, pk=doc.pk)


@login_required
@require_POST
def link(request, slug, pk):
    scope = document_scope(request.user, slug)
    doc = _document_in(scope, pk)
    if not scope.can_add_documents:
        raise PermissionDenied("Only the organisation's own members link evidence to obligations")
    form = ObligationLinkForm(request.POST, version=FrameworkVersion.objects.in_force(SEC_FRAMEWORK))
    if form.is_valid():
        actions.link_obligations(doc, form.cleaned_data["obligations"], form.cleaned_data["questions"],
                                 by=request.user)
        messages.success(request, "The obligations this document evidences are saved.")
    else:
        messages.error(request, "Choose obligations from the SEC catalogue in force.")
    return redirect("document", slug=scope.organisation.slug, pk=doc.pk)


@login_required
@require_POST
def accept(request, slug, pk):
    scope = document_scope(request.user, slug)
    doc = _document_in(scope, pk)
    if not scope.can_accept:
        raise PermissionDenied("Only an Owner or Approver records acceptance")
    form = AcceptForm(request.POST)
    if form.is_valid():
        act(request, actions.accept, doc, by=request.user, **form.cleaned_data,
            ok=lambda acceptance: f"Version {acceptance.version.number} is accepted.")
    else:
        messages.error(request, "Say what was checked.")
    return redirect("document", slug=scope.organisation.slug, pk=doc.pk)


@login_required
@require_GET
def download(request, slug, pk, number):
    scope = document_scope(request.user, slug)
    org = scope.organisation
    doc = _document_in(scope, pk)
    version = get_object_or_404(DocumentVersion, document=doc, number=number)
    response = version_download(version)
    if response is None:
        return render(request, "evidence/tampered.html", {"org": org, "doc": doc, "version": version}, status=409)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def providers(request, slug):
    door = open_door(request.user, slug, VIEW_DOCUMENTS)
    org = door.organisation
    can_edit = door.may(EDIT)
    form = ProviderForm(request.POST or None)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("Only an Owner adds providers")
        if form.is_valid():
            if act(request, profile_actions.add_provider, org, by=request.user, **form.cleaned_data, show_on=form,
                   ok=lambda provider: f"{provider.name} is added.") is not REFUSED:
                return redirect("providers", slug=org.slug)
    rows = (ThirdPartyProvider.objects.filter(organisation=org).annotate(n_documents=Count("documents", distinct=True))
            .prefetch_related(Prefetch("members", queryset=ProviderMember.objects.select_related("membership__user")))
            .order_by("name"))
    unassigned = (Membership.objects.filter(organisation=org, role="provider", provider_link__isnull=True)
                  .select_related("user"))
    return render(request, "evidence/providers.html",
                  {"org": org, "providers": rows, "form": form, "can_edit": can_edit, "unassigned": unassigned})


@login_required
@require_POST
def assign_member(request, slug, pk):
    door = open_door(request.user, slug, EDIT)
    org = door.organisation
    provider = get_object_or_404(ThirdPartyProvider, pk=pk, organisation=org)
    membership = Membership.objects.filter(organisation=org, pk=request.POST.get("membership")).first()
    if membership is None:
        messages.error(request, "Choose a person in the Provider role.")
    else:
        act(request, actions.assign_provider_member, provider, membership, by=request.user,
            ok=f"{display_name(membership.user)} now works on {provider.name}'s documents.")
    return redirect("providers", slug=org.slug)


@login_required
@require_POST
def start_campaign(request, slug, pk):
    scope = document_scope(request.user, slug)
    doc = _document_in(scope, pk)
    if not scope.can_add_documents:
        raise PermissionDenied("Only the organisation's own members run attestation campaigns")
    version = doc.versions.order_by("-number").first()
    form = CampaignForm(request.POST, request.FILES)
    if version is None:
        messages.error(request, "Upload a version before asking people to read it.")
    elif form.is_valid():
        try:
            people = []
            if form.cleaned_data["members"]:
                people += [(display_name(m.user), m.user.email.lower())
                           for m in Membership.objects.filter(organisation=scope.organisation).select_related("user")]
            upload = form.cleaned_data["people_csv"]
            if upload:
                if upload.size > attestations.MAX_CSV_BYTES:
                    raise ActionError(f"{upload.name}: larger than {attestations.MAX_CSV_BYTES:,} bytes")
                listed = attestations.parse_people_csv(upload.name, upload.read())
                known = {email for _, email in people}
                people += [(n, e) for n, e in listed if e not in known]
            campaign, _ = attestations.start_campaign(version, people, by=request.user,
                                                      due_date=form.cleaned_data["due_date"])
        except ActionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"{campaign.attestations.count()} people are asked to read version "
                                      f"{version.number}.")
    else:
        messages.error(request, " ".join(form.non_field_errors()) or "Check the form.")
    return redirect("document", slug=scope.organisation.slug, pk=doc.pk)


@require_http_methods(["GET", "POST"])
def attest(request, token):
    """The private page where one person confirms they read the version (no sign-in needed)."""
    try:
        attestation = attestations.find(token)
    except ActionError as exc:
        return render(request, "evidence/attest.html", {"error": str(exc)}, status=410)
    if request.method == "POST":
        attestation = attestations.confirm(token)
    return render(request, "evidence/attest.html", {"attestation": attestation, "token": token})


@require_GET
def attest_file(request, token):
    """The version the person is asked to read, through their private link."""
    try:
        attestation = attestations.find(token)
    except ActionError:
        raise Http404("Not found") from None
    response = version_download(attestation.campaign.version)
    if response is None:
        raise Http404("This file is not available")
    return response
