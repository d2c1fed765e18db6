"""Reads for leads and their timelines. Every lead lookup for a person goes
through leads_visible_to, so a rep never reaches another rep's lead."""

import datetime as dt
import re
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower
from django.http import Http404

from crm import timeline
from crm.contact import InvalidPhone, parse_phone
from crm.dedupe import Contact, LeadIndex
from crm.models import ContactPoint, Interaction, Lead, User
from crm.roles import Role
from crm.sentences.describing import describe_all


def leads_visible_to(user: User) -> QuerySet[Lead]:
    """Managers see every lead; everyone else only the leads they own."""
    if not user.is_authenticated or not user.is_active:
        return Lead.objects.none()
    if user.is_manager:
        return Lead.objects.all()
    return Lead.objects.filter(owner=user)


def leads_for_list(user: User) -> QuerySet[Lead]:
    """The leads the user sees, with what the lead list shows of each: owner,
    first source, and next_touch_at, the due time of the next open touch (None
    without one; computed for the rows shown only, unless sorted by it)."""
    leads = leads_visible_to(user).select_related("owner", "source_campaign")
    due = timeline.next_touch_due()
    return leads.annotate(next_touch_at=due) if due is not None else leads


def marketing_consent() -> Q:
    """Leads who allow marketing: email consent confirmed (double opt-in), or, with
    MAIL_SOFT_OPT_IN, customers who have not unsubscribed (mailings.consent.selectors asks
    the same of one lead, with the suppression list beside it)."""
    allowed = Q(email_consent=Lead.EmailConsent.CONFIRMED)
    if settings.MAIL_SOFT_OPT_IN:
        allowed |= Q(stage=Lead.Stage.CUSTOMER) & ~Q(email_consent=Lead.EmailConsent.UNSUBSCRIBED)
    return allowed


def reps() -> QuerySet[User]:
    """Active users with the rep role: the people who may own leads."""
    return User.objects.filter(groups__name=Role.REP, is_active=True).order_by("username")


# What a rep does with a lead: once one of these is on its timeline, the lead is
# being worked, and sharing leads out leaves it with its owner by default.
WORK_KINDS = (Interaction.Kind.CALL, Interaction.Kind.MEETING)


def lead_worked(lead: OuterRef) -> Exists:
    """Whether someone has called or met the lead (an outer query's lead id)."""
    return Exists(Interaction.objects.filter(lead=lead, kind__in=WORK_KINDS))


def leads_not_yet_worked(leads: QuerySet[Lead]) -> QuerySet[Lead]:
    """Those of `leads` no one has called or met yet (whoever owns them)."""
    return leads.filter(~lead_worked(OuterRef("pk")))


def get_lead_for_user(user: User, pk: int, *, for_update: bool = False) -> Lead:
    """The lead, or 404 when it does not exist *or* the user may not see it."""
    leads = leads_visible_to(user).select_related("owner", "source_campaign")
    if for_update:
        leads = leads.select_for_update(of=("self",))
    try:
        return leads.get(pk=pk)
    except (Lead.DoesNotExist, ValueError, TypeError):
        raise Http404("No such lead.") from None


def get_lead_by_contact_for_user(user: User, *, email: str = "", phone: str = "") -> Lead:
    """The lead this email or phone (E.164, or national in the default country)
    belongs to, by the matching rule every entry path uses (crm.dedupe), or 404
    when nobody has it *or* the user may not see them. ValidationError keyed by
    field for text that is not an email address or a phone number."""
    email = email.strip()
    errors = {}
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [f"“{email}” is not a valid email address."]
    try:
        parsed = parse_phone(phone, country=settings.CRM_DEFAULT_COUNTRY)
    except InvalidPhone as exc:
        errors["phone"] = [str(exc)]
        parsed = None
    if errors:
        raise ValidationError(errors)
    contact = Contact(emails=[email] if email else [], phones=[parsed.e164] if parsed else [])
    lead = LeadIndex.load([contact]).find(contact) if contact.emails or contact.phones else None
    if lead is None or not leads_visible_to(user).filter(pk=lead.pk).exists():
        raise Http404("No such lead.")
    return lead


# A phone number as people type it: "(415) 555-2671", "+44 20 7946 0123".
PHONE_TEXT = re.compile(r"\+?[\d\s().\-/]+")
PHONE_DIGITS_MIN = 4


# A whole email address, as pasted: one word with an @ and a dot in its domain.
WHOLE_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")


def lead_search(leads: QuerySet[Lead], text: str, *, country: str = "") -> QuerySet[Lead]:
    """Leads whose name, email, company or phone (their other emails and phones
    too) contains each word of `text`, names and companies whatever their accents
    ("Jose Garcia" finds "José García" and back: crm.folding); a text that is a
    phone number as typed, spaces and all, is one search of the phones for its digits.

    A whole email address or phone number (national ones in `country`, by default
    CRM_DEFAULT_COUNTRY) first finds the leads that have exactly it, through the
    indexes the matching of people uses; only when none of `leads` has it does the
    contains search run, so a number still being typed finds what it did."""
    exact = _leads_with_whole_contact(leads, text.strip(), country)
    if exact is not None:
        return exact
    if PHONE_TEXT.fullmatch(text.strip()) and " " in text.strip():
        return leads.filter(_phone_contains(_digits(text)) or Q(pk__in=[]))
    for word in text.split():
        match = (
            Q(first_name__folded_contains=word)
            | Q(last_name__folded_contains=word)
            | Q(email__icontains=word)
            | Q(company__folded_contains=word)
            | Q(other_contacts__icontains=word)
        )
        if phone := _phone_contains(_digits(word)):
            match |= phone
        leads = leads.filter(match)
    return leads


