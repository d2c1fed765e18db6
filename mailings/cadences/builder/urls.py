"""The cadence builder's pages. No app_name: mailings/cadences/urls.py (app_name
"cadences", mounted at /cadences/) includes these with *urlpatterns."""

from django.urls import path

from mailings.cadences.builder import views

urlpatterns = [
    path("new/", views.cadence_create, name="create"),
    path("<int:pk>/edit/", views.cadence_edit, name="edit"),
    path("builder/step/", views.step_block, name="step_block"),
    path("builder/variant/", views.variant_block, name="variant_block"),
    path("builder/trigger/", views.trigger_block, name="trigger_block"),
    path("<int:pk>/preview/", views.preview, name="preview"),
    path("<int:pk>/preview/letter/", views.letter_preview, name="letter_preview"),
    path("<int:pk>/test-send/", views.test_send, name="test_send"),
    path("<int:pk>/dry-run/", views.dry_run, name="dry_run"),
]
