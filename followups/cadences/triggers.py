"""What an interaction means for cadences (an interaction hook, run in a job):
first the exits it causes (a reply, a meeting, a purchase, a bounce, a do not
call, where each cadence says so), then the enrolments its triggers start.
Idempotent, as hooks must be: an exit ends only enrolments begun before the
interaction was recorded, and a trigger enrols once per interaction. In the
set-based paths a model's id is read as .id, not .pk (a property, a call each)."""

from collections import defaultdict
from collections.abc import Sequence

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from crm.bulk import garbage_collection_past
from crm.models import Interaction, Lead
from crm.outcomes import CallOutcome
from crm.sentences.describing import sentence_and_note
from followups.cadences.enrolling import enrolments_create_for_interactions
from followups.cadences.models import Cadence, CadenceTrigger, Enrolment, ExitCondition
from followups.cadences.planning import Wanted
from followups.cadences.services import enrolment_create, enrolments_end

REASON_NOTES_CHARS = 120  # of the interaction's notes, in an enrolment's source
FIRSTS_CHUNK = 2000  # interactions per first-of-kind query

EXIT_BY_KIND = {
    Interaction.Kind.EMAIL_REPLIED: ExitCondition.REPLIED,
    Interaction.Kind.MEETING: ExitCondition.MEETING,
    Interaction.Kind.PURCHASE: ExitCondition.PURCHASE,
    Interaction.Kind.EMAIL_BOUNCED: ExitCondition.BOUNCED,
}
EXIT_BY_CALL_OUTCOME = {
    CallOutcome.MEETING: ExitCondition.MEETING,
    CallOutcome.DO_NOT_CALL: ExitCondition.DO_NOT_CALL,
}


def cadences_apply(*, interactions: Sequence[Interaction]) -> None:
    """A batch hook, set-based: the exits and enrolments of a batch of interactions
    (an import's thousands of visits), with the active triggers read once. Each
    cadence's enrolments and first touches are written a few statements a batch
    (followups.cadences.enrolling.enrolments_create_for_interactions). A lead whose
    interactions in the batch end something (an exit, an ending trigger) or enrol
    it more than once is handled one interaction at a time, in order, as
    cadences_apply_per_row does: there the order decides the outcome."""
    triggers = _triggers_by_kind({interaction.kind for interaction in interactions})
    if not triggers and not any(exit_condition(i) for i in interactions):
        return
    # The batch's thousands of rows, plans and touches allocate enough to start
    # several full garbage collections, each walking every object alive (Django's,
    # the batch's visits with their leads): about a fifth of the batch's CPU.
    with garbage_collection_past():
        _apply_set_based(interactions, triggers)


def _apply_set_based(
    interactions: Sequence[Interaction], triggers: dict[str, list[CadenceTrigger]]
) -> None:
    if triggers:
        _fresh_scores(interactions)
    firsts = _firsts_of_kind(interactions, triggers)
    matched = {
        i.id: [t for t in triggers.get(i.kind, ()) if trigger_matches(t, i, first=i.id in firsts)]
        for i in interactions
    }
    one_by_one = _leads_one_by_one(interactions, matched)
    wanted: dict[tuple[int, int], Wanted] = {}  # in the order one by one meets them
    for interaction in interactions:
        if interaction.lead_id not in one_by_one:
            for trigger in matched[interaction.id]:
                if trigger.cadence.is_active:
                    key = (trigger.cadence_id, interaction.id)
                    wanted.setdefault(key, Wanted(trigger.cadence, interaction))
    if wanted:
        enrolling = {w.interaction.id: w.interaction for w in wanted.values()}.values()
        enrolments_create_for_interactions(
            wanted=list(wanted.values()),
            sources={i.id: describe(i) for i in enrolling},
            enrolled_at={i.id: enrolled_at(i) for i in enrolling},
        )
    _apply_each([i for i in interactions if i.lead_id in one_by_one], triggers)


def _leads_one_by_one(
    interactions: Sequence[Interaction], matched: dict[int, list[CadenceTrigger]]
) -> set[int]:
    """The leads whose interactions in the batch end something, or enrol them by
    more than one interaction: the order of those decides what happens."""
    enrolling_by: dict[int, int] = defaultdict(int)
    leads = set()
    for interaction in interactions:
        triggers = matched[interaction.id]
        if exit_condition(interaction) or any(t.ends for t in triggers):
            leads.add(interaction.lead_id)
        elif any(t.cadence.is_active for t in triggers):
            enrolling_by[interaction.lead_id] += 1
    return leads | {lead_id for lead_id, count in enrolling_by.items() if count > 1}


