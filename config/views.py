"""The two pages that belong to no app: `/`, which sends each role to its own work,
and the manager's settings hub, which lists the settings pages of every app."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from crm.roles import require_manager


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Where logging in and the brand link lead: a manager's dashboard, a rep's
    queue, the mailroom's print runs; anyone else (an admin without a role) the leads."""
    return redirect(landing_for(request.user))


def landing_for(user) -> str:
    if user.is_manager:
        return "reports:index"
    if user.is_rep:
        return "queue:next"
    if user.is_mailroom:
        return "letters:mailroom"
    return "crm:lead_list"


@login_required
@require_GET
def settings_hub(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, "Settings")
    return render(request, "settings/hub.html")
