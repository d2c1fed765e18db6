from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import CSV, XLSX

from crm.audit.services import audit_lead_changes, lead_audit_values, leads_stored_audit_values
from crm.models import (
    ApiToken,
    Campaign,
    ImportMapping,
    Interaction,
    Lead,
    LeadImport,
    LeadMerge,
    User,
)
from crm.resources import LeadResource


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, ("Preferences", {"fields": ("time_zone",)}))
    list_display = ("username", "email", "first_name", "last_name", "is_active", "is_staff")
    list_filter = ("groups", "is_active", "is_staff")


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "starts_on", "ends_on", "country")
    list_filter = ("kind", "country")
    search_fields = ("name",)
    date_hierarchy = "starts_on"


class InteractionInline(admin.TabularInline):
    model = Interaction
    extra = 0
    fields = ("occurred_at", "kind", "campaign", "outcome", "sentiment", "notes", "user")
    raw_id_fields = ("campaign", "user")
    ordering = ("-occurred_at",)
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("campaign", "user")


@admin.register(Lead)
class LeadAdmin(ImportExportModelAdmin):
    list_display = ("__str__", "email", "phone", "company", "country", "stage", "owner")
    list_filter = ("stage", "email_consent", "do_not_call", "do_not_mail", "country")
    list_select_related = ("owner",)
    search_fields = ("first_name", "last_name", "email", "phone", "company")
    raw_id_fields = ("owner", "source_campaign")
    readonly_fields = ("created_at", "updated_at", "last_activity_at")
    show_full_result_count = False  # COUNT(*) over every lead on each page is slow
    inlines = [InteractionInline]

    resource_classes = [LeadResource]
    # The formats whose cells LeadResource neutralises for spreadsheets.
    import_formats = [CSV, XLSX]
    export_formats = [CSV, XLSX]
    to_encoding = "utf-8-sig"  # a BOM, so that Excel reads the CSV as UTF-8

    def save_model(self, request, obj, form, change):
        """An edit here goes around crm's services: the audit trail records it too."""
        before = leads_stored_audit_values([obj.pk]).get(obj.pk) if change else None
        super().save_model(request, obj, form, change)
        if before is not None:
            after = lead_audit_values(obj)
            audit_lead_changes(lead_id=obj.pk, before=before, after=after, by=request.user)

    def has_import_permission(self, request):
        """Bulk changes to leads are for managers."""
        return (
            request.user.is_manager
            and self.has_add_permission(request)
            and self.has_change_permission(request)
        )

    def has_export_permission(self, request):
        """Every lead at once is for managers."""
        return request.user.is_manager and self.has_view_permission(request)


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "kind", "lead", "campaign", "outcome_shown", "user")
    list_filter = ("kind", "sentiment", "source")
    list_select_related = ("lead", "campaign", "user")
    raw_id_fields = ("lead", "campaign", "user")
    date_hierarchy = "occurred_at"
    show_full_result_count = False

    @admin.display(description="Outcome", ordering="outcome")
    def outcome_shown(self, interaction: Interaction) -> str:
        return interaction.outcome_label


@admin.register(LeadMerge)
class LeadMergeAdmin(admin.ModelAdmin):
    list_display = ("lead", "duplicate_id", "merged_by", "merged_at")
    list_select_related = ("lead", "merged_by")
    readonly_fields = ("lead", "duplicate_id", "duplicate_snapshot", "merged_by", "merged_at")

    def has_add_permission(self, request):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created on the managers' API tokens page (or with `manage.py
    api_token_create`), which shows the secret once."""

    list_display = ("name", "prefix", "user", "created_at", "last_used_at")
    list_select_related = ("user",)
    readonly_fields = ("user", "name", "prefix", "created_at", "last_used_at")

    def has_add_permission(self, request):
        return False


@admin.register(LeadImport)
class LeadImportAdmin(admin.ModelAdmin):
    """The import history; imports are made and run from the Imports pages."""

    list_display = ("filename", "campaign", "status", "rows", "created", "updated", "invalid")
    list_display_links = ("filename",)
    list_filter = ("status",)
    list_select_related = ("campaign", "created_by")
    search_fields = ("filename", "source", "campaign__name")
    fields = (
        "filename",
        "campaign",
        "source",
        "status",
        "created_by",
        "created_at",
        "finished_at",
        ("rows", "created", "updated", "duplicates", "invalid", "engaged"),
        "failure",
    )
    readonly_fields = (
        *fields[:-2],
        *("rows", "created", "updated", "duplicates", "invalid", "engaged", "failure"),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content", "errors", "samples")

    def has_add_permission(self, request):
        return False


@admin.register(ImportMapping)
class ImportMappingAdmin(admin.ModelAdmin):
    list_display = ("source", "updated_by", "updated_at")
    list_select_related = ("updated_by",)
    readonly_fields = ("updated_by", "updated_at")


# Admins that live beside their code.
from crm.audit import admin as audit_admin  # noqa: E402, F401
from crm.scoring import admin as scoring_admin  # noqa: E402, F401
from crm.tracking import admin as tracking_admin  # noqa: E402, F401
