"""The pages that belong to no app: `/`, which sends each role to its own work, the
manager's settings hub, which lists the settings pages of every app, and setting
a password from an invitation."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_GET

from crm.roles import require_manager


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Where logging in and the brand link lead: a manager's dashboard, a rep's
    queue, the mailroom's print runs; anyone else (an admin without a role) the leads."""
    return redirect(landing_for(request.user))


def landing_for(user) -> str:
    if user.is_manager:
        return "reports:index"
    if user.is_rep:
        return "queue:next"
    if user.is_mailroom:
        return "letters:mailroom"
    return "crm:lead_list"


@login_required
@require_GET
def settings_hub(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, "Settings")
    return render(request, "settings/hub.html")


class PasswordSetView(auth_views.PasswordResetConfirmView):
    """An invitation's link (crm.users.emails): the password set, they are logged in
    and land on their work. Someone deactivated meanwhile finds the link dead."""

    template_name = "registration/password_set.html"
    post_reset_login = True
    # With django-axes in front there are two backends; the password was just set,
    # so this is no login attempt for axes to count.
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    success_url = reverse_lazy("home")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None
