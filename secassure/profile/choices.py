"""Vocabularies of the party profile."""

from django.db import models


class SystemKind(models.TextChoices):
    PRIMARY = "primary", "Primary User System"
    FURTHER = "further", "Further User System"


class Hosting(models.TextChoices):
    BESPOKE = "bespoke", "Bespoke (own or contracted hosting)"
    SRP_HOSTED = "srp-hosted", "Hosted by a Shared Resource Provider"
    CLOUD = "cloud", "Public cloud"
