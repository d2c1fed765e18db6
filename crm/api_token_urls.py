"""The manager's API tokens, mounted at /settings/api-tokens/."""

from django.urls import path

from crm import api_token_views

app_name = "api_tokens"

urlpatterns = [
    path("", api_token_views.api_token_list, name="list"),
    path("new/", api_token_views.api_token_create, name="create"),
    path("<int:pk>/revoke/", api_token_views.api_token_revoke, name="revoke"),
]
