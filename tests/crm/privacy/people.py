"""A person with distinctive strings in every table that can hold something
about them, and a bystander who shares some of their rows (an import, a run)."""

from dataclasses import dataclass

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from crm.audiences.models import Audience, AudienceMember
from crm.audit.models import AuditEntry
from crm.audit.services import audit_record
from crm.models import ContactPoint, Interaction, Lead, LeadImport, LeadMerge, User
from crm.tracking.models import Cart, Site, Visitor, WebEvent
from followups.cadences.models import Channel, Enrolment
from followups.models import OutcomeUndo, Touch
from mailings.consent.addresses import email_digest
from mailings.models import ConsentRecord, OutboxEmail, PrintRun, PrintRunLetter
from tests.factories import CampaignFactory, LeadFactory
from tests.followups.cadences.factories import CadenceFactory, StepFactory
from tests.mailings.letters.factories import LetterTemplateFactory

NAME = "Zebulon Quartermaine"
EMAIL = "zq@example.org"
OTHER_EMAIL = "zebulon.q@work.example"
PHONE_RAW = "+44 20 7946 0958"
PHONE = "+442079460958"
OTHER_PHONE = "+442079460959"
STREET = "17 Quartermaine Mews"
IP = "203.0.113.77"
# What must be found nowhere after the erasure (compared case-insensitively).
NEEDLES = ("zebulon", "quartermaine", "zq@example", "7946 0958", "79460958", "79460959", IP)

BYSTANDER_EMAIL = "bystander@example.net"
CSV = (
    "First name,Last name,Email,Phone\r\n"
    f"Zebulon,Quartermaine,{EMAIL},{PHONE_RAW}\r\n"
    f"Betty,Stander,{BYSTANDER_EMAIL},+1 212 555 0100\r\n"
)


@dataclass
class World:
    lead: Lead
    bystander: Lead
    call: Touch
    email_touch: Touch
    enrolment: Enrolment
    pending_email: OutboxEmail
    sent_email: OutboxEmail
    audience: Audience
    lead_import: LeadImport
    run: PrintRun
    visitor: Visitor


