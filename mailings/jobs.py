"""RQ entry points for mailings: ids in, a service call, nothing else."""

from mailings.sending import emails_send


def emails_deliver(touch_ids: list[int]) -> None:
    emails_send(touch_ids=touch_ids)
