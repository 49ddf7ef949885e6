"""The catalogue: framework versions and their groups, obligations, questions and mappings.

A published framework version is immutable: its rows are written once by the loader and any
later save or delete through the ORM is refused. New content means a new version.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from secassure.catalogue.choices import (
    AnswerKind,
    Concern,
    Confidence,
    FrameworkKind,
    Origin,
    QuestionTopic,
    Relationship,
    VersionStatus,
)


class ImmutableVersionError(ValidationError):
    """Raised when something tries to change a published framework version."""


class Framework(models.Model):
    """A body of requirements (SEC Section G, ISO/IEC 27001 Annex A, NIST SP 800-53 ...)."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=FrameworkKind.choices, default=FrameworkKind.CONTROL_SET)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name


class VersionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=VersionStatus.PUBLISHED)

    def in_force(self, framework_slug: str):
        """The published version of a framework that took effect last (loaded last on a tie)."""
        return (
            self.published()
            .filter(framework__slug=framework_slug)
            .order_by(models.F("effective_date").desc(nulls_last=True), "-loaded_at")
            .first()
        )


class FrameworkVersion(models.Model):
    """One version of a framework, as loaded from one file; immutable once published."""

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="versions")
    version = models.CharField(max_length=100)
    status = models.CharField(max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    effective_date = models.DateField(null=True, blank=True)
    source = models.TextField(blank=True)
    source_url = models.URLField(max_length=500, blank=True)
    notes = models.TextField(blank=True)
    origin = models.CharField(max_length=12, choices=Origin.choices, default=Origin.SECASSURE)
    content_hash = models.CharField(max_length=64)
    loaded_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    extra = models.JSONField(default=dict, blank=True)

    objects = VersionQuerySet.as_manager()

    class Meta:
        ordering = ["framework__slug", "-effective_date", "-loaded_at"]
        constraints = [models.UniqueConstraint(fields=["framework", "version"], name="catalogue_version_unique")]

    def __str__(self) -> str:
        return f"{self.framework.slug}@{self.version}"

    @property
    def label(self) -> str:
        return f"{self.framework.slug}@{self.version}"

    @property
    def is_published(self) -> bool:
        return self.status == VersionStatus.PUBLISHED

    def save(self, *args, **kwargs):
        if self.pk and type(self).objects.filter(pk=self.pk, status=VersionStatus.PUBLISHED).exists():
            raise ImmutableVersionError(f"{self.label} is published and cannot be changed; load a new version")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_published:
            raise ImmutableVersionError(f"{self.label} is published and cannot be deleted")
        return super().delete(*args, **kwargs)


class VersionedRow(models.Model):
    """Base for rows that belong to a framework version and freeze with it."""

    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True

    def _refuse_if_published(self):
        if FrameworkVersion.objects.filter(pk=self.version_id, status=VersionStatus.PUBLISHED).exists():
            raise ImmutableVersionError(
                f"{self.version.label} is published: its {self._meta.verbose_name_plural} cannot be changed"
            )

    def save(self, *args, **kwargs):
        self._refuse_if_published()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_if_published()
        return super().delete(*args, **kwargs)


class Group(VersionedRow):
    """A heading that gathers obligations (SEC G3, ISO clause 5, an OSCAL group); may nest."""

    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="groups")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    ref = models.CharField(max_length=100)
    uid = models.CharField(max_length=300)
    title = models.CharField(max_length=500)
    summary = models.TextField(blank=True)
    depth = models.PositiveSmallIntegerField(default=0)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["version", "order"]
        constraints = [models.UniqueConstraint(fields=["version", "uid"], name="catalogue_group_uid")]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"


class Obligation(VersionedRow):
    """A clause or control that can be assessed: what it asks, to whom it applies, how sure we are."""

    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="obligations")
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.CASCADE, related_name="obligations")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    ref = models.CharField(max_length=100)
    uid = models.CharField(max_length=300)
    title = models.CharField(max_length=500)
    summary = models.TextField(blank=True)
    guidance = models.TextField(blank=True)
    categories = models.JSONField(default=list, blank=True)
    roles = models.JSONField(default=list, blank=True)
    confidence = models.CharField(max_length=1, choices=Confidence.choices, default=Confidence.STATED)
    source_url = models.URLField(max_length=500, blank=True)
    assessable = models.BooleanField(default=True)
    depth = models.PositiveSmallIntegerField(default=0)
    order = models.PositiveIntegerField(default=0)
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "ref"], name="catalogue_obligation_ref"),
            models.UniqueConstraint(fields=["version", "uid"], name="catalogue_obligation_uid"),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"


class Question(VersionedRow):
    """A self-assessment question, in the product's own words, tied to the clauses it bears on."""

    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="questions")
    ref = models.CharField(max_length=100)
    text = models.TextField()
    topic = models.CharField(max_length=20, choices=QuestionTopic.choices)
    help = models.TextField(blank=True)
    categories = models.JSONField(default=list, blank=True)
    order = models.PositiveIntegerField(default=0)
    obligations = models.ManyToManyField(Obligation, related_name="questions", blank=True)
    answer_kind = models.CharField(max_length=8, choices=AnswerKind.choices, default=AnswerKind.YES_NO)
    official_ref = models.CharField(
        "official question", max_length=40, blank=True,
        help_text="The reference of the matching question in the official SSA questionnaire SECAS publishes with "
                  "the SCF, where the catalogue's author knows it; no public source lists them.")
    # Only a yes-no question has a worrying answer; the other kinds leave this empty.
    concern = models.CharField(max_length=3, choices=Concern.choices, blank=True, default=Concern.NO)

    class Meta:
        ordering = ["version", "order"]
        constraints = [models.UniqueConstraint(fields=["version", "ref"], name="catalogue_question_ref")]

    def __str__(self) -> str:
        return f"{self.ref} {self.text[:60]}"


class Mapping(models.Model):
    """A declared relationship from an obligation to another framework's control."""

    source = models.ForeignKey(Obligation, on_delete=models.CASCADE, related_name="mappings_out")
    target = models.ForeignKey(Obligation, on_delete=models.PROTECT, related_name="mappings_in")
    relationship = models.CharField(max_length=20, choices=Relationship.choices, default=Relationship.INTERSECTS)

    class Meta:
        ordering = ["source", "target"]
        constraints = [models.UniqueConstraint(fields=["source", "target"], name="catalogue_mapping_unique")]

    def __str__(self) -> str:
        return f"{self.source.ref} {self.relationship} {self.target.ref}"

    def save(self, *args, **kwargs):
        if FrameworkVersion.objects.filter(
            obligations__pk=self.source_id, status=VersionStatus.PUBLISHED
        ).exists():
            raise ImmutableVersionError("mappings of a published version cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if FrameworkVersion.objects.filter(
            obligations__pk=self.source_id, status=VersionStatus.PUBLISHED
        ).exists():
            raise ImmutableVersionError("mappings of a published version cannot be deleted")
        return super().delete(*args, **kwargs)
