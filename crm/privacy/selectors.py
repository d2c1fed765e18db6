"""Reads for personal data requests: everything stored about a person, as one
JSON document (GDPR Art. 15), gathered from every app's registered part
(crm.privacy.registry); and which leads were erased."""

import json
from collections.abc import Mapping
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from crm.audiences.models import AudienceMember
from crm.models import ContactPoint, Interaction, Lead, LeadMerge, User
from crm.privacy import imports, registry
from crm.privacy.models import Erasure
from crm.privacy.subject import Subject
from crm.retargeting.models import AdAudienceMember
from crm.roles import require_manager
from crm.selectors import get_lead_for_user
from crm.tracking.models import Cart, Visitor, WebEvent

FORMAT = "followup-crm personal data export, version 1"


def rows(queryset: QuerySet, *fields: str) -> registry.Rows:
    """The rows as plain dicts (binary columns left out: files are exported as rows)."""
    return [
        {name: value for name, value in row.items() if not isinstance(value, bytes | memoryview)}
        for row in queryset.values(*fields)
    ]


def lead_personal_data(lead: Lead) -> dict[str, Any]:
    """Everything stored about the person, section by section, as JSON-ready values."""
    document: dict[str, Any] = {
        "format": FORMAT,
        "exported_at": timezone.now(),
        "lead_id": lead.pk,
    }
    for part in registry.parts():
        document.update(part.export(lead=lead))
    return json.loads(json.dumps(document, cls=DjangoJSONEncoder))


def lead_personal_data_json(lead: Lead) -> str:
    return json.dumps(lead_personal_data(lead), indent=2, ensure_ascii=False)


def erasure_summary(lead: Lead) -> list[tuple[str, int]]:
    """What an erasure would blank or delete: each kind of record, how many."""
    return [
        (name.replace("_", " ").capitalize(), len(value))
        for name, value in lead_personal_data(lead).items()
        if isinstance(value, list) and value
    ]


def crm_export(*, lead: Lead) -> Mapping[str, registry.Rows]:
    """crm's part: the lead, its timeline, merges, other contacts, audiences,
    website visits and the booth-list rows that brought it in."""
    visitors = Visitor.objects.filter(lead=lead)
    subject = Subject.of(lead)
    return {
        "lead": rows(Lead.objects.filter(pk=lead.pk)),
        "contact_points": rows(ContactPoint.objects.filter(lead=lead)),
        "interactions": rows(Interaction.objects.filter(lead=lead).order_by("occurred_at", "pk")),
        "merges": rows(LeadMerge.objects.filter(lead=lead)),
        "audience_memberships": rows(
            AudienceMember.objects.filter(lead=lead), "audience_id", "audience__name", "joined_at"
        ),
        "ad_audiences": rows(
            AdAudienceMember.objects.filter(lead=lead).order_by("pk"),
            "link__audience__name",
            "link__connection__platform",
            "link__platform_audience_id",
            "state",
            "changed_at",
        ),
        "website_visitors": rows(
            visitors,
            "id",
            "site__name",
            "uid",
            "referral_code",
            "first_seen_at",
            "last_seen_at",
            "identified_at",
        ),
        "website_events": rows(WebEvent.objects.filter(visitor__in=visitors).order_by("pk")),
        "carts": rows(Cart.objects.filter(visitor__in=visitors).order_by("pk")),
        "imports": [_import_rows(found, subject) for found in imports.imports_of(lead.pk)],
    }


def _import_rows(lead_import, subject: Subject) -> dict[str, Any]:
    return {
        "import_id": lead_import.pk,
        "filename": lead_import.filename,
        "campaign": str(lead_import.campaign),
        "created_at": lead_import.created_at,
        "file": imports.rows_about(lead_import, subject),
        "report": imports.reports_about(lead_import, subject),
    }


def get_lead_for_privacy(user: User, pk: int) -> Lead:
    """The lead, for a manager (404 when the user may not see it, 403 when they
    see it but are no manager: a rep with their own lead)."""
    lead = get_lead_for_user(user, pk)
    require_manager(user, "Personal data requests")
    return lead


def lead_for_request(identifier: str) -> Lead | None:
    """A lead by id, or by one of its email addresses (for the command line)."""
    leads = Lead.objects.all()
    if identifier.isascii() and identifier.isdigit():
        return leads.filter(pk=int(identifier)).first()
    by_email = leads.filter(email__iexact=identifier).first()
    if by_email is not None:
        return by_email
    point = ContactPoint.objects.filter(
        kind=ContactPoint.Kind.EMAIL, value=identifier.strip().lower()
    ).first()
    return point.lead if point else None


def is_erased(lead_ref: OuterRef | Any = None) -> Exists:
    """Whether the lead (an outer query's lead id, its pk by default) was erased."""
    return Exists(Erasure.objects.filter(lead_id=lead_ref or OuterRef("pk")))


def lead_erasures(lead: Lead) -> QuerySet[Erasure]:
    return Erasure.objects.filter(lead_id=lead.pk).select_related("erased_by")


def lead_erasure_section(lead: Lead, user: User) -> dict[str, Any]:
    """The lead page's note that the person's data was erased (crm.sections).
    Only a lead without email, phone or name can be an erased one: the others
    cost the page no query."""
    if lead.email or lead.phone or lead.full_name:
        return {"erasure": None}
    return {"erasure": lead_erasures(lead).first()}
