"""The rich-text editor's endpoint, mounted at /richtext/."""

from django.urls import path

from mailings.richtext import views

app_name = "richtext"

urlpatterns = [
    path("check/", views.check, name="check"),
]
