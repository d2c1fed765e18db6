"""RQ entry points for follow-ups: ids in, a service call, nothing else."""

from config.jobs import with_fresh_connections
from followups import scheduler


@scheduler.TOUCH_DELIVER.runs
@with_fresh_connections
def touch_deliver(touch_id: int) -> None:
    scheduler.touch_deliver(touch_id=touch_id)


@scheduler.TOUCHES_DELIVER.runs
@with_fresh_connections
def touches_deliver(channel: str, touch_ids: list[int]) -> None:
    scheduler.touches_deliver(channel=channel, touch_ids=touch_ids)
