"""Vocabularies of the party profile."""

from django.db import models


class SystemKind(models.TextChoices):
    PRIMARY = "primary", "Primary User System"
    FURTHER = "further", "Further User System"


class SscReview(models.TextChoices):
    """What the SSC decided on a further User System notified to it before use (G3.9): review it at
    the User's next annual assessment, or in an ad hoc review."""

    UNDECIDED = "", "Not yet decided"
    NEXT_ASSESSMENT = "next-assessment", "At the next annual assessment"
    AD_HOC = "ad-hoc", "In an ad hoc review"


class Hosting(models.TextChoices):
    BESPOKE = "bespoke", "Bespoke (own or contracted hosting)"
    SRP_HOSTED = "srp-hosted", "Hosted by a Shared Resource Provider"
    CLOUD = "cloud", "Public cloud"


class AdvisedType(models.TextChoices):
    """The assessment types SECAS advises a User of for a year of its cycle (the same values as the
    assessments' types)."""

    FUSA = "fusa", "Full User Security Assessment (FUSA)"
    VUSA = "vusa", "Verification User Security Assessment (VUSA)"
    SSA = "ssa", "User Security Self-Assessment (SSA)"


class ProviderKind(models.TextChoices):
    SRP = "srp", "Shared Resource Provider"
    HOSTING = "hosting", "Hosting or cloud provider"
    MAP = "map", "Meter Asset Provider"
    DEVICE = "device", "Device manufacturer"
    TEST_HOUSE = "test-house", "Test house"
    OTHER = "other", "Other"
