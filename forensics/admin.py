from django import forms
from django.contrib import admin
from django.db import transaction

from .admin_mixins import AuditedAdminMixin, ReadOnlyAdminMixin
from .audit import record_change, snapshot
from .models import (
    AuditRecord,
    CustodyEvent,
    FindingPhoto,
    Photo,
    Recovery,
    WeaponSystem,
    WeaponSystemAlias,
)
from .services import evidence, recoveries
from .services.weapons import weapon_key


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the audit trail is append-only."""

    list_display = ["at", "actor_name", "action", "content_type", "object_repr"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "actor_name", "object_id"]
    date_hierarchy = "at"


# --- weapon systems, recoveries, photos -------------------------------------------------------


class WeaponSystemAliasForm(forms.ModelForm):
    class Meta:
        model = WeaponSystemAlias
        fields = ["name", "in_text"]

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        key = weapon_key(name)
        if not key:
            raise forms.ValidationError("An alias needs letters or digits.")
        taken = WeaponSystemAlias.objects.filter(key=key).exclude(pk=self.instance.pk).first()
        if taken is not None:
            raise forms.ValidationError(f"Already an alias of {taken.weapon_system}.")
        self.instance.key = key
        return name


class WeaponSystemAliasInline(admin.TabularInline):
    model = WeaponSystemAlias
    form = WeaponSystemAliasForm
    extra = 1


@admin.register(WeaponSystem)
class WeaponSystemAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "country"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "aliases__name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [WeaponSystemAliasInline]


class CustodyEventInline(admin.TabularInline):
    """Append-only: past events are shown read-only; new ones are added with the admin as actor."""

    model = CustodyEvent
    fields = ["at", "action", "location", "note", "actor_name"]
    readonly_fields = ["actor_name"]
    extra = 0

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Recovery)
class RecoveryAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["reference", "weapon_system", "recovered_on", "oblast", "sharing"]
    list_filter = ["sharing", "weapon_system__kind", "oblast"]
    search_fields = ["reference", "serial_number", "external_id"]
    date_hierarchy = "recovered_on"
    autocomplete_fields = ["weapon_system"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    inlines = [CustodyEventInline]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """A change goes through `update_recovery`, as the API and the pages do: one audit record
        ("update", as the mixin writes), and the notifications held back while the recovery was
        TLP:RED written in the same transaction when its sharing leaves RED."""
        if change:
            recoveries.update_recovery(obj, {}, request.user)  # the form has set obj's fields
            return
        obj.created_by = request.user
        super().save_model(request, obj, form, change)
        recoveries.add_custody_event(
            obj, request.user, "received", note="Recovery recorded in the catalog."
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is not CustodyEvent:
            return super().save_formset(request, form, formset, change)
        for event in formset.save(commit=False):
            if event.pk is None:
                recoveries.add_custody_event(
                    event.recovery,
                    request.user,
                    event.action,
                    at=event.at,
                    location=event.location,
                    note=event.note,
                )


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    """Photos arrive through the upload API (which checks them); here they are inspected,
    captioned, re-queued or, by admins, removed through the same service as the API."""

    list_display = ["id", "recovery", "original_name", "state", "size_bytes", "uploaded_at"]
    list_filter = ["state", "content_type"]
    search_fields = ["original_name", "sha256", "recovery__reference"]
    list_select_related = ["recovery"]
    actions = ["reprocess_photos"]
    fields = [
        "recovery",
        "original",
        "original_name",
        "content_type",
        "sha256",
        "size_bytes",
        "width",
        "height",
        "caption",
        "state",
        "error",
        "attempts",
        "phash",
        "phash_rotations",
        "exif",
        "thumbnail",
        "display",
        "uploaded_by",
        "uploaded_at",
        "processed_at",
    ]

    def get_readonly_fields(self, request, obj=None):
        return [name for name in self.fields if name != "caption"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        """A photo shown by a finding stays (the service would refuse it anyway)."""
        if obj is not None and FindingPhoto.objects.filter(photo=obj).exists():
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        for photo in queryset.exclude(pk__in=FindingPhoto.objects.values("photo")):
            evidence.delete_photo(photo, request.user)

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            before = snapshot(Photo.objects.get(pk=obj.pk))
            super().save_model(request, obj, form, change)
            record_change(request.user, obj, "update", before, snapshot(obj))

    def delete_model(self, request, obj):
        evidence.delete_photo(obj, request.user)

    @admin.action(description="Process the selected photos again")
    def reprocess_photos(self, request, queryset):
        for photo in queryset:
            evidence.reprocess(photo, request.user)
        self.message_user(request, f"{queryset.count()} photo(s) queued for processing.")
