"""Website tracking: what a beacon records, how a visitor becomes a lead (and its
anonymous history with it), and carts that end in a purchase or are abandoned.

An identified visitor's events become Interactions on its lead at once; an
anonymous visitor's are WebEvent rows until it identifies. Every event carries
an id made by the browser (`eid`), so a retried beacon records nothing new:
the interaction's external_id is `web:<visitor id>:<eid>` either way.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from crm.models import Campaign, Interaction, Lead, User
from crm.services import interactions_record, lead_find_or_create
from crm.tracking.events import INTERACTION_KINDS, SOURCE, event_key
from crm.tracking.models import Cart, Site, Visitor, WebEvent
from crm.tracking.referrals import referral_attribute
from crm.tracking.tokens import lead_token_read

PAGE_TIME, IDENTIFY = "page_time", "identify"
CONTACT_FIELDS = ("email", "phone", "first_name", "last_name", "company", "country")
CART_ACTIVITY = (WebEvent.Kind.CART_ADD, WebEvent.Kind.CHECKOUT_STARTED)
# A visitor's last_seen_at is written at most this often (not on every beacon).
LAST_SEEN_PRECISION = dt.timedelta(minutes=1)
ABANDON_BATCH = 500


@dataclass(frozen=True)
class Beacon:
    """One validated event from the snippet (crm.tracking.forms.BeaconForm)."""

    uid: str
    eid: str
    kind: str
    path: str = ""
    title: str = ""
    referrer: str = ""
    utm: dict[str, str] = field(default_factory=dict)
    ref: str = ""
    link_token: str = ""
    page: str = ""
    seconds: int | None = None
    cart_id: str = ""
    value: Decimal | None = None
    currency: str = ""
    product: str = ""
    content: str = ""
    name: str = ""  # an app event's
    contact: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Identified:
    lead: Lead
    created: bool
    joined: int  # anonymous events that joined the lead's timeline


@transaction.atomic
def beacon_record(*, site: Site, beacon: Beacon, now: dt.datetime | None = None) -> None:
    """Record one beacon. Beacons of one visitor are serialised by a row lock on it,
    which makes the duplicate checks below safe."""
    now = now or timezone.now()
    if beacon.kind == IDENTIFY:
        contact = dict(beacon.contact)
        visitor_identify_by_contact(
            site=site,
            uid=beacon.uid,
            email=contact.pop("email", ""),
            phone=contact.pop("phone", ""),
            defaults=contact,
            now=now,
        )
        return
    visitor = _visitor_seen(site=site, uid=beacon.uid, referral_code=beacon.ref, now=now)
    if beacon.link_token:
        _identify_from_link(visitor, beacon.link_token, now=now)
    if beacon.kind == PAGE_TIME:
        _page_time_record(visitor, page=beacon.page, seconds=beacon.seconds or 0)
    else:
        _event_record(visitor, _web_event(visitor, beacon, now))


@transaction.atomic
def visitor_identify_by_contact(
    *,
    site: Site,
    uid: str,
    email: str = "",
    phone: str = "",
    defaults: dict[str, Any] | None = None,
    owner: User | None = None,
    source_campaign: Campaign | None = None,
    by: User | None = None,
    now: dt.datetime | None = None,
) -> Identified:
    """A form on the site named the visitor: find or create the person (the one way
    in, crm.services.lead_find_or_create) and link the visitor to them."""
    now = now or timezone.now()
    visitor = _visitor_seen(site=site, uid=uid, now=now)
    found = lead_find_or_create(
        email=email,
        phone=phone,
        defaults=defaults,
        owner=owner,
        source_campaign=source_campaign,
        by=by,
    )
    joined = visitor_identify(visitor=visitor, lead=found.lead, created=found.created, now=now)
    return Identified(lead=found.lead, created=found.created, joined=joined)


@transaction.atomic
def visitor_identify(
    *, visitor: Visitor, lead: Lead, created: bool = False, now: dt.datetime | None = None
) -> int:
    """Link the visitor to the lead from now on. Its anonymous events join the lead's
    timeline (keeping when they happened), its abandoned carts not purchased since
    record cart_abandoned, and a new lead is attributed to the referral code the
    visitor arrived with. A visitor linked to another lead before (a shared
    computer) moves to this one; the other lead's history stays as it was.
    Returns how many events joined; running it again joins nothing more."""
    now = now or timezone.now()
    if visitor.lead_id != lead.pk:
        visitor.lead, visitor.identified_at = lead, now
        visitor.save(update_fields=["lead", "identified_at"])
    joined = _events_join(visitor, lead_id=lead.pk)
    carts = Cart.objects.filter(visitor=visitor, status=Cart.Status.ABANDONED)
    carts = carts.filter(abandoned_recorded=False).exclude(_purchased_since(lead.pk))
    _carts_abandoned_record(list(carts.values_list("pk", flat=True)))
    if created:
        referral_attribute(lead=lead, code=visitor.referral_code)
    return joined


def carts_abandon(*, now: dt.datetime) -> int:
    """Mark abandoned the open carts with no activity for TRACKING_CART_ABANDON_MINUTES
    and record cart_abandoned for those with a lead (which enrols it in the
    abandoned-cart drip). A cart whose lead bought since, through any channel, is
    purchased instead. Safe to run twice or on several machines; returns how many
    were abandoned."""
    cutoff = now - dt.timedelta(minutes=settings.TRACKING_CART_ABANDON_MINUTES)
    due = Cart.objects.filter(status=Cart.Status.OPEN, last_activity_at__lte=cutoff)
    due.filter(_purchased_since(OuterRef("visitor__lead"))).update(
        status=Cart.Status.PURCHASED, purchased_at=now
    )
    abandoned = 0
    while batch := _abandon_batch(due, now=now):
        abandoned += batch
    return abandoned


@transaction.atomic
def _abandon_batch(due, *, now: dt.datetime) -> int:
    carts = due.select_related("visitor__lead").order_by("last_activity_at")
    if connection.features.has_select_for_update_skip_locked:
        carts = carts.select_for_update(skip_locked=True, of=("self",))
    batch = list(carts[:ABANDON_BATCH])
    Cart.objects.filter(pk__in=[cart.pk for cart in batch]).update(
        status=Cart.Status.ABANDONED, abandoned_at=now
    )
    _carts_abandoned_record([cart.pk for cart in batch])
    return len(batch)


def _purchased_since(lead) -> Exists:
    """The lead (an id or an OuterRef) bought something after the cart's last activity."""
    purchases = Interaction.objects.filter(
        lead=lead, kind=Interaction.Kind.PURCHASE, occurred_at__gte=OuterRef("last_activity_at")
    )
    return Exists(purchases)


