from dataclasses import dataclass
from datetime import UTC, datetime

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils import timezone
from django.utils.formats import date_format

from crm.audiences.models import Audience
from crm.audiences.selectors import audience_chosen, audience_members
from crm.contact import country_code_or_text
from crm.imports.selectors import imports_visible_to, leads_from_import
from crm.models import Campaign, Interaction, Lead, LeadImport, User
from crm.selectors import lead_search, leads_visible_to, reps
from crm.timeline import next_touch_due

# Each ordering ends in the id, so it is total and keyset pagination can continue
# after any row (crm.pagination). Activity and score are read from an index in
# order, forwards or backwards, and stop after a page: lead_activity_idx,
# lead_score_idx, and with the owner first, for a rep's own leads or an owner
# filter, lead_owner_activity_idx, lead_owner_score_idx. The next touch lives in
# followups' touches: it is a subquery per lead (one probe of touch_lead_idx
# each), cheap over a rep's leads, a pass over every lead for a manager's
# unfiltered list of a million.
LEAD_ORDERINGS = {
    "activity": ("-last_activity_at", "-id"),
    "activity_oldest": ("last_activity_at", "id"),
    "score": ("-score", "-id"),
    "score_lowest": ("score", "id"),
    "next_touch": ("next_touch_order", "id"),
    "next_touch_latest": ("-next_touch_order", "-id"),
    "newest": ("-id",),
    "name": ("last_name", "first_name", "id"),
}
SORT_CHOICES = [
    ("activity", "Latest activity"),
    ("activity_oldest", "Oldest activity"),
    ("score", "Highest score"),
    ("score_lowest", "Lowest score"),
    ("next_touch", "Next touch, soonest first"),
    ("next_touch_latest", "Next touch, latest first"),
    ("newest", "Newest"),
    ("name", "Name"),
]
NEXT_TOUCH_SORTS = {"next_touch": False, "next_touch_latest": True}  # -> descending
# Keyset pagination compares non-null values: a lead with no open touch sorts
# after every lead with one, in either direction, by standing in for its due time
# with a time later (or, latest first, earlier) than any touch's.
NO_TOUCH_SOONEST = datetime(9999, 1, 1, tzinfo=UTC)
NO_TOUCH_LATEST = datetime(1900, 1, 1, tzinfo=UTC)


class LeadFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_text", label="Search")
    stage = django_filters.ChoiceFilter(choices=Lead.Stage.choices, empty_label="Any stage")
    owner = django_filters.ModelChoiceFilter(
        # Shown by name (label_from_instance below), so in the order of names.
        queryset=reps().order_by("first_name", "last_name", "username"),
        empty_label="Any owner",
    )
    campaign = django_filters.ModelChoiceFilter(
        queryset=Campaign.objects.all(),
        method="filter_campaign",
        label="Campaign",
        empty_label="Any campaign",
    )
    country = django_filters.CharFilter(method="filter_country", label="Country")
    # Set by the links on an import's page, not chosen in the form: a hidden field,
    # shown in words above the list (see lead_import_in_words).
    lead_import = django_filters.ModelChoiceFilter(
        queryset=LeadImport.objects.none(),
        method="filter_lead_import",
        label="Import",
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "There is no such import."},
    )
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES,
        method="filter_sort",
        empty_label=None,
        label="Sort by",
    )

    class Meta:
        model = Lead
        fields = ["q", "stage", "owner", "campaign", "country", "lead_import"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user.is_manager:
            self.form.fields["owner"].label_from_instance = User.display_name.fget
            self.form.fields["lead_import"].queryset = imports_visible_to(user)
            self.form.fields["lead_import"].label_from_instance = import_in_words
        else:
            del self.filters["owner"]  # a rep only ever sees their own leads
            del self.filters["lead_import"]  # imports are a manager's tool
        if next_touch_due() is None:  # no app plans touches
            self.form.fields["sort"].choices = [
                choice for choice in SORT_CHOICES if choice[0] not in NEXT_TOUCH_SORTS
            ]
        self.form.fields["country"].widget = forms.TextInput(
            attrs={"placeholder": "US, Germany, …", "size": 10}
        )

    @property
    def sorted_by(self) -> str:
        """The sort in use, once the filters are valid."""
        return getattr(self.form, "cleaned_data", {}).get("sort") or "activity"

    @property
    def ordering(self) -> tuple[str, ...]:
        return LEAD_ORDERINGS[self.sorted_by]

    def filter_text(self, queryset, name, value):
        # National numbers are read as the user's country's, as they would dial them.
        return lead_search(queryset, value, country=self.user.country)

    def filter_campaign(self, queryset, name, value):
        took_part = Interaction.objects.filter(lead=OuterRef("pk"), campaign=value)
        return queryset.filter(Q(source_campaign=value) | Exists(took_part))

    @property
    def is_narrowed(self) -> bool:
        """Whether a filter is set (the sort order is none), once the filters are valid."""
        return bool(getattr(self.form, "cleaned_data", None)) and bool(filter_summary(self))

    @property
    def lead_import_in_words(self) -> str:
        """The import filter in words, "From the import of expo-badges.csv, 3 Dec",
        once the filters are valid; empty when the list is not narrowed to an import."""
        lead_import = getattr(self.form, "cleaned_data", {}).get("lead_import")
        return f"From the import of {import_in_words(lead_import)}" if lead_import else ""

    def filter_country(self, queryset, name, value):
        return queryset.filter(country=country_code_or_text(value))

    def filter_lead_import(self, queryset, name, value):
        return leads_from_import(queryset, value)

    def filter_sort(self, queryset, name, value):
        if value not in NEXT_TOUCH_SORTS:
            return queryset
        missing = NO_TOUCH_LATEST if NEXT_TOUCH_SORTS[value] else NO_TOUCH_SOONEST
        return queryset.annotate(next_touch_order=Coalesce(next_touch_due(), Value(missing)))


def import_in_words(lead_import: LeadImport) -> str:
    """The import as a manager remembers it: "expo-badges.csv, 3 Dec" (the day it was
    uploaded, with the year when it is not this year)."""
    uploaded = timezone.localtime(lead_import.created_at)
    same_year = uploaded.year == timezone.localdate().year
    return f"{lead_import.filename}, {date_format(uploaded, 'j M' if same_year else 'j M Y')}"


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


@dataclass(frozen=True)
class ChosenLeads:
    """The leads a bulk action works on (a print run, enrolling in a cadence): those
    the lead list shows for its filters (the same query string, an import's people
    with ?lead_import=ID), or an audience's members (?audience=ID), either within
    what the user may see; and the choice in words."""

    lead_filter: LeadFilter
    audience: Audience | None
    leads: QuerySet[Lead] | None  # None when the filters do not check out (a 400)
    summary: list[tuple[str, str]]  # ("Stage", "Working"), or ("Audience", NAME)

    @property
    def narrowed(self) -> bool:
        """Whether any filter or an audience was chosen, not the whole list."""
        given = (name for name in self.lead_filter.filters if name != "sort")
        return self.audience is not None or any(self.lead_filter.data.get(name) for name in given)

    @property
    def described(self) -> str:
        """ "Stage: Working, Country: DE", "Audience: NAME", or "every lead"."""
        return ", ".join(f"{label}: {value}" for label, value in self.summary) or "every lead"


def leads_chosen(user: User, params: QueryDict) -> ChosenLeads:
    leads = leads_visible_to(user)
    lead_filter = LeadFilter(params, queryset=leads, user=user)
    audience = audience_chosen(user, params.get("audience"))
    if audience:
        members = audience_members(audience, within=leads)
        return ChosenLeads(lead_filter, audience, members, [("Audience", audience.name)])
    if lead_filter.is_valid():
        return ChosenLeads(lead_filter, None, lead_filter.qs, filter_summary(lead_filter))
    return ChosenLeads(lead_filter, None, None, [])