def _firsts_of_kind(
    interactions: Sequence[Interaction], triggers: dict[str, list[CadenceTrigger]]
) -> set[int]:
    """Of the interactions a first-of-kind trigger looks at, the ids of those with
    no earlier interaction of their kind for their lead (is_first_of_kind, one
    query a chunk)."""
    asked = [i.id for i in interactions if any(t.first_of_kind for t in triggers.get(i.kind, ()))]
    earlier = Interaction.objects.filter(lead_id=OuterRef("lead_id"), kind=OuterRef("kind")).filter(
        Q(occurred_at__lt=OuterRef("occurred_at"))
        | Q(occurred_at=OuterRef("occurred_at"), pk__lt=OuterRef("pk"))
    )
    firsts: set[int] = set()
    for start in range(0, len(asked), FIRSTS_CHUNK):
        chunk = Interaction.objects.filter(pk__any=asked[start : start + FIRSTS_CHUNK])
        firsts.update(chunk.exclude(Exists(earlier)).values_list("pk", flat=True))
    return firsts


def cadences_apply_per_row(*, interactions: Sequence[Interaction]) -> None:
    """The per-row form of cadences_apply (an interaction recorded live): each
    interaction's exits and enrolments in turn, each enrolment planned on its own."""
    triggers = _triggers_by_kind({interaction.kind for interaction in interactions})
    if triggers:
        _fresh_scores(interactions)
    _apply_each(interactions, triggers)


def _apply_each(
    interactions: Sequence[Interaction], triggers: dict[str, list[CadenceTrigger]]
) -> None:
    for interaction in interactions:
        condition = exit_condition(interaction)
        if condition:
            enrolments_exit_on(interaction=interaction, condition=condition)
        for trigger in triggers.get(interaction.kind, ()):
            if not trigger_matches(trigger, interaction):
                continue
            if trigger.ends:
                _end(trigger, interaction)
            elif trigger.cadence.is_active:
                _enrol(trigger.cadence, interaction)


def _fresh_scores(interactions: Sequence[Interaction]) -> None:
    """The leads' scores as stored now: the batch hooks before this one
    (crm.scoring) may have rescored them since the interactions were loaded, and
    a call carries its lead's score bonus (followups.priorities)."""
    scores = dict(
        Lead.objects.filter(pk__any={i.lead_id for i in interactions}).values_list("pk", "score")
    )
    for interaction in interactions:
        interaction.lead.score = scores.get(interaction.lead_id, interaction.lead.score)


def exit_condition(interaction: Interaction) -> str:
    if interaction.kind == Interaction.Kind.CALL:
        return EXIT_BY_CALL_OUTCOME.get(interaction.outcome, "")
    return EXIT_BY_KIND.get(interaction.kind, "")


def enrolments_exit_on(*, interaction: Interaction, condition: str) -> int:
    """End the lead's enrolments in cadences that exit on this condition, those
    begun before the interaction was recorded."""
    ending = Enrolment.objects.filter(
        lead_id=interaction.lead_id,
        enrolled_at__lt=interaction.created_at,
        cadence__in=cadences_exiting_on(condition),
    ).exclude(interaction_id=interaction.pk)
    return enrolments_end(
        enrolments=ending, reason=exit_reason(condition), now=interaction.occurred_at
    )


def enrolments_exit_for_lead(*, lead_id: int, condition: str) -> int:
    """End the lead's enrolments in cadences that exit on a change of the lead
    itself (they unsubscribed, asked for no calls or no letters)."""
    ending = Enrolment.objects.filter(lead_id=lead_id, cadence__in=cadences_exiting_on(condition))
    return enrolments_end(enrolments=ending, reason=exit_reason(condition), now=timezone.now())


def exit_reason(condition: str) -> str:
    """The exit reason an enrolment ended by the condition gets ("Unsubscribe",
    "A meeting is booked"): the cadence pages and the dashboard count by it."""
    return ExitCondition(condition).label.removeprefix("They ").capitalize()


