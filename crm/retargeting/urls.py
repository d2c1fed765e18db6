"""The retargeting pages' addresses, in two lists config/urls.py mounts:
audience_patterns under /audiences/ beside the audiences' own pages (one
download per platform, named after it: retargeting:google, retargeting:x, …;
linking an audience to an ad audience kept in sync: retargeting:link, …), and
connection_patterns at /settings/ad-connections/ (ad_connections:list, …)."""

from django.urls import path

from crm.retargeting import views
from crm.retargeting.formats import FORMATS

audience_patterns = [
    path(f"<int:pk>/export/{name}.csv", views.audience_export, {"platform": name}, name=name)
    for name in FORMATS
] + [
    path("<int:pk>/ad-links/", views.audience_ad_link_create, name="link"),
    path("<int:pk>/ad-links/<int:link_pk>/delete/", views.audience_ad_link_delete, name="unlink"),
    path("<int:pk>/ad-links/<int:link_pk>/sync/", views.audience_ad_link_sync, name="sync"),
]

connection_patterns = [
    path("", views.ad_connection_list, name="list"),
    path("new/", views.ad_connection_create, name="create"),
    path("<int:pk>/", views.ad_connection_edit, name="edit"),
    path("<int:pk>/delete/", views.ad_connection_delete, name="delete"),
    path("<int:pk>/check/", views.ad_connection_check_again, name="check"),
    path("<int:pk>/destinations/", views.ad_destination_create, name="destination_create"),
]
