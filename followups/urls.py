from django.urls import path

from followups import views

app_name = "queue"

urlpatterns = [
    path("", views.queue_next, name="next"),
    path("list/", views.queue_list, name="list"),
    path("<int:touch_id>/log/", views.queue_log, name="log"),
    path("<int:touch_id>/skip/", views.queue_skip, name="skip"),
]
