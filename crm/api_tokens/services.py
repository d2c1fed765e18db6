"""Writing API tokens: create (the secret returned once), revoke, mark used."""

import hashlib
from datetime import timedelta

from django.utils import timezone

from crm.models import ApiToken, User


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token; the secret is returned once and only its digest is kept."""
    secret = ApiToken.new_secret()
    token = ApiToken.objects.create(
        user=user, name=name, digest=api_token_digest(secret), prefix=secret[:8]
    )
    return token, secret


def api_token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_token_revoke(*, token: ApiToken) -> None:
    """Delete the token: the API refuses its secret from the next request on. The
    model has no revoked state, and a revoked token has nothing left worth keeping."""
    token.delete()


def api_token_mark_used(token: ApiToken) -> None:
    """Record use at most once a minute, so busy integrations don't write on every call."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
