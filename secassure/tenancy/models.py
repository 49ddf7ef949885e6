"""Organisations (the tenants), the people in them and invitations to join.

Every tenant-owned object hangs off an Organisation and is reached through the access functions
in ``tenancy.access``: never by a bare lookup in a view.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from secassure.catalogue.choices import PartyCategory
from secassure.tenancy.choices import MemberRole

# The protective marking reports carry when the organisation has not chosen its own.
DEFAULT_CLASSIFICATION = "OFFICIAL-SENSITIVE: COMMERCIAL"


class Organisation(models.Model):
    """A DCC User (or SRP) whose SEC security assurance is run in secassure; the unit of tenancy."""

    name = models.CharField("legal name", max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    sec_party_id = models.CharField("SEC Party id", max_length=40, blank=True)
    category = models.CharField("Party category", max_length=24, choices=PartyCategory.choices,
                                default=PartyCategory.SMALL_SUPPLIER)
    cycle_start = models.DateField(
        null=True, blank=True, help_text="End date of the fieldwork of the year-1 FUSA that began the current cycle.")
    dcc_live_since = models.DateField(
        "a Live DCC User since", null=True, blank=True,
        help_text="The date it completed the User Entry Process (SEC Section H1) and became a Live DCC User; leave "
                  "empty until then. A Live DCC User using a Shared Resource Provider reports its count of Smart "
                  "Metering Systems every six months (G5.27).")
    require_mfa = models.BooleanField("require MFA for everyone", default=False)
    material_risk_threshold = models.PositiveSmallIntegerField(
        "material-risk threshold", default=12, validators=[MinValueValidator(1), MaxValueValidator(25)],
        help_text="A residual risk score (likelihood x impact, 1 to 25) at or above which a risk counts as high: "
                  "a risk rising to it, or a new one at it, suggests a material increase in security risk.")
    classification_label = models.CharField(
        max_length=60, blank=True, default=DEFAULT_CLASSIFICATION,
        help_text="The protective marking printed at the top and bottom of each page of reports; "
                  f"left empty, they print {DEFAULT_CLASSIFICATION}.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def is_live_dcc_user(self, day) -> bool:
        """A Live DCC User on that day."""
        return self.dcc_live_since is not None and self.dcc_live_since <= day

    def as_dict(self) -> dict:
        return {
            "slug": self.slug,
            "name": self.name,
            "sec_party_id": self.sec_party_id,
            "category": self.category,
            "cycle_start": self.cycle_start.isoformat() if self.cycle_start else None,
            "dcc_live_since": self.dcc_live_since.isoformat() if self.dcc_live_since else None,
            "require_mfa": self.require_mfa,
            "material_risk_threshold": self.material_risk_threshold,
            "classification_label": self.classification_label,
        }


class Membership(models.Model):
    """What one person is in one organisation. A person may belong to many organisations."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=MemberRole.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "user__email"]
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="tenancy_one_membership")]

    def __str__(self) -> str:
        return f"{self.user} as {self.get_role_display()} of {self.organisation}"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        """Neither accepted nor withdrawn, expired ones included."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)


class Invitation(models.Model):
    """An invitation by email to join an organisation in a role; its token is kept only as a hash."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=MemberRole.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} to {self.organisation} as {self.get_role_display()}"

    def state(self, now: dt.datetime) -> str:
        if self.revoked_at:
            return "revoked"
        if self.accepted_at:
            return "accepted"
        if now >= self.expires_at:
            return "expired"
        return "open"
