from django.urls import path

from followups.queue import views

app_name = "queue"

urlpatterns = [
    path("", views.queue_next, name="next"),
    path("list/", views.queue_list, name="list"),
    path("<int:touch_id>/log/", views.queue_log, name="log"),
    path("<int:touch_id>/skip/", views.queue_skip, name="skip"),
    path("undo/<int:undo_id>/", views.queue_undo, name="undo"),
    path("<int:touch_id>/email/", views.call_email, name="email"),
    path("<int:touch_id>/email/send/", views.call_email_send, name="email_send"),
    path("touch/<int:touch_id>/", views.touch_card, name="touch"),
    path("touch/<int:touch_id>/send/", views.touch_send, name="touch_send"),
    path("touch/<int:touch_id>/done/", views.touch_done, name="touch_done"),
    path("touch/<int:touch_id>/skip/", views.touch_skip, name="touch_skip"),
]
