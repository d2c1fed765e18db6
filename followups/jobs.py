"""RQ entry points for follow-ups: ids in, a service call, nothing else."""

from followups.scheduler import touch_deliver as deliver


def touch_deliver(touch_id: int) -> None:
    deliver(touch_id=touch_id)
