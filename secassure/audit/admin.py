from django.contrib import admin
from django.db import models
from django.forms.models import model_to_dict

from secassure.audit.actions import record
from secassure.audit.events import AuditEvent
from secassure.audit.models import Event


def _organisation_of(obj):
    """The organisation whose chain the change goes on: the object itself when it is one (the model
    the audit log's organisation field refers to, which sits above this app), else its own."""
    organisations = Event._meta.get_field("organisation").related_model
    return obj if isinstance(obj, organisations) else getattr(obj, "organisation", None)


def _plain(data: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}


class AuditedAdmin(admin.ModelAdmin):
    """Writes an audit event for every save and delete made through the admin, on the chain of the
    organisation the object belongs to (or the system chain)."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request, obj, form, change):
        before = _plain(model_to_dict(type(obj).objects.get(pk=obj.pk))) if change and obj.pk else None
        super().save_model(request, obj, form, change)
        record(AuditEvent(f"admin.{obj._meta.model_name}.{'changed' if change else 'created'}"), obj,
               organisation=_organisation_of(obj), before=before, after=_plain(model_to_dict(obj)))

    def delete_model(self, request, obj):
        record(AuditEvent(f"admin.{obj._meta.model_name}.deleted"), obj, organisation=_organisation_of(obj),
               before=_plain(model_to_dict(obj)))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that change only through the product's own actions, with their rules."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    """Read-only: the audit log is written by actions and never edited."""

    list_display = ["occurred_at", "chain", "seq", "actor_label", "action", "object_repr"]
    list_filter = ["action", "chain"]
    search_fields = ["action", "object_repr", "actor_label", "request_id"]
    list_select_related = ["organisation"]
