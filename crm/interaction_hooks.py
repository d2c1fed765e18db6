"""What runs after an interaction is recorded, in a background job.

crm imports neither followups nor mailings, so those apps register their
handlers here from AppConfig.ready (next touches, drip enrolment, ...). Each
handler takes `interaction=` and must be idempotent: a job can run twice.

Batch handlers take `interactions=` (a list) and run once per batch, after every
per-interaction handler has seen each of them: work that is cheaper set-based
(recomputing the scores of the leads concerned) registers with register_batch.
"""

from collections.abc import Callable, Sequence

from crm.models import Interaction

InteractionHandler = Callable[..., None]

_handlers: list[InteractionHandler] = []
_batch_handlers: list[InteractionHandler] = []


def register(handler: InteractionHandler) -> None:
    if handler not in _handlers:
        _handlers.append(handler)


def register_batch(handler: InteractionHandler) -> None:
    if handler not in _batch_handlers:
        _batch_handlers.append(handler)


def run_all(interaction: Interaction) -> None:
    run_many([interaction])


def run_many(interactions: Sequence[Interaction]) -> None:
    """Every handler for each interaction, in order, then every batch handler once."""
    for interaction in interactions:
        for handler in _handlers:
            handler(interaction=interaction)
    if interactions:
        for handler in _batch_handlers:
            handler(interactions=interactions)
