import django_filters
from django import forms
from django.db.models import Exists, Q

from crm.audiences.selectors import active_audiences, is_member
from crm.contact import country_code_or_text
from crm.models import Campaign, Lead
from followups.models import Touch


class QueueFilter(django_filters.FilterSet):
    """Filters for the rep's list of today's calls."""

    campaign = django_filters.ModelChoiceFilter(
        queryset=Campaign.objects.all(),
        method="filter_campaign",
        label="Campaign",
        empty_label="Any campaign",
    )
    reason = django_filters.CharFilter(lookup_expr="icontains", label="Reason")
    country = django_filters.CharFilter(method="filter_country", label="Country")
    time_zone = django_filters.CharFilter(
        field_name="lead__time_zone", lookup_expr="icontains", label="Time zone"
    )
    stage = django_filters.ChoiceFilter(
        field_name="lead__stage", choices=Lead.Stage.choices, empty_label="Any stage"
    )
    audience = django_filters.ModelChoiceFilter(
        queryset=active_audiences(),
        method="filter_audience",
        label="Audience",
        empty_label="Any audience",
    )

    class Meta:
        model = Touch
        fields = ["campaign", "reason", "country", "time_zone", "stage", "audience"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["country"].widget = forms.TextInput(
            attrs={"placeholder": "GB, Germany, …", "size": 10}
        )
        self.form.fields["time_zone"].widget = forms.TextInput(
            attrs={"placeholder": "Europe/, America/New_York", "size": 18}
        )

    def filter_campaign(self, queryset, name, value):
        # The lead came from the campaign, or the reason for this call did.
        return queryset.filter(Q(lead__source_campaign=value) | Q(interaction__campaign=value))

    def filter_country(self, queryset, name, value):
        return queryset.filter(lead__country=country_code_or_text(value))

    def filter_audience(self, queryset, name, value):
        return queryset.filter(Exists(is_member(value, "lead_id")))
