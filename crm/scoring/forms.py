"""The scoring rule form of the settings page; its bounds hold in the admin too."""

from django import forms

from crm.models import Interaction

POINTS_BOUNDS = (-1000, 1000)
HALF_LIFE_BOUNDS = (0, 3650)  # ten years: beyond, a rule may as well never fade (0)


class ScoringRuleForm(forms.Form):
    kind = forms.ChoiceField(label="Interaction", choices=Interaction.Kind.choices)
    points = forms.IntegerField(
        label="Points when new",
        min_value=POINTS_BOUNDS[0],
        max_value=POINTS_BOUNDS[1],
        help_text="What one interaction of this kind is worth when it happens (negative lowers).",
    )
    half_life_days = forms.IntegerField(
        label="Half-life in days",
        min_value=HALF_LIFE_BOUNDS[0],
        max_value=HALF_LIFE_BOUNDS[1],
        help_text="Its points halve every this many days; 0: they never fade.",
    )
    is_active = forms.BooleanField(label="Active (counts in scores)", required=False, initial=True)
