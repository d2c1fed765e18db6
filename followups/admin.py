from django.contrib import admin

from followups.models import Holiday, Touch


@admin.register(Touch)
class TouchAdmin(admin.ModelAdmin):
    list_display = ("lead", "channel", "due_at", "status", "priority", "assigned_to", "origin")
    list_filter = ("channel", "status", "origin")
    list_select_related = ("lead", "assigned_to")
    raw_id_fields = ("lead", "assigned_to", "claimed_by", "interaction", "enrolment", "step")
    search_fields = ("lead__email", "lead__last_name", "key")
    date_hierarchy = "due_at"
    show_full_result_count = False


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ("date", "name", "country")
    list_filter = ("country",)
