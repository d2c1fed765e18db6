import datetime as dt

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone

from crm.models import Campaign
from reports.selectors import DashboardFilter
from reports.selectors.common import DEFAULT_DAYS

MAX_DAYS = 731  # two years, a leap day included
# Far enough apart for any real period; near enough that no time zone overflows.
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2999, 12, 31)


class DashboardFilterForm(forms.Form):
    """The period (first and last day, in the manager's time zone) and a campaign.
    Missing fields take the defaults: the last 90 days, every campaign."""

    start = forms.DateField(
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[MinValueValidator(EARLIEST), MaxValueValidator(LATEST)],
    )
    end = forms.DateField(
        label="To",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[MinValueValidator(EARLIEST), MaxValueValidator(LATEST)],
    )
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.order_by("name"),
        required=False,
        empty_label="All campaigns",
        help_text="Leads that came from it, and what happened to them.",
    )

    def __init__(self, data, *, time_zone: dt.tzinfo, today: dt.date | None = None):
        self.time_zone = time_zone
        today = today or timezone.now().astimezone(time_zone).date()
        defaults = {"start": today - dt.timedelta(days=DEFAULT_DAYS - 1), "end": today}
        super().__init__({**defaults, **{key: data[key] for key in data if data[key] != ""}})

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The last day is before the first.")
            elif (end - start).days + 1 > MAX_DAYS:
                self.add_error("start", f"Choose at most {MAX_DAYS} days (two years).")
        return cleaned

    def filters(self) -> DashboardFilter:
        data = self.cleaned_data
        return DashboardFilter.for_dates(
            data["start"], data["end"], time_zone=self.time_zone, campaign=data["campaign"]
        )

    def query_string(self) -> str:
        """The filters as a query string, for the CSV links."""
        data = self.cleaned_data
        campaign = f"&campaign={data['campaign'].pk}" if data["campaign"] else ""
        return f"start={data['start']:%Y-%m-%d}&end={data['end']:%Y-%m-%d}{campaign}"
