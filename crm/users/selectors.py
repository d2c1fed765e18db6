"""Reads for the users page."""

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from crm.models import User
from crm.roles import Role, require_manager


def users_for_list() -> QuerySet[User]:
    """Everyone, the active first, with their roles and how many leads they own,
    in three queries whatever the number of people."""
    return (
        User.objects.annotate(leads_owned=Count("owned_leads"))
        .prefetch_related("groups")
        .order_by("-is_active", "first_name", "last_name", "username")
    )


def get_user_for_manager(manager: User, pk: int) -> User:
    """Another user, for a manager to change (403 for anyone else), or 404."""
    require_manager(manager, "The users and their roles")
    return get_object_or_404(User, pk=pk)


def role_of(user: User) -> str:
    """The user's one role ("" for none): groups read from the prefetched list."""
    names = {group.name for group in user.groups.all()}
    return next((role.value for role in Role if role.value in names), "")


def active_managers_other_than(user: User) -> QuerySet[User]:
    return User.objects.filter(
        Q(groups__name=Role.MANAGER) | Q(is_superuser=True), is_active=True
    ).exclude(pk=user.pk)
