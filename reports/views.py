"""The manager's dashboard, and each of its sections as a CSV file."""

from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from crm.exports import CSV_CONTENT_TYPE
from crm.roles import require_manager
from reports import charts, exports, selectors
from reports.forms import DashboardFilterForm

WHAT = "The dashboard pages"


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, WHAT)
    form = _form(request)
    if not form.is_valid():
        return render(request, "reports/dashboard.html", {"form": form}, status=400)
    data = selectors.dashboard(form.filters())
    context = {
        "form": form,
        "data": data,
        "charts": charts.dashboard_charts(data),
        "query": form.query_string(),
        "definitions": selectors.DEFINITIONS,
    }
    return render(request, "reports/dashboard.html", context)


@login_required
@require_GET
def section_csv(request: HttpRequest, section: str) -> HttpResponse:
    require_manager(request.user, WHAT)
    if section not in selectors.SECTIONS:
        raise Http404("No such section.")
    form = _form(request)
    if not form.is_valid():
        return render(request, "reports/dashboard.html", {"form": form}, status=400)
    filters = form.filters()
    text = exports.section_csv(section, selectors.SECTIONS[section](filters))
    response = HttpResponse(text, content_type=CSV_CONTENT_TYPE)
    filename = exports.csv_filename(section, filters)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _form(request: HttpRequest) -> DashboardFilterForm:
    return DashboardFilterForm(request.GET, time_zone=ZoneInfo(request.user.time_zone or "UTC"))