def _carts_abandoned_record(cart_ids: list[int]) -> None:
    """A cart_abandoned interaction on the lead of each of these abandoned carts,
    once per cart (locked: a cart reopened and abandoned again, or a second
    worker, finds it recorded)."""
    carts = list(
        Cart.objects.select_for_update(of=("self",))
        .select_related("visitor")
        .filter(pk__in=cart_ids, abandoned_recorded=False, visitor__lead__isnull=False)
    )
    if not carts:
        return
    Cart.objects.filter(pk__in=[cart.pk for cart in carts]).update(abandoned_recorded=True)
    interactions_record([_cart_abandoned(cart) for cart in carts])


def _cart_abandoned(cart: Cart) -> Interaction:
    data = {"cart_id": cart.cart_id}
    if cart.value is not None:
        data["value"] = str(cart.value)
    return Interaction(
        lead_id=cart.visitor.lead_id,
        kind=Interaction.Kind.CART_ABANDONED,
        occurred_at=cart.abandoned_at,
        data=data,
        source=SOURCE,
        external_id=f"cart:{cart.pk}",
    )


def _visitor_seen(*, site: Site, uid: str, now: dt.datetime, referral_code: str = "") -> Visitor:
    """The visitor, created on its first beacon and locked for this transaction.
    It keeps the first referral code it arrives with."""
    visitor, created = Visitor.objects.select_for_update().get_or_create(
        site=site,
        uid=uid,
        defaults={"first_seen_at": now, "last_seen_at": now, "referral_code": referral_code},
    )
    if created:
        return visitor
    changes: dict[str, Any] = {}
    if now - visitor.last_seen_at >= LAST_SEEN_PRECISION:
        changes["last_seen_at"] = now
    if referral_code and not visitor.referral_code:
        changes["referral_code"] = referral_code
    if changes:
        Visitor.objects.filter(pk=visitor.pk).update(**changes)
        for name, value in changes.items():
            setattr(visitor, name, value)
    return visitor


def _identify_from_link(visitor: Visitor, token: str, *, now: dt.datetime) -> None:
    """A tracked email link's token names the lead who clicked; a token that does
    not verify (forged, altered, expired) is ignored and the event still counts."""
    lead_id = lead_token_read(token)
    if lead_id is None or lead_id == visitor.lead_id:
        return
    lead = Lead.objects.filter(pk=lead_id).first()
    if lead is not None:
        visitor_identify(visitor=visitor, lead=lead, now=now)


def _web_event(visitor: Visitor, beacon: Beacon, now: dt.datetime) -> WebEvent:
    extras: dict[str, Any] = {"eid": beacon.eid}
    if beacon.referrer:
        extras["referrer"] = beacon.referrer
    if beacon.utm:
        extras["utm"] = beacon.utm
    for name in ("product", "content", "currency", "name"):
        if getattr(beacon, name):
            extras[name] = getattr(beacon, name)
    return WebEvent(
        visitor=visitor,
        kind=beacon.kind,
        path=beacon.path,
        title=beacon.title,
        cart_id=beacon.cart_id,
        value=beacon.value,
        data=extras,
        occurred_at=now,
    )


