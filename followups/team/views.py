"""The manager's team view, moving work between people, sharing leads out, and
everyone's calendar feed."""

from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from crm.filters import LeadFilter, filter_summary
from crm.models import Lead, User
from crm.roles import require_manager
from crm.selectors import leads_visible_to
from crm.users.selectors import get_user_for_manager
from followups.team import calendar_feeds, selectors, services
from followups.team.forms import (
    Method,
    PeopleChoices,
    ReassignForm,
    Scope,
    SharingForms,
    Which,
    WhichLeadsForm,
)
from followups.team.services import Reassigned


@login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, "The team pages")
    rows = selectors.team_rows(
        now=timezone.now(), time_zone=ZoneInfo(request.user.time_zone or "UTC")
    )
    context = {"rows": rows, "totals": selectors.team_totals(rows)}
    return render(request, "followups/team/board.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def member(request: HttpRequest, user_id: int | None = None) -> HttpResponse:
    """One person's open touches (or the unassigned ones), and the form to move them."""
    require_manager(request.user, "The team pages")
    person = get_user_for_manager(request.user, user_id) if user_id is not None else None
    form = ReassignForm(request.POST or None, from_user=person)
    if request.method == "POST" and form.is_valid():
        try:
            moved = _reassign(form, person, by=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _moved_message(moved, form.cleaned_data["to_user"]))
            return redirect(request.path)
    touches, total = selectors.member_page(person)
    selected = {int(pk) for pk in request.POST.getlist("touches") if pk.isascii() and pk.isdigit()}
    context = {
        "person": person,
        "form": form,
        "touches": touches,
        "total": total,
        "selected": selected,
    }
    return render(
        request, "followups/team/member.html", context, status=400 if form.errors else 200
    )


def _reassign(form: ReassignForm, person: User | None, *, by: User) -> services.Reassigned:
    data = form.cleaned_data
    scope, to_user = data["scope"], data["to_user"]
    if scope == Scope.SELECTED:
        return services.touches_reassign(touches=data["touches"], to_user=to_user, by=by)
    if scope == Scope.ALL_TOUCHES:
        touches = selectors.open_touches_of(person)
        return services.touches_reassign(touches=touches, to_user=to_user, by=by)
    if scope == Scope.SELECTED_LEADS:
        leads = Lead.objects.filter(pk__in=[touch.lead_id for touch in data["touches"]])
    else:
        leads = Lead.objects.filter(owner=person)
    return services.leads_reassign(leads=leads, to_user=to_user, by=by)


def _moved_message(moved: services.Reassigned, to_user: User) -> str:
    touches = f"{moved.touches} open touch{'' if moved.touches == 1 else 'es'}"
    if moved.leads:
        leads = f"{moved.leads} lead{'' if moved.leads == 1 else 's'}"
        return f"{to_user.display_name} now owns {leads} and has their {touches}."
    return f"Gave {touches} to {to_user.display_name}."


@login_required
@require_http_methods(["GET", "POST"])
def assign(request: HttpRequest) -> HttpResponse:
    """Share out the leads a lead-list filter shows (an import's, from its page):
    round-robin among the people ticked, or a person per country or region. A
    POST with `preview` (sent on every change) only says who would get how many."""
    require_manager(request.user, "The team pages")
    leads = leads_visible_to(request.user)
    lead_filter = LeadFilter(request.GET, queryset=leads, user=request.user)
    which = WhichLeadsForm(request.GET)
    context = {"filter": lead_filter, "which": which}
    if not (lead_filter.is_valid() & which.is_valid()):
        return render(request, ASSIGN_TEMPLATE, context, status=400)
    if not lead_filter.is_narrowed:  # a slip, not a wish to deal out every lead
        return render(request, ASSIGN_TEMPLATE, context | {"no_filter": True}, status=400)
    leads = which.narrow(lead_filter.qs)
    territories = selectors.territories_of(leads)
    people = PeopleChoices(selectors.assignable_people())
    posted = request.POST if request.method == "POST" else None
    sharing = SharingForms(posted, territories=territories, people=people)
    if sharing.is_valid() and "preview" not in request.POST:
        shared = _share(sharing, leads, by=request.user)
        messages.success(request, _shared_message(shared))
        return redirect(_after_sharing(request, lead_filter))
    context |= _assign_context(lead_filter, which, territories, sharing)
    return render(request, ASSIGN_TEMPLATE, context, status=400 if sharing.refused else 200)


ASSIGN_TEMPLATE = "followups/team/assign.html"


def _share(sharing: SharingForms, leads, *, by: User) -> list[tuple[User, Reassigned]]:
    chosen = sharing.posted.chosen()
    if sharing.method == Method.ROUND_ROBIN:
        return services.leads_share_round_robin(leads=leads, people=chosen, by=by)
    return services.leads_share_by_territory(leads=leads, chosen=chosen, by=by)


def _assign_context(lead_filter, which, territories, sharing: SharingForms) -> dict:
    count = sum(territory.leads for territory in territories if not territory.region)
    total = lead_filter.qs.count()
    context = {
        "summary": filter_summary(lead_filter),
        "count": count,
        "total": total,
        "being_worked": 0 if which.cleaned_data["which"] == Which.ALL else total - count,
        "sharing": sharing,
        "round_robin": sharing.round_robin,
        "by_territory": sharing.by_territory,
        "territory_rows": sharing.by_territory.rows(territories),
    }
    if sharing.is_valid() and sharing.method == Method.ROUND_ROBIN:
        people = sharing.round_robin.chosen()
        context["round_robin_shares"] = selectors.round_robin_shares(count, people)
    elif sharing.is_valid():
        shares = selectors.territory_shares(territories, sharing.by_territory.chosen())
        context["territory_shares"] = shares
        context["territory_staying"] = count - sum(share.leads for share in shares)
    return context


def _shared_message(shared: list[tuple[User, Reassigned]]) -> str:
    leads = sum(moved.leads for _, moved in shared)
    touches = sum(moved.touches for _, moved in shared)
    each = ", ".join(f"{person.display_name} {moved.leads}" for person, moved in shared)
    return (
        f"Assigned {leads} lead{'' if leads == 1 else 's'}: {each}. "
        f"Their {touches} open touch{'' if touches == 1 else 'es'} moved with them."
    )


def _after_sharing(request: HttpRequest, lead_filter: LeadFilter) -> str:
    """Back to the import the leads came from, else to the lead list they came from."""
    lead_import = lead_filter.form.cleaned_data.get("lead_import")
    if lead_import is not None:
        return lead_import.get_absolute_url()
    query = [(name, value) for name, value in request.GET.items() if name != "which"]
    return f"{reverse('crm:lead_list')}?{urlencode(query)}"


@login_required
@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    """Where a person finds the address of their calendar feed."""
    token = calendar_feeds.feed_token(request.user)
    feed_url = request.build_absolute_uri(reverse("team:calendar_feed", args=[token]))
    context = {"feed_url": feed_url, "webcal_url": "webcal://" + feed_url.split("://", 1)[1]}
    return render(request, "followups/team/calendar.html", context)


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself: no session (calendar apps have none); the token is the key."""
    user = calendar_feeds.user_for_feed_token(token)
    if user is None:
        raise Http404("No such calendar.")
    now = timezone.now()
    text = calendar_feeds.feed_ics(
        user,
        list(calendar_feeds.feed_touches(user, now=now)),
        lead_url=lambda lead: request.build_absolute_uri(lead.get_absolute_url()),
        now=now,
    )
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response
