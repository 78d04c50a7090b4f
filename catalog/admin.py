from django.contrib import admin

from catalog.normalize import name_key, norm
from forensics.admin_mixins import AuditedAdminMixin

from . import models, services


class AliasInline(admin.TabularInline):
    model = models.OrganisationAlias
    extra = 1
    fields = ["name", "key"]
    readonly_fields = ["key"]


class OwnershipInline(admin.TabularInline):
    model = models.Ownership
    fk_name = "brand"
    extra = 0
    autocomplete_fields = ["owner"]


class PrefixInline(admin.TabularInline):
    model = models.PrefixFamily
    extra = 0
    fields = ["prefix", "note"]


@admin.register(models.Organisation)
class OrganisationAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "country", "is_manufacturer", "is_authorized_distributor", "owner"]
    list_filter = [
        "is_manufacturer",
        "is_authorized_distributor",
        "is_independent_distributor",
        "is_importer",
        "needs_review",
        "country",
    ]
    search_fields = ["name", "aliases__name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["owner"]
    inlines = [AliasInline, OwnershipInline, PrefixInline]

    def save_formset(self, request, form, formset, change):
        """Alias keys and derived owners are recomputed whenever aliases or ownerships change."""
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for obj in instances:
            if isinstance(obj, models.OrganisationAlias):
                obj.key = name_key(obj.name)
            if isinstance(obj, models.PrefixFamily):
                obj.prefix_norm = norm(obj.prefix)
            obj.save()
        formset.save_m2m()
        if formset.model is models.Ownership:
            services.refresh_owners()


@admin.register(models.Ownership)
class OwnershipAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["brand", "owner", "start", "end"]
    search_fields = ["brand__name", "owner__name"]
    autocomplete_fields = ["brand", "owner"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.refresh_owners()


@admin.register(models.HsCode)
class HsCodeAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "tier", "description"]
    list_filter = ["tier"]
    search_fields = ["code", "description"]


@admin.register(models.Part)
class PartAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["mpn", "manufacturer", "category", "hs_code", "chpl_tier", "status"]
    list_filter = ["chpl_tier", "status", "category"]
    search_fields = ["mpn", "mpn_norm", "manufacturer__name"]
    autocomplete_fields = ["manufacturer"]
    readonly_fields = ["mpn_norm", "mpn_base", "mpn_fold", "chpl_tier"]
    list_select_related = ["manufacturer"]
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        services.fill_part_keys(obj)
        super().save_model(request, obj, form, change)


@admin.register(models.MarkingCode)
class MarkingCodeAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "manufacturer", "part", "package"]
    search_fields = ["code", "code_norm", "part__mpn"]
    autocomplete_fields = ["manufacturer", "part"]
    readonly_fields = ["code_norm"]

    def save_model(self, request, obj, form, change):
        obj.code_norm = norm(obj.code)
        super().save_model(request, obj, form, change)


@admin.register(models.DistributorOffer)
class DistributorOfferAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["sku", "distributor", "part", "is_authorized"]
    list_filter = ["is_authorized"]
    search_fields = ["sku", "part__mpn"]
    autocomplete_fields = ["distributor", "part"]
    list_select_related = ["distributor", "part"]


@admin.register(models.SupplyLink)
class SupplyLinkAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["seller", "buyer", "part", "evidence_kind", "confidence", "start_date"]
    list_filter = ["evidence_kind", "confidence"]
    search_fields = ["seller__name", "buyer__name", "lot_code", "source_reference"]
    autocomplete_fields = ["seller", "buyer", "part"]
    list_select_related = ["seller", "buyer", "part"]


@admin.register(models.PrefixFamily)
class PrefixFamilyAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["prefix", "manufacturer", "note"]
    search_fields = ["prefix", "manufacturer__name"]
    autocomplete_fields = ["manufacturer"]
    readonly_fields = ["prefix_norm"]

    def save_model(self, request, obj, form, change):
        obj.prefix_norm = norm(obj.prefix)
        super().save_model(request, obj, form, change)


@admin.register(models.KnownMarking)
class KnownMarkingAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["text_key", "manufacturer", "part", "confirmations", "updated_at"]
    search_fields = ["text_key", "part__mpn"]
    autocomplete_fields = ["manufacturer", "part"]


@admin.register(models.OrganisationUser)
class OrganisationUserAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["user", "organisation"]
    autocomplete_fields = ["organisation"]
    search_fields = ["user__username", "organisation__name"]
