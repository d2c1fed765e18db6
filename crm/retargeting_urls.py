"""Mounted under /audiences/ beside the audiences pages: one download per
platform, named after it (retargeting:google, retargeting:x, …)."""

from django.urls import path

from crm import retargeting_views
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
