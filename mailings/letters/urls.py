"""The letter pages, mounted at /letters/: templates and print runs for managers,
the mailroom's page for printing them."""

from django.urls import path

from mailings.letters.views import mailroom, runs, templates

app_name = "letters"

urlpatterns = [
    path("templates/", templates.template_list, name="templates"),
    path("templates/new/", templates.template_create, name="template_create"),
    path("templates/preview/", templates.template_preview, name="template_preview"),
    path("templates/leads/", templates.lead_matches, name="lead_matches"),
    path("templates/<int:pk>/", templates.template_edit, name="template_edit"),
    path("runs/", runs.run_list, name="runs"),
    path("runs/new/", runs.run_create, name="run_create"),
    path("runs/<int:pk>/", runs.run_detail, name="run_detail"),
    path("runs/<int:pk>/proof/", runs.run_proof, name="run_proof"),
    path("runs/<int:pk>/approve/", runs.run_approve, name="run_approve"),
    path("runs/<int:pk>/cancel/", runs.run_cancel, name="run_cancel"),
    path("mailroom/", mailroom.mailroom, name="mailroom"),
    path("runs/<int:pk>/progress/", mailroom.run_progress, name="run_progress"),
    path("runs/<int:pk>/generate/", mailroom.run_generate, name="run_generate"),
    path("runs/<int:pk>/pdf/", mailroom.run_pdf, name="run_pdf"),
    path("runs/<int:pk>/labels/", mailroom.run_labels, name="run_labels"),
    path("runs/<int:pk>/mailed/", mailroom.run_mark_mailed, name="run_mark_mailed"),
    path("returned/", mailroom.letter_returned, name="letter_returned"),
    path("reprint/<int:pk>/", mailroom.letter_reprint, name="letter_reprint"),
]
