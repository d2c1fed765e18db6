"""How a touch on a channel is delivered, plugged in by the apps that deliver it.

followups never imports mailings: mailings registers its email and letter
handlers here from AppConfig.ready. A handler takes the claimed touch and must
be idempotent (the scheduler may hand it the same touch again after a crash).
Calls have no handler: reps pull them from their queue.
"""

from collections.abc import Callable

Handler = Callable[..., None]

_handlers: dict[str, Handler] = {}


def register(channel: str, handler: Handler) -> None:
    _handlers[channel] = handler


def unregister(channel: str) -> None:
    _handlers.pop(channel, None)


def handler_for(channel: str) -> Handler | None:
    return _handlers.get(channel)


def delivered_channels() -> list[str]:
    return sorted(_handlers)
