"""The letter pages, mounted at /letters/: templates and print runs for managers,
the mailroom's page for printing them."""

from django.urls import path

from mailings.letters import views_mailroom, views_runs, views_templates

app_name = "letters"

urlpatterns = [
    path("templates/", views_templates.template_list, name="templates"),
    path("templates/new/", views_templates.template_create, name="template_create"),
    path("templates/preview/", views_templates.template_preview, name="template_preview"),
    path("templates/leads/", views_templates.lead_matches, name="lead_matches"),
    path("templates/<int:pk>/", views_templates.template_edit, name="template_edit"),
    path("runs/", views_runs.run_list, name="runs"),
    path("runs/new/", views_runs.run_create, name="run_create"),
    path("runs/<int:pk>/", views_runs.run_detail, name="run_detail"),
    path("runs/<int:pk>/proof/", views_runs.run_proof, name="run_proof"),
    path("runs/<int:pk>/approve/", views_runs.run_approve, name="run_approve"),
    path("runs/<int:pk>/cancel/", views_runs.run_cancel, name="run_cancel"),
    path("mailroom/", views_mailroom.mailroom, name="mailroom"),
    path("runs/<int:pk>/progress/", views_mailroom.run_progress, name="run_progress"),
    path("runs/<int:pk>/generate/", views_mailroom.run_generate, name="run_generate"),
    path("runs/<int:pk>/pdf/", views_mailroom.run_pdf, name="run_pdf"),
    path("runs/<int:pk>/labels/", views_mailroom.run_labels, name="run_labels"),
    path("runs/<int:pk>/mailed/", views_mailroom.run_mark_mailed, name="run_mark_mailed"),
    path("returned/", views_mailroom.letter_returned, name="letter_returned"),
    path("reprint/<int:pk>/", views_mailroom.letter_reprint, name="letter_reprint"),
]
