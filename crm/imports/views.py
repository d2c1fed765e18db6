import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from crm.exports import neutralise
from crm.imports import mapping, selectors, services
from crm.imports.encodings import encoding_name
from crm.imports.files import ImportFileError
from crm.imports.forms import EncodingForm, MappingForm, UploadForm
from crm.imports.undo import plan as undo_plan
from crm.imports.undo import services as undo
from crm.models import LeadImport

manager_only = permission_required("crm.add_leadimport", raise_exception=True)


@login_required
@manager_only
def import_list(request: HttpRequest) -> HttpResponse:
    imports = selectors.imports_visible_to(request.user)[:100]
    return render(request, "crm/imports/list.html", {"imports": imports})


@login_required
@manager_only
@require_http_methods(["GET", "POST"])
def import_create(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        campaign = data["event"] or services.campaign_for_event(
            name=data["new_event_name"],
            country=data["new_event_country"],
            starts_on=data["new_event_date"],
        )
        try:
            lead_import = mapping.lead_import_create(
                upload=data["file"],
                campaign=campaign,
                source=data["source"],
                default_country=campaign.country,
                user=request.user,
            )
        except ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("imports:mapping", lead_import.pk)
    context = {"form": form, "sources": selectors.import_sources()}
    return render(request, "crm/imports/new.html", context, status=400 if form.errors else 200)


@login_required
@manager_only
@require_http_methods(["GET", "POST"])
def import_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    lead_import = selectors.get_import_for_user(request.user, pk)
    if lead_import.status not in (LeadImport.Status.MAPPING, LeadImport.Status.PREVIEWED):
        return redirect(lead_import)
    samples = mapping.lead_import_first_rows(lead_import)
    form = MappingForm(request.POST or None, lead_import=lead_import, samples=samples)
    if request.method == "POST" and form.is_valid():
        try:
            services.lead_import_set_mapping(
                lead_import=lead_import, mapping=form.mapping(), user=request.user
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect(lead_import)
    return _mapping_page(request, lead_import, form=form)


@login_required
@manager_only
@require_POST
def import_encoding(request: HttpRequest, pk: int) -> HttpResponse:
    """Read the file again in the encoding the manager chose, back on the mapping page."""
    lead_import = selectors.get_import_for_user(request.user, pk)
    if lead_import.status not in (LeadImport.Status.MAPPING, LeadImport.Status.PREVIEWED):
        return redirect(lead_import)
    encoding_form = EncodingForm(request.POST)
    if encoding_form.is_valid():
        try:
            mapping.lead_import_set_encoding(
                lead_import=lead_import, encoding=encoding_form.cleaned_data["encoding"]
            )
        except ValidationError as exc:
            encoding_form.add_error("encoding", exc)
        else:
            return redirect("imports:mapping", lead_import.pk)
    return _mapping_page(request, lead_import, encoding_form=encoding_form)


def _mapping_page(
    request: HttpRequest,
    lead_import: LeadImport,
    *,
    form: MappingForm | None = None,
    encoding_form: EncodingForm | None = None,
) -> HttpResponse:
    if form is None:
        samples = mapping.lead_import_first_rows(lead_import)
        form = MappingForm(lead_import=lead_import, samples=samples)
    encoding_form = encoding_form or EncodingForm(initial={"encoding": lead_import.encoding})
    context = {
        "lead_import": lead_import,
        "form": form,
        "encoding_form": encoding_form,
        "encoding": encoding_name(lead_import.encoding),
        "encoding_detected": encoding_name(lead_import.encoding_detected),
    }
    status = 400 if form.errors or encoding_form.errors else 200
    return render(request, "crm/imports/mapping.html", context, status=status)


@login_required
@manager_only
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lead_import = selectors.get_import_for_user(request.user, pk)
    services.lead_import_reap(lead_import=lead_import)
    context = {
        "lead_import": lead_import,
        "encoding": encoding_name(lead_import.encoding),
        "progress": services.lead_import_progress(lead_import),
        "next_steps": selectors.import_lead_counts(lead_import)
        if lead_import.status == LeadImport.Status.DONE
        else None,
        "engaged": selectors.engaged_visits(lead_import)
        if lead_import.status == LeadImport.Status.DONE
        else [],
        "undo": undo.undo_offer(lead_import),
    }
    return render(request, "crm/imports/detail.html", context)


@login_required
@manager_only
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled while a job runs; once it is over, the whole page reloads to show why."""
    lead_import = selectors.get_import_for_user(request.user, pk)
    services.lead_import_reap(lead_import=lead_import)
    if not lead_import.is_running:
        return _reload_the_page()
    context = {"lead_import": lead_import, "progress": services.lead_import_progress(lead_import)}
    return render(request, "crm/imports/partials/progress.html", context)


@login_required
@manager_only
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    lead_import = selectors.get_import_for_user(request.user, pk)
    if not services.lead_import_start(lead_import=lead_import):
        messages.info(request, "This import has already started.")
    return redirect(lead_import)


@login_required
@manager_only
@require_POST
def import_retry(request: HttpRequest, pk: int) -> HttpResponse:
    lead_import = selectors.get_import_for_user(request.user, pk)
    services.lead_import_retry(lead_import=lead_import)
    return redirect(lead_import)


@login_required
@manager_only
def import_errors(request: HttpRequest, pk: int) -> HttpResponse:
    """The invalid rows and the rows with values to check, as they were in the
    file, with whether each was imported and why it is listed."""
    lead_import = selectors.get_import_for_user(request.user, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{pk}-rows-to-check.csv"'
    response.write("\ufeff")  # so spreadsheet programs read UTF-8
    writer = csv.writer(response)
    writer.writerow(["Row", *lead_import.header, "Imported", "Reason"])
    for row, imported, cells, reason in selectors.rows_to_check(lead_import):
        writer.writerow([row, *map(neutralise, cells), imported, neutralise(reason)])
    return response


@login_required
@manager_only
def import_undo_check(request: HttpRequest, pk: int) -> HttpResponse:
    """The dry run of an undo, to confirm: what goes, what stays and why."""
    lead_import = selectors.get_import_for_user(request.user, pk)
    refusal = undo.undo_start_refusal(lead_import)
    if refusal:
        messages.error(request, refusal)
        return redirect(lead_import)
    context = {
        "lead_import": lead_import,
        "plan": undo_plan.lead_import_undo_plan(lead_import=lead_import).summary(),
        "offer": undo.undo_offer(lead_import),
    }
    return render(request, "crm/imports/undo.html", context)


@login_required
@manager_only
@require_POST
def import_undo(request: HttpRequest, pk: int) -> HttpResponse:
    lead_import = selectors.get_import_for_user(request.user, pk)
    try:
        undo.lead_import_undo_start(lead_import=lead_import, by=request.user)
    except undo.UndoRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "Undoing the import: this page says what was undone when done.")
    return redirect(lead_import)


@login_required
@manager_only
def import_undo_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled while an undo runs; once it is over, the whole page reloads to show it."""
    lead_import = selectors.get_import_for_user(request.user, pk)
    offer = undo.undo_offer(lead_import)
    if not offer.running:
        return _reload_the_page()
    context = {"lead_import": lead_import, "undo": offer}
    return render(request, "crm/imports/partials/undo.html", context)


def _reload_the_page() -> HttpResponse:
    """The answer to a poll whose job is over: htmx reloads the page, which says why."""
    response = HttpResponse(status=204)
    response["HX-Refresh"] = "true"
    return response
