"""Who switching a cadence on would enrol: the people whose recent interactions
match its triggers, those already at the events its triggers name, and its
audience's members not yet in it."""

import datetime as dt
import operator
from dataclasses import dataclass
from functools import reduce

from django.db.models import (
    Exists,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, Lower, Trim

from crm.audiences.models import AudienceMember
from crm.models import Campaign, Interaction, Lead
from followups.cadences.models import (
    Cadence,
    CadenceTrigger,
    Enrolment,
)
from followups.cadences.services import leads_to_enrol


def recent_trigger_leads(cadence: Cadence, *, since: dt.datetime) -> QuerySet[Lead]:
    """The leads with an interaction since `since` that one of the cadence's
    starting triggers matches (as followups.cadences.triggers.trigger_matches decides it),
    not enrolled in the cadence since that interaction, nor in it now."""
    matches = [
        Q(pk__in=_matching(trigger).filter(occurred_at__gte=since).values("lead_id"))
        for trigger in cadence.triggers.all()
        if not trigger.ends
    ]
    if not matches:
        return Lead.objects.none()
    return leads_to_enrol(cadence=cadence, leads=Lead.objects.filter(reduce(operator.or_, matches)))


@dataclass(frozen=True)
class AtEvent:
    """How many people one of the cadence's events (campaigns) had before it
    could enrol them."""

    campaign: Campaign
    count: int


def people_at_its_events(cadence: Cadence) -> list[AtEvent]:
    """Per campaign that a starting trigger names, how many leads were already there
    (at any time) and are not in the cadence nor enrolled since: who a new
    cadence for an event would have enrolled, had it existed."""
    campaigns = Campaign.objects.filter(
        pk__in=[t.campaign_id for t in cadence.triggers.all() if t.campaign_id and not t.ends]
    ).order_by("name")
    return [
        AtEvent(campaign, event_trigger_leads(cadence, campaign).count()) for campaign in campaigns
    ]


def event_trigger_leads(cadence: Cadence, campaign: Campaign) -> QuerySet[Lead]:
    """The leads whose interaction at `campaign` one of the cadence's starting
    triggers for it matches, whenever it happened, not in the cadence now nor
    enrolled in it since."""
    matches = [
        Q(pk__in=_matching(trigger).values("lead_id"))
        for trigger in cadence.triggers.all()
        if trigger.campaign_id == campaign.pk and not trigger.ends
    ]
    if not matches:
        return Lead.objects.none()
    return leads_to_enrol(cadence=cadence, leads=Lead.objects.filter(reduce(operator.or_, matches)))


def _matching(trigger: CadenceTrigger) -> QuerySet[Interaction]:
    """The interactions the trigger matches, and after which the lead was not
    enrolled in its cadence."""
    found = Interaction.objects.filter(kind=trigger.kind).exclude(
        Exists(
            Enrolment.objects.filter(
                cadence_id=trigger.cadence_id,
                lead_id=OuterRef("lead_id"),
                enrolled_at__gte=OuterRef("occurred_at"),
            )
        )
    )
    if trigger.campaign_id:
        found = found.filter(campaign_id=trigger.campaign_id)
    if trigger.sentiment:
        found = found.filter(sentiment=trigger.sentiment)
    if trigger.data_key:
        # Compared trimmed and case-insensitively, a missing value as empty.
        text = Coalesce(
            KeyTextTransform(trigger.data_key, "data"), Value(""), output_field=TextField()
        )
        value = Lower(Trim(text))
        found = found.alias(trigger_value=value).filter(
            trigger_value=trigger.data_value.strip().lower()
        )
    if trigger.first_of_kind:
        earlier = Interaction.objects.filter(lead_id=OuterRef("lead_id"), kind=trigger.kind).filter(
            Q(occurred_at__lt=OuterRef("occurred_at"))
            | Q(occurred_at=OuterRef("occurred_at"), pk__lt=OuterRef("pk"))
        )
        found = found.exclude(Exists(earlier))
    return found


def audience_joiners(cadence: Cadence) -> QuerySet[Lead]:
    """The audience's members that followups.cadences.audiences.cadence_audience_sync
    would enrol now: those who joined since their last enrolment here, and are
    not in it."""
    if cadence.audience_id is None:
        return Lead.objects.none()
    enrolled_since_joining = Enrolment.objects.filter(
        cadence=cadence, lead_id=OuterRef("lead_id"), enrolled_at__gte=OuterRef("joined_at")
    )
    joined = AudienceMember.objects.filter(audience_id=cadence.audience_id).exclude(
        Exists(enrolled_since_joining)
    )
    return leads_to_enrol(
        cadence=cadence, leads=Lead.objects.filter(pk__in=joined.values("lead_id"))
    )
