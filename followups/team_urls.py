from django.urls import path

from followups import team_views

app_name = "team"

urlpatterns = [
    path("", team_views.board, name="board"),
    path("people/<int:user_id>/", team_views.member, name="member"),
    path("unassigned/", team_views.member, name="unassigned"),
    path("assign/", team_views.assign, name="assign"),
    path("calendar/", team_views.calendar, name="calendar"),
    path("calendar/<str:token>.ics", team_views.calendar_feed, name="calendar_feed"),
]
