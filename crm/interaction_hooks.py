"""What runs after an interaction is recorded (in a background job), and before
one is withdrawn.

crm imports neither followups nor mailings, so those apps register their
handlers here from AppConfig.ready (next touches, drip enrolment, ...). Each
handler takes `interaction=` and must be idempotent: a job can run twice.

Batch handlers take `interactions=` (a list) and run once per batch, after every
per-interaction handler has seen each of them: work that is cheaper set-based
(recomputing the scores of the leads concerned) registers with register_batch.

Two paths run them. run_all and run_many go per row: each per-interaction
handler sees each interaction in turn, and a batch handler that has a `per_row`
form runs that (an interaction recorded live, a drip's few emails). run_set_based
(an import's thousands of booth visits) runs each per-interaction handler's
`batch` form once for the whole batch where it has one, and the batch handlers
themselves: a few statements per batch, not per interaction. The two paths give
the same rows on the same input (tests/crm/imports/test_followups.py); only
the order between two per-interaction handlers differs (each sees the whole
batch before the next), which is why their batch forms must not read what
another per-interaction handler writes.

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
# A handler's other form: the set-based one of a per-interaction handler, the
# per-row one of a batch handler.
_batch_forms: dict[InteractionHandler, InteractionHandler] = {}
_per_row_forms: dict[InteractionHandler, InteractionHandler] = {}
WithdrawnHandler = Callable[..., Mapping[str, int]]
_withdrawn_handlers: list[WithdrawnHandler] = []


def register(handler: InteractionHandler, *, batch: InteractionHandler | None = None) -> None:
    """`batch`: the same work for a list of interactions (interactions=), set-based."""
    if handler not in _handlers:
        _handlers.append(handler)
    if batch is not None:
        _batch_forms[handler] = batch


def register_batch(
    handler: InteractionHandler, *, per_row: InteractionHandler | None = None
) -> None:
    """`per_row`: the same work one interaction at a time, for the per-row path."""
    if handler not in _batch_handlers:
        _batch_handlers.append(handler)
    if per_row is not None:
        _per_row_forms[handler] = per_row


def register_withdrawn(handler: WithdrawnHandler) -> None:
    if handler not in _withdrawn_handlers:
        _withdrawn_handlers.append(handler)


def run_all(interaction: Interaction) -> None:
    run_many([interaction])


def run_many(interactions: Sequence[Interaction]) -> None:
    """Every handler for each interaction, in order, then every batch handler once
    (in its per-row form where it has one)."""
    for interaction in interactions:
        for handler in _handlers:
            handler(interaction=interaction)
    if interactions:
        for handler in _batch_handlers:
            _per_row_forms.get(handler, handler)(interactions=interactions)


def run_set_based(interactions: Sequence[Interaction]) -> None:
    """The same as run_many, set-based: each per-interaction handler once for the
    whole batch where it has a batch form (else for each interaction, in order),
    then every batch handler once."""
    if not interactions:
        return
    for handler in _handlers:
        batch = _batch_forms.get(handler)
        if batch is not None:
            batch(interactions=interactions)
            continue
        for interaction in interactions:
            handler(interaction=interaction)
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
