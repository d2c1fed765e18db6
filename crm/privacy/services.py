"""Erasing a person (GDPR Art. 17): every app's part blanks or deletes what it
holds about them (crm.privacy.registry), the lead itself last, and the erasure
is recorded without anything personal.

The lead's row stays, blanked, so that counts on the dashboard still add up and
nothing keyed to it breaks; with no email, phone or address, do not call, do
not mail and unsubscribed, no entry path finds it again and no channel reaches
it. Its address stays on the suppression list (mailings' part adds it before
anything is blanked), so a later import of the same person is never emailed.

Everything is written with queryset updates and deletes, never save(): no
post_save receiver (audiences, an audit trail) gets a copy of the old values.
"""

from collections.abc import Mapping

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from crm.audiences.models import AudienceMember
from crm.audiences.services import audience_members_forget
from crm.audit.models import AuditEntry
from crm.audit.services import audit_record
from crm.models import ContactPoint, Interaction, Lead, LeadImport, LeadMerge, User
from crm.privacy import imports, registry
from crm.privacy.models import Erasure
from crm.privacy.subject import Subject
from crm.retargeting.services import ad_members_forget
from crm.tracking.models import Cart, Visitor, WebEvent

# What an erased lead's fields become. Flags only ever stop contact.
BLANKED_LEAD_FIELDS = (
    *("name_prefix", "first_name", "last_name", "name_suffix", "company", "title"),
    *("email", "phone", "phone_raw", "phone_ext", "other_contacts"),
    *("address_line1", "address_line2", "city", "region", "postal_code", "country", "time_zone"),
    *("email_consent_method", "email_consent_text_version"),
)
ERASED_LEAD = {
    **dict.fromkeys(BLANKED_LEAD_FIELDS, ""),
    "email_consent": Lead.EmailConsent.UNSUBSCRIBED,
    "do_not_call": True,
    "do_not_mail": True,
    "referral_code": None,
    "referred_by": None,
}
ERASED = "Personal data erased"


@transaction.atomic
def lead_erase(*, lead: Lead, by: User | None) -> Erasure:
    """Erase everything stored about the person; the record of it, with counts."""
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    subject = Subject.of(lead)
    counts: dict[str, int] = {}
    # Each app stops what it planned and blanks its rows; an audit trail's
    # redaction of the lead's history registers here too (crm.privacy.registry).
    for part in registry.parts():
        _add(counts, part.erase(subject=subject))
    _add(counts, {"Leads blanked": Lead.objects.filter(pk=lead.pk).update(**ERASED_LEAD)})
    audit_record(action=AuditEntry.Action.ERASED, by=by, lead_id=lead.pk)
    return Erasure.objects.create(
        lead_id=lead.pk, erased_by=by, erased_at=timezone.now(), counts=counts
    )


def _add(counts: dict[str, int], more: Mapping[str, int]) -> None:
    for what, n in more.items():
        counts[what] = counts.get(what, 0) + n


def crm_erase(*, subject: Subject) -> dict[str, int]:
    """crm's part (the lead's own fields are blanked last, by lead_erase). The
    imports go first: they are found through the lead's other contacts too."""
    lead_id = subject.lead_id
    counts = {"Booth-list imports cleaned": _imports_clean(subject)}
    counts["Interactions blanked"] = Interaction.objects.filter(lead_id=lead_id).update(
        notes="", data={}, path=""
    )
    counts["Referral notes on other leads blanked"] = Interaction.objects.filter(
        kind=Interaction.Kind.REFERRAL, external_id=f"referral:{lead_id}"
    ).update(notes=f"Referred lead #{lead_id} (erased).")
    counts["Merge records blanked"] = LeadMerge.objects.filter(lead_id=lead_id).update(
        duplicate_snapshot={}
    )
    counts["Other emails and phones deleted"] = _deleted(
        ContactPoint.objects.filter(lead_id=lead_id)
    )
    counts["Audience memberships ended"] = AudienceMember.objects.filter(lead_id=lead_id).count()
    audience_members_forget(lead=Lead(pk=lead_id))
    counts["Ad audience removals queued"] = ad_members_forget(lead_id=lead_id)
    visitors = Visitor.objects.filter(lead_id=lead_id)
    counts["Website events deleted"] = WebEvent.objects.filter(visitor__in=visitors).count()
    counts["Website carts deleted"] = Cart.objects.filter(visitor__in=visitors).count()
    counts["Website visitors deleted"] = _deleted(visitors)
    counts["Admin log entries blanked"] = _admin_log_blank(lead_id)
    return counts


def _deleted(queryset) -> int:
    return queryset.delete()[1].get(queryset.model._meta.label, 0)


def _imports_clean(subject: Subject) -> int:
    """The person's rows cut out of each booth list that brought them in, and out
    of its report."""
    cleaned = 0
    for lead_import in imports.imports_of(subject.lead_id):
        changes = {
            field: subject.scrubbed(getattr(lead_import, field)) for field in imports.REPORT_FIELDS
        }
        changes["content"] = imports.content_without(lead_import, subject)
        cleaned += LeadImport.objects.filter(pk=lead_import.pk).update(**changes)
    return cleaned


def _admin_log_blank(lead_id: int) -> int:
    """The admin's history of the lead names it in each entry."""
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Lead), object_id=str(lead_id)
    ).update(object_repr=f"Lead #{lead_id}", change_message="")
