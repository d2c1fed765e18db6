"""Writes of a lead's own details: the one way in for a person (find-or-create,
matched by email then phone) and edits of its profile."""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone

from crm import selectors
from crm.audit.services import audit_lead_changes, lead_audit_values, leads_stored_audit_values
from crm.contact import InvalidPhone, Phone, country_code, parse_phone
from crm.dedupe import Contact, LeadIndex
from crm.models import LEAD_PROFILE_FIELDS, Campaign, Lead, User
from crm.services.lead_fields import undeliverable_cleared_on_move

FOUND_AGAIN = "found again by email or phone"  # how an entry path changed a lead


class LeadOfAnotherRep(Exception):
    """The person is already a lead the caller may not see; nothing was changed."""


@dataclass(frozen=True)
class OptOuts:
    """What a person asked us not to do. On a match these only ever add to its own."""

    call: bool = False
    mail: bool = False
    email: bool = False


@dataclass(frozen=True)
class FoundLead:
    lead: Lead
    created: bool


def contact_clean(
    *, email: str = "", phone: Any = "", country: str = ""
) -> tuple[str, Phone | None]:
    """Validate contact data, raising ValidationError keyed by field."""
    email = (email or "").strip()
    errors = {}
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [f"“{email}” is not a valid email address."]
    try:
        parsed_phone = parse_phone(phone, country=country or settings.CRM_DEFAULT_COUNTRY)
    except InvalidPhone as exc:
        errors["phone"] = [str(exc)]
        parsed_phone = None
    if not errors and not email and not parsed_phone:
        errors["email"] = ["Give an email address or a phone number."]
    if errors:
        raise ValidationError(errors)
    return email, parsed_phone


@transaction.atomic
def lead_find_or_create(
    *,
    email: str = "",
    phone: Any = "",
    defaults: dict[str, Any] | None = None,
    owner: User | None = None,
    source_campaign: Campaign | None = None,
    opt_outs: OptOuts = OptOuts(),
    by: User | None = None,
) -> FoundLead:
    """The one way in for a person: match by email (any case), then by E.164 phone.

    A match gets its empty fields filled and nothing overwritten. National phone
    numbers are read in the country given in `defaults`, else the default country.
    With `by` (the user acting), a match that user may not see (another rep's
    lead) raises LeadOfAnotherRep and is left unchanged.
    """
    profile = _profile_from(defaults or {})
    email, parsed_phone = contact_clean(
        email=email, phone=phone, country=profile.get("country", "")
    )
    _lock_contact(email, parsed_phone)
    contact = Contact(
        emails=[email] if email else [], phones=[parsed_phone.e164] if parsed_phone else []
    )
    lead = LeadIndex.load([contact]).find(contact)
    created = lead is None
    before = None if created else lead_audit_values(lead)
    if created:
        lead = Lead(owner=owner, source_campaign=source_campaign)
    elif lead.owner_id is None and owner is not None:
        lead.owner = owner
    if lead.source_campaign_id is None and source_campaign is not None:
        lead.source_campaign = source_campaign
    lead.fill_blanks(email=email, phone=parsed_phone, profile=profile)
    _apply_opt_outs(lead, opt_outs, by=by)
    _save_validated(lead)
    if before is not None:
        after = lead_audit_values(lead)
        audit_lead_changes(lead_id=lead.pk, before=before, after=after, by=by, note=FOUND_AGAIN)
    # Checked after saving, so an unowned lead the caller has just claimed counts as
    # theirs; raising inside the transaction undoes the changes to someone else's lead.
    if by is not None and not _visible(lead, by):
        raise LeadOfAnotherRep("This person is already a lead of another rep.")
    return FoundLead(lead=lead, created=created)


def _visible(lead: Lead, user: User) -> bool:
    return selectors.leads_visible_to(user).filter(pk=lead.pk).exists()


def _profile_from(defaults: dict[str, Any]) -> dict[str, str]:
    unknown = set(defaults) - set(LEAD_PROFILE_FIELDS)
    if unknown:
        raise ValidationError({name: ["Not a lead profile field."] for name in sorted(unknown)})
    profile = {
        key: str(value).strip() for key, value in defaults.items() if value not in (None, "")
    }
    if "country" in profile:
        code = country_code(profile["country"])
        if not code:
            raise ValidationError({"country": [f"“{profile['country']}” is not a country."]})
        profile["country"] = code
    return profile


def _lock_contact(email: str, phone: Phone | None) -> None:
    """Serialise concurrent find-or-creates of the same person (rows that don't exist
    yet cannot be locked). SQLite already serialises writers."""
    if connection.vendor != "postgresql":
        return
    keys = sorted(filter(None, [email.lower() and f"email:{email.lower()}", phone and phone.e164]))
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])


def _apply_opt_outs(lead: Lead, opt_outs: OptOuts, *, by: User | None) -> None:
    lead.do_not_call = lead.do_not_call or opt_outs.call
    lead.do_not_mail = lead.do_not_mail or opt_outs.mail
    if opt_outs.email:
        _withdraw_email_consent(lead, by=by)


def _withdraw_email_consent(lead: Lead, *, by: User | None) -> None:
    if lead.email_consent != Lead.EmailConsent.UNSUBSCRIBED:
        lead.email_consent = Lead.EmailConsent.UNSUBSCRIBED
        lead.email_consent_at = timezone.now()
        lead.email_consent_method = f"marked by {by.username}" if by else "asked when added"


def _save_validated(lead: Lead) -> None:
    undeliverable_cleared_on_move(lead)
    lead.fill_time_zone()
    lead.full_clean(exclude=["owner", "source_campaign"])
    lead.save()


@transaction.atomic
def lead_update(
    *,
    lead: Lead,
    fields: dict[str, Any],
    phone: Phone | None,
    by: User,
    email_opt_out: bool = False,
) -> Lead:
    """Change a lead's profile. `phone` replaces the number (None clears it).

    Email consent can be withdrawn here (the person asked us), never granted.
    """
    # From the database: a model form has changed the instance already.
    before = leads_stored_audit_values([lead.pk])[lead.pk]
    for name, value in fields.items():
        setattr(lead, name, value)
    lead.phone, lead.phone_raw, lead.phone_ext = (
        (phone.e164, phone.raw, phone.extension) if phone else ("", "", "")
    )
    if email_opt_out:
        _withdraw_email_consent(lead, by=by)
    _save_validated(lead)
    audit_lead_changes(lead_id=lead.pk, before=before, after=lead_audit_values(lead), by=by)
    return lead
