"""Letters in the back office: templates editable (refused, as on the managers'
page, when they do not compile or reach outside the sandbox); print runs
read-only, since their state changes only through the services the managers' and
mailroom's pages call (and list their letters)."""

from django import forms
from django.contrib import admin

from mailings.letters.compose import letter_template_problems
from mailings.letters.models import LetterTemplate, PrintRun


class LetterTemplateForm(forms.ModelForm):
    class Meta:
        model = LetterTemplate
        fields = ["slug", "name", "body", "css", "coupon_code", "offer", "is_active"]

    def clean_body(self):
        body = self.cleaned_data["body"]
        if problems := letter_template_problems(body):
            raise forms.ValidationError(problems)
        return body


@admin.register(LetterTemplate)
class LetterTemplateAdmin(admin.ModelAdmin):
    form = LetterTemplateForm
    list_display = ("name", "slug", "is_active", "updated_at", "updated_by")
    list_filter = ("is_active",)
    prepopulated_fields = {"slug": ("name",)}

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(PrintRun)
class PrintRunAdmin(admin.ModelAdmin):
    list_display = ("name", "status", "template", "paper", "pages", "created_by", "created_at")
    list_filter = ("status", "paper", "template")
    list_select_related = ("template", "created_by")
    search_fields = ("name",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
