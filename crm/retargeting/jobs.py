"""RQ entry points for pushing audiences to ad platforms: ids in, a service call."""

import datetime as dt

from django.utils import timezone

from crm.retargeting import services, syncing


@services.AD_AUDIENCE_SYNC.runs
def ad_audience_sync(link_id: int) -> None:
    syncing.ad_audience_sync(link_id=link_id, now=timezone.now())


def ad_syncs_due(now: str) -> None:
    """The periodic task (crm.periodic): links with changes still to send."""
    services.ad_syncs_due(now=dt.datetime.fromisoformat(now))
