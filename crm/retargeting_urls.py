"""Mounted under /audiences/ beside the audiences pages: one download per
platform, named after it (retargeting:google, retargeting:x, …), and linking an
audience to an ad audience that is kept in sync (retargeting:link, …)."""

from django.urls import path

from crm import retargeting_views
from crm.retargeting import views
from crm.retargeting.formats import FORMATS

app_name = "retargeting"

urlpatterns = [
    path(
        f"<int:pk>/export/{name}.csv",
        retargeting_views.audience_export,
        {"platform": name},
        name=name,
    )
    for name in FORMATS
]
urlpatterns += [
    path("<int:pk>/ad-links/", views.audience_ad_link_create, name="link"),
    path("<int:pk>/ad-links/<int:link_pk>/delete/", views.audience_ad_link_delete, name="unlink"),
    path("<int:pk>/ad-links/<int:link_pk>/sync/", views.audience_ad_link_sync, name="sync"),
]
