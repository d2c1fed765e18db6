"""Managers edit the scoring rules here; every change rescores the leads it touches."""

from django import forms
from django.contrib import admin

from crm.models import Interaction
from crm.scoring.models import ScoringRule
from crm.scoring.services import scores_recompute_later


class ScoringRuleForm(forms.ModelForm):
    kind = forms.ChoiceField(choices=Interaction.Kind.choices)

    class Meta:
        model = ScoringRule
        fields = ("kind", "points", "half_life_days", "is_active")
        help_texts = {
            "points": "What one interaction of this kind is worth when new (negative lowers).",
            "half_life_days": "Its points halve every this many days; 0: they never fade.",
        }


@admin.register(ScoringRule)
class ScoringRuleAdmin(admin.ModelAdmin):
    form = ScoringRuleForm
    list_display = ("kind", "points", "half_life_days", "is_active")
    list_editable = ("points", "half_life_days", "is_active")
    list_filter = ("is_active",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        scores_recompute_later(kinds={obj.kind, form.initial.get("kind") or obj.kind})

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        scores_recompute_later(kinds={obj.kind})

    def delete_queryset(self, request, queryset):
        kinds = set(queryset.values_list("kind", flat=True))
        super().delete_queryset(request, queryset)
        scores_recompute_later(kinds=kinds)
