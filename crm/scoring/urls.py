"""The manager's scoring rules, mounted at /settings/scoring/."""

from django.urls import path

from crm.scoring import views

app_name = "scoring"

urlpatterns = [
    path("", views.scoring_rule_list, name="list"),
    path("new/", views.scoring_rule_create, name="create"),
    path("<int:pk>/edit/", views.scoring_rule_edit, name="edit"),
    path("<int:pk>/delete/", views.scoring_rule_delete, name="delete"),
]
