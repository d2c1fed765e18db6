"""The manager's tracked websites, mounted at /settings/websites/."""

from django.urls import path

from crm.tracking.sites import views

app_name = "sites"

urlpatterns = [
    path("", views.site_list, name="list"),
    path("new/", views.site_create, name="create"),
    path("<int:pk>/", views.site_detail, name="detail"),
    path("<int:pk>/edit/", views.site_edit, name="edit"),
    path("<int:pk>/active/", views.site_toggle, name="toggle"),
]
