"""The manager's audience pages, mounted at /audiences/."""

from django.urls import path

from crm.audiences import views

app_name = "audiences"

urlpatterns = [
    path("", views.audience_list, name="list"),
    path("new/", views.audience_create, name="create"),
    path("count/", views.audience_live_count, name="count"),
    path("preview/", views.audience_live_preview, name="preview"),
    path("<int:pk>/", views.audience_detail, name="detail"),
    path("<int:pk>/edit/", views.audience_edit, name="edit"),
    path("<int:pk>/refresh/", views.audience_refresh, name="refresh"),
    path("<int:pk>/delete/", views.audience_delete, name="delete"),
]
