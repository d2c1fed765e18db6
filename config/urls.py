from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from config import views
from crm.api import api, no_such_endpoint
from crm.referrals import urls as referral_urls
from crm.retargeting import urls as retargeting_urls

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("password/set/<uidb64>/<token>/", views.PasswordSetView.as_view(), name="password_set"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("crm.urls")),
    path("", include("crm.privacy.urls")),
    path("imports/", include("crm.imports.urls")),
    path("audiences/", include("crm.audiences.urls")),
    path("audiences/", include((retargeting_urls.audience_patterns, "retargeting"))),
    path("queue/", include("followups.queue.urls")),
    path("enrolments/", include("followups.cadences.urls")),
    path("team/", include("followups.team.urls")),
    path("holidays/", include("followups.holidays.urls")),
    path("cadences/", include("mailings.cadences.urls")),
    path("letters/", include("mailings.letters.urls")),
    path("richtext/", include("mailings.richtext.urls")),
    path("dashboard/", include("reports.urls")),
    path("settings/", views.settings_hub, name="settings"),
    path("settings/users/", include("crm.users.urls")),
    path("settings/users/", include("followups.handover.urls")),
    path("settings/websites/", include("crm.tracking.sites.urls")),
    path("settings/scoring/", include("crm.scoring.urls")),
    path("settings/api-tokens/", include("crm.api_tokens.urls")),
    path(
        "settings/ad-connections/",
        include((retargeting_urls.connection_patterns, "ad_connections")),
    ),
    path("settings/lockouts/", include("crm.lockouts.urls")),
    path(
        "settings/calling-hours/",
        RedirectView.as_view(pattern_name="holidays:list"),
        name="calling_hours",
    ),
    path("m/", include("mailings.public_urls")),
    path("", include(referral_urls.public_patterns)),
    path("t/", include("crm.tracking.urls")),
    path("api/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", no_such_endpoint),
    path("admin/rq/", include("django_rq.urls")),
    path("admin/", admin.site.urls),
]
