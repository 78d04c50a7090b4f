"""Catalog admin for curators. Every save is audited (AuditedAdminMixin, and inline rows here);
the models' `clean` methods derive keys and refuse what the API refuses."""

from django.contrib import admin
from django.db import models as db_models
from django.db.models import Q

from catalog.normalize import base, name_key, norm
from forensics.admin_mixins import AuditedAdminMixin, ReadOnlyAdminMixin
from forensics.audit import record_change, snapshot

from . import models, screening, services

HTTPS_URLS = {db_models.URLField: {"assume_scheme": "https"}}


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
    verbose_name = "owner (acquisition)"
    verbose_name_plural = "owners (acquisitions)"


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
        "is_freight_forwarder",
        "is_end_user",
        "needs_review",
        "country",
    ]
    search_fields = ["name", "aliases__name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["owner"]
    list_select_related = ["owner"]
    inlines = [AliasInline, OwnershipInline, PrefixInline]
    formfield_overrides = HTTPS_URLS

    def save_model(self, request, obj, form, change):
        """The name stays an alias; a new suffix family re-keys the parts (the admin view is atomic)."""
        family_changed = change and "mpn_family" in form.changed_data
        super().save_model(request, obj, form, change)
        services.add_alias(obj, obj.name)
        if family_changed:
            services.refresh_part_keys(obj)
        screening.request_screening([obj.pk])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.refresh_owners(actor=request.user)

    def save_formset(self, request, form, formset, change):
        """Inline rows are audited like top-level saves; ownership edits re-derive owners."""
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            record_change(request.user, obj, "delete", snapshot(obj), None)
            obj.delete()
        for obj in instances:
            if isinstance(obj, models.OrganisationAlias):
                obj.key = name_key(obj.name)
                if (
                    obj.pk is None
                    and models.OrganisationAlias.objects.filter(
                        key=obj.key, organisation_id=obj.organisation_id
                    ).exists()
                ):
                    continue  # the spelling is the organisation's own name, already kept
            elif isinstance(obj, models.PrefixFamily):
                obj.prefix_norm = norm(obj.prefix)
            before = None
            if obj.pk is not None:
                before = snapshot(type(obj)._base_manager.filter(pk=obj.pk).first())
            obj.save()
            record_change(
                request.user, obj, "update" if before else "create", before, snapshot(obj)
            )
        formset.save_m2m()
        if formset.model is models.Ownership and (instances or formset.deleted_objects):
            services.refresh_owners(actor=request.user)


@admin.register(models.OrganisationAlias)
class OrganisationAliasAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "organisation", "key"]
    search_fields = ["name", "key", "organisation__name"]
    list_filter = [("organisation__is_manufacturer", admin.BooleanFieldListFilter)]
    autocomplete_fields = ["organisation"]
    readonly_fields = ["key"]
    list_select_related = ["organisation"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        screening.request_screening([obj.organisation_id])


@admin.register(models.Ownership)
class OwnershipAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["brand", "owner", "start", "end"]
    list_filter = ["start", "end"]
    search_fields = ["brand__name", "owner__name"]
    autocomplete_fields = ["brand", "owner"]
    list_select_related = ["brand", "owner"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.refresh_owners(actor=request.user)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.refresh_owners(actor=request.user)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        services.refresh_owners(actor=request.user)


@admin.register(models.HsCode)
class HsCodeAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "tier", "description"]
    list_filter = ["tier"]
    search_fields = ["code", "description"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.apply_chpl_tier(obj.code)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.apply_chpl_tier(obj.code)


@admin.register(models.Part)
class PartAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["mpn", "manufacturer", "category", "hs_code", "chpl_tier", "status"]
    list_filter = ["chpl_tier", "status", "category"]
    search_fields = ["mpn"]
    search_help_text = (
        "Start of the part number; case, punctuation and Cyrillic look-alikes ignored."
    )
    autocomplete_fields = ["manufacturer"]
    readonly_fields = ["mpn_norm", "mpn_base", "mpn_fold", "chpl_tier"]
    list_select_related = ["manufacturer"]
    show_full_result_count = False
    formfield_overrides = HTTPS_URLS

    def get_search_results(self, request, queryset, search_term):
        """A prefix match on the indexed normalised keys, not a table scan over a million rows."""
        key = norm(search_term)
        if not key:
            return queryset, False
        match = Q(mpn_norm__startswith=key)
        stem = base(search_term)
        if stem:
            match |= Q(mpn_base__startswith=stem)
        return queryset.filter(match), False

    def save_model(self, request, obj, form, change):
        services.fill_part_keys(obj)
        super().save_model(request, obj, form, change)


@admin.register(models.MarkingCode)
class MarkingCodeAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "manufacturer", "part", "package"]
    list_filter = [("part", admin.EmptyFieldListFilter), "package"]
    search_fields = ["code", "code_norm", "part__mpn", "manufacturer__name"]
    autocomplete_fields = ["manufacturer", "part"]
    readonly_fields = ["code_norm"]
    list_select_related = ["manufacturer", "part"]


@admin.register(models.DistributorOffer)
class DistributorOfferAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["sku", "distributor", "part", "is_authorized"]
    list_filter = ["is_authorized", ("distributor", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["sku", "part__mpn"]
    autocomplete_fields = ["distributor", "part"]
    list_select_related = ["distributor", "part"]


@admin.register(models.SupplyLink)
class SupplyLinkAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["seller", "buyer", "part", "evidence_kind", "confidence", "start_date"]
    list_filter = ["evidence_kind", "confidence", "start_date"]
    search_fields = ["seller__name", "buyer__name", "lot_code", "source_reference"]
    autocomplete_fields = ["seller", "buyer", "part"]
    readonly_fields = ["created_by", "created_at"]
    list_select_related = ["seller", "buyer", "part"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        previous = [form.initial.get("seller"), form.initial.get("buyer")]
        screening.request_screening([obj.seller_id, obj.buyer_id, *previous])


@admin.register(models.PrefixFamily)
class PrefixFamilyAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["prefix", "manufacturer", "note"]
    list_filter = [("manufacturer", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["prefix", "prefix_norm", "manufacturer__name"]
    autocomplete_fields = ["manufacturer"]
    readonly_fields = ["prefix_norm"]
    list_select_related = ["manufacturer"]


@admin.register(models.KnownMarking)
class KnownMarkingAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["text_key", "manufacturer", "part", "confirmations", "updated_at"]
    list_filter = [("part", admin.EmptyFieldListFilter), "updated_at"]
    search_fields = ["text_key", "part__mpn", "manufacturer__name"]
    autocomplete_fields = ["manufacturer", "part"]
    list_select_related = ["manufacturer", "part"]


@admin.register(models.OrganisationUser)
class OrganisationUserAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["user", "organisation"]
    list_filter = [("organisation", admin.RelatedOnlyFieldListFilter)]
    autocomplete_fields = ["organisation"]
    search_fields = ["user__username", "organisation__name"]
    list_select_related = ["user", "organisation"]


@admin.register(models.CatalogImportJob)
class CatalogImportJobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Uploaded catalog imports, read only: they change through their task, never by hand."""

    list_display = ["id", "file_name", "state", "attempts", "created_by", "created_at"]
    list_filter = ["state"]
    search_fields = ["file_name"]
