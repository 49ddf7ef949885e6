"""The catalogue in Django admin: browsable everywhere, editable only while a version is a draft.

Every change made here is written to the audit log like any other.
"""

from django import forms
from django.contrib import admin

from secassure.audit.admin import AuditedAdmin
from secassure.catalogue.models import Framework, FrameworkVersion, Group, Mapping, Obligation, Question


def _published(obj) -> bool:
    if obj is None:
        return False
    if isinstance(obj, FrameworkVersion):
        return obj.is_published
    if isinstance(obj, Mapping):
        return obj.source.version.is_published
    return obj.version.is_published


class DraftOnlyForm(forms.ModelForm):
    """Refuses, as a form error, a new row in a published version (the model would refuse it too)."""

    def clean(self):
        cleaned = super().clean()
        probe = self.instance
        for name, value in cleaned.items():
            if name in ("version", "source"):
                setattr(probe, name, value)
        if _published_or_none(probe):
            raise forms.ValidationError("This version is published and cannot change: load a new version instead.")
        return cleaned


def _published_or_none(obj) -> bool:
    try:
        return _published(obj)
    except (AttributeError, FrameworkVersion.DoesNotExist, Obligation.DoesNotExist):
        return False


class FrozenWhenPublished(AuditedAdmin):
    """View-only for rows of a published version."""

    form = DraftOnlyForm

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not _published(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not _published(obj)


@admin.register(Framework)
class FrameworkAdmin(AuditedAdmin):
    list_display = ["slug", "name", "kind"]
    search_fields = ["slug", "name"]

    def get_readonly_fields(self, request, obj=None):
        # Mappings and files name a framework by its slug: once a version is published, it stays.
        if obj is not None and obj.versions.filter(status="published").exists():
            return ["slug"]
        return []

    def has_delete_permission(self, request, obj=None):
        return False  # versions hang off it; a framework goes only with all of them


@admin.register(FrameworkVersion)
class FrameworkVersionAdmin(FrozenWhenPublished):
    list_display = ["framework", "version", "status", "effective_date", "origin", "loaded_at"]
    list_filter = ["status", "origin", "framework"]
    list_select_related = ["framework"]
    readonly_fields = ["content_hash", "loaded_at", "published_at", "origin", "status"]


@admin.register(Group)
class GroupAdmin(FrozenWhenPublished):
    list_display = ["ref", "title", "version"]
    list_filter = ["version"]
    search_fields = ["ref", "title"]
    list_select_related = ["version__framework"]
    raw_id_fields = ["parent"]


class MappingInline(admin.TabularInline):
    model = Mapping
    fk_name = "source"
    raw_id_fields = ["target"]
    extra = 0

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not _published(obj)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not _published(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not _published(obj)


@admin.register(Obligation)
class ObligationAdmin(FrozenWhenPublished):
    list_display = ["ref", "title", "version", "group", "confidence", "assessable"]
    list_filter = ["version", "confidence", "assessable"]
    search_fields = ["ref", "title", "summary"]
    list_select_related = ["version__framework", "group"]
    raw_id_fields = ["parent", "group"]
    inlines = [MappingInline]


@admin.register(Question)
class QuestionAdmin(FrozenWhenPublished):
    list_display = ["ref", "topic", "version"]
    list_filter = ["version", "topic"]
    search_fields = ["ref", "text"]
    list_select_related = ["version__framework"]
    filter_horizontal = ["obligations"]


@admin.register(Mapping)
class MappingAdmin(FrozenWhenPublished):
    list_display = ["source", "relationship", "target"]
    list_filter = ["relationship"]
    list_select_related = ["source", "target"]
    raw_id_fields = ["source", "target"]
