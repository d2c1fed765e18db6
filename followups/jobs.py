"""RQ entry points for follow-ups: ids in, a service call, nothing else."""

from followups import scheduler


def touch_deliver(touch_id: int) -> None:
    scheduler.touch_deliver(touch_id=touch_id)


def touches_deliver(channel: str, touch_ids: list[int]) -> None:
    scheduler.touches_deliver(channel=channel, touch_ids=touch_ids)
