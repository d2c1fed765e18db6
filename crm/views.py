from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm import exports, sections, selectors, services, timeline
from crm.filters import LeadFilter
from crm.forms import InteractionForm, LeadCreateForm, LeadForm, MergeForm
from crm.models import ContactPoint, Lead
from crm.pagination import keyset_paginate
from crm.referrals.selectors import lead_referrals
from crm.scoring.selectors import score_breakdown

PAGE_SIZE = 50


def _positive_int(value: str | None) -> int | None:
    # isdigit() alone accepts "²", which int() refuses.
    return int(value) if value and value.isascii() and value.isdigit() else None


def _lead_filter(request: HttpRequest) -> LeadFilter:
    leads = selectors.leads_for_list(request.user)
    return LeadFilter(request.GET, queryset=leads, user=request.user)


@login_required
def lead_list(request: HttpRequest) -> HttpResponse:
    lead_filter = _lead_filter(request)
    # htmx gets the table, and the export links with the new filters out of band.
    template = "crm/partials/lead_results.html" if request.htmx else "crm/lead_list.html"
    if not lead_filter.is_valid():
        return render(request, template, {"filter": lead_filter}, status=400)
    page = keyset_paginate(
        lead_filter.qs,
        ordering=lead_filter.ordering,
        after=_positive_int(request.GET.get("after")),
        before=_positive_int(request.GET.get("before")),
        size=PAGE_SIZE,
    )
    return render(request, template, {"filter": lead_filter, "page": page})


def _leads_to_export(request: HttpRequest) -> QuerySet[Lead]:
    """Every lead the list shows for these filters, all pages, in the list's order."""
    lead_filter = _lead_filter(request)
    if not lead_filter.is_valid():
        raise BadRequest("Check the filters.")
    return lead_filter.qs.order_by(*lead_filter.ordering)


def _export_filename(extension: str) -> str:
    return f"leads-{timezone.localdate():%Y-%m-%d}.{extension}"


