"""Email touches planned outside a drip (by a follow-up rule or a call outcome)
are sent by the drip set up for them: the touch becomes that drip's first email."""

from crm.models import Interaction
from followups.models import Touch
from followups.services import touches_skip
from mailings.drips import enrolment_create
from mailings.models import Drip, OutboxEmail


def drip_for_touch(touch: Touch) -> Drip | None:
    drips = Drip.objects.filter(is_active=True)
    if touch.rule_id:
        return drips.filter(for_rule=touch.rule_id).first()
    call = touch.interaction
    if call is not None and call.kind == Interaction.Kind.CALL:
        return drips.filter(for_call_outcome=(call.data or {}).get("outcome", "")).first()
    return None


def adopt_touch(touch: Touch) -> OutboxEmail | None:
    """The outbox row for a touch planned outside a drip, or None after closing the
    touch when no drip sends it (or the lead is in that drip already)."""
    drip = drip_for_touch(touch)
    enrolment = None
    if drip is not None:
        enrolment = enrolment_create(
            drip=drip,
            lead=touch.lead,
            source=touch.origin or touch.reason,
            interaction=touch.interaction,
            first_touch=touch,
        )
    if enrolment is None:
        why = "No drip sends this email" if drip is None else f"Already in the drip {drip.name}"
        touches_skip(touch_ids=[touch.pk], outcome=why)
        return None
    return enrolment.emails.get()
