from django.urls import path

from followups.team import views

app_name = "team"

urlpatterns = [
    path("", views.board, name="board"),
    path("people/<int:user_id>/", views.member, name="member"),
    path("unassigned/", views.member, name="unassigned"),
    path("assign/", views.assign, name="assign"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
