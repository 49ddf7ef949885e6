"""The party profile in the admin: every change audited on the organisation's chain."""

from django.contrib import admin

from secassure.audit.admin import AuditedAdmin, ReadOnlyAdmin
from secassure.profile.models import (
    PortfolioSnapshot,
    RoleHolding,
    RuleSet,
    SecasAdvice,
    ThirdPartyProvider,
    UserSystem,
)


@admin.register(RoleHolding)
class RoleHoldingAdmin(AuditedAdmin):
    list_display = ["organisation", "role", "start_date", "end_date"]
    list_select_related = ["organisation"]


@admin.register(ThirdPartyProvider)
class ThirdPartyProviderAdmin(AuditedAdmin):
    """Providers are never deleted here: their documents and User Systems refer to them."""

    list_display = ["organisation", "name", "kind", "relationship_start", "relationship_end"]
    list_filter = ["kind"]
    list_select_related = ["organisation"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(UserSystem)
class UserSystemAdmin(AuditedAdmin):
    list_display = ["organisation", "name", "kind", "hosting", "ssc_notified_on"]
    list_select_related = ["organisation"]


@admin.register(PortfolioSnapshot)
class PortfolioSnapshotAdmin(ReadOnlyAdmin):
    """Snapshots are kept as reported: a correction is a new snapshot."""

    list_display = ["organisation", "as_of", "domestic", "non_domestic", "smets1", "smets2"]
    list_select_related = ["organisation"]


@admin.register(SecasAdvice)
class SecasAdviceAdmin(ReadOnlyAdmin):
    """Advice is recorded through the organisation page or `secassure org advise`, with its audit event."""

    list_display = ["organisation", "year", "kind", "advised_on", "reference", "recorded_at"]
    list_select_related = ["organisation"]


@admin.register(RuleSet)
class RuleSetAdmin(ReadOnlyAdmin):
    list_display = ["name", "version", "status", "effective_date", "loaded_at"]
