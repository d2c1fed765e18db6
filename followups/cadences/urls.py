from django.urls import path

from followups.cadences import views

app_name = "enrolments"

urlpatterns = [
    path("lead/<int:lead_id>/", views.enrolment_create, name="create"),
    path("<int:pk>/pause/", views.enrolment_pause, name="pause"),
    path("<int:pk>/resume/", views.enrolment_resume, name="resume"),
    path("<int:pk>/remove/", views.enrolment_remove, name="remove"),
]
