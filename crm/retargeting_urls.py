"""Mounted under /audiences/ beside the audiences pages."""

from django.urls import path

from crm import retargeting_views

app_name = "retargeting"

urlpatterns = [
    path(
        "<int:pk>/export/google.csv",
        retargeting_views.audience_export,
        {"platform": "google"},
        name="google",
    ),
    path(
        "<int:pk>/export/meta.csv",
        retargeting_views.audience_export,
        {"platform": "meta"},
        name="meta",
    ),
]
