from django.urls import path

from crm.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.import_list, name="list"),
    path("new/", views.import_create, name="create"),
    path("<int:pk>/", views.import_detail, name="detail"),
    path("<int:pk>/mapping/", views.import_mapping, name="mapping"),
    path("<int:pk>/encoding/", views.import_encoding, name="encoding"),
    path("<int:pk>/progress/", views.import_progress, name="progress"),
    path("<int:pk>/confirm/", views.import_confirm, name="confirm"),
    path("<int:pk>/retry/", views.import_retry, name="retry"),
    path("<int:pk>/invalid-rows.csv", views.import_errors, name="errors"),
    path("<int:pk>/undo/", views.import_undo_check, name="undo_check"),
    path("<int:pk>/undo/confirm/", views.import_undo, name="undo"),
    path("<int:pk>/undo/progress/", views.import_undo_progress, name="undo_progress"),
]
