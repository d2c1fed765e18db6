"""Rules turn interactions into touches (an interaction hook, run in a job)."""

import datetime as dt
from collections.abc import Sequence

from crm.models import Interaction, Lead, User
from crm.roles import Role
from followups.calling_hours import Holidays, holidays_around, next_business_start
from followups.models import Channel, Rule, Touch
from followups.priorities import score_bonus
from followups.services import (
    lead_assignee,
    open_touches_per_person,
    people_with_role,
    touch_schedule,
)


def rules_apply(*, interaction: Interaction) -> list[Touch]:
    """Plan the touches the active rules ask for after one interaction."""
    return rules_apply_many(interactions=[interaction])


def rules_apply_many(*, interactions: Sequence[Interaction]) -> list[Touch]:
    """Plan the touches the active rules ask for, for a batch of interactions (an
    interaction hook, run in a job: an import's thousands of booth visits come a
    thousand at a time). The rules and the reps' workloads are read once a batch.
    Idempotent: each (rule, interaction) has its own key, so a job run twice plans
    nothing new."""
    rules = _rules_by_kind({interaction.kind for interaction in interactions})
    if not rules:
        return []
    _fresh_scores(interactions)
    batch = PlanningBatch()
    planned = []
    for interaction in interactions:
        for rule in rules.get(interaction.kind, ()):
            if rule.trigger_sentiment and rule.trigger_sentiment != interaction.sentiment:
                continue
            touch = _plan(rule, interaction, batch)
            if touch is not None:
                planned.append(touch)
    return planned


def _fresh_scores(interactions: Sequence[Interaction]) -> None:
    """The leads' scores as stored now: the batch hooks (crm.scoring) may have
    rescored them since the interactions were loaded, and a call carries its
    lead's score bonus."""
    scores = dict(
        Lead.objects.filter(pk__in={i.lead_id for i in interactions}).values_list("pk", "score")
    )
    for interaction in interactions:
        interaction.lead.score = scores.get(interaction.lead_id, interaction.lead.score)


def _rules_by_kind(kinds: set[str]) -> dict[str, list[Rule]]:
    rules: dict[str, list[Rule]] = {}
    for rule in Rule.objects.filter(is_active=True, trigger_kind__in=kinds).prefetch_related(
        "reps"
    ):
        rules.setdefault(rule.trigger_kind, []).append(rule)
    return rules


def _plan(rule: Rule, interaction: Interaction, batch: "PlanningBatch") -> Touch | None:
    assignee = _assignee(rule, interaction, batch)
    touch = touch_schedule(
        lead=interaction.lead,
        channel=rule.channel,
        due_at=_due(rule, interaction, batch),
        reason=describe(interaction),
        reason_at=interaction.occurred_at,
        key=f"rule:{rule.pk}:interaction:{interaction.pk}",
        origin=f"Rule: {rule.name}",
        priority=rule.priority + _score_bonus(rule, interaction),
        assigned_to=assignee,
        talking_points=rule.talking_points,
        rule=rule,
        interaction=interaction,
    )
    if touch is not None and touch.interaction_id == interaction.pk and touch.assigned_to_id:
        batch.add(touch.assigned_to_id)  # this rule's new touch
    return touch


class PlanningBatch:
    """What planning a batch reads once and keeps up to date: the open touches
    assigned to each person ("least busy" for a thousand unowned leads in one
    query, not one per lead), the people with each role, the holidays near each
    due day."""

    def __init__(self):
        self._open: dict[int, int] | None = None
        self._people: dict[str, list[User]] = {}
        self._holidays: dict[dt.date, Holidays] = {}

    def least_busy(self, candidates: Sequence[User]) -> User | None:
        if self._open is None:
            self._open = open_touches_per_person()
        active = [user for user in candidates if user.is_active]
        return min(active, key=lambda user: (self._open.get(user.pk, 0), user.pk), default=None)

    def add(self, user_id: int) -> None:
        if self._open is not None:
            self._open[user_id] = self._open.get(user_id, 0) + 1

    def people(self, role: str) -> list[User]:
        if role not in self._people:
            self._people[role] = list(people_with_role(role))
        return self._people[role]

    def holidays_from(self, day: dt.date) -> Holidays:
        """The holidays from the day before `day` to two weeks after it."""
        if day not in self._holidays:
            self._holidays[day] = holidays_around(
                day + dt.timedelta(days=offset) for offset in range(-1, 15)
            )
        return self._holidays[day]


def _score_bonus(rule: Rule, interaction: Interaction) -> int:
    """A call carries the lead's score bonus (followups.priorities)."""
    return score_bonus(interaction.lead.score) if rule.channel == Channel.CALL else 0


def _due(rule: Rule, interaction: Interaction, batch: PlanningBatch) -> dt.datetime:
    """From when we learned of it (an import learns late), plus the rule's delay."""
    learned = max(interaction.occurred_at, interaction.created_at)
    due = learned + dt.timedelta(minutes=rule.delay_minutes)
    if rule.delay_business_days:
        lead = interaction.lead
        holidays = batch.holidays_from(due.date())
        due = next_business_start(
            due, lead.time_zone, holidays, days=rule.delay_business_days, country=lead.country
        )
    return due


def _assignee(rule: Rule, interaction: Interaction, batch: PlanningBatch) -> User | None:
    if rule.assign == Rule.Assign.MANAGER:
        return batch.least_busy(batch.people(Role.MANAGER))
    candidates = list(rule.reps.all()) if rule.assign == Rule.Assign.REPS else []
    return lead_assignee(
        interaction.lead,
        pick=lambda: batch.least_busy(candidates or batch.people(Role.REP)),
    )


def describe(interaction: Interaction) -> str:
    """What happened, in plain words, for the rep who follows up."""
    data = interaction.data or {}
    campaign = interaction.campaign.name if interaction.campaign_id else ""
    kind = Interaction.Kind
    words = {
        kind.CONTENT_DOWNLOAD: f"Downloaded {data.get('asset') or 'content'}",
        kind.WEB_VISIT: f"Visited {data.get('url') or 'the website'}",
        kind.BOOTH_VISIT: f"Visited the booth at {campaign or 'an event'}",
        kind.GIVEAWAY_ENTRY: f"Entered {campaign or 'a giveaway'}",
        kind.CART_ABANDONED: "Left a cart without buying",
        kind.PURCHASE: f"Bought {data.get('product') or 'from us'}",
        kind.SUPPORT_CALL: "Called support"
        + (" and was unhappy" if interaction.sentiment == "negative" else ""),
        kind.EMAIL_REPLIED: "Replied to an email",
        kind.EMAIL_CLICKED: "Clicked a link in an email",
        kind.REFERRAL: "Was referred to us",
        kind.APP_EVENT: interaction.description,
    }
    text = words.get(interaction.kind, interaction.get_kind_display())
    if interaction.notes:
        text += f": {interaction.notes[:120]}"
    return text
