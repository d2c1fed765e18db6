"""Tracked sites (managers have their own pages for them at /settings/websites/),
and read-only views of visitors and carts. Registered from CrmConfig.ready."""

from django import forms
from django.contrib import admin
from django.utils.html import format_html

from crm.read_only_admin import ReadOnlyAdmin
from crm.tracking.models import Cart, Site, Visitor
from crm.tracking.origins import origins_clean


class SiteAdminForm(forms.ModelForm):
    """Origins checked as on the managers' page, so the admin saves only origins the
    beacon endpoint can match."""

    class Meta:
        model = Site
        fields = ("name", "origins", "is_active")

    def clean_origins(self) -> str:
        return "\n".join(origins_clean(self.cleaned_data["origins"]))


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    form = SiteAdminForm
    list_display = ("name", "key", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "origins")
    readonly_fields = ("key", "snippet", "created_at")
    fields = ("name", "origins", "is_active", "key", "snippet", "created_at")

    @admin.display(description="Snippet")
    def snippet(self, site: Site) -> str:
        if not site.pk:
            return "Save the site to get its snippet."
        return format_html(
            "<code>{}</code><p class='help'>Put it in every page of the site, before "
            "&lt;/head&gt;.</p>",
            site.snippet_tag,
        )


@admin.register(Visitor)
class VisitorAdmin(ReadOnlyAdmin):
    list_display = ("uid", "site", "lead", "referral_code", "first_seen_at", "last_seen_at")
    list_filter = ("site",)
    list_select_related = ("site", "lead")
    search_fields = ("uid", "referral_code", "lead__email")
    show_full_result_count = False


@admin.register(Cart)
class CartAdmin(ReadOnlyAdmin):
    list_display = ("cart_id", "visitor", "status", "value", "last_activity_at", "abandoned_at")
    list_filter = ("status", "abandoned_recorded")
    list_select_related = ("visitor",)
    search_fields = ("cart_id",)
    show_full_result_count = False