LEAD_FLAG_EXITS = {
    "do_not_call": ExitCondition.DO_NOT_CALL,
    "do_not_mail": ExitCondition.DO_NOT_MAIL,
}


def lead_flags_saved(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    """post_save of Lead: a lead marked do not call or do not mail by hand (the lead
    page, the admin, an import) leaves the cadences that end on it. (A call's "do
    not call" outcome is an interaction, handled by the hook above.)"""
    if raw:
        return
    for flag, condition in LEAD_FLAG_EXITS.items():
        if getattr(instance, flag) and (update_fields is None or flag in update_fields):
            enrolments_exit_for_lead(lead_id=instance.pk, condition=condition)


def cadences_exiting_on(condition: str) -> list[int]:
    """The ids of the cadences that end on this condition (a handful: read them)."""
    return [
        pk
        for pk, exits in Cadence.objects.values_list("pk", "exit_on")
        if condition in (exits or ())
    ]


def _triggers_by_kind(kinds: set[str]) -> dict[str, list[CadenceTrigger]]:
    found: dict[str, list[CadenceTrigger]] = defaultdict(list)
    # An ending trigger ends enrolments in a cadence switched off too: those in it go on.
    relevant = CadenceTrigger.objects.filter(kind__in=kinds).filter(
        Q(cadence__is_active=True) | Q(ends=True)
    )
    for trigger in relevant.select_related("cadence").order_by("ends", "cadence__name", "pk"):
        found[trigger.kind].append(trigger)
    return found


def trigger_matches(
    trigger: CadenceTrigger, interaction: Interaction, *, first: bool | None = None
) -> bool:
    """`first`: whether the interaction is its lead's first of its kind, when known."""
    if trigger.campaign_id and trigger.campaign_id != interaction.campaign_id:
        return False
    if trigger.sentiment and trigger.sentiment != interaction.sentiment:
        return False
    if trigger.data_key:
        value = (interaction.data or {}).get(trigger.data_key)
        if str(value or "").strip().casefold() != trigger.data_value.strip().casefold():
            return False
    if not trigger.first_of_kind:
        return True
    return is_first_of_kind(interaction) if first is None else first


def is_first_of_kind(interaction: Interaction) -> bool:
    """No interaction of the same kind for the lead before this one."""
    earlier = Q(occurred_at__lt=interaction.occurred_at) | Q(
        occurred_at=interaction.occurred_at, pk__lt=interaction.pk
    )
    return not Interaction.objects.filter(
        earlier, lead_id=interaction.lead_id, kind=interaction.kind
    ).exists()


def _end(trigger: CadenceTrigger, interaction: Interaction) -> None:
    """An ending trigger: the lead's enrolment in its cadence, begun before the
    interaction was recorded, ends."""
    ending = Enrolment.objects.filter(
        cadence_id=trigger.cadence_id,
        lead_id=interaction.lead_id,
        enrolled_at__lt=interaction.created_at,
    ).exclude(interaction_id=interaction.pk)
    enrolments_end(enrolments=ending, reason=describe(interaction), now=interaction.occurred_at)


def _enrol(cadence: Cadence, interaction: Interaction) -> None:
    if Enrolment.objects.filter(cadence=cadence, interaction=interaction).exists():
        return  # this interaction enrolled the lead already (a job run twice)
    enrolment_create(
        cadence=cadence,
        lead=interaction.lead,
        source=describe(interaction),
        interaction=interaction,
        now=enrolled_at(interaction),
    )


def enrolled_at(interaction: Interaction):
    """When an interaction's trigger enrols its lead: when it was recorded, or when
    it happens, if that is later (a booking made ahead)."""
    return max(interaction.created_at, interaction.occurred_at)


def describe(interaction: Interaction) -> str:
    """What happened, in the timeline's words (crm.sentences), for the rep who
    follows up: "Downloaded “Pricing guide”", "Replied to an email: Asks for a quote"."""
    # As describe_all told it (with what it looked up) where it did; else, as
    # `described` would, only the sentence and note this needs.
    described = interaction.__dict__.get("described")
    if described is not None:
        sentence, note = described.sentence, described.note
    else:
        sentence, note = sentence_and_note(interaction)
    if note:
        return f"{sentence}: {note[:REASON_NOTES_CHARS]}"
    return sentence
