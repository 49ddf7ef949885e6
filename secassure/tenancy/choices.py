"""Vocabularies of tenancy: what a person may be in an organisation."""

from django.db import models


class MemberRole(models.TextChoices):
    OWNER = "owner", "Owner"
    CONTRIBUTOR = "contributor", "Contributor"
    APPROVER = "approver", "Approver"
    PROVIDER = "provider", "Provider"
    CIO_REVIEWER = "cio-reviewer", "CIO reviewer"
    OBSERVER = "observer", "Observer"
