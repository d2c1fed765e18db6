"""RQ entry points for website tracking: thin, as jobs are."""

import datetime as dt

from crm.tracking import services


def carts_abandon(now: str) -> None:
    """The periodic task (every minute): carts with no purchase in time."""
    services.carts_abandon(now=dt.datetime.fromisoformat(now))
