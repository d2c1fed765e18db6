"""The manager's scoring rules, mounted at /settings/scoring/."""

app_name = "scoring"

urlpatterns = []
