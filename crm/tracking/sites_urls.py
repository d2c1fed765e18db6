"""The manager's tracked websites, mounted at /settings/websites/."""

from django.urls import path

from crm.tracking import site_views

app_name = "sites"

urlpatterns = [
    path("", site_views.site_list, name="list"),
    path("new/", site_views.site_create, name="create"),
    path("<int:pk>/", site_views.site_detail, name="detail"),
    path("<int:pk>/edit/", site_views.site_edit, name="edit"),
    path("<int:pk>/active/", site_views.site_toggle, name="toggle"),
]
