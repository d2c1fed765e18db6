"""The manager's users page at /settings/users/: everyone with their role and
leads, inviting someone, changing a role, reactivating someone."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.roles import Role, require_manager
from crm.users import selectors, services
from crm.users.forms import InviteForm, RoleForm

PAGES = "The users and their roles"


@login_required
@require_GET
def user_list(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, PAGES)
    return _render_list(request)


def _render_list(request: HttpRequest, *, status: int = 200, **context) -> HttpResponse:
    users = list(selectors.users_for_list())
    for user in users:
        user.role = selectors.role_of(user)
    context = {"users": users, "roles": Role.choices, **context}
    return render(request, "crm/users/list.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def user_invite(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, PAGES)
    form = InviteForm(request.POST or None)
    if request.method == "GET" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return render(request, "crm/users/invite.html", {"form": form}, status=status)
    user = services.user_invite(**form.cleaned_data, by=request.user)
    messages.success(
        request,
        f"Invited {user.display_name}: a link to set a password is on its way to {user.email}.",
    )
    return redirect("users:list")


@login_required
@require_POST
def user_role_set(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user, PAGES)
    user = selectors.get_user_for_manager(request.user, pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        return _render_list(request, status=400, error=f"{user.display_name}: choose a role.")
    try:
        services.user_role_set(user=user, role=form.cleaned_data["role"], by=request.user)
    except ValidationError as error:
        return _render_list(request, status=400, error=" ".join(error.messages))
    messages.success(
        request, f"{user.display_name} is now a {Role(form.cleaned_data['role']).label.lower()}."
    )
    return redirect("users:list")


@login_required
@require_POST
def user_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user, PAGES)
    user = selectors.get_user_for_manager(request.user, pk)
    services.user_reactivate(user=user, by=request.user)
    messages.success(request, f"{user.display_name} can log in again.")
    return redirect("users:list")
