"""What other apps change on a lead through crm (its only writer): the owner,
the undeliverable-address flag, what a call's outcome changes, email consent."""

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from crm.arrays import rows_update
from crm.audit.services import (
    audit_lead_changes,
    audit_leads_owner_changed,
    audit_leads_owner_given,
    lead_audit_values,
    leads_stored_audit_values,
)
from crm.models import ADDRESS_FIELDS, Lead, User

EMAIL_CONSENT_FIELDS = (
    "email_consent",
    "email_consent_at",
    "email_consent_method",
    "email_consent_text_version",
)


# What other apps change on a lead (crm is the only writer of its fields). None of
# them moves updated_at, which says when the person's details were last edited:
# crm.imports.undo keeps a lead the import created once it has been edited, and
# handing a lead to a rep or a call's outcome is no such edit.


def lead_owner_claim(*, lead: Lead, owner: User) -> bool:
    """Make `owner` the owner of a lead that has none; False (and `lead.owner`
    refreshed) when someone was given it meanwhile."""
    if Lead.objects.filter(pk=lead.pk, owner__isnull=True).update(owner=owner):
        lead.owner = owner
        audit_leads_owner_changed(
            owners_before={lead.pk: None}, owner_id=owner.pk, by=None, note="to work its touch"
        )
        return True
    lead.refresh_from_db(fields=["owner"])
    return False


@transaction.atomic
def leads_owner_claim(*, owners: Mapping[int, User]) -> set[int]:
    """lead_owner_claim for many leads (lead id -> the person it goes to), set-based:
    one UPDATE, the audit entries in one INSERT. The ids of those given,
    not those someone was given meanwhile."""
    if not owners:
        return set()
    free = Lead.objects.select_for_update().filter(pk__any=list(owners), owner__isnull=True)
    given = list(free.order_by("pk").values_list("pk", flat=True))
    # One statement on PostgreSQL, so the rollup triggers run once.
    rows_update(Lead, ["owner_id"], [(pk, owners[pk].pk) for pk in given])
    audit_leads_owner_given(owners={pk: owners[pk] for pk in given}, note="to work its touch")
    return set(given)


@transaction.atomic
def leads_owner_set(*, lead_ids: Iterable[int], owner_id: int, by: User | None = None) -> int:
    """Give these leads to one person: a statement to read their owners (for the
    audit trail, locking them), one to change them, one to record it."""
    leads = Lead.objects.select_for_update().filter(pk__any=list(lead_ids))
    owners_before = dict(leads.values_list("pk", "owner_id"))
    changed = leads.update(owner_id=owner_id)
    audit_leads_owner_changed(owners_before=owners_before, owner_id=owner_id, by=by)
    return changed


def lead_address_undeliverable_set(*, lead_id: int, now: datetime) -> bool:
    """A letter came back from the lead's address: no more letters to it until
    the address changes (any change through these services clears the flag).
    False when it was flagged already."""
    flagged = Lead.objects.filter(pk=lead_id, address_undeliverable_at__isnull=True)
    return flagged.update(address_undeliverable_at=now) == 1


def undeliverable_cleared_on_move(lead: Lead) -> None:
    """A letter that came back flags the address it went to, not the person: a
    changed address (an edit, a merge, an entry path filling a blank) clears it."""
    if lead.pk is None or lead.address_undeliverable_at is None:
        return
    stored = Lead.objects.filter(pk=lead.pk).only(*ADDRESS_FIELDS).first()
    if stored is not None and stored.postal_address_key != lead.postal_address_key:
        lead.address_undeliverable_at = None


def lead_calls_pause(*, lead_id: int, until: datetime) -> None:
    Lead.objects.filter(pk=lead_id).update(calls_paused_until=until)


def lead_do_not_call_set(*, lead_id: int, by: User | None = None) -> None:
    if Lead.objects.filter(pk=lead_id, do_not_call=False).update(do_not_call=True):
        audit_lead_changes(
            lead_id=lead_id,
            before={"do_not_call": False},
            after={"do_not_call": True},
            by=by,
            note="call outcome",
        )


def lead_phone_invalid_set(*, lead_id: int) -> None:
    """The number reached the wrong person or no one: calls stop until another
    number becomes the main one (contact_point_make_main)."""
    Lead.objects.filter(pk=lead_id).update(phone_invalid=True)


# What a call's outcome may change on its lead (followups.queue.services), and so what
# taking the outcome back puts back (followups.queue.undo).
CALL_FIELDS = ("stage", "do_not_call", "phone_invalid", "calls_paused_until", "last_activity_at")


def lead_call_fields(*, lead_id: int) -> dict[str, Any]:
    """The lead's CALL_FIELDS as JSON can keep them (datetimes as ISO text)."""
    values = Lead.objects.filter(pk=lead_id).values(*CALL_FIELDS).get()
    return json.loads(json.dumps(values, cls=DjangoJSONEncoder))


def lead_call_fields_restore(
    *, lead_id: int, fields: dict[str, Any], by: User | None = None
) -> None:
    """Put back CALL_FIELDS as lead_call_fields read them before a call's outcome."""
    values = {
        name: Lead._meta.get_field(name).to_python(value)
        for name, value in fields.items()
        if name in CALL_FIELDS
    }
    before = leads_stored_audit_values([lead_id]).get(lead_id, {})
    Lead.objects.filter(pk=lead_id).update(**values)
    audit_lead_changes(
        lead_id=lead_id, before=before, after=before | values, by=by, note="call outcome undone"
    )


def lead_email_consent_set(*, lead: Lead, by: User | None = None, **fields: Any) -> None:
    """Write the lead's email consent fields (EMAIL_CONSENT_FIELDS) as given: the
    rules of consent (double opt-in, the suppression list) are mailings'."""
    unknown = set(fields) - set(EMAIL_CONSENT_FIELDS)
    if unknown:
        raise ValueError(f"Not an email consent field: {', '.join(sorted(unknown))}")
    before = lead_audit_values(lead)
    for name, value in fields.items():
        setattr(lead, name, value)
    lead.save(update_fields=list(fields))  # audiences by consent hear of it (post_save)
    audit_lead_changes(
        lead_id=lead.pk,
        before=before,
        after=lead_audit_values(lead),
        by=by,
        note=lead.email_consent_method,
    )
