"""The calling hours and holidays page's forms: the calling hours, the list's
filter, a holiday, and a country's public holidays for a year. Countries are
ISO 3166 codes; "" is every country."""

import datetime as dt

from django import forms
from django.utils import timezone

from followups.calling_hours import END_OF_DAY, CallingWindow, time_label
from followups.holidays.selectors import (
    EVERY_COUNTRY,
    NAME_LENGTH,
    country_label,
    holiday_countries,
    iso_countries,
    lead_countries,
    public_holiday_countries,
)

YEARS_BACK, YEARS_AHEAD = 1, 10  # the years whose public holidays may be added
PAST = "past"


class HolidayFilterForm(forms.Form):
    """The list's query parameters: upcoming or past holidays, and which country's."""

    # Hidden: the list's link toggles it.
    when = forms.ChoiceField(
        choices=[("", "Upcoming"), (PAST, "Past")], required=False, widget=forms.HiddenInput
    )
    country = forms.ChoiceField(required=False, label="Country")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        countries = [(code, country_label(code)) for code in holiday_countries()]
        self.fields["country"].choices = [("", "All countries"), *countries]


class HolidayForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    name = forms.CharField(max_length=NAME_LENGTH)
    country = forms.ChoiceField(
        required=False,
        help_text="Calls to leads in this country wait for the next business day; "
        "every country: calls to every lead.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        leads = lead_countries()
        # A lead's country missing from ISO 3166 (rare) can have its holidays too.
        iso = iso_countries()
        codes = [*iso, *sorted({code for code, _ in leads} - set(iso))]
        choices = [("", EVERY_COUNTRY), *countries_with_leads_first(codes, leads)]
        self.fields["country"].choices = choices


class PublicHolidaysForm(forms.Form):
    """A country and a year: query parameters for the preview, posted to add them."""

    country = forms.ChoiceField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        countries = countries_with_leads_first(public_holiday_countries(), lead_countries())
        self.fields["country"].choices = [("", "Choose a country"), *countries]
        this_year = timezone.localdate().year
        self.fields["year"] = forms.IntegerField(
            min_value=this_year - YEARS_BACK, max_value=this_year + YEARS_AHEAD, initial=this_year
        )


def countries_with_leads_first(codes, leads: list[tuple[str, int]]) -> list:
    """Grouped choices among `codes`: the countries the leads are in (most leads
    first), then all of them."""
    known = set(codes)
    with_leads = [
        (code, f"{country_label(code)}: {count} lead{'s' if count != 1 else ''}")
        for code, count in leads
        if code in known
    ]
    everything = ("All countries", [(code, country_label(code)) for code in codes])
    return [("Where your leads are", with_leads), everything] if with_leads else [everything]


WEEKDAY_CHOICES = [
    (day, name)
    for day, name in enumerate(
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    )
]
CLOCK_FORMAT = "Enter a time as HH:MM on a 24-hour clock, e.g. 09:00."


class ClockTimeField(forms.Field):
    """A time of day as people type it ("9:00", "09:00"); "24:00", the end of the
    day, where `end_of_day` is allowed (HTML's time input cannot say it)."""

    widget = forms.TextInput(attrs={"size": 5, "maxlength": 5, "autocomplete": "off"})

    def __init__(self, *, end_of_day: bool = False, **kwargs):
        self.end_of_day = end_of_day
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return time_label(value) if isinstance(value, dt.time) else value

    def to_python(self, value):
        text = (value or "").strip()
        if not text:
            return None
        if self.end_of_day and text == "24:00":
            return END_OF_DAY
        hour, colon, minute = text.partition(":")
        if not (colon and hour.isdigit() and minute.isdigit() and len(minute) == 2):
            raise forms.ValidationError(CLOCK_FORMAT)
        if int(hour) > 23 or int(minute) > 59:
            raise forms.ValidationError(CLOCK_FORMAT)
        return dt.time(int(hour), int(minute))


class CallingHoursForm(forms.Form):
    weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAY_CHOICES,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        label="Days to call on",
        error_messages={"required": "Choose at least one day to call on."},
    )
    start = ClockTimeField(label="From", help_text="In each lead's own time, e.g. 09:00.")
    end = ClockTimeField(
        end_of_day=True, label="Until", help_text="Calls stop at this time; 24:00 is midnight."
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is not None and end is not None and not start < end:
            self.add_error("end", "Calls must end after they start.")
        return cleaned

    @classmethod
    def showing(cls, window: CallingWindow) -> "CallingHoursForm":
        initial = {"weekdays": sorted(window.weekdays), "start": window.start, "end": window.end}
        return cls(initial=initial)
