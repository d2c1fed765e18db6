"""The audit trail in the admin: to read, never to add, change or delete."""

from django.contrib import admin

from crm.audit.models import AuditEntry
from crm.read_only_admin import ReadOnlyAdmin
from crm.templatetags.audit import audit_sentence


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_name", "action", "lead_id", "subject_label", "summary")
    list_filter = ("action", "subject_type")
    list_select_related = ("actor",)
    search_fields = ("actor_name", "subject_label", "note")
    date_hierarchy = "at"
    show_full_result_count = False
    readonly_fields = (
        "at",
        "actor",
        "actor_name",
        "action",
        "lead_id",
        "subject_type",
        "subject_id",
        "subject_label",
        "changes",
        "data",
        "note",
    )
    fields = readonly_fields

    @admin.display(description="What")
    def summary(self, entry: AuditEntry) -> str:
        return audit_sentence(entry)
