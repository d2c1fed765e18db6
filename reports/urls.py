"""The manager's dashboard, mounted at /dashboard/."""

from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="index"),
    path("<slug:section>.csv", views.section_csv, name="csv"),
]
