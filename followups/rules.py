"""Rules turn interactions into touches (an interaction hook, run in a job)."""

import datetime as dt

from crm.models import Interaction
from crm.roles import Role
from followups.calling_hours import holidays_around, next_business_start
from followups.models import Channel, Rule, Touch
from followups.priorities import score_bonus
from followups.services import lead_assignee, least_busy, people_with_role, touch_schedule


def rules_apply(*, interaction: Interaction) -> list[Touch]:
    """Plan the touches the active rules ask for. Idempotent: each (rule,
    interaction) has its own key, so a job run twice plans nothing new."""
    rules = Rule.objects.filter(is_active=True, trigger_kind=interaction.kind)
    planned = []
    for rule in rules.prefetch_related("reps"):
        if rule.trigger_sentiment and rule.trigger_sentiment != interaction.sentiment:
            continue
        touch = touch_schedule(
            lead=interaction.lead,
            channel=rule.channel,
            due_at=_due(rule, interaction),
            reason=describe(interaction),
            reason_at=interaction.occurred_at,
            key=f"rule:{rule.pk}:interaction:{interaction.pk}",
            origin=f"Rule: {rule.name}",
            priority=rule.priority + _score_bonus(rule, interaction),
            assigned_to=_assignee(rule, interaction),
            talking_points=rule.talking_points,
            rule=rule,
            interaction=interaction,
        )
        if touch is not None:
            planned.append(touch)
    return planned


def _score_bonus(rule: Rule, interaction: Interaction) -> int:
    """A call carries the lead's score bonus (followups.priorities)."""
    return score_bonus(interaction.lead.score) if rule.channel == Channel.CALL else 0


def _due(rule: Rule, interaction: Interaction) -> dt.datetime:
    """From when we learned of it (an import learns late), plus the rule's delay."""
    learned = max(interaction.occurred_at, interaction.created_at)
    due = learned + dt.timedelta(minutes=rule.delay_minutes)
    if rule.delay_business_days:
        lead = interaction.lead
        holidays = holidays_around(
            due.date() + dt.timedelta(days=offset) for offset in range(-1, 15)
        )
        due = next_business_start(
            due, lead.time_zone, holidays, days=rule.delay_business_days, country=lead.country
        )
    return due


def _assignee(rule: Rule, interaction: Interaction):
    if rule.assign == Rule.Assign.MANAGER:
        return least_busy(people_with_role(Role.MANAGER))
    candidates = rule.reps.all() if rule.assign == Rule.Assign.REPS else None
    return lead_assignee(interaction.lead, candidates=candidates if candidates else None)


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
    }
    text = words.get(interaction.kind, interaction.get_kind_display())
    if interaction.notes:
        text += f": {interaction.notes[:120]}"
    return text
