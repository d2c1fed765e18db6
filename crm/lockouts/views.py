"""Login lockouts for managers: the list, and lifting one (a POST from its row)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from crm.lockouts import selectors, services
from crm.lockouts.forms import LockoutLiftForm
from crm.roles import require_manager

PAGES = "Login lockouts"


@login_required
@require_GET
def lockout_list(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, PAGES)
    return render(request, "crm/lockouts/list.html", _context())


@login_required
@require_POST
def lockout_lift(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, PAGES)
    form = LockoutLiftForm(request.POST)
    if not form.is_valid():
        return render(request, "crm/lockouts/list.html", _context(form=form), status=400)
    services.lockout_lift(**form.cleaned_data)
    messages.success(
        request, f"Lifted the lock on {form.cleaned_data['value']}: they can log in now."
    )
    return redirect("lockouts:list")


def _context(**extra) -> dict:
    return {
        "lockouts": selectors.lockouts_current(),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        **extra,
    }
