"""Organisations in the admin: details editable (audited); memberships and invitations only viewed,
since they change through the product's actions, which keep an Owner in every organisation."""

from django.contrib import admin

from secassure.audit.admin import AuditedAdmin, ReadOnlyAdmin
from secassure.tenancy.models import Invitation, Membership, Organisation


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ["name", "slug", "category", "cycle_start", "created_at"]
    list_filter = ["category"]
    search_fields = ["name", "slug", "sec_party_id"]
    readonly_fields = ["created_at"]

    def has_delete_permission(self, request, obj=None):
        return False  # its audit chain and evidence must outlive any mistake


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "organisation", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "organisation__name"]
    list_select_related = ["user", "organisation"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["email", "organisation", "role", "created_at", "expires_at", "accepted_at", "revoked_at"]
    search_fields = ["email", "organisation__name"]
    list_select_related = ["organisation"]
    exclude = ["token_hash"]
