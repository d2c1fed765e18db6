from django.contrib import admin

from followups.models import Holiday, Rule, Touch


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ("name", "trigger_kind", "trigger_sentiment", "channel", "priority", "is_active")
    list_filter = ("is_active", "channel", "trigger_kind")
    list_editable = ("priority", "is_active")
    filter_horizontal = ("reps",)
    fieldsets = (
        (None, {"fields": ("name", "is_active")}),
        ("When", {"fields": ("trigger_kind", "trigger_sentiment")}),
        ("Then", {"fields": ("channel", "delay_minutes", "delay_business_days", "priority")}),
        ("Who", {"fields": ("assign", "reps")}),
        ("On the call", {"fields": ("talking_points",)}),
    )


@admin.register(Touch)
class TouchAdmin(admin.ModelAdmin):
    list_display = ("lead", "channel", "due_at", "status", "priority", "assigned_to", "origin")
    list_filter = ("channel", "status", "origin")
    list_select_related = ("lead", "assigned_to")
    raw_id_fields = ("lead", "assigned_to", "claimed_by", "interaction", "rule")
    search_fields = ("lead__email", "lead__last_name", "key")
    date_hierarchy = "due_at"
    show_full_result_count = False


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ("date", "name", "country")
    list_filter = ("country",)
