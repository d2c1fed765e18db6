"""The managers' calling hours and holidays page, mounted at /holidays/."""

from django.urls import path

from followups.holidays import views

app_name = "holidays"

urlpatterns = [
    path("", views.holiday_list, name="list"),
    path("new/", views.holiday_create, name="create"),
    path("<int:pk>/edit/", views.holiday_edit, name="edit"),
    path("<int:pk>/delete/", views.holiday_delete, name="delete"),
    path("public/", views.holidays_import, name="import"),
    path("hours/", views.calling_hours_edit, name="hours"),
]
