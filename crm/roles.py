"""The three roles and what each may do.

Roles are Django groups, created with their permissions by migration
crm/0002_roles; this module names them for the code.
"""

from django.core.exceptions import PermissionDenied
from django.db import models


class Role(models.TextChoices):
    REP = "rep", "Sales rep"
    MANAGER = "manager", "Manager"
    MAILROOM = "mailroom", "Mailroom"


def require_manager(user, what: str) -> None:
    """403 unless the user is a manager; `what` names the pages, for the message."""
    if not user.is_manager:
        raise PermissionDenied(f"{what} are for managers.")


def require_mailroom(user, what: str) -> None:
    """403 unless the user is in the mailroom or a manager (who may do its work too)."""
    if not (user.is_mailroom or user.is_manager):
        raise PermissionDenied(f"{what} are for the mailroom and managers.")
