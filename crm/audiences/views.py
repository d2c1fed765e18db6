"""The manager's audience pages at /audiences/: the list, the builder with its
live count and preview, an audience's members (and its ad audiences' sync
state, crm.retargeting), refresh and delete."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.audiences import selectors, services
from crm.audiences.forms import AudienceForm, parse_definition
from crm.audiences.models import Audience
from crm.audiences.rules.base import DefinitionError
from crm.audiences.rules.compiling import audience_count, has_time_window
from crm.audiences.rules.describing import definition_describe
from crm.audiences.rules.schema import rule_schema
from crm.retargeting import selectors as retargeting
from crm.retargeting.forms import AudienceAdLinkForm
from crm.roles import require_manager

PAGES = "Audiences"
MEMBERS_PER_PAGE = 50
PREVIEW_SIZE = 10  # the newest leads the builder shows under its live count


def _positive_int(value: str | None) -> int | None:
    # Under 19 digits: a bigint, so the database is never asked for one out of range.
    return int(value) if value and value.isascii() and value.isdigit() and len(value) < 19 else None


@login_required
@require_GET
def audience_list(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, PAGES)
    context = {"audiences": selectors.audiences_for_list()}
    return render(request, "crm/audiences/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def audience_create(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, PAGES)
    return _builder(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def audience_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user, PAGES)
    return _builder(request, selectors.get_audience_for_user(request.user, pk))


def _builder(request: HttpRequest, audience: Audience | None) -> HttpResponse:
    if request.method == "GET":
        form = AudienceForm.for_audience(audience) if audience else AudienceForm()
        return _render_builder(request, form, audience)
    form = AudienceForm(request.POST)
    errors: dict[str, list[str]] = {}
    if form.is_valid():
        try:
            saved = services.audience_save(audience=audience, by=request.user, **form.cleaned_data)
        except DefinitionError as error:
            errors = error.errors
        else:
            messages.success(request, f"Saved {saved.name}. Its members are being worked out.")
            return redirect(saved)
    return _render_builder(request, form, audience, errors=errors, status=400)


def _render_builder(request, form, audience, *, errors=None, status=200) -> HttpResponse:
    context = {
        "form": form,
        "audience": audience,
        "definition": _definition_shown(form, audience),
        "rule_errors": errors or {},
        "schema": rule_schema(),
    }
    return render(request, "crm/audiences/builder.html", context, status=status)


def _definition_shown(form: AudienceForm, audience: Audience | None) -> dict:
    """The rules as posted (to correct them), else as saved, else none yet."""
    if form.is_bound:
        try:
            return parse_definition(form.data.get("definition", ""))
        except ValidationError:
            pass
    return audience.definition if audience else {"match": "all", "rules": []}


@login_required
@require_POST
def audience_live_count(request: HttpRequest) -> JsonResponse:
    """How many leads the rules being edited pick now: {"count": n}, or 400 with
    {"errors": {"rules.0.days": ["..."]}} for the builder to show beside the fields."""
    require_manager(request.user, PAGES)
    return _live_answer(request, lambda rules, now: {"count": audience_count(rules, now=now)})


@login_required
@require_POST
def audience_live_preview(request: HttpRequest) -> JsonResponse:
    """The newest leads the rules being edited pick now, for the builder to show
    under the count: {"leads": [{"name", "company", "country", "stage", "owner",
    "url"}, ...]}, or 400 as the live count."""
    require_manager(request.user, PAGES)

    def preview(rules: dict, now) -> dict:
        leads = selectors.audience_preview(rules, now=now, size=PREVIEW_SIZE)
        return {"leads": [_previewed(lead) for lead in leads]}

    return _live_answer(request, preview)


def _live_answer(request: HttpRequest, answer) -> JsonResponse:
    """answer(definition, now) as JSON for the posted rules, or 400 with the
    errors by field path."""
    try:
        definition = parse_definition(request.POST.get("definition", ""))
        return JsonResponse(answer(definition, timezone.now()))
    except ValidationError as error:
        return JsonResponse({"errors": {"definition": error.messages}}, status=400)
    except DefinitionError as error:
        return JsonResponse({"errors": error.errors}, status=400)


def _previewed(lead) -> dict:
    return {
        "name": lead.display_name,
        "company": lead.company,
        "country": lead.country,
        "stage": lead.get_stage_display(),
        "owner": lead.owner.display_name if lead.owner else "",
        "url": lead.get_absolute_url(),
    }


@login_required
@require_GET
def audience_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user, PAGES)
    audience = selectors.get_audience_for_user(request.user, pk)
    page = selectors.audience_member_page(
        audience,
        after=_positive_int(request.GET.get("after")),
        before=_positive_int(request.GET.get("before")),
        size=MEMBERS_PER_PAGE,
    )
    context = {
        "audience": audience,
        "page": page,
        "described": definition_describe(audience.definition),
        "drifts": has_time_window(audience.definition),
        "definition_json": json.dumps(audience.definition, indent=2),
        "ad_links": retargeting.audience_ad_links(audience),
        "ad_link_form": AudienceAdLinkForm(),
    }
    return render(request, "crm/audiences/detail.html", context)


@login_required
@require_POST
def audience_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user, PAGES)
    audience = selectors.get_audience_for_user(request.user, pk)
    services.audience_rebuild_later(audience=audience)
    messages.success(request, f"The members of {audience.name} are being worked out again.")
    return redirect(audience)


@login_required
@require_POST
def audience_delete(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user, PAGES)
    audience = selectors.get_audience_for_user(request.user, pk)
    services.audience_delete(audience=audience)
    messages.success(request, f"Deleted the audience {audience.name}.")
    return redirect("audiences:list")
