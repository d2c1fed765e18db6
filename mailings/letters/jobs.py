"""RQ entry points for print runs: ids in, a service called, safe to run twice."""

from config.jobs import with_fresh_connections
from mailings.letters import generating


@with_fresh_connections
def print_run_chunk_render(run_id: int, generation: int, chunk: int) -> None:
    generating.chunk_render(run_id=run_id, generation=generation, chunk=chunk)


@generating.PRINT_RUN_MERGE.runs
@with_fresh_connections
def print_run_merge(run_id: int, generation: int) -> None:
    generating.merge(run_id=run_id, generation=generation)
