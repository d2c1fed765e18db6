import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q

from crm.contact import country_code_or_text
from crm.models import Campaign, Interaction, Lead, User
from crm.selectors import lead_search, reps

LEAD_ORDERINGS = {
    "activity": ("-last_activity_at", "-id"),
    "newest": ("-id",),
    "name": ("last_name", "first_name", "id"),
}


class LeadFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_text", label="Search")
    stage = django_filters.ChoiceFilter(choices=Lead.Stage.choices, empty_label="Any stage")
    owner = django_filters.ModelChoiceFilter(
        queryset=reps(),
        empty_label="Any owner",
    )
    campaign = django_filters.ModelChoiceFilter(
        queryset=Campaign.objects.all(),
        method="filter_campaign",
        label="Campaign",
        empty_label="Any campaign",
    )
    country = django_filters.CharFilter(method="filter_country", label="Country")
    sort = django_filters.ChoiceFilter(
        choices=[("activity", "Latest activity"), ("newest", "Newest"), ("name", "Name")],
        method="filter_nothing",
        empty_label=None,
        label="Sort by",
    )

    class Meta:
        model = Lead
        fields = ["q", "stage", "owner", "campaign", "country"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.is_manager:
            self.form.fields["owner"].label_from_instance = User.display_name.fget
        else:
            del self.filters["owner"]  # a rep only ever sees their own leads
        self.form.fields["country"].widget = forms.TextInput(
            attrs={"placeholder": "US, Germany, …", "size": 10}
        )

    @property
    def ordering(self) -> tuple[str, ...]:
        return LEAD_ORDERINGS.get(self.form.cleaned_data.get("sort") or "activity")

    def filter_text(self, queryset, name, value):
        return lead_search(queryset, value)

    def filter_campaign(self, queryset, name, value):
        took_part = Interaction.objects.filter(lead=OuterRef("pk"), campaign=value)
        return queryset.filter(Q(source_campaign=value) | Exists(took_part))

    def filter_country(self, queryset, name, value):
        return queryset.filter(country=country_code_or_text(value))

    def filter_nothing(self, queryset, name, value):
        return queryset


def filter_summary(lead_filter: LeadFilter) -> list[tuple[str, str]]:
    """The filters in use, in words: ("Stage", "Working"), ("Country", "DE")."""
    summary = []
    for name, value in lead_filter.form.cleaned_data.items():
        if name == "sort" or value in (None, ""):
            continue
        field = lead_filter.form.fields[name]
        if hasattr(field, "label_from_instance"):
            shown = field.label_from_instance(value)
        else:
            shown = dict(getattr(field, "choices", ())).get(value, value)
        summary.append((field.label, str(shown)))
    return summary
