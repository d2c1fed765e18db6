"""The manager's cadence pages (the builder is in builder/): the list, a cadence's
page (its steps and what happened on each, its people, with pause, resume and
remove), switching a cadence on or off, and enrolling leads in bulk from the lead
list's filters, an audience or an import."""

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.exports import CSV_CONTENT_TYPE
from crm.filters import leads_chosen
from crm.models import User
from crm.roles import require_manager
from followups.cadences.bulk import enrolments_create_bulk
from followups.cadences.models import Cadence, Enrolment, ExitCondition
from followups.cadences.selectors import get_cadence_for_user, get_enrolment_for_user
from followups.cadences.services import (
    enrolment_remove,
    enrolments_pause,
    enrolments_resume,
    leads_to_enrol,
)
from mailings.cadences import joiners, selectors
from mailings.cadences.abtest import machine_counts
from mailings.cadences.exports import people_csv_lines
from mailings.cadences.forms import (
    CHANGED,
    RECENT_DAYS,
    BulkEnrolForm,
    EnrolEventForm,
    PeopleFilterForm,
    SwitchOnForm,
)
from mailings.cadences.services import (
    cadence_enrol_event,
    cadence_switch_off,
    cadence_switch_on,
)

WHAT = "The cadence pages"
PEOPLE_PER_PAGE = 50
ENROLMENT_ACTIONS = ("pause", "resume", "remove")


# The list


@login_required
@require_GET
def cadence_list(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, WHAT)
    context = {"cadences": selectors.cadences_overview(), "definitions": selectors.DEFINITIONS}
    return render(request, "mailings/cadences/list.html", context)


# A cadence's page


def _cadence(user: User, pk: int) -> Cadence:
    cadence = get_cadence_for_user(user, pk, cadences=selectors.cadences_for_page())
    return selectors.split_triggers(cadence)


@login_required
@require_GET
def cadence_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user, WHAT)
    cadence = _cadence(request.user, pk)
    steps = selectors.step_summaries(cadence)
    form = PeopleFilterForm(request.GET)
    context = {
        "cadence": cadence,
        "counts": selectors.enrolment_counts([cadence.pk]).get(cadence.pk),
        "definitions": selectors.DEFINITIONS,
        "exits": _exits(cadence),
        "steps": steps,
        "machines": machine_counts(step.emails for step in steps if step.emails),
        "machine_seconds": settings.MAIL_MACHINE_SECONDS,
        "form": form,
        "at_events": joiners.people_at_its_events(cadence),
    }
    if not form.is_valid():
        return render(request, "mailings/cadences/detail.html", context, status=400)
    people = selectors.cadence_people(cadence, **form.cleaned_data)
    context["page"] = Paginator(people, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "mailings/cadences/detail.html", context)


def _exits(cadence: Cadence) -> list[str]:
    exits = [ExitCondition(c).label for c in cadence.exit_on or () if c in ExitCondition.values]
    if cadence.audience_id and cadence.exit_on_audience_leave:
        exits.append("They leave the audience")
    return exits + [f"{trigger.describe()} happens" for trigger in cadence.ending]


