"""The managers' calling hours and holidays page at /holidays/ (also
/settings/calling-hours/): the calling hours, set in place; the holidays listed
by country, adding, changing and deleting one, and adding a country's public
holidays for a year after a preview. Reps and the mailroom get 403."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from crm.roles import require_manager
from followups.calling_hours import CallingWindow, calling_hours_stored, window_of
from followups.holidays import selectors, services
from followups.holidays.forms import (
    PAST,
    CallingHoursForm,
    HolidayFilterForm,
    HolidayForm,
    PublicHolidaysForm,
)
from followups.models import Holiday

PAGES = "The calling hours and holidays pages"


@login_required
@require_GET
def holiday_list(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, PAGES)
    form = HolidayFilterForm(request.GET)
    window = calling_hours_stored()
    hours = {"calling_hours": window, "hours_form": CallingHoursForm.showing(window)}
    if not form.is_valid():
        context = {"form": form, **hours}
        return render(request, "followups/holidays/list.html", context, status=400)
    past = form.cleaned_data["when"] == PAST
    country = form.cleaned_data["country"] or None
    listed = selectors.holidays_listed(today=timezone.localdate(), past=past, country=country)
    groups = selectors.holidays_by_country(listed)
    context = {
        "form": form,
        "groups": groups,
        "total": sum(len(group.holidays) for group in groups),
        "past": past,
        "country": country and selectors.country_label(country),
        "other_when": urlencode({"when": "" if past else PAST, "country": country or ""}),
        **hours,
    }
    return render(request, "followups/holidays/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def holiday_create(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, PAGES)
    return _holiday_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def holiday_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user, PAGES)
    return _holiday_form(request, selectors.get_holiday_for_user(request.user, pk))


def _holiday_form(request: HttpRequest, holiday: Holiday | None) -> HttpResponse:
    if request.method == "GET":
        fields = ("date", "name", "country")
        initial = {field: getattr(holiday, field) for field in fields} if holiday else None
        return _render_form(request, HolidayForm(initial=initial), holiday)
    form = HolidayForm(request.POST)
    if form.is_valid():
        try:
            if holiday:
                saved = services.holiday_update(holiday=holiday, **form.cleaned_data)
            else:
                saved = services.holiday_create(**form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            done = "Saved" if holiday else "Added"
            messages.success(request, f"{done} {_described(saved)}.")
            return redirect(_list_showing(saved))
    return _render_form(request, form, holiday, status=400)


def _render_form(request, form, holiday, *, status=200) -> HttpResponse:
    context = {"form": form, "holiday": holiday}
    return render(request, "followups/holidays/form.html", context, status=status)


def _described(holiday: Holiday) -> str:
    where = selectors.country_label(holiday.country) if holiday.country else "every country"
    return f"{holiday.name} on {holiday.date:%a %-d %b %Y} for {where}"


def _list_showing(holiday: Holiday) -> str:
    """The list where the holiday is: among the past ones if it has gone by."""
    past = holiday.date < timezone.localdate()
    return reverse("holidays:list") + (f"?when={PAST}" if past else "")


@login_required
@require_http_methods(["GET", "POST"])
def holiday_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks to confirm; POST deletes."""
    require_manager(request.user, PAGES)
    holiday = selectors.get_holiday_for_user(request.user, pk)
    context = {"holiday": holiday, "where": selectors.country_label(holiday.country)}
    if request.method == "GET":
        return render(request, "followups/holidays/delete.html", context)
    described = _described(holiday)
    services.holiday_delete(holiday=holiday)
    messages.success(request, f"Deleted {described}.")
    return redirect(_list_showing(holiday))


@login_required
@require_http_methods(["GET", "POST"])
def holidays_import(request: HttpRequest) -> HttpResponse:
    """A country and a year: GET without them shows the form, GET with them the
    preview, POST adds the holidays not there yet."""
    require_manager(request.user, PAGES)
    template = "followups/holidays/import.html"
    if request.method == "GET" and not request.GET:
        return render(request, template, {"form": PublicHolidaysForm()})
    form = PublicHolidaysForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        return render(request, template, {"form": form}, status=400)
    country, year = form.cleaned_data["country"], form.cleaned_data["year"]
    if request.method == "POST":
        added = services.holidays_import_public(country=country, year=year)
        messages.success(request, _import_message(added, country, year))
        # Listed by that country, which is among the filter's choices once it has holidays.
        query = urlencode({"country": country}) if sum(added) else ""
        return redirect(reverse("holidays:list") + (f"?{query}" if query else ""))
    found = selectors.public_holidays(country=country, year=year)
    new = sum(not holiday.exists for holiday in found)
    context = {
        "form": form,
        "found": found,
        "new": new,
        "already": len(found) - new,
        "where": selectors.country_label(country),
        "year": year,
    }
    return render(request, template, context)


def _import_message(added: services.PublicHolidaysAdded, country: str, year: int) -> str:
    where = selectors.country_label(country)
    there = added.already_there
    kept = f"; {there} {'was' if there == 1 else 'were'} there already and kept" if there else ""
    return f"Added {added.added} public holiday{_s(added.added)} of {where} in {year}{kept}."


def _s(count: int) -> str:
    return "" if count == 1 else "s"


@login_required
@require_http_methods(["GET", "POST"])
def calling_hours_edit(request: HttpRequest) -> HttpResponse:
    """The calling hours: GET shows them in a form of their own, POST saves them
    (from here or from the list page) and goes back to the list."""
    require_manager(request.user, PAGES)
    if request.method == "GET":
        return _render_hours(request, CallingHoursForm.showing(calling_hours_stored()))
    form = CallingHoursForm(request.POST)
    if form.is_valid():
        try:
            saved = services.calling_hours_update(**form.cleaned_data, by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, f"Saved the calling hours: {_hours_described(window_of(saved))}."
            )
            return redirect("holidays:list")
    return _render_hours(request, form, status=400)


def _render_hours(request, form: CallingHoursForm, *, status=200) -> HttpResponse:
    context = {"hours_form": form, "calling_hours": calling_hours_stored()}
    return render(request, "followups/holidays/hours.html", context, status=status)


def _hours_described(window: CallingWindow) -> str:
    return f"{window.days_label}, {window.hours_label} in each lead's own time"
