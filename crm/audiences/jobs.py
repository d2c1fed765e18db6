"""RQ entry points for audiences: load by id, call a service, return."""

import datetime as dt
import logging

from django.utils import timezone

from crm.audiences import services
from crm.audiences.models import Audience
from crm.audiences.rules.base import DefinitionError

logger = logging.getLogger(__name__)


@services.AUDIENCE_REBUILD.runs
def audience_rebuild(audience_id: int) -> None:
    """After an audience was saved: its members from scratch."""
    audience = Audience.objects.filter(pk=audience_id).first()
    if audience is None:
        return
    try:
        services.audience_refresh(audience=audience, now=timezone.now())
    except DefinitionError as error:
        logger.warning("Audience %s has invalid rules: %s", audience_id, error.errors)


def audiences_refresh(now: str) -> None:
    """The periodic task (crm.periodic): audiences whose members drift with time."""
    services.audiences_refresh_due(now=dt.datetime.fromisoformat(now))


@services.AUDIENCE_MEMBERS_FOR_LEADS.runs
def audience_members_for_leads(lead_ids: list[int]) -> None:
    services.audience_members_update(lead_ids=lead_ids, now=timezone.now())
