"""What a site's events become on a lead's timeline: interactions from the source
"website", of the kind each kind of event maps to, with the external id
"web:<visitor id>:<event id>" (so a retried beacon records nothing twice). The
beacon services write them; the site pages read them back."""

from crm.models import Interaction
from crm.tracking.models import WebEvent

SOURCE = "website"
KEY_PREFIX = "web:"
INTERACTION_KINDS = {
    WebEvent.Kind.PAGE_VIEW: Interaction.Kind.WEB_VISIT,
    WebEvent.Kind.CART_ADD: Interaction.Kind.CART_ADD,
    WebEvent.Kind.CHECKOUT_STARTED: Interaction.Kind.CHECKOUT_STARTED,
    WebEvent.Kind.PURCHASE: Interaction.Kind.PURCHASE,
    WebEvent.Kind.CONTENT_DOWNLOAD: Interaction.Kind.CONTENT_DOWNLOAD,
    WebEvent.Kind.APP_EVENT: Interaction.Kind.APP_EVENT,
}
EVENT_KINDS = {interaction: event for event, interaction in INTERACTION_KINDS.items()}


def event_key(visitor_id: int, eid: str) -> str:
    return f"{KEY_PREFIX}{visitor_id}:{eid}"
