from django.urls import path

from mailings import public_views

app_name = "mail"

urlpatterns = [
    path("unsubscribe/<str:token>/", public_views.unsubscribe, name="unsubscribe"),
    path("confirm/<str:token>/", public_views.confirm, name="confirm"),
    path("o/<str:token>/", public_views.opened, name="open"),
    path("c/<str:token>/", public_views.clicked, name="click"),
    path("webhooks/inbound/", public_views.webhook, name="webhook"),
]
