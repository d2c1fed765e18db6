"""The manager's tracked websites at /settings/websites/: the list with each site's
numbers, adding and editing a site, its page (the snippet to paste, how to
identify visitors, the latest events), and turning tracking on and off."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.roles import require_manager
from crm.tracking.models import Site
from crm.tracking.sites import selectors, services
from crm.tracking.sites.forms import SiteActiveForm, SiteForm

PAGES = "Website settings"


@login_required
@require_GET
def site_list(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, PAGES)
    context = {"sites": selectors.sites_for_list(now=timezone.now())}
    return render(request, "crm/tracking/site_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def site_create(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, PAGES)
    return _form_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def site_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user, PAGES)
    return _form_page(request, selectors.get_site_for_user(request.user, pk))


def _form_page(request: HttpRequest, site: Site | None) -> HttpResponse:
    if request.method == "GET":
        form = SiteForm.for_site(site) if site else SiteForm()
        return _render_form(request, form, site)
    form = SiteForm(request.POST)
    if not form.is_valid():
        return _render_form(request, form, site, status=400)
    saved = services.site_save(site=site, **form.cleaned_data)
    if site is None:
        messages.success(request, f"Added {saved.name}. Paste its snippet into every page.")
    else:
        messages.success(request, f"Saved {saved.name}.")
    return redirect(saved)


def _render_form(request, form: SiteForm, site: Site | None, *, status=200) -> HttpResponse:
    context = {"form": form, "site": site}
    return render(request, "crm/tracking/site_form.html", context, status=status)


@login_required
@require_GET
def site_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user, PAGES)
    return _render_detail(request, selectors.get_site_for_user(request.user, pk))


@login_required
@require_POST
def site_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user, PAGES)
    site = selectors.get_site_for_user(request.user, pk)
    form = SiteActiveForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, site, active_form=form, status=400)
    services.site_set_active(site=site, is_active=form.cleaned_data["is_active"])
    if site.is_active:
        messages.success(request, f"Tracking is on for {site.name}: its events are recorded.")
    else:
        messages.success(
            request,
            f"Tracking is off for {site.name}: its events are refused until you turn it on again.",
        )
    return redirect(site)


def _render_detail(request, site: Site, *, active_form=None, status=200) -> HttpResponse:
    context = {
        "site": site,
        "active_form": active_form,
        "events": selectors.site_recent_events(site),
        "identify_url": settings.SITE_URL + reverse("api:identify"),
        "api_docs_url": reverse("api:openapi-view"),
    }
    return render(request, "crm/tracking/site_detail.html", context, status=status)
