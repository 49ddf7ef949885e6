"""Organisations: the tenants. Every tenant-owned object hangs off one of these."""

from django.db import models


class Organisation(models.Model):
    """A DCC User (or SRP) whose SEC security assurance is run in secassure; the unit of tenancy."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
