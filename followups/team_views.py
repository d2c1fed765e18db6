"""The manager's team view, moving work between people, and everyone's calendar feed."""

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.request import split_domain_port
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from crm.models import Lead, User
from crm.roles import require_manager
from followups import calendar_feeds, team_selectors, team_services
from followups.team_forms import ReassignForm, Scope


@login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, "The team pages")
    rows = team_selectors.team_rows(
        now=timezone.now(), time_zone=ZoneInfo(request.user.time_zone or "UTC")
    )
    context = {"rows": rows, "totals": team_selectors.team_totals(rows)}
    return render(request, "followups/team/board.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def member(request: HttpRequest, user_id: int | None = None) -> HttpResponse:
    """One person's open touches (or the unassigned ones), and the form to move them."""
    require_manager(request.user, "The team pages")
    person = get_object_or_404(User, pk=user_id) if user_id is not None else None
    form = ReassignForm(request.POST or None, from_user=person)
    if request.method == "POST" and form.is_valid():
        try:
            moved = _reassign(form, person, by=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _moved_message(moved, form.cleaned_data["to_user"]))
            return redirect(request.path)
    touches, total = team_selectors.member_page(person)
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


def _reassign(form: ReassignForm, person: User | None, *, by: User) -> team_services.Reassigned:
    data = form.cleaned_data
    scope, to_user = data["scope"], data["to_user"]
    if scope == Scope.SELECTED:
        return team_services.touches_reassign(touches=data["touches"], to_user=to_user, by=by)
    if scope == Scope.ALL_TOUCHES:
        touches = team_selectors.open_touches_of(person)
        return team_services.touches_reassign(touches=touches, to_user=to_user, by=by)
    if scope == Scope.SELECTED_LEADS:
        leads = Lead.objects.filter(pk__in=[touch.lead_id for touch in data["touches"]])
    else:
        leads = Lead.objects.filter(owner=person)
    return team_services.leads_reassign(leads=leads, to_user=to_user, by=by)


def _moved_message(moved: team_services.Reassigned, to_user: User) -> str:
    touches = f"{moved.touches} open touch{'' if moved.touches == 1 else 'es'}"
    if moved.leads:
        leads = f"{moved.leads} lead{'' if moved.leads == 1 else 's'}"
        return f"{to_user.display_name} now owns {leads} and has their {touches}."
    return f"Gave {touches} to {to_user.display_name}."


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
        host=split_domain_port(request.get_host())[0],
        lead_url=lambda lead: request.build_absolute_uri(lead.get_absolute_url()),
        now=now,
    )
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response
