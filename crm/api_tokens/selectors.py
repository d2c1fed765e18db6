"""Reading API tokens: the token a secret's digest names, the managers' list."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from crm.models import ApiToken, User
from crm.roles import require_manager


def api_token_for_secret(digest: str) -> ApiToken | None:
    return (
        ApiToken.objects.select_related("user").filter(digest=digest, user__is_active=True).first()
    )


def api_tokens_for_list() -> QuerySet[ApiToken]:
    """Every user's tokens, newest first, with the user each acts as: managers run
    the integrations, whoever's access they use."""
    return ApiToken.objects.select_related("user").order_by("-created_at", "-pk")


def get_api_token_for_user(user: User, pk: int) -> ApiToken:
    """The token for a manager (403 for anyone else), or 404."""
    require_manager(user, "API token settings")
    return get_object_or_404(ApiToken.objects.select_related("user"), pk=pk)


def api_token_users() -> QuerySet[User]:
    """The users a new token may act as: the active ones, since the API refuses
    the tokens of the others."""
    return User.objects.filter(is_active=True).order_by("username")
