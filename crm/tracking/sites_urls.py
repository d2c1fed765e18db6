"""The manager's tracked websites, mounted at /settings/websites/."""

app_name = "sites"

urlpatterns = []
