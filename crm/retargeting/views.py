"""Audiences on ad platforms, managers only: on an audience's page, a download per
platform, linking it to an ad audience, unlinking, syncing now; and the
connections under Settings (/settings/ad-connections/: list, add, edit, delete,
check again)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.audiences.selectors import get_audience_for_user
from crm.exports import CSV_CONTENT_TYPE
from crm.retargeting import selectors, services
from crm.retargeting.files import audience_csv
from crm.retargeting.formats import FORMATS
from crm.retargeting.forms import AdConnectionForm, AdDestinationForm, AudienceAdLinkForm
from crm.retargeting.models import AdConnection
from crm.roles import require_manager

PAGES = "Ad connections"
EXPORTS = "Retargeting exports"
DESTINATION = "destination"  # its form shares the page with the connection's


@login_required
@require_GET
def audience_export(request: HttpRequest, pk: int, platform: str) -> StreamingHttpResponse:
    require_manager(request.user, EXPORTS)
    audience = get_audience_for_user(request.user, pk)
    fmt = FORMATS[platform]
    response = StreamingHttpResponse(audience_csv(audience, fmt), content_type=CSV_CONTENT_TYPE)
    filename = f"audience-{audience.pk}-{fmt.name}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"  # personal data, hashed or not
    return response


@login_required
@require_GET
def ad_connection_list(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, PAGES)
    context = {"connections": selectors.ad_connections_for_list()}
    return render(request, "crm/retargeting/connection_list.html", context)


# A token is posted to these pages: no cache may keep their answers.
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def ad_connection_create(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, PAGES)
    return _connection_form(request, None)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def ad_connection_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user, PAGES)
    return _connection_form(request, selectors.get_ad_connection_for_user(request.user, pk))


def _connection_form(request: HttpRequest, connection: AdConnection | None) -> HttpResponse:
    if request.method == "GET":
        return _render_form(request, AdConnectionForm(instance=connection), connection)
    form = AdConnectionForm(request.POST, instance=connection)
    if not form.is_valid():
        return _render_form(request, form, connection, status=400)
    saved = services.ad_connection_save(
        connection=connection, by=request.user, **form.service_fields()
    )
    messages.success(request, f"Saved the connection {saved.name}.")
    return redirect("ad_connections:list")


def _render_form(request, form, connection, *, status=200, destination_form=None) -> HttpResponse:
    context = {
        "form": form,
        "connection": connection,
        "destinations": selectors.ad_destinations().filter(connection=connection)
        if connection
        else [],
        "destination_form": destination_form or AdDestinationForm(prefix=DESTINATION),
    }
    return render(request, "crm/retargeting/connection_form.html", context, status=status)


@login_required
@require_POST
def ad_destination_create(request: HttpRequest, pk: int) -> HttpResponse:
    """An ad audience of the connection that cadences' ads steps can feed."""
    require_manager(request.user, PAGES)
    connection = selectors.get_ad_connection_for_user(request.user, pk)
    form = AdDestinationForm(request.POST, prefix=DESTINATION)
    if not form.is_valid():
        connection_form = AdConnectionForm(instance=connection)
        return _render_form(request, connection_form, connection, status=400, destination_form=form)
    services.ad_destination_create(connection=connection, **form.cleaned_data)
    messages.success(request, f"Cadences can show ads in {form.cleaned_data['name']} now.")
    return redirect(connection)


@login_required
@require_http_methods(["GET", "POST"])
def ad_connection_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks to confirm; POST deletes."""
    require_manager(request.user, PAGES)
    connection = selectors.get_ad_connection_for_user(request.user, pk)
    if request.method == "GET":
        context = {"connection": connection, "links": connection.links.select_related("audience")}
        return render(request, "crm/retargeting/connection_delete.html", context)
    services.ad_connection_delete(connection=connection)
    messages.success(request, f"Deleted the connection {connection.name}.")
    return redirect("ad_connections:list")


@login_required
@require_POST
def ad_connection_check_again(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user, PAGES)
    connection = selectors.get_ad_connection_for_user(request.user, pk)
    services.ad_connection_check_again(connection=connection)
    messages.success(request, f"Trying {connection.name} again: its audiences are syncing.")
    # From an audience's page, back to it; else to the connections.
    audience_pk = _positive_int(request.POST.get("audience"))
    if audience_pk:
        return redirect(get_audience_for_user(request.user, audience_pk))
    return redirect("ad_connections:list")


def _positive_int(value: str | None) -> int | None:
    return int(value) if value and value.isascii() and value.isdigit() and len(value) < 19 else None


# On an audience's page


@login_required
@require_POST
def audience_ad_link_create(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user, "Audiences")
    audience = get_audience_for_user(request.user, pk)
    form = AudienceAdLinkForm(request.POST)
    if not form.is_valid():
        context = {"audience": audience, "form": form}
        return render(request, "crm/retargeting/link_form.html", context, status=400)
    services.audience_ad_link_create(audience=audience, **form.cleaned_data)
    messages.success(request, f"Linked {audience.name}: its members are being sent.")
    return redirect(audience)


@login_required
@require_POST
def audience_ad_link_delete(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    require_manager(request.user, "Audiences")
    audience = get_audience_for_user(request.user, pk)
    services.audience_ad_link_delete(link=selectors.get_audience_ad_link(audience, link_pk))
    messages.success(request, "Unlinked. The ad audience keeps the members it has.")
    return redirect(audience)


@login_required
@require_POST
def audience_ad_link_sync(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    require_manager(request.user, "Audiences")
    audience = get_audience_for_user(request.user, pk)
    link = selectors.get_audience_ad_link(audience, link_pk)
    services.audience_ad_link_sync_now(link=link)
    messages.success(request, "Syncing now.")
    return redirect(audience)
