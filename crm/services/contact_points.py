"""A lead's other emails and phones (ContactPoint): removing one, making one the
main phone, and the search text they give the lead (other_contacts)."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from crm.audit.models import AuditEntry
from crm.audit.services import audit_lead_changes, audit_record, lead_audit_values
from crm.models import ContactPoint, Lead, User

OTHER_CONTACTS_BATCH = 500  # leads per UPDATE


def lead_other_contacts_refresh(*, lead_ids: Iterable[int]) -> None:
    """Write each lead's other_contacts (the search text of its ContactPoints) again,
    after some of them were added or removed other than by an import (which keeps
    it as it goes)."""
    ids = sorted(set(lead_ids))
    for start in range(0, len(ids), OTHER_CONTACTS_BATCH):
        texts: dict[int, list[str]] = {pk: [] for pk in ids[start : start + OTHER_CONTACTS_BATCH]}
        points = ContactPoint.objects.filter(lead_id__in=texts).order_by("pk")
        for lead_id, value in points.values_list("lead_id", "value"):
            texts[lead_id].append(value)
        Lead.objects.bulk_update(
            [Lead(pk=pk, other_contacts=" ".join(values)) for pk, values in texts.items()],
            ["other_contacts"],
        )


def other_contacts_text(lead: Lead) -> str:
    """Lead.other_contacts: the values of its ContactPoints, for the lead search."""
    return " ".join(lead.contact_points.order_by("pk").values_list("value", flat=True))


@transaction.atomic
def contact_point_remove(*, point: ContactPoint, by: User | None = None) -> None:
    """Forget another email or phone of a lead (a wrong number, an old address)."""
    lead_id = point.lead_id
    point.delete()
    lead_other_contacts_refresh(lead_ids=[lead_id])
    audit_record(
        action=AuditEntry.Action.CHANGED,
        by=by,
        lead_id=lead_id,
        changes={f"other_{point.kind}": [point.value, None]},
    )


@transaction.atomic
def contact_point_make_main(*, point: ContactPoint, by: User | None = None) -> Lead:
    """Make another phone the lead's main one: the one it replaces becomes another
    number in its place, so nothing is lost. A new main number has not yet reached a
    wrong person, so the wrong-number flag is lifted. Emails are not swapped this
    way: consent was given for the main address."""
    if point.kind != ContactPoint.Kind.PHONE:
        raise ValidationError("Only another phone can become the main one.")
    lead = Lead.objects.select_for_update().get(pk=point.lead_id)
    before = lead_audit_values(lead)
    old = (lead.phone, lead.phone_raw, lead.phone_ext)
    lead.phone, lead.phone_raw, lead.phone_ext = point.value, point.raw, point.extension
    lead.phone_invalid = False
    if old[0]:
        point.value, point.raw, point.extension = old
        point.label = "Earlier main phone"
        point.save()
    else:
        point.delete()
    lead.other_contacts = other_contacts_text(lead)
    lead.save()
    audit_lead_changes(lead_id=lead.pk, before=before, after=lead_audit_values(lead), by=by)
    return lead
