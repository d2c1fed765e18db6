"""The manager's drip pages, mounted at /drips/."""

from django.urls import path

from mailings import views

app_name = "drips"

urlpatterns = [
    path("", views.drip_list, name="list"),
    path("new/", views.drip_create, name="create"),
    path("enrol/", views.enrol, name="enrol"),
    path("blocks/step/", views.step_block, name="step_block"),
    path("blocks/variant/", views.variant_block, name="variant_block"),
    path("<int:pk>/", views.drip_edit, name="edit"),
    path("<int:pk>/preview/", views.preview, name="preview"),
    path("<int:pk>/test-send/", views.test_send, name="test_send"),
    path("<int:pk>/report/", views.report, name="report"),
    path("<int:pk>/dry-run/", views.dry_run, name="dry_run"),
    path("<int:pk>/enrolments/", views.enrolments, name="enrolments"),
    path(
        "<int:pk>/enrolments/<int:enrolment_pk>/remove/",
        views.enrolment_remove,
        name="enrolment_remove",
    ),
]
