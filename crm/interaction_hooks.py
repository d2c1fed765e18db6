"""What runs after an interaction is recorded (in a background job), and before
one is withdrawn.

crm imports neither followups nor mailings, so those apps register their
handlers here from AppConfig.ready (next touches, drip enrolment, ...). Each
handler takes `interaction=` and must be idempotent: a job can run twice.

Batch handlers take `interactions=` (a list) and run once per batch, after every
per-interaction handler has seen each of them: work that is cheaper set-based
(recomputing the scores of the leads concerned) registers with register_batch.

Withdrawn handlers run the other way, when interactions are about to be deleted
(an import undone, crm.imports.undo): each stops what its app planned from them
(open touches, drip enrolments), in the caller's transaction, and says what it
stopped as {what, in words: how many}.
"""

from collections import Counter
from collections.abc import Callable, Mapping, Sequence

from crm.models import Interaction

InteractionHandler = Callable[..., None]

_handlers: list[InteractionHandler] = []
_batch_handlers: list[InteractionHandler] = []
WithdrawnHandler = Callable[..., Mapping[str, int]]
_withdrawn_handlers: list[WithdrawnHandler] = []


def register(handler: InteractionHandler) -> None:
    if handler not in _handlers:
        _handlers.append(handler)


def register_batch(handler: InteractionHandler) -> None:
    if handler not in _batch_handlers:
        _batch_handlers.append(handler)


def register_withdrawn(handler: WithdrawnHandler) -> None:
    if handler not in _withdrawn_handlers:
        _withdrawn_handlers.append(handler)


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


def run_withdrawn(*, interaction_ids: Sequence[int], reason: str) -> Counter[str]:
    """Every withdrawn handler, before these interactions are deleted; what they
    stopped, added up. `reason` is recorded on what they stop."""
    stopped: Counter[str] = Counter()
    if interaction_ids:
        for handler in _withdrawn_handlers:
            stopped.update(handler(interaction_ids=interaction_ids, reason=reason))
    return stopped
