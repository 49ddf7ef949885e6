"""Personal access tokens of the JSON API.

A token is made by a person for themself, for one organisation: it can never do more there than
the person's role does at the moment it is used (the role is looked up on every request, so a
role taken away takes the token's power with it), and a read-only token does nothing but read.
Only a hash of the token is kept; the token itself is shown once, when it is made."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from secassure.tenancy.models import Organisation

ADDRESSES_KEPT = 50


class AccessTokenQuerySet(models.QuerySet):
    def live(self, now):
        """Neither revoked nor expired at ``now``."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class AccessToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_tokens")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="access_tokens")
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    # The first characters of the token, so that a person can tell their tokens apart.
    prefix = models.CharField(max_length=12)
    read_only = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_from = models.GenericIPAddressField(null=True, blank=True)
    # The addresses it has been used from (the latest ADDRESSES_KEPT): a new one is audited.
    addresses = models.JSONField(default=list, blank=True)

    objects = AccessTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def state(self, now) -> str:
        if self.revoked_at:
            return "revoked"
        if now >= self.expires_at:
            return "expired"
        return "active"