@login_required
@require_GET
def people_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The people list, for its filters, every page: each cell through
    crm.exports.export_value (a name like "=HYPERLINK(...)" stays text)."""
    require_manager(request.user, WHAT)
    cadence = _cadence(request.user, pk)
    form = PeopleFilterForm(request.GET)
    if not form.is_valid():
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain")
    people = selectors.cadence_people(cadence, **form.cleaned_data).select_related("enrolled_by")
    response = StreamingHttpResponse(people_csv_lines(people), content_type=CSV_CONTENT_TYPE)
    day = timezone.localdate()
    filename = f"cadence-{cadence.pk}-people-{form.cleaned_data['state']}-{day:%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _back_to_people(cadence: Cadence, back: str) -> HttpResponse:
    """The cadence's page with the people list's filters it was posted from (a
    query string, re-encoded: only ever a query of this page)."""
    query = QueryDict(back).urlencode()
    return redirect(f"{cadence.get_absolute_url()}{'?' + query if query else ''}#people")


@login_required
@require_POST
def enrolment_action(request: HttpRequest, pk: int, enrolment_pk: int, action: str) -> HttpResponse:
    """Pause, resume or remove one person (an enrolment of this cadence)."""
    require_manager(request.user, WHAT)
    if action not in ENROLMENT_ACTIONS:
        raise Http404("No such action.")
    enrolment = get_enrolment_for_user(request.user, enrolment_pk)
    if enrolment.cadence_id != pk:
        raise Http404("No such enrolment in this cadence.")
    only = Enrolment.objects.filter(pk=enrolment.pk)
    lead, cadence = enrolment.lead, enrolment.cadence
    if action == "pause":
        done = enrolments_pause(enrolments=only, by=request.user)
        said = (f"Paused {lead} in {cadence}.", f"{lead} was not active in {cadence}.")
    elif action == "resume":
        done = enrolments_resume(enrolments=only)
        said = (f"Resumed {lead} in {cadence}.", f"{lead} was not paused in {cadence}.")
    else:
        done = enrolment_remove(enrolment=enrolment, by=request.user)
        said = (f"Removed {lead} from {cadence}.", f"{lead} was no longer in {cadence}.")
    (messages.success if done else messages.info)(request, said[0] if done else said[1])
    return _back_to_people(cadence, request.POST.get("back", ""))


@login_required
@require_POST
def cadence_pause(request: HttpRequest, pk: int) -> HttpResponse:
    """Pause everyone active in the cadence: their planned touches are taken back."""
    require_manager(request.user, WHAT)
    cadence = _cadence(request.user, pk)
    paused = enrolments_pause(enrolments=cadence.enrolments.all(), by=request.user)
    messages.success(request, f"Paused {_people(paused)} in {cadence}.")
    return redirect(cadence)


@login_required
@require_POST
def cadence_resume(request: HttpRequest, pk: int) -> HttpResponse:
    """Resume everyone paused: each step they were on is planned again."""
    require_manager(request.user, WHAT)
    cadence = _cadence(request.user, pk)
    resumed = enrolments_resume(enrolments=cadence.enrolments.all())
    messages.success(request, f"Resumed {_people(resumed)} in {cadence}.")
    return redirect(cadence)


def _people(count: int) -> str:
    return f"{count:,} {'person' if count == 1 else 'people'}"


# Switching on and off


@login_required
@require_http_methods(["GET", "POST"])
def switch_on(request: HttpRequest, pk: int) -> HttpResponse:
    """What switching on does (the audience's members are enrolled and, for
    interaction triggers, those whose trigger happened in the last N days, counted
    before confirming), then does it."""
    require_manager(request.user, WHAT)
    cadence = _cadence(request.user, pk)
    if cadence.is_active:
        messages.info(request, f"{cadence} is on already.")
        return redirect(cadence)
    data = request.POST if request.method == "POST" else request.GET
    bound = request.method == "POST" or "days" in data
    form = SwitchOnForm(data if bound else None)
    has_triggers = bool(cadence.starting)
    context = {
        "cadence": cadence,
        "form": form,
        "has_triggers": has_triggers,
        "joiners": joiners.audience_joiners(cadence).count() if cadence.audience_id else 0,
    }
    if bound and not form.is_valid():
        return render(request, "mailings/cadences/switch_on.html", context, status=400)
    days = form.cleaned_data["days"] if bound else RECENT_DAYS
    if has_triggers:
        since = timezone.now() - dt.timedelta(days=days)
        recent = joiners.recent_trigger_leads(cadence, since=since)
        context |= {"days": days, "recent": recent.count()}
    if request.method == "POST":
        return _switch_on(request, cadence, form, context)
    return render(request, "mailings/cadences/switch_on.html", context)


def _switch_on(request, cadence: Cadence, form: SwitchOnForm, context: dict) -> HttpResponse:
    enrol_recent = context["has_triggers"] and form.cleaned_data["enrol"] == SwitchOnForm.RECENT
    if enrol_recent and form.cleaned_data["expected"] != context["recent"]:
        form.add_error(None, CHANGED)
        return render(request, "mailings/cadences/switch_on.html", context, status=400)
    days = context["days"] if enrol_recent else None
    switched = cadence_switch_on(cadence=cadence, by=request.user, recent_days=days)
    said = f"{cadence} is on."
    if enrol_recent:
        said += f" Enrolled {_people(switched.from_triggers)} whose trigger happened lately."
    if cadence.audience_id:
        said += f" Enrolled {_people(switched.from_audience)} from its audience."
    messages.success(request, said)
    return redirect(cadence)


@login_required
@require_POST
def enrol_event(request: HttpRequest, pk: int) -> HttpResponse:
    """Enrol the people already at one of the cadence's events, as counted on the
    page (switching the cadence on if it is off)."""
    require_manager(request.user, WHAT)
    cadence = _cadence(request.user, pk)
    form = EnrolEventForm(request.POST)
    offers = {offer.campaign.pk: offer for offer in joiners.people_at_its_events(cadence)}
    offer = offers.get(form.cleaned_data["campaign"]) if form.is_valid() else None
    if offer is None or offer.count != form.cleaned_data["expected"]:
        messages.error(request, CHANGED if offer else "Which event? Choose one of its triggers'.")
        return redirect(cadence)  # where the offer shows, counted again
    enrolled = cadence_enrol_event(cadence=cadence, campaign=offer.campaign, by=request.user)
    said = f"Enrolled {_people(enrolled.from_triggers)} who were at {offer.campaign.name}."
    if enrolled.from_audience:
        said += (
            f" {cadence} is on, and enrolled {_people(enrolled.from_audience)} from its audience."
        )
    messages.success(request, said)
    return redirect(cadence)


@login_required
@require_POST
def switch_off(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user, WHAT)
    cadence = _cadence(request.user, pk)
    cadence_switch_off(cadence=cadence, by=request.user)
    messages.success(request, f"{cadence} is off: nobody new is enrolled; those in it go on.")
    if request.POST.get("next") == "list":
        return redirect("cadences:list")
    return redirect(cadence)


# Enrolling in bulk


@login_required
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Enrol the leads the lead list shows for its filters (the same query string,
    an import's people with ?lead_import=ID), or the members of an audience
    (?audience=ID); the count is shown, and confirmed, first."""
    require_manager(request.user, WHAT)
    chosen = leads_chosen(request.user, request.GET)
    data = request.POST if request.method == "POST" else request.GET
    form = BulkEnrolForm(data if request.method == "POST" or "cadence" in data else None)
    context = {"filter": chosen.lead_filter, "form": form, "audience": chosen.audience}
    if chosen.leads is None:
        return render(request, "mailings/cadences/enrol.html", context, status=400)
    leads = chosen.leads
    context |= {"matching": leads.count(), "summary": chosen.summary}
    if form.is_valid():
        cadence = form.cleaned_data["cadence"]
        to_enrol = leads_to_enrol(cadence=cadence, leads=leads).count()
        context |= {"cadence": cadence, "to_enrol": to_enrol}
        context["already"] = context["matching"] - to_enrol
        if request.method == "POST":
            if form.cleaned_data["expected"] == to_enrol:
                enrolled = enrolments_create_bulk(
                    cadence=cadence,
                    leads=leads,
                    source=f"Enrolled in bulk ({chosen.described})",
                    by=request.user,
                )
                messages.success(request, f"Enrolled {_people(enrolled)} in {cadence}.")
                return redirect(cadence)
            form.add_error(None, CHANGED)
    status = 400 if form.errors else 200
    return render(request, "mailings/cadences/enrol.html", context, status=status)
