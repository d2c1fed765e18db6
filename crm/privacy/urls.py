from django.urls import path

from crm.privacy import views

app_name = "privacy"

urlpatterns = [
    path("leads/<int:pk>/personal-data.json", views.lead_export, name="lead_export"),
    path("leads/<int:pk>/erase/", views.lead_erase, name="lead_erase"),
]
