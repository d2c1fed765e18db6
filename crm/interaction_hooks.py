"""What runs after an interaction is recorded (in a background job), and before
one is withdrawn: the mechanism. The pipeline itself, its steps in order and why,
is declared in config/flow.py (INTERACTION_PIPELINE, INTERACTION_WITHDRAWN) and
installed here at start: crm imports neither followups nor mailings, whose
handlers are in it (next touches, drip enrolment, ...).

A PerInteraction step's handler takes `interaction=` and must be idempotent: a
job can run twice. A PerBatch step's handler takes `interactions=` (a list) and
runs once per batch, after every per-interaction step has seen each of them:
work that is cheaper set-based (recomputing the scores of the leads concerned).
So in the pipeline every PerInteraction step comes before every PerBatch step,
and install refuses another order: the list reads in the order things run.

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
from dataclasses import dataclass

from crm.models import Interaction

InteractionHandler = Callable[..., None]
WithdrawnHandler = Callable[..., Mapping[str, int]]


@dataclass(frozen=True)
class PerInteraction:
    handler: InteractionHandler  # interaction=
    # The same work for a list of interactions (interactions=), set-based.
    batch: InteractionHandler | None = None


@dataclass(frozen=True)
class PerBatch:
    handler: InteractionHandler  # interactions=
    # The same work one interaction at a time, for the per-row path.
    per_row: InteractionHandler | None = None


Step = PerInteraction | PerBatch

_installed = False
_handlers: list[InteractionHandler] = []
_batch_handlers: list[InteractionHandler] = []
# A handler's other form: the set-based one of a per-interaction handler, the
# per-row one of a batch handler.
_batch_forms: dict[InteractionHandler, InteractionHandler] = {}
_per_row_forms: dict[InteractionHandler, InteractionHandler] = {}
_withdrawn_handlers: list[WithdrawnHandler] = []


def install(pipeline: Sequence[Step], *, withdrawn: Sequence[WithdrawnHandler]) -> None:
    """The pipeline, in order, replacing any installed before (config.apps.FlowConfig)."""
    global _installed
    kinds = [isinstance(step, PerBatch) for step in pipeline]
    if kinds != sorted(kinds):
        raise ValueError("Every PerInteraction step runs before the PerBatch ones: list them so")
    _handlers.clear()
    _batch_handlers.clear()
    _batch_forms.clear()
    _per_row_forms.clear()
    for step in pipeline:
        if isinstance(step, PerInteraction):
            _handlers.append(step.handler)
            if step.batch is not None:
                _batch_forms[step.handler] = step.batch
        else:
            _batch_handlers.append(step.handler)
            if step.per_row is not None:
                _per_row_forms[step.handler] = step.per_row
    _withdrawn_handlers[:] = withdrawn
    _installed = True


def _check_installed() -> None:
    if not _installed:
        raise RuntimeError(
            "No interaction pipeline installed: config.apps.FlowConfig installs "
            "config.flow's from ready() (is it in INSTALLED_APPS, and Django set up?)"
        )


def run_all(interaction: Interaction) -> None:
    run_many([interaction])


def run_many(interactions: Sequence[Interaction]) -> None:
    """Every handler for each interaction, in order, then every batch handler once
    (in its per-row form where it has one)."""
    _check_installed()
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
    _check_installed()
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
    _check_installed()
    stopped: Counter[str] = Counter()
    if interaction_ids:
        for handler in _withdrawn_handlers:
            stopped.update(handler(interaction_ids=interaction_ids, reason=reason))
    return stopped
