"""Recording what happened to a lead: one interaction or many at once (the
leads' activity times and the hooks job queued after), and taking one back."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from config.jobs import enqueue
from crm import interaction_hooks, jobs
from crm.models import Campaign, Interaction, Lead, User
from crm.outcomes import outcome_error
from crm.scoring.services import scores_update


@transaction.atomic
def interaction_record(
    *,
    lead: Lead,
    kind: str,
    occurred_at: datetime | None = None,
    campaign: Campaign | None = None,
    outcome: str = "",
    sentiment: str = "",
    notes: str = "",
    data: dict | None = None,
    user: User | None = None,
    source: str = "",
    external_id: str = "",
) -> tuple[Interaction, bool]:
    """Record what happened and queue what follows from it.

    A second call with the same (source, external_id) returns the first
    interaction and records nothing. The outcome is one of the kind's codes
    (crm.outcomes), or none.
    """
    data = interaction_data_clean(kind=kind, data=data or {})
    if problem := outcome_error(kind, outcome):
        raise ValidationError({"outcome": [problem]})
    if external_id:
        existing = Interaction.objects.filter(source=source, external_id=external_id).first()
        if existing:
            return existing, False
    interaction = Interaction(
        lead=lead,
        kind=kind,
        occurred_at=occurred_at or timezone.now(),
        campaign=campaign,
        outcome=outcome,
        sentiment=sentiment,
        notes=notes,
        data=data,
        user=user,
        source=source,
        external_id=external_id,
    )
    interaction.full_clean(exclude=["lead", "campaign", "user"])
    interaction.save()
    from_campaign = {interaction.lead_id} if interaction.campaign_id else set()
    _leads_touched([interaction.pk], {interaction.lead_id}, from_campaign)
    enqueue(jobs.interaction_recorded, interaction.pk)
    return interaction, True


def interaction_data_clean(*, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """The interaction's data as its kind needs it: an app event's name, trimmed, in
    data["name"] (ValidationError on "data.name" when it is missing, blank, not text
    or too long). Other kinds' data is left as it is."""
    if kind != Interaction.Kind.APP_EVENT:
        return data
    name = data.get("name")
    limit = Interaction.APP_EVENT_NAME_MAX_LENGTH
    if name is not None and not isinstance(name, str):
        problem = "Give the app event's name as text."
    elif not (name or "").strip():
        problem = "An app event needs its name, e.g. “project_created”."
    elif len(name.strip()) > limit:
        problem = f"Use at most {limit} characters."
    else:
        return {**data, "name": name.strip()}
    raise ValidationError({"data.name": [problem]})


def interactions_record(interactions: list[Interaction]) -> list[Interaction]:
    """Many interactions in one insert (a drip batch's sends, a print run's letters,
    a website visitor's history): those whose (source, external_id) is recorded
    already are skipped; then, as interaction_record does for one, the leads'
    activity times and one hooks job. Returns the interactions recorded now."""
    keys = {i.external_id for i in interactions if i.external_id}
    if keys:
        known = Interaction.objects.filter(external_id__in=keys).values_list(
            "source", "external_id"
        )
        recorded = set(known)
        interactions = [i for i in interactions if (i.source, i.external_id) not in recorded]
    if not interactions:
        return []
    Interaction.objects.bulk_create(interactions, batch_size=1000)
    _leads_touched(
        [i.pk for i in interactions],
        {i.lead_id for i in interactions},
        {i.lead_id for i in interactions if i.campaign_id},
    )
    enqueue(jobs.interactions_recorded, [interaction.pk for interaction in interactions])
    return interactions


@dataclass(frozen=True)
class Happened:
    """One interaction of a kind and source recorded in bulk (interactions_record_many)."""

    lead_id: int
    occurred_at: datetime
    notes: str
    data: dict
    external_id: str


