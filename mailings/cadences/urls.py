"""The manager's cadence pages, mounted at /cadences/; the builder's pages are
added from mailings.cadences.builder.urls."""

from django.urls import path

from mailings.cadences import views
from mailings.cadences.builder import urls as builder_urls

app_name = "cadences"

urlpatterns = [
    path("", views.cadence_list, name="list"),
    path("enrol/", views.enrol, name="enrol"),
    path("<int:pk>/", views.cadence_detail, name="detail"),
    path("<int:pk>/people.csv", views.people_csv, name="people_csv"),
    path(
        "<int:pk>/people/<int:enrolment_pk>/<slug:action>/",
        views.enrolment_action,
        name="enrolment_action",
    ),
    path("<int:pk>/pause/", views.cadence_pause, name="pause"),
    path("<int:pk>/resume/", views.cadence_resume, name="resume"),
    path("<int:pk>/switch-on/", views.switch_on, name="switch_on"),
    path("<int:pk>/switch-off/", views.switch_off, name="switch_off"),
    path("<int:pk>/enrol-event/", views.enrol_event, name="enrol_event"),
    *builder_urls.urlpatterns,
]
