"""Login lockouts, mounted at /settings/lockouts/."""

from django.urls import path

from crm.lockouts import views

app_name = "lockouts"

urlpatterns = [
    path("", views.lockout_list, name="list"),
    path("lift/", views.lockout_lift, name="lift"),
]
