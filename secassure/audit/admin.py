from django.contrib import admin

from secassure.audit.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is written by actions and never edited."""

    list_display = ["occurred_at", "chain", "seq", "actor_label", "action", "object_repr"]
    list_filter = ["action", "chain"]
    search_fields = ["action", "object_repr", "actor_label", "request_id"]
    list_select_related = ["organisation"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
