"""The back office for mailings. Managers edit cadences on their own pages
(/cadences/); the admin shows the evidence (consent records, suppressions, the
outbox) read-only."""

from django.contrib import admin

from mailings.consent.addresses import email_digest
from mailings.letters import admin as letters_admin  # noqa: F401 (registers the letters' admin)
from mailings.models import ConsentRecord, ConsentText, OutboxEmail, Suppression


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutboxEmail)
class OutboxEmailAdmin(ReadOnlyAdmin):
    list_display = (
        "to_email",
        "subject",
        "status",
        "attempts",
        "sent_at",
        "opened_at",
        "machine_opens",
        "machine_clicks",
    )
    list_filter = ("status", "step__cadence")
    list_select_related = ("step__cadence",)
    search_fields = ("to_email", "message_id")
    show_full_result_count = False


@admin.register(Suppression)
class SuppressionAdmin(ReadOnlyAdmin):
    list_display = ("email_digest", "reason", "source", "created_at")
    list_filter = ("reason",)
    search_fields = ("email_digest",)

    def get_search_results(self, request, queryset, search_term):
        # Search by address: the list keeps only digests.
        if "@" in search_term:
            search_term = email_digest(search_term)
        return super().get_search_results(request, queryset, search_term)


@admin.register(ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    list_display = ("version", "created_at")

    def has_change_permission(self, request, obj=None):
        return False  # a text people agreed to never changes: add a new version


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    list_display = ("lead", "action", "source", "ip_address", "consent_text", "at")
    list_filter = ("action",)
    raw_id_fields = ("lead",)
    search_fields = ("lead__email", "email_digest")
