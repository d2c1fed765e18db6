"""What runs after an interaction is recorded, in a background job.

crm imports neither followups nor mailings, so those apps register their
handlers here from AppConfig.ready (next touches, drip enrolment, ...). Each
handler takes `interaction=` and must be idempotent: a job can run twice.
"""

from collections.abc import Callable

from crm.models import Interaction

InteractionHandler = Callable[..., None]

_handlers: list[InteractionHandler] = []


def register(handler: InteractionHandler) -> None:
    if handler not in _handlers:
        _handlers.append(handler)


def run_all(interaction: Interaction) -> None:
    for handler in _handlers:
        handler(interaction=interaction)
