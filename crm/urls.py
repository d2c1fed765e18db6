from django.urls import include, path

from crm import views
from crm.referrals import urls as referral_urls

app_name = "crm"

urlpatterns = [
    path("leads/", views.lead_list, name="lead_list"),
    path("leads/new/", views.lead_create, name="lead_create"),
    path("leads/export.csv", views.lead_export_csv, name="lead_export_csv"),
    path("leads/export.xlsx", views.lead_export_xlsx, name="lead_export_xlsx"),
    path("leads/<int:pk>/", views.lead_detail, name="lead_detail"),
    path("leads/<int:pk>/edit/", views.lead_edit, name="lead_edit"),
    path("leads/<int:pk>/interactions/", views.interaction_create, name="interaction_create"),
    path("leads/<int:pk>/merge/", views.lead_merge, name="lead_merge"),
    path(
        "leads/<int:pk>/contacts/<int:point_pk>/remove/",
        views.contact_point_remove,
        name="contact_point_remove",
    ),
    path(
        "leads/<int:pk>/contacts/<int:point_pk>/main/",
        views.contact_point_make_main,
        name="contact_point_make_main",
    ),
    path("", include(referral_urls.lead_patterns)),
]
