"""RQ entry points for scoring: thin, and safe to run twice or late."""

import datetime as dt

from django.utils import timezone

from crm.scoring import services


def scores_decay(now: str) -> None:
    """The periodic task (crm.periodic passes the time it was queued for)."""
    services.scores_decay(now=dt.datetime.fromisoformat(now))


@services.SCORES_RECOMPUTE.runs
def scores_recompute(kinds: list[str]) -> None:
    services.scores_recompute(kinds=kinds, now=timezone.now())
