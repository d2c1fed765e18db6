"""The manager's ad platform connections, mounted at /settings/ad-connections/."""

from django.urls import path

from crm.retargeting import views

app_name = "ad_connections"

urlpatterns = [
    path("", views.ad_connection_list, name="list"),
    path("new/", views.ad_connection_create, name="create"),
    path("<int:pk>/", views.ad_connection_edit, name="edit"),
    path("<int:pk>/delete/", views.ad_connection_delete, name="delete"),
    path("<int:pk>/check/", views.ad_connection_check_again, name="check"),
    path("<int:pk>/destinations/", views.ad_destination_create, name="destination_create"),
]
