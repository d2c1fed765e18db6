"""Deactivating someone, mounted at /settings/users/ beside crm.users.urls."""

from django.urls import path

from followups.handover import views

app_name = "handover"

urlpatterns = [
    path("<int:pk>/deactivate/", views.user_deactivate, name="deactivate"),
]
