"""The back office for mailings. Managers edit drips on their own pages
(/drips/); the admin shows everything, and the evidence (consent records,
suppressions, the outbox) read-only."""

from django import forms
from django.contrib import admin
from django.template import TemplateSyntaxError

from mailings.addresses import email_digest
from mailings.drips import enrolments_stop
from mailings.letters import admin as letters_admin  # noqa: F401 (registers the letters' admin)
from mailings.models import (
    ConsentRecord,
    ConsentText,
    Drip,
    DripStep,
    Enrolment,
    OutboxEmail,
    StepVariant,
    Suppression,
)
from mailings.rendering import check_template


class DripStepInline(admin.TabularInline):
    model = DripStep
    extra = 0
    show_change_link = True  # variants are edited on the step's page


@admin.register(Drip)
class DripAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "trigger_kind", "trigger_campaign", "is_active")
    list_filter = ("is_active", "trigger_kind")
    prepopulated_fields = {"slug": ("name",)}
    raw_id_fields = ("trigger_campaign", "for_rule")
    inlines = [DripStepInline]


class StepVariantForm(forms.ModelForm):
    """A template that does not compile is refused here, not found at send time."""

    class Meta:
        model = StepVariant
        fields = ["label", "subject", "html_body", "text_body"]

    def clean(self):
        data = super().clean()
        for field in ("subject", "html_body", "text_body"):
            try:
                check_template(data.get(field) or "")
            except TemplateSyntaxError as error:
                self.add_error(field, f"This template does not compile: {error}")
        return data


class StepVariantInline(admin.StackedInline):
    model = StepVariant
    form = StepVariantForm
    extra = 0


@admin.register(DripStep)
class DripStepAdmin(admin.ModelAdmin):
    list_display = ("drip", "position", "delay", "delay_unit", "delay_after")
    list_filter = ("drip",)
    inlines = [StepVariantInline]


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ("lead", "drip", "status", "enrolled_at", "ended_at", "stop_reason")
    list_filter = ("status", "drip")
    list_select_related = ("lead", "drip")
    raw_id_fields = ("lead", "interaction", "enrolled_by")
    search_fields = ("lead__email", "lead__last_name")
    show_full_result_count = False
    actions = ["remove_from_drip"]

    @admin.action(description="Remove from the drip (cancels emails not sent yet)")
    def remove_from_drip(self, request, queryset):
        reason = f"Removed by {request.user.get_username()}"
        for enrolment in queryset.filter(status=Enrolment.Status.ACTIVE).select_related("lead"):
            enrolments_stop(lead=enrolment.lead, reason=reason, drips=[enrolment.drip_id])


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
    list_filter = ("status", "step__drip")
    list_select_related = ("step__drip",)
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
