"""When each periodic task (crm.periodic) was last queued."""

from django.db import models


class PeriodicRun(models.Model):
    """When a periodic task (crm.periodic) was last queued."""

    name = models.CharField(max_length=100, unique=True)
    last_queued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.name
