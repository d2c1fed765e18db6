"""The manager's API tokens, mounted at /settings/api-tokens/."""

from django.urls import path

from crm.api_tokens import views

app_name = "api_tokens"

urlpatterns = [
    path("", views.api_token_list, name="list"),
    path("new/", views.api_token_create, name="create"),
    path("<int:pk>/revoke/", views.api_token_revoke, name="revoke"),
]
