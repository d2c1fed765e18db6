"""django-anymail's tracking and inbound signals, when an ESP sends our email:
its webhooks (anymail's own URLs) become the same events as our generic one."""

from anymail.signals import EventType, inbound, tracking
from django.dispatch import receiver

from mailings.consent.unsubscribes import unsubscribe_by_token, unsubscribe_target
from mailings.email.inbound import inbound_event

TRACKED = {
    EventType.BOUNCED: "bounce",
    EventType.REJECTED: "bounce",
    EventType.COMPLAINED: "complaint",
    EventType.UNSUBSCRIBED: "unsubscribe",
}


@receiver(tracking, dispatch_uid="mailings.anymail_tracking")
def on_tracking(sender, event, esp_name, **_):
    if event.event_type in TRACKED and event.recipient:
        inbound_event(
            event=TRACKED[event.event_type], email=event.recipient, source=f"anymail:{esp_name}"
        )


@receiver(inbound, dispatch_uid="mailings.anymail_inbound")
def on_inbound(sender, event, esp_name, **_):
    message = event.message
    if message is None or message.from_email is None:
        return
    subject = (message.subject or "").strip()
    if subject.lower().startswith("unsubscribe "):  # our List-Unsubscribe mailto
        target = unsubscribe_target(subject.split(None, 1)[1])
        if target is not None:
            unsubscribe_by_token(target, ip_address=None)
        return
    references = " ".join(filter(None, [message["In-Reply-To"], message["References"]]))
    inbound_event(
        event="reply",
        email=message.from_email.addr_spec,
        message_id=references,
        text=message.text or "",
        external_id=event.event_id or message["Message-ID"] or "",
        source=f"anymail:{esp_name}",
    )
