"""Vocabularies of the party profile."""

from django.db import models


class SystemKind(models.TextChoices):
    PRIMARY = "primary", "Primary User System"
    FURTHER = "further", "Further User System"


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
