"""Folding a duplicate lead into another: fields filled, the stricter consent
kept, contact points and every related row moved over, the merge recorded."""

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.forms.models import model_to_dict

from crm.audiences.services import audience_members_forget
from crm.audit.models import AuditEntry
from crm.audit.services import audit_record, lead_audit_values, lead_changes
from crm.models import LEAD_PROFILE_FIELDS, ContactPoint, Interaction, Lead, LeadMerge, User
from crm.privacy.models import Erasure
from crm.services.contact_points import other_contacts_text
from crm.services.interactions import interaction_record
from crm.services.lead_fields import EMAIL_CONSENT_FIELDS, undeliverable_cleared_on_move

# From the most to the least permissive: when two leads merge, the later one wins.
EMAIL_CONSENT_STRICTNESS = [
    Lead.EmailConsent.CONFIRMED,
    Lead.EmailConsent.PENDING,
    Lead.EmailConsent.NONE,
    Lead.EmailConsent.UNSUBSCRIBED,
]


MERGE_FILL_FIELDS = ("email", *LEAD_PROFILE_FIELDS, "owner_id")
# Filled together: an extension belongs to its number.
PHONE_FIELDS = ("phone", "phone_raw", "phone_ext")


@transaction.atomic
def lead_merge(*, primary: Lead, duplicate: Lead, merged_by: User) -> LeadMerge:
    """Fold `duplicate` into `primary`: its interactions and touches move over, empty
    fields are filled, and the stricter consent of the two is kept."""
    if primary.pk == duplicate.pk:
        raise ValidationError("A lead cannot be merged with itself.")
    if Erasure.objects.filter(lead_id__in=[primary.pk, duplicate.pk]).exists():
        # The person asked to be forgotten: nothing is folded into or out of them.
        raise ValidationError("An erased person's lead cannot be merged.")
    locked = Lead.objects.select_for_update().in_bulk([primary.pk, duplicate.pk])
    primary, duplicate = locked[primary.pk], locked[duplicate.pk]
    snapshot = _snapshot(duplicate)
    before = lead_audit_values(primary)
    _merge_fields(primary, duplicate)
    # Memberships are not moved (both leads may be in an audience): the note
    # recorded below re-evaluates the primary's.
    audience_members_forget(lead=duplicate)
    _fold_contact_points(primary, duplicate)
    _move_related_rows(primary, duplicate)
    duplicate_id = duplicate.pk
    duplicate.delete()  # first: its email is unique and may move to the primary
    primary.other_contacts = other_contacts_text(primary)
    undeliverable_cleared_on_move(primary)
    primary.save()
    merge = LeadMerge.objects.create(
        lead=primary, duplicate_id=duplicate_id, duplicate_snapshot=snapshot, merged_by=merged_by
    )
    audit_record(
        action=AuditEntry.Action.MERGED,
        by=merged_by,
        lead_id=primary.pk,
        changes=lead_changes(before, lead_audit_values(primary)),
        data={"duplicate_id": duplicate_id},
    )
    interaction_record(
        lead=primary,
        kind=Interaction.Kind.NOTE,
        notes=f"Merged lead #{duplicate_id} ({snapshot['display_name']}) into this lead.",
        data={"merged_lead_id": duplicate_id},
        user=merged_by,
        source="merge",
    )
    return merge


def _snapshot(lead: Lead) -> dict[str, Any]:
    values = json.loads(json.dumps(model_to_dict(lead), cls=DjangoJSONEncoder))
    return {**values, "id": lead.pk, "display_name": lead.display_name}


def _merge_fields(primary: Lead, duplicate: Lead) -> None:
    for field in MERGE_FILL_FIELDS:
        if not getattr(primary, field) and getattr(duplicate, field):
            setattr(primary, field, getattr(duplicate, field))
    if not primary.phone and duplicate.phone:
        for field in PHONE_FIELDS:
            setattr(primary, field, getattr(duplicate, field))
    if EMAIL_CONSENT_STRICTNESS.index(duplicate.email_consent) > EMAIL_CONSENT_STRICTNESS.index(
        primary.email_consent
    ):
        for field in EMAIL_CONSENT_FIELDS:
            setattr(primary, field, getattr(duplicate, field))
    primary.do_not_call = primary.do_not_call or duplicate.do_not_call
    primary.do_not_mail = primary.do_not_mail or duplicate.do_not_mail
    if duplicate.stage == Lead.Stage.CUSTOMER:
        primary.stage = Lead.Stage.CUSTOMER
    primary.score = max(primary.score, duplicate.score)
    primary.last_activity_at = max(primary.last_activity_at, duplicate.last_activity_at)
    if duplicate.created_at < primary.created_at:
        primary.created_at = duplicate.created_at
        primary.source_campaign_id = duplicate.source_campaign_id or primary.source_campaign_id


def _fold_contact_points(primary: Lead, duplicate: Lead) -> None:
    """Nothing of the duplicate's contact data is lost: its main email and phone,
    where the primary keeps its own, become other contacts of the primary, and
    its other contacts move over unless the primary has them already."""
    label = f"From merged lead #{duplicate.pk}"
    if duplicate.email and duplicate.email.lower() != primary.email.lower():
        duplicate.contact_points.get_or_create(
            kind=ContactPoint.Kind.EMAIL,
            value=duplicate.email.lower(),
            defaults={"raw": duplicate.email, "label": label},
        )
    if duplicate.phone and duplicate.phone != primary.phone:
        duplicate.contact_points.get_or_create(
            kind=ContactPoint.Kind.PHONE,
            value=duplicate.phone,
            defaults={"raw": duplicate.phone_raw, "extension": duplicate.phone_ext, "label": label},
        )
    main = [
        (ContactPoint.Kind.EMAIL, primary.email.lower()),
        (ContactPoint.Kind.PHONE, primary.phone),
    ]
    known = set(primary.contact_points.values_list("kind", "value")) | set(main)
    for point in duplicate.contact_points.all():
        if (point.kind, point.value) in known:
            point.delete()


def _move_related_rows(primary: Lead, duplicate: Lead) -> None:
    """Re-point every row that refers to the duplicate, in any app (touches too)."""
    for relation in Lead._meta.related_objects:
        if relation.one_to_many:
            field = relation.field.name
            relation.related_model._base_manager.filter(**{field: duplicate}).update(
                **{field: primary}
            )
