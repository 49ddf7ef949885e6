"""The ISMS document register: documents, their immutable versions, and who may work on a provider's
documents (the providers themselves are part of the party profile)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from secassure.evidence.choices import NOT_IN_FORCE, Classification, DocumentStatus, DocumentType
from secassure.profile.models import ThirdPartyProvider
from secassure.tenancy.models import Organisation


class DocumentQuerySet(models.QuerySet):
    def in_force(self):
        """Neither superseded nor retired."""
        return self.exclude(status__in=NOT_IN_FORCE)


class Document(models.Model):
    """An ISMS document (policy, procedure, record ...) whose versions are kept as evidence."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(max_length=300)
    doc_type = models.CharField("type", max_length=12, choices=DocumentType.choices)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    provider = models.ForeignKey(ThirdPartyProvider, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="documents", help_text="Set when a provider maintains it.")
    classification = models.CharField(max_length=12, choices=Classification.choices,
                                      default=Classification.INTERNAL)
    review_months = models.PositiveSmallIntegerField(default=12)
    next_review = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT)
    obligations = models.ManyToManyField("catalogue.Obligation", blank=True, related_name="documents")
    questions = models.ManyToManyField("catalogue.Question", blank=True, related_name="documents")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["organisation", "title"]

    def __str__(self) -> str:
        return self.title

    @property
    def maintained_by_provider(self) -> bool:
        return self.provider_id is not None


class DocumentVersion(models.Model):
    """One uploaded version: an immutable blob named by its sha256, with its dates."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    original_name = models.CharField(max_length=200)
    media_type = models.CharField(max_length=100)
    effective_date = models.DateField()
    expiry_date = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["document", "-number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="evidence_version_number")]

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"

    def save(self, *args, **kwargs):
        # Evidence is written once: a version is never changed after it is stored.
        if self.pk is not None:
            raise ValueError("a document version is immutable once stored; upload a new version")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("document versions are evidence and are never deleted")

    def as_dict(self) -> dict:
        return {"number": self.number, "sha256": self.sha256, "size": self.size, "name": self.original_name,
                "media_type": self.media_type, "effective_date": self.effective_date.isoformat(),
                "expiry_date": self.expiry_date.isoformat() if self.expiry_date else None}


class Acceptance(models.Model):
    """The User's record that it checked a provider-maintained version and accepts it (seed: the
    DCC User must be assured of, and accept, third-party documentation for the relationship's life)."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="acceptances")
    version = models.ForeignKey(DocumentVersion, on_delete=models.PROTECT, related_name="acceptances")
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    accepted_at = models.DateTimeField(auto_now_add=True)
    basis = models.TextField(help_text="What was checked, and why it meets the SEC obligations.")
    valid_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["document", "-accepted_at"]

    def __str__(self) -> str:
        return f"{self.version} accepted"


class ProviderMember(models.Model):
    """Links a Provider-role member to the provider they work for: they see, and add versions to,
    that provider's documents and nothing else."""

    provider = models.ForeignKey(ThirdPartyProvider, on_delete=models.CASCADE, related_name="members")
    membership = models.OneToOneField("tenancy.Membership", on_delete=models.CASCADE, related_name="provider_link")

    def __str__(self) -> str:
        return f"{self.membership.user} for {self.provider}"


class DocumentStatusChange(models.Model):
    """Who moved a document through its lifecycle, and when."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=12, choices=DocumentStatus.choices)
    to_status = models.CharField(max_length=12, choices=DocumentStatus.choices)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["document", "changed_at"]

    def __str__(self) -> str:
        return f"{self.document}: {self.from_status} -> {self.to_status}"


class AttestationCampaign(models.Model):
    """Asks named people to confirm they have read one version of a policy: staff engagement, as
    evidence (the seed: staff adhering to policies and procedures)."""

    version = models.ForeignKey(DocumentVersion, on_delete=models.PROTECT, related_name="campaigns")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    due_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Read and understood: {self.version}"


class Attestation(models.Model):
    """One person's confirmation (or not yet) that they read the version; reached by a private link."""

    campaign = models.ForeignKey(AttestationCampaign, on_delete=models.PROTECT, related_name="attestations")
    name = models.CharField(max_length=200)
    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["campaign", "name"]
        constraints = [models.UniqueConstraint(fields=["campaign", "email"], name="evidence_one_attestation_each")]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"
