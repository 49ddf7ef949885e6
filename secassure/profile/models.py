"""The party profile: User Roles held, third-party providers (Shared Resource Providers among them),
User Systems, dated portfolio snapshots, SECAS's advice on the assessment type, and the versioned
assessment-cycle rules the planner reads."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from secassure.catalogue.choices import UserRole
from secassure.profile.choices import AdvisedType, Hosting, ProviderKind, SscReview, SystemKind
from secassure.tenancy.models import Organisation


class RoleHolding(models.Model):
    """A User Role the organisation holds, with its User IDs and the dates it held it."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="role_holdings")
    role = models.CharField(max_length=30, choices=UserRole.choices)
    user_ids = models.JSONField(default=list, blank=True, help_text="The DCC User IDs (EUI-64) for this role.")
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["organisation", "role", "start_date"]

    def __str__(self) -> str:
        return self.get_role_display()


class ProviderQuerySet(models.QuerySet):
    def active_on(self, day):
        """In force on that day: the relationship started (or has no start recorded) and has not ended."""
        return self.filter(Q(relationship_start__isnull=True) | Q(relationship_start__lte=day),
                           Q(relationship_end__isnull=True) | Q(relationship_end__gte=day))

    def srp(self):
        """Shared Resource Providers (SEC G10) only."""
        return self.filter(kind=ProviderKind.SRP)


class ThirdPartyProvider(models.Model):
    """A provider that maintains documents or runs services for the organisation. One of the kind
    ``srp`` is a Shared Resource Provider (SEC G10): the record of the organisation's arrangement
    with it, whose dates decide when the obligations on a User of such a provider apply."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="providers")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=ProviderKind.choices, default=ProviderKind.OTHER)
    party_id = models.CharField("SEC Party id", max_length=40, blank=True,
                                help_text="For a Shared Resource Provider, its SEC Party id.")
    services = models.TextField(blank=True)
    contacts = models.TextField(blank=True)
    relationship_start = models.DateField(null=True, blank=True)
    relationship_end = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)

    objects = ProviderQuerySet.as_manager()

    class Meta:
        # The table keeps the name it had when the evidence register owned the model.
        db_table = "evidence_thirdpartyprovider"
        ordering = ["organisation", "name"]

    def __str__(self) -> str:
        return self.name

    def in_force_on(self, day) -> bool:
        """The relationship (for a Shared Resource Provider, the arrangement) holds on that day."""
        return ((self.relationship_start is None or self.relationship_start <= day)
                and (self.relationship_end is None or self.relationship_end >= day))


class UserSystem(models.Model):
    """A User System: the primary one, or a further one that must be notified to the SSC before use."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="user_systems")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=SystemKind.choices, default=SystemKind.PRIMARY)
    hosting = models.CharField(max_length=12, choices=Hosting.choices, default=Hosting.BESPOKE)
    hosting_detail = models.CharField(max_length=300, blank=True)
    srp_provider = models.ForeignKey(ThirdPartyProvider, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="user_systems", limit_choices_to={"kind": ProviderKind.SRP},
                                     verbose_name="Shared Resource Provider")
    ssc_notified_on = models.DateField("notified to the SSC on", null=True, blank=True)
    ssc_decision = models.CharField("the SSC's decision", max_length=16, choices=SscReview.choices, blank=True,
                                    default=SscReview.UNDECIDED)
    ssc_decided_on = models.DateField("decided on", null=True, blank=True)
    in_use_from = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["organisation", "kind", "name"]

    def __str__(self) -> str:
        return self.name


class PortfolioSnapshot(models.Model):
    """The counts reported on one date: what decides the assessment type (and G5.27 for SRP users)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="portfolio_snapshots")
    as_of = models.DateField()
    domestic = models.PositiveIntegerField("domestic premises")
    non_domestic = models.PositiveIntegerField("non-domestic premises")
    smets1 = models.PositiveIntegerField("enrolled SMETS1 systems", null=True, blank=True)
    smets2 = models.PositiveIntegerField("SMETS2 systems", null=True, blank=True)
    source = models.CharField(max_length=300, blank=True, help_text="Where the counts come from.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation", "as_of"]
        constraints = [models.UniqueConstraint(fields=["organisation", "as_of"], name="profile_one_snapshot_a_day")]

    def __str__(self) -> str:
        return f"{self.organisation} on {self.as_of}"

    def as_dict(self) -> dict:
        return {"as_of": self.as_of.isoformat(), "domestic": self.domestic, "non_domestic": self.non_domestic,
                "smets1": self.smets1, "smets2": self.smets2, "source": self.source}


class SecasAdvice(models.Model):
    """The assessment type SECAS advised the User of for one year of its cycle. SECAS counts the
    Smart Metering Inventory and advises the type, so its advice is the authority over the planner's
    estimate. One per organisation and year: newer advice replaces the old, and the audit log keeps both."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="secas_advice")
    year = models.PositiveSmallIntegerField("cycle year")
    kind = models.CharField("advised type", max_length=8, choices=AdvisedType.choices)
    advised_on = models.DateField("advised on")
    reference = models.CharField(max_length=200, blank=True, help_text="SECAS's reference, or where the advice is.")
    cycle_start = models.DateField(null=True, blank=True,
                                   help_text="The cycle start when the advice was recorded: the cycle it is for.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["organisation", "year"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="profile_one_advice_a_year"),
            models.CheckConstraint(condition=models.Q(year__gte=1, year__lte=3), name="profile_advice_year_1_to_3"),
        ]
        verbose_name = "SECAS advice"
        verbose_name_plural = "SECAS advice"

    def __str__(self) -> str:
        return f"{self.organisation}: year {self.year} {self.kind}"

    def as_dict(self) -> dict:
        return {"year": self.year, "type": self.kind, "advised_on": self.advised_on.isoformat(),
                "reference": self.reference, "cycle_start": self.cycle_start.isoformat() if self.cycle_start else None}


class RuleSet(models.Model):
    """One version of a rules file (the assessment-cycle rules); immutable once published."""

    name = models.CharField(max_length=80)
    version = models.CharField(max_length=100)
    status = models.CharField(max_length=12, default="published")
    effective_date = models.DateField()
    source = models.TextField(blank=True)
    source_url = models.URLField(max_length=500, blank=True)
    document = models.JSONField()
    content_hash = models.CharField(max_length=64)
    loaded_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "-effective_date", "-loaded_at"]
        constraints = [models.UniqueConstraint(fields=["name", "version"], name="profile_ruleset_version")]

    def __str__(self) -> str:
        return f"{self.name}@{self.version}"
