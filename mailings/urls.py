"""The manager's drip pages (being built)."""

app_name = "drips"

urlpatterns: list = []
