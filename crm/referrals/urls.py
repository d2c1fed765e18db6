"""The referral addresses, in two lists: lead_patterns in crm/urls.py beside the
lead's page (crm:referral_link_create), and public_patterns at the site's root
in config/urls.py (/r/<code>: referral_redirect, for anyone)."""

from django.urls import path

from crm.referrals import views

lead_patterns = [
    path(
        "leads/<int:pk>/referral-link/",
        views.referral_link_create,
        name="referral_link_create",
    ),
]

public_patterns = [
    path("r/<str:code>", views.referral_redirect, name="referral_redirect"),
]
