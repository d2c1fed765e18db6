from django.urls import path

from crm.tracking import views

app_name = "tracking"

urlpatterns = [
    path("track.js", views.snippet, name="snippet"),
    path("collect", views.collect, name="collect"),
]
