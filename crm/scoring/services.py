"""Working out lead scores, set-based.

A lead's score is the rounded sum of its interactions' decayed points (see
crm.scoring.decay) under the active rules. Scores are recomputed for a batch of
leads at a time: one aggregate query sums the decayed points in the database,
one UPDATE writes them with the time they were worked out. That happens

- after interactions are recorded, for the leads that got them (a batch
  interaction hook: one recompute per job, not per interaction);
- every hour for scores gone stale, because points decay with time alone
  (scores_decay: never worked out, or older than STALE_AFTER and not 0);
- after a manager changes a rule (scoring_rule_save, scoring_rule_delete: the
  settings page and the admin alike), for every lead with interactions of its kind.
The last two tell the audiences which scores changed (their rules may read them).

Higher apps keep something in step with scores through a follower (followups:
the priority of the lead's open call). A follower's `lock` runs first, so that
rows are locked in the order the rest of the product locks them (a call's
touch, then its lead), then the leads are locked and rescored, then `follow`
gets the scores that changed, in the same transaction.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from config.jobs import JobHandle, enqueue
from crm.arrays import rows_update
from crm.audiences.services import audience_members_update_later
from crm.models import Interaction, Lead
from crm.scoring.decay import decayed_points_sql, now_param, round_score, scored_interactions_sql
from crm.scoring.models import ScoringRule

KIND_TAKEN = "This kind of interaction has a rule already: edit that one instead."
BATCH = 500  # leads per aggregate query and UPDATE (SQLite allows 999 parameters)
# On PostgreSQL the ids go as one array (crm.lookups' field__any): an import's
# batch of thousands is rescored in a few statements.
ARRAY_BATCH = 5000
STALE_AFTER = dt.timedelta(hours=12)  # the periodic decay runs hourly
# Run by crm.scoring.jobs, which imports this module (config.jobs.JobHandle).
SCORES_RECOMPUTE = JobHandle("scores_recompute")


class ScoreChange(NamedTuple):
    lead_id: int
    old: int
    new: int


class Follower(NamedTuple):
    lock: Callable[[list[int]], None]
    follow: Callable[[list[ScoreChange]], None]


_followers: list[Follower] = []


def register_follower(*, lock: Callable, follow: Callable) -> None:
    follower = Follower(lock, follow)
    if follower not in _followers:
        _followers.append(follower)


def scores_update(*, lead_ids: Iterable[int], now: dt.datetime) -> list[ScoreChange]:
    """Recompute these leads' scores as of `now`; the scores that changed."""
    ids = sorted(set(lead_ids))
    size = ARRAY_BATCH if connection.vendor == "postgresql" else BATCH
    changes = []
    for start in range(0, len(ids), size):
        changes += _update_batch(ids[start : start + size], now)
    return changes


@transaction.atomic
def _update_batch(ids: list[int], now: dt.datetime) -> list[ScoreChange]:
    for follower in _followers:
        follower.lock(ids)
    locked = Lead.objects.select_for_update(no_key=True).filter(pk__any=ids).order_by("pk")
    old = dict(locked.values_list("pk", "score"))
    new = decayed_scores(list(old), now)
    _write_scores(list(old), new, now)
    changes = [ScoreChange(pk, score, new.get(pk, 0)) for pk, score in old.items()]
    changes = [change for change in changes if change.old != change.new]
    for follower in _followers:
        follower.follow(changes)
    return changes


def _write_scores(ids: list[int], scores: dict[int, int], now: dt.datetime) -> None:
    """One UPDATE for the batch (rows_update), 0 for the leads without scored interactions. On
    PostgreSQL each lead's score is joined by id from two arrays (a CASE of
    `id = ANY(…)` tests each row against thousands of ids)."""
    rows = [(pk, scores.get(pk, 0)) for pk in ids]
    rows_update(Lead, ["score"], rows, same={"score_computed_at": now})