@login_required
@require_GET
def lead_export_csv(request: HttpRequest) -> StreamingHttpResponse:
    leads = _leads_to_export(request)
    response = StreamingHttpResponse(
        exports.leads_csv(leads), content_type=exports.CSV_CONTENT_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="{_export_filename("csv")}"'
    return response


@login_required
@require_GET
def lead_export_xlsx(request: HttpRequest) -> StreamingHttpResponse:
    leads = _leads_to_export(request)
    response = StreamingHttpResponse(
        exports.leads_xlsx(leads), content_type=exports.XLSX_CONTENT_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="{_export_filename("xlsx")}"'
    return response


@login_required
@permission_required("crm.add_lead", raise_exception=True)
@require_http_methods(["GET", "POST"])
def lead_create(request: HttpRequest) -> HttpResponse:
    form = LeadCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            found = services.lead_find_or_create(
                email=form.cleaned_data["email"],
                phone=form.cleaned_data["phone_number"],
                defaults=form.profile(),
                owner=form.cleaned_data.get("owner") or _default_owner(request.user),
                opt_outs=services.OptOuts(
                    call=form.cleaned_data["do_not_call"],
                    mail=form.cleaned_data["do_not_mail"],
                    email=form.cleaned_data["email_opt_out"],
                ),
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        except services.LeadOfAnotherRep:
            # Said on the form, which keeps what was typed for the manager's answer.
            form.add_error(
                None,
                "This person is already a lead of another rep. Ask a manager to reassign it.",
            )
        else:
            return _after_create(request, found)
    return render(request, "crm/lead_form.html", {"form": form}, status=400 if form.errors else 200)


def _default_owner(user):
    return None if user.is_manager else user


def _after_create(request: HttpRequest, found: services.FoundLead) -> HttpResponse:
    if found.created:
        messages.success(request, f"{found.lead} was added.")
    else:
        messages.info(request, f"{found.lead} was already a lead; empty fields were filled in.")
    return redirect(found.lead)


@login_required
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lead = selectors.get_lead_for_user(request.user, pk)
    return _render_lead_detail(request, lead, InteractionForm())


def _render_lead_detail(
    request: HttpRequest, lead: Lead, interaction_form: InteractionForm, status: int = 200
) -> HttpResponse:
    context = {
        "lead": lead,
        "contact_points": selectors.lead_contact_points(lead),
        "timeline": selectors.lead_timeline(lead),
        "upcoming": timeline.upcoming_for(lead),
        "interaction_form": interaction_form,
        "possible_duplicates": selectors.lead_possible_duplicates(lead)
        if request.user.is_manager
        else [],
        "score": score_breakdown(lead),
        "referrals": lead_referrals(lead),
        "sections": sections.sections_for(lead, request.user),
    }
    return render(request, "crm/lead_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def lead_edit(request: HttpRequest, pk: int) -> HttpResponse:
    lead = selectors.get_lead_for_user(request.user, pk)
    form = LeadForm(request.POST or None, instance=lead, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.lead_update(
            lead=lead,
            fields=form.lead_fields(),
            phone=form.cleaned_data["phone"],
            by=request.user,
            email_opt_out=form.cleaned_data["email_opt_out"],
        )
        messages.success(request, "Saved.")
        return redirect(lead)
    return render(
        request,
        "crm/lead_form.html",
        {"form": form, "lead": lead},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def interaction_create(request: HttpRequest, pk: int) -> HttpResponse:
    lead = selectors.get_lead_for_user(request.user, pk)
    form = InteractionForm(request.POST)
    if not form.is_valid():
        if not request.htmx:  # a plain form post gets the whole page back
            return _render_lead_detail(request, lead, form, status=400)
        context = {"lead": lead, "interaction_form": form}
        return render(request, "crm/partials/interaction_form.html", context, status=400)
    interaction, _ = services.interaction_record(
        lead=lead, user=request.user, source="web", **form.cleaned_data
    )
    if not request.htmx:
        messages.success(request, "Logged.")
        return redirect(lead)
    context = {"lead": lead, "interaction_form": InteractionForm(), "new_item": interaction}
    return render(request, "crm/partials/interaction_logged.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def lead_merge(request: HttpRequest, pk: int) -> HttpResponse:
    lead = selectors.get_lead_for_user(request.user, pk)
    if not request.user.has_perm("crm.merge_lead"):
        raise PermissionDenied
    form = MergeForm(request.POST or request.GET or None, lead=lead)
    duplicate = None
    if form.is_valid():
        duplicate = selectors.get_lead_for_user(request.user, form.cleaned_data["duplicate"])
        if request.method == "POST":
            try:
                services.lead_merge(primary=lead, duplicate=duplicate, merged_by=request.user)
            except ValidationError as exc:
                form.add_error("duplicate", exc)
            else:
                messages.success(request, f"Lead #{duplicate.pk} was merged into this lead.")
                return redirect(lead)
    context = {"lead": lead, "duplicate": duplicate, "form": form}
    return render(request, "crm/lead_merge.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def contact_point_remove(request: HttpRequest, pk: int, point_pk: int) -> HttpResponse:
    lead = selectors.get_lead_for_user(request.user, pk)
    point = selectors.get_contact_point(lead, point_pk)
    services.contact_point_remove(point=point, by=request.user)
    messages.success(request, f"{point.raw or point.value} was removed from the lead.")
    return redirect(lead)


@login_required
@require_POST
def contact_point_make_main(request: HttpRequest, pk: int, point_pk: int) -> HttpResponse:
    lead = selectors.get_lead_for_user(request.user, pk)
    point = selectors.get_contact_point(lead, point_pk, kind=ContactPoint.Kind.PHONE)
    lead = services.contact_point_make_main(point=point, by=request.user)
    messages.success(request, f"{lead.phone} is now the lead's main phone.")
    return redirect(lead)
