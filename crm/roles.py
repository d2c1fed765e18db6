"""The three roles and what each may do.

Roles are Django groups, created with their permissions by migration
crm/0002_roles; this module names them for the code.
"""

from django.db import models


class Role(models.TextChoices):
    REP = "rep", "Sales rep"
    MANAGER = "manager", "Manager"
    MAILROOM = "mailroom", "Mailroom"
