"""The scoring rules in the admin, for the back office (managers have the
settings page). Saves and deletes go through the services, which rescore."""

from django import forms
from django.contrib import admin

from crm.models import Interaction
from crm.scoring.forms import HALF_LIFE_BOUNDS, POINTS_BOUNDS
from crm.scoring.models import ScoringRule
from crm.scoring.services import scoring_rule_delete, scoring_rule_save, scoring_rules_delete

# The list's editable columns get these too (formfield_for_dbfield builds both forms).
FIELD_BOUNDS = {"points": POINTS_BOUNDS, "half_life_days": HALF_LIFE_BOUNDS}


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

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in FIELD_BOUNDS:
            kwargs["min_value"], kwargs["max_value"] = FIELD_BOUNDS[db_field.name]
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        scoring_rule_save(
            rule=obj,
            kind=obj.kind,
            points=obj.points,
            half_life_days=obj.half_life_days,
            is_active=obj.is_active,
        )

    def delete_model(self, request, obj):
        scoring_rule_delete(rule=obj)

    def delete_queryset(self, request, queryset):
        scoring_rules_delete(rules=queryset)
