"""The manager's API tokens at /settings/api-tokens/: every user's tokens, creating
one (its secret shown once, on the page that answers the POST) and revoking one.
The management command `api_token_create` makes the same tokens."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from crm.api_tokens import selectors, services
from crm.api_tokens.forms import ApiTokenForm
from crm.roles import require_manager

PAGES = "API token settings"


@login_required
@require_GET
def api_token_list(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, PAGES)
    context = {"tokens": selectors.api_tokens_for_list()}
    return render(request, "crm/api_tokens/list.html", context)


# The answer to the POST carries the one copy of the secret: no cache may keep it,
# and it is rendered rather than redirected to, so it is never in a URL or a message.
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def api_token_create(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, PAGES)
    if request.method == "GET":
        return _render_form(request, ApiTokenForm(initial={"user": request.user.pk}))
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _render_form(request, form, status=400)
    token, secret = services.api_token_create(**form.cleaned_data)
    return render(request, "crm/api_tokens/created.html", {"token": token, "secret": secret})


def _render_form(request: HttpRequest, form: ApiTokenForm, *, status=200) -> HttpResponse:
    return render(request, "crm/api_tokens/form.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks to confirm; POST revokes."""
    require_manager(request.user, PAGES)
    token = selectors.get_api_token_for_user(request.user, pk)
    if request.method == "GET":
        return render(request, "crm/api_tokens/revoke.html", {"token": token})
    services.api_token_revoke(token=token)
    messages.success(request, f"Revoked “{token.name}” ({token.prefix}…): the API refuses it now.")
    return redirect("api_tokens:list")