def decayed_scores(lead_ids: Sequence[int], now: dt.datetime) -> dict[int, int]:
    """Lead id -> score as of `now`, for the leads with any scored interaction."""
    if not lead_ids:
        return {}
    if connection.vendor == "postgresql":
        among, ids = "= ANY(%s::bigint[])", [list(lead_ids)]
    else:
        among, ids = f"IN ({', '.join(['%s'] * len(lead_ids))})", list(lead_ids)
    sql = (
        f"SELECT i.lead_id, SUM({decayed_points_sql()}) {scored_interactions_sql()} "
        f"WHERE i.lead_id {among} GROUP BY i.lead_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now_param(now), True, *ids])
        return {lead_id: round_score(total) for lead_id, total in cursor.fetchall()}


def scores_after_interactions(*, interactions: Sequence[Interaction]) -> None:
    """The batch interaction hook: rescore the leads that got these interactions."""
    scores_update(lead_ids={i.lead_id for i in interactions}, now=timezone.now())


def scores_decay(*, now: dt.datetime) -> int:
    """Rescore every lead whose score was never worked out, or is stale and not 0
    (a score of 0 has nothing to decay); how many were rescored."""
    stale = Q(score_computed_at__isnull=True) | (
        Q(score_computed_at__lt=now - STALE_AFTER) & ~Q(score=0)
    )
    return _rescore_in_batches(Lead.objects.filter(stale), now)


def scores_recompute(*, kinds: Iterable[str], now: dt.datetime) -> int:
    """Rescore every lead with an interaction of these kinds (their rule changed)."""
    scored = Interaction.objects.filter(lead=OuterRef("pk"), kind__in=list(kinds))
    return _rescore_in_batches(Lead.objects.filter(Exists(scored)), now)


def scores_recompute_later(*, kinds: Iterable[str]) -> None:
    """Queue scores_recompute for after the current transaction commits (a rule
    was saved): config.jobs.enqueue waits for the commit, except inline (tests)."""
    enqueue(SCORES_RECOMPUTE, sorted(set(kinds)))


def _rescore_in_batches(leads, now: dt.datetime) -> int:
    """Walk the leads by id, a batch at a time, each batch in its own transaction.
    Audiences with score rules hear of the scores that changed (after interactions,
    their own batch hook runs after this one's)."""
    done, after = 0, 0
    while ids := list(
        leads.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:BATCH]
    ):
        changes = scores_update(lead_ids=ids, now=now)
        audience_members_update_later(lead_ids=[change.lead_id for change in changes])
        done, after = done + len(ids), ids[-1]
    return done


def scoring_rule_save(
    *,
    rule: ScoringRule | None = None,
    kind: str,
    points: int,
    half_life_days: int,
    is_active: bool,
) -> ScoringRule:
    """Create a rule (no rule, or an unsaved one) or change one, then rescore the
    leads with interactions of its kind, and of its old kind when that changed.
    A kind that has a rule already is a ValidationError on "kind"."""
    rule = ScoringRule() if rule is None else rule
    with transaction.atomic():
        old_kind = _stored_kind(rule)
        rule.kind, rule.points, rule.half_life_days = kind, points, half_life_days
        rule.is_active = is_active
        _save_unique_kind(rule)
        scores_recompute_later(kinds={kind, old_kind or kind})
    return rule


def _stored_kind(rule: ScoringRule) -> str | None:
    """The rule's kind as saved: a ModelForm (the admin's) sets the new one on the
    instance before it reaches the service."""
    if rule.pk is None:
        return None
    return ScoringRule.objects.filter(pk=rule.pk).values_list("kind", flat=True).first()


def _save_unique_kind(rule: ScoringRule) -> None:
    """Save; one rule per kind is left to the database's unique constraint, the
    only check that holds when two managers add the same kind at once."""
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError:
        raise ValidationError({"kind": KIND_TAKEN}) from None


def scoring_rule_delete(*, rule: ScoringRule) -> None:
    scoring_rules_delete(rules=ScoringRule.objects.filter(pk=rule.pk))


@transaction.atomic
def scoring_rules_delete(*, rules: QuerySet[ScoringRule]) -> None:
    """Delete the rules; interactions of their kinds count nothing from now on."""
    kinds = set(rules.values_list("kind", flat=True))
    rules.delete()
    if kinds:  # none when someone else deleted them first
        scores_recompute_later(kinds=kinds)
