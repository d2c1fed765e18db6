"""Writes to the people who use the CRM: inviting, roles, (re)activation. Handing
a leaving person's work to others comes before user_deactivate and is followups'
(followups/handover/services.py)."""

import logging

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from crm.models import User
from crm.roles import Role
from crm.users import emails
from crm.users.selectors import active_managers_other_than

logger = logging.getLogger(__name__)


@transaction.atomic
def user_invite(*, first_name: str, last_name: str, email: str, role: str, by: User) -> User:
    """A new user who can log in only once they have set a password through the
    link in the invitation, which is sent once the user is committed."""
    user = User(username=email, email=email, first_name=first_name, last_name=last_name)
    user.set_unusable_password()
    user.save()
    user.groups.set([Group.objects.get(name=role)])
    transaction.on_commit(lambda: emails.send_invitation(user, invited_by=by))
    logger.info("%s invited %s as %s", by, email, role)
    return user


@transaction.atomic
def user_role_set(*, user: User, role: str, by: User) -> None:
    """Give `user` this one role instead of the ones they had."""
    if role != Role.MANAGER:
        _keep_a_manager(user)
    user.groups.set([Group.objects.get(name=role)])
    logger.info("%s made %s a %s", by, user, role)


def user_deactivate(*, user: User, by: User) -> None:
    """They can no longer log in, and a session they have open ends with their next
    request (Django's backend turns inactive users away)."""
    if user.pk == by.pk:
        raise ValidationError("You cannot deactivate yourself.")
    _keep_a_manager(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    logger.info("%s deactivated %s", by, user)


def user_reactivate(*, user: User, by: User) -> None:
    """They can log in again with the password they had; their former work stays
    with whom it was given to."""
    User.objects.filter(pk=user.pk).update(is_active=True)
    user.is_active = True
    logger.info("%s reactivated %s", by, user)


def _keep_a_manager(user: User) -> None:
    """Someone must remain able to manage the users."""
    if user.is_manager and not active_managers_other_than(user).exists():
        raise ValidationError(f"{user.display_name} is the only active manager.")