def _event_record(visitor: Visitor, event: WebEvent) -> None:
    if visitor.lead_id is None:
        if WebEvent.objects.filter(visitor=visitor, data__eid=event.data["eid"]).exists():
            return
        event.save()
    elif not _interactions_create(lead_id=visitor.lead_id, events=[event]).created:
        return
    if event.kind in CART_ACTIVITY:
        _cart_activity(visitor, event)
    elif event.kind == WebEvent.Kind.PURCHASE:
        _carts_purchased(visitor, at=event.occurred_at)


def _cart_activity(visitor: Visitor, event: WebEvent) -> None:
    """Open the cart, or keep it open: an abandoned cart with new activity opens
    again (its cart_abandoned, if recorded, is not recorded twice)."""
    carts = Cart.objects.filter(visitor=visitor, cart_id=event.cart_id)
    changes: dict[str, Any] = {
        "status": Cart.Status.OPEN,
        "abandoned_at": None,
        "last_activity_at": event.occurred_at,
    }
    if event.value is not None:
        # An addition adds its value; checkout states the cart's total.
        adding = event.kind == WebEvent.Kind.CART_ADD
        changes["value"] = (
            Coalesce(F("value"), Value(Decimal(0))) + event.value if adding else event.value
        )
    if not carts.exclude(status=Cart.Status.PURCHASED).update(**changes):
        Cart.objects.get_or_create(
            visitor=visitor,
            cart_id=event.cart_id,
            defaults={
                "value": event.value,
                "started_at": event.occurred_at,
                "last_activity_at": event.occurred_at,
            },
        )


def _carts_purchased(visitor: Visitor, *, at: dt.datetime) -> None:
    """Any purchase ends the carts of the visitor, or of every visitor of its lead."""
    whose = Q(visitor__lead=visitor.lead_id) if visitor.lead_id else Q(visitor=visitor)
    Cart.objects.filter(whose, status__in=[Cart.Status.OPEN, Cart.Status.ABANDONED]).update(
        status=Cart.Status.PURCHASED, purchased_at=at
    )


def _page_time_record(visitor: Visitor, *, page: str, seconds: int) -> None:
    """Time on a page updates its page view (the longest report wins: a page sends
    one each time it is hidden)."""
    if visitor.lead_id is not None:
        key = event_key(visitor.pk, page)
        visit = Interaction.objects.filter(source=SOURCE, external_id=key).first()
        if visit and visit.kind == Interaction.Kind.WEB_VISIT:
            if seconds > (visit.data.get("seconds") or 0):
                visit.data["seconds"] = seconds
                visit.save(update_fields=["data"])
            return
    WebEvent.objects.filter(visitor=visitor, kind=WebEvent.Kind.PAGE_VIEW, data__eid=page).update(
        seconds=Greatest(Coalesce(F("seconds"), Value(0)), Value(seconds))
    )


def _events_join(visitor: Visitor, *, lead_id: int) -> int:
    events = list(visitor.events.filter(interaction__isnull=True).order_by("occurred_at", "pk"))
    if not events:
        return 0
    pks = _interactions_create(lead_id=lead_id, events=events).pks
    for event in events:
        event.interaction_id = pks[_event_key(event)]
    WebEvent.objects.bulk_update(events, ["interaction"], batch_size=500)
    return len(events)


@dataclass(frozen=True)
class _Created:
    pks: dict[str, int]  # external_id -> interaction id, for every event given
    created: list[int]  # the ids recorded now


def _interactions_create(*, lead_id: int, events: list[WebEvent]) -> _Created:
    """The events as interactions on the lead (crm.services.interactions_record:
    one insert, those recorded already skipped), and every event's interaction id."""
    wanted = {_event_key(event): event for event in events}
    new = interactions_record([_interaction(event, lead_id) for event in wanted.values()])
    pks = {interaction.external_id: interaction.pk for interaction in new}
    earlier = [key for key in wanted if key not in pks]
    if earlier:
        known = Interaction.objects.filter(source=SOURCE, external_id__in=earlier)
        pks |= dict(known.values_list("external_id", "pk"))
    return _Created(pks=pks, created=[interaction.pk for interaction in new])


def _interaction(event: WebEvent, lead_id: int) -> Interaction:
    data = {name: value for name, value in event.data.items() if name != "eid"}
    if event.kind == WebEvent.Kind.PAGE_VIEW:
        data |= {"title": event.title, "seconds": event.seconds or 0}
    if event.cart_id:
        data["cart_id"] = event.cart_id
    if event.value is not None:
        data["value"] = str(event.value)
    return Interaction(
        lead_id=lead_id,
        kind=INTERACTION_KINDS[event.kind],
        occurred_at=event.occurred_at,
        path=event.path,
        data=data,
        source=SOURCE,
        external_id=_event_key(event),
    )


def _event_key(event: WebEvent) -> str:
    eid = event.data.get("eid")
    return event_key(event.visitor_id, eid) if eid else f"webevent:{event.pk}"