def person_everywhere(*, owner: User, manager: User) -> World:
    campaign = CampaignFactory()
    lead = LeadFactory(
        first_name="Zebulon",
        last_name="Quartermaine",
        name_prefix="Dr.",
        email=EMAIL,
        phone=PHONE,
        phone_raw=PHONE_RAW,
        company="Quartermaine Widgets",
        title="Chief Zebulon Officer",
        address_line1=STREET,
        city="Springfield",
        postal_code="62701",
        country="GB",
        time_zone="Europe/London",
        owner=owner,
        email_consent=Lead.EmailConsent.CONFIRMED,
        email_consent_method=f"form at /signup?email={EMAIL}",
        referral_code="zebulon1",
        other_contacts=f"{OTHER_EMAIL} {OTHER_PHONE}",
    )
    bystander = LeadFactory(first_name="Betty", last_name="Stander", email=BYSTANDER_EMAIL)
    lead_import = LeadImport.objects.create(
        filename="expo.csv",
        content=CSV.encode(),
        campaign=campaign,
        encoding="utf-8",
        status=LeadImport.Status.DONE,
        samples=[
            {"row": 2, "cells": ["Zebulon", "Quartermaine", EMAIL]},
            {"row": 3, "cells": ["Betty"]},
        ],
        conflict_rows=[{"row": 2, "lead": lead.pk, "fields": []}],
        errors=[{"row": 9, "message": "bad phone", "cells": [NAME, PHONE_RAW]}],
        warning_rows=[{"row": 2, "kind": "phone_reading", "values": [PHONE_RAW]}],
        undo_report={"kept": [{"lead": lead.pk, "why": f"{NAME} was called"}]},
    )
    ContactPoint.objects.create(
        lead=lead,
        kind="email",
        value=OTHER_EMAIL,
        raw=OTHER_EMAIL,
        label="Work",
        lead_import=lead_import,
    )
    ContactPoint.objects.create(lead=lead, kind="phone", value=OTHER_PHONE, raw="+44 20 7946 0959")
    booth = Interaction.objects.create(
        lead=lead,
        kind=Interaction.Kind.BOOTH_VISIT,
        notes=f"{NAME} loved the demo, call {PHONE_RAW}",
        data={"badge": EMAIL},
        lead_import=lead_import,
        campaign=campaign,
    )
    Interaction.objects.create(
        lead=lead,
        kind=Interaction.Kind.WEB_VISIT,
        path=f"/pricing?email={EMAIL}",
        data={"referrer": "mail.example", "ip": IP, "user_agent": "Zebulon's browser"},
    )
    Interaction.objects.create(
        lead=bystander,
        kind=Interaction.Kind.REFERRAL,
        notes=f"Referred {NAME} (lead #{lead.pk}).",
        data={"referred_lead": lead.pk},
        source="website",
        external_id=f"referral:{lead.pk}",
    )
    LeadMerge.objects.create(
        lead=lead,
        duplicate_id=999999,
        duplicate_snapshot={"email": OTHER_EMAIL, "first_name": "Zebulon"},
    )
    audience = Audience.objects.create(
        name="New leads",
        definition={"match": "all", "rules": [{"type": "stage", "stages": ["new"]}]},
        member_count=1,
    )
    AudienceMember.objects.create(audience=audience, lead=lead)
    site = Site.objects.create(name="Shop", origins="https://shop.example")
    visitor = Visitor.objects.create(site=site, uid="zq-visitor-0000001", lead=lead)
    WebEvent.objects.create(
        visitor=visitor,
        kind=WebEvent.Kind.PAGE_VIEW,
        path=f"/account?email={EMAIL}",
        title=f"Account of {NAME}",
        data={"ip": IP},
    )
    Cart.objects.create(visitor=visitor, cart_id="cart-zebulon")

    call = Touch.objects.create(
        lead=lead,
        channel=Channel.CALL,
        due_at=timezone.now(),
        reason=f"Call {NAME} back",
        talking_points=f"Ask about {PHONE_RAW}",
        held_reason=f"{NAME} is travelling",
        origin="Test",
        key=f"test:call:{lead.pk}",
        interaction=booth,
        assigned_to=owner,
    )
    OutcomeUndo.objects.create(
        touch=call,
        interaction_id=booth.pk,
        outcome="no_answer",
        logged_by=owner,
        before={"lead": {"phone": PHONE, "name": NAME}},
    )
    cadence = CadenceFactory()
    step = StepFactory(cadence=cadence, channel=Channel.EMAIL, position=1)
    enrolment = Enrolment.objects.create(cadence=cadence, lead=lead, step=step, source="Test")
    email_touch = Touch.objects.create(
        lead=lead,
        channel=Channel.EMAIL,
        due_at=timezone.now(),
        reason="Step 1",
        origin="Test",
        key=f"test:email:{lead.pk}",
        enrolment=enrolment,
        step=step,
    )
    pending_email = OutboxEmail.objects.create(
        enrolment=enrolment,
        step=step,
        lead=lead,
        touch=email_touch,
        to_email=EMAIL,
        subject=f"Hi {NAME}",
    )
    sent_touch = Touch.objects.create(
        lead=lead,
        channel=Channel.PERSONAL_EMAIL,
        due_at=timezone.now(),
        status=Touch.Status.DONE,
        reason="Personal email",
        origin="Test",
        key=f"test:personal:{lead.pk}",
    )
    sent_email = OutboxEmail.objects.create(
        lead=lead,
        touch=sent_touch,
        status=OutboxEmail.Status.SENT,
        to_email=EMAIL,
        subject="Our call",
        message_id=f"<1.{EMAIL}>",
        html_body=f"<p>Dear {NAME}, as promised…</p>",
        text_body=f"Dear {NAME}, as promised…",
        sent_by=owner,
    )
    ConsentRecord.objects.create(
        lead=lead,
        email_digest=email_digest(EMAIL),
        action="confirmed",
        source="form",
        ip_address=IP,
    )
    template = LetterTemplateFactory()
    run = PrintRun.objects.create(name="Spring letters", template=template, source="leads")
    PrintRunLetter.objects.create(run=run, lead=lead, position=1)
    PrintRunLetter.objects.create(run=run, lead=bystander, position=2)
    LogEntry.objects.create(
        user=manager,
        content_type=ContentType.objects.get_for_model(Lead),
        object_id=str(lead.pk),
        object_repr=NAME,
        action_flag=CHANGE,
        change_message=f"Changed email to {EMAIL}",
    )
    audit_record(  # as crm's services record an edit, and mailings a bounce
        action=AuditEntry.Action.CHANGED,
        by=manager,
        lead_id=lead.pk,
        changes={"email": [OTHER_EMAIL, EMAIL], "city": ["", "Springfield"]},
        note=f"smtp: 550 <{EMAIL}> mailbox full",
    )
    return World(
        lead=lead,
        bystander=bystander,
        call=call,
        email_touch=email_touch,
        enrolment=enrolment,
        pending_email=pending_email,
        sent_email=sent_email,
        audience=audience,
        lead_import=lead_import,
        run=run,
        visitor=visitor,
    )
