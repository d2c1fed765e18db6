"""The users page, mounted at /settings/users/ (deactivating is followups.handover's)."""

from django.urls import path

from crm.users import views

app_name = "users"

urlpatterns = [
    path("", views.user_list, name="list"),
    path("invite/", views.user_invite, name="invite"),
    path("<int:pk>/role/", views.user_role_set, name="role"),
    path("<int:pk>/reactivate/", views.user_reactivate, name="reactivate"),
]