def interactions_record_many(*, kind: str, source: str, happened: Sequence[Happened]) -> list[int]:
    """interactions_record for many interactions of one kind and source with no
    campaign, outcome or user (a mail job's sends): on PostgreSQL one INSERT …
    SELECT FROM unnest of the batch's columns, the ones recorded already skipped
    by the unique index, rather than a model object each. The same rows, the same
    leads' activity times and hooks job. Returns the ids recorded now, in order."""
    if not happened:
        return []
    if connection.vendor != "postgresql":
        interactions = [
            Interaction(
                lead_id=h.lead_id,
                kind=kind,
                occurred_at=h.occurred_at,
                notes=h.notes,
                data=h.data,
                source=source,
                external_id=h.external_id,
            )
            for h in happened
        ]
        return [interaction.pk for interaction in interactions_record(interactions)]
    with connection.cursor() as cursor:
        cursor.execute(_RECORD_MANY_SQL, _record_many_params(kind, source, happened))
        recorded = cursor.fetchall()
    if recorded:
        _leads_touched([pk for pk, _ in recorded], {lead_id for _, lead_id in recorded}, set())
        enqueue(jobs.interactions_recorded, [pk for pk, _ in recorded])
    return [pk for pk, _ in recorded]


def _record_many_params(kind: str, source: str, happened: Sequence[Happened]) -> list:
    return [
        kind,
        source,
        timezone.now(),
        [h.lead_id for h in happened],
        [h.occurred_at for h in happened],
        [h.notes for h in happened],
        [json.dumps(h.data) for h in happened],  # as the JSONField writes it
        [h.external_id for h in happened],
    ]


# The unique index on (source, external_id) is partial (external_id not empty):
# ON CONFLICT names it by its columns and predicate. WITH ORDINALITY keeps the
# batch's order in the ids, as bulk_create gives them.
_RECORD_MANY_SQL = """
INSERT INTO crm_interaction (
    lead_id, kind, occurred_at, outcome, path, sentiment, notes, data, source,
    external_id, created_at
)
SELECT row.lead_id, %s, row.occurred_at, '', '', '', row.notes, row.data::jsonb, %s,
    row.external_id, %s
FROM unnest(%s::bigint[], %s::timestamptz[], %s::text[], %s::text[], %s::text[])
    WITH ORDINALITY AS row(lead_id, occurred_at, notes, data, external_id, position)
ORDER BY row.position
ON CONFLICT (source, external_id) WHERE NOT (external_id = '') DO NOTHING
RETURNING id, lead_id
"""


def _leads_touched(ids: list[int], lead_ids: set[int], from_campaigns: set[int]) -> None:
    """Each lead's last activity moved up to its newest of these interactions, and
    a lead with no source campaign given the campaign of one (from_campaigns: the
    leads of those with a campaign): a statement each, however many leads."""
    mine = Interaction.objects.filter(pk__in=ids, lead_id=OuterRef("pk"))
    newest = Subquery(mine.order_by("-occurred_at").values("occurred_at")[:1])
    leads = Lead.objects.filter(pk__in=lead_ids)
    leads.filter(last_activity_at__lt=newest).update(last_activity_at=newest)
    if from_campaigns:
        campaign = mine.exclude(campaign=None).order_by("occurred_at", "pk").values("campaign")
        Lead.objects.filter(pk__in=from_campaigns, source_campaign__isnull=True).update(
            source_campaign=Subquery(campaign[:1])
        )


@transaction.atomic
def interaction_withdraw(*, interaction_id: int, reason: str) -> None:
    """Delete one interaction as if it never happened (a call outcome taken back):
    what the other apps planned from it stops (crm.interaction_hooks), and its
    lead's score is worked out without it."""
    found = Interaction.objects.filter(pk=interaction_id)
    lead_id = found.values_list("lead_id", flat=True).first()
    if lead_id is None:
        return
    interaction_hooks.run_withdrawn(interaction_ids=[interaction_id], reason=reason)
    Interaction.objects.filter(pk=interaction_id).delete()
    scores_update(lead_ids=[lead_id], now=timezone.now())