def _leads_with_whole_contact(
    leads: QuerySet[Lead], text: str, country: str
) -> QuerySet[Lead] | None:
    """Those of `leads` whose email or phone, main or other, is this whole email
    address or phone number; None when the text is neither or none of `leads`
    has it. The contains search finds each of them too, with whatever else
    contains the text: a trigram scan of a million leads against a few index
    lookups (bench/lead_search.py)."""
    having = _lead_ids_with_contact(text, country or settings.CRM_DEFAULT_COUNTRY)
    if having is None:
        return None
    ids = list(leads.filter(pk__in=having).values_list("pk", flat=True))
    return leads.filter(pk__in=ids) if ids else None


def _lead_ids_with_contact(text: str, country: str) -> QuerySet | None:
    """The ids of every lead with this email (any case) or phone (E.164) as its
    main or other contact, a query; None for text that is neither."""
    if WHOLE_EMAIL.fullmatch(text):
        kind, value = ContactPoint.Kind.EMAIL, text.lower()
        # "email <> ''" lets the database use the partial unique index on lower(email).
        main = Lead.objects.exclude(email="").alias(email_lower=Lower("email"))
        main = main.filter(email_lower=value)
    elif PHONE_TEXT.fullmatch(text):
        try:
            phone = parse_phone(text, country=country)
        except InvalidPhone:
            return None
        kind, value = ContactPoint.Kind.PHONE, phone.e164
        main = Lead.objects.filter(phone=value)
    else:
        return None
    others = ContactPoint.objects.filter(kind=kind, value=value).values_list("lead_id")
    return main.order_by().values_list("pk").union(others.order_by())


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _phone_contains(digits: str) -> Q | None:
    """Phones (E.164) holding these digits, or the digits after a leading 0 or 00
    (a trunk or international prefix, which E.164 leaves out); None for fewer
    than PHONE_DIGITS_MIN."""
    if len(digits) < PHONE_DIGITS_MIN:
        return None
    # icontains, though digits have no case: it is what the phone's trigram index
    # serves (see crm/migrations/0009_lead_search_trigram.py).
    match = Q(phone__icontains=digits) | Q(other_contacts__icontains=digits)
    if digits.startswith("0") and len(digits.lstrip("0")) >= PHONE_DIGITS_MIN:
        trimmed = digits.lstrip("0")
        match |= Q(phone__icontains=trimmed) | Q(other_contacts__icontains=trimmed)
    return match


# The most interactions lead_recent_interactions reads: a lead who browsed a
# whole site still makes a short list to compose from.
RECENT_LIMIT = 60


def lead_timeline(lead: Lead, *, limit: int = 100) -> list[Interaction]:
    """The lead's interactions, newest first, each told in a sentence (in three
    queries at most, however many)."""
    interactions = lead.interactions.select_related("user", "campaign")
    return describe_all(list(interactions.order_by("-occurred_at", "-id")[:limit]))


def lead_recent_interactions(
    lead: Lead, *, kinds: Iterable[str], since: dt.datetime, also: int | None = None
) -> list[Interaction]:
    """The lead's interactions of these kinds since then (and the one with the id
    `also`, however old), newest first, each told in a sentence: in three queries
    at most."""
    wanted = Q(kind__in=list(kinds), occurred_at__gte=since)
    if also is not None:
        wanted |= Q(pk=also)
    interactions = lead.interactions.filter(wanted).select_related("user", "campaign")
    return describe_all(list(interactions.order_by("-occurred_at", "-id")[:RECENT_LIMIT]))


def lead_contact_points(lead: Lead) -> list[ContactPoint]:
    """The lead's other emails and phones, emails first; no query for a lead that
    has none (Lead.other_contacts is kept with them)."""
    if not lead.other_contacts:
        return []
    return list(lead.contact_points.order_by("kind", "pk"))


def get_contact_point(lead: Lead, pk: int, *, kind: str = "") -> ContactPoint:
    """One of the lead's other contacts (of that kind), or 404: found through the
    lead, which the caller got through get_lead_for_user."""
    points = lead.contact_points.filter(kind=kind) if kind else lead.contact_points.all()
    try:
        return points.get(pk=pk)
    except ContactPoint.DoesNotExist:
        raise Http404("No such contact.") from None


def lead_possible_duplicates(lead: Lead, *, limit: int = 5) -> list[Lead]:
    """Other leads with the same phone, or the same name at the same company."""
    same_person = Q()
    if lead.phone:
        same_person |= Q(phone=lead.phone)
    if lead.first_name and lead.last_name:
        same_person |= Q(
            first_name__iexact=lead.first_name,
            last_name__iexact=lead.last_name,
            company__iexact=lead.company,
        )
    if not same_person:
        return []
    return list(Lead.objects.filter(same_person).exclude(pk=lead.pk).order_by("id")[:limit])
