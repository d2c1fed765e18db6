from django.urls import path

from mailings.email import views

app_name = "mail"

urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("o/<str:token>/", views.opened, name="open"),
    path("c/<str:token>/", views.clicked, name="click"),
    path("webhooks/inbound/", views.webhook, name="webhook"),
]
