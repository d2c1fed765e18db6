"""What a cadence's email step sends, on mailings' side of the ledger: the lead's
variant of the step, the outbox row of each email touch (made when the touch is
first sent: the variant is fixed by a hash, so nothing is lost by waiting; a
personal email's row is made by its rep's Send, never here), and what ends
with an enrolment (its emails not sent yet)."""

import hashlib
from collections.abc import Sequence

from django.db import connection as db
from django.db.models import Q
from django.utils import timezone

from config import liveness
from crm.models import Lead
from followups.models import CadenceStep, Channel, Touch
from followups.services import touches_cancel_open
from mailings.consent.addresses import email_digest
from mailings.consent.selectors import suppressed_digests, why_not_email
from mailings.models import SENDING_LEASE, OutboxEmail, StepVariant

# What sending an outbox email reads: its own enrolment and lead joined in, and
# what a batch's emails share (their cadence, step, variant, the leads' reps and
# campaigns) read once each, one object for all of them, rather than joined in
# and built again for every email.
OUTBOX_JOINED = ("enrolment", "lead")
OUTBOX_SHARED = ("enrolment__cadence", "step", "variant", "lead__owner", "lead__source_campaign")


def variant_for(
    step, lead: Lead, variants: Sequence[StepVariant] | None = None
) -> StepVariant | None:
    """The lead's variant of the step: the same lead always gets the same one, and
    leads split evenly (a hash of step and lead, not a random draw). None when
    the step has no email written."""
    variants = list(step.variants.all()) if variants is None else list(variants)
    if len(variants) <= 1:
        return variants[0] if variants else None
    digest = hashlib.sha256(f"{step.pk}:{lead.pk}".encode()).digest()
    return variants[int.from_bytes(digest[:8], "big") % len(variants)]


def outboxes_for(touches: Sequence[Touch]) -> tuple[dict[int, OutboxEmail], dict[int, str]]:
    """Each email touch's outbox row, made for a cadence's step the first time it is
    sent (one insert for the batch); and for the touches that cannot have one,
    why (they are skipped). A personal email without a row is in neither: only
    its rep writes it."""
    ids = [touch.pk for touch in touches]
    have = set(OutboxEmail.objects.filter(touch_id__in=ids).values_list("touch_id", flat=True))
    why_not: dict[int, str] = {}
    if len(have) < len(ids):
        why_not = _make([touch_id for touch_id in ids if touch_id not in have])
    found = (
        OutboxEmail.objects.filter(touch_id__in=ids)
        .select_related(*OUTBOX_JOINED)
        .prefetch_related(*OUTBOX_SHARED)
    )
    return {email.touch_id: email for email in found}, why_not


def _make(touch_ids: list[int]) -> dict[int, str]:
    """The outbox rows of these touches, in one statement (a row made meanwhile by
    another worker is kept: the touch is one-to-one); why the others get none."""
    if db.vendor == "postgresql":
        return _made_in_sql(touch_ids)
    return _made_in_python(touch_ids)


def _made_in_python(touch_ids: list[int]) -> dict[int, str]:
    """_make, with each row built here and bulk-inserted. Three queries: the
    touches' ids, their steps with their variants."""
    planned = Touch.objects.filter(pk__in=touch_ids).values_list(
        "pk", "channel", "enrolment_id", "step_id", "lead_id"
    )
    planned = [row for row in planned if row[1] != Channel.PERSONAL_EMAIL]  # the rep writes it
    steps = CadenceStep.objects.filter(pk__in={row[3] for row in planned}).prefetch_related(
        "variants"
    )
    steps_by_id = {step.pk: step for step in steps}
    rows, why_not = [], {}
    for touch_id, _channel, enrolment_id, step_id, lead_id in planned:
        step = steps_by_id.get(step_id)
        if enrolment_id is None or step is None:
            why_not[touch_id] = OUTSIDE_ANY_CADENCE
            continue
        variant = variant_for(step, Lead(pk=lead_id), step.variants.all())
        if variant is None:
            why_not[touch_id] = NO_EMAIL_WRITTEN
            continue
        rows.append(
            OutboxEmail(
                touch_id=touch_id,
                enrolment_id=enrolment_id,
                step_id=step_id,
                variant=variant,
                lead_id=lead_id,
            )
        )
    OutboxEmail.objects.bulk_create(rows, ignore_conflicts=True)
    return why_not


OUTSIDE_ANY_CADENCE = "Planned outside any cadence: no email written for it"
NO_EMAIL_WRITTEN = "The step has no email written"


def _made_in_sql(touch_ids: list[int]) -> dict[int, str]:
    """_make on PostgreSQL: one INSERT … SELECT of the rows, the variant picked in
    SQL as variant_for picks it; then why the touches left without one have none."""
    with db.cursor() as cursor:
        cursor.execute(
            _insert_sql(),
            {
                "ids": touch_ids,
                "personal": Channel.PERSONAL_EMAIL,
                "pending": OutboxEmail.Status.PENDING,
            },
        )
    left = (
        Touch.objects.filter(pk__in=touch_ids, email__isnull=True)
        .exclude(channel=Channel.PERSONAL_EMAIL)
        .values_list("pk", "enrolment_id", "step_id")
    )
    return {
        touch_id: NO_EMAIL_WRITTEN if enrolment_id and step_id else OUTSIDE_ANY_CADENCE
        for touch_id, enrolment_id, step_id in left
    }


def _insert_sql() -> str:
    """Each variant numbered within its step in the order step.variants.all() gives
    them (by label); a touch gets the one numbered (the first 8 bytes of
    sha256("STEP:LEAD"), unsigned, big-endian) mod the step's count, as
    variant_for. The columns with a model default but none in the table are given."""
    return f"""
WITH numbered AS (
    SELECT id, step_id,
        row_number() OVER (PARTITION BY step_id ORDER BY label) - 1 AS number,
        count(*) OVER (PARTITION BY step_id) AS variants
    FROM {StepVariant._meta.db_table}
    WHERE step_id IN (SELECT step_id FROM {Touch._meta.db_table} WHERE id = ANY(%(ids)s))
),
touches AS (
    SELECT id, enrolment_id, step_id, lead_id,
        encode(substr(sha256(convert_to(step_id::text || ':' || lead_id::text, 'UTF8')), 1, 8),
            'hex') AS digest
    FROM {Touch._meta.db_table}
    WHERE id = ANY(%(ids)s) AND channel <> %(personal)s AND enrolment_id IS NOT NULL
)
INSERT INTO {OutboxEmail._meta.db_table} (
    touch_id, enrolment_id, step_id, variant_id, lead_id, status, to_email, subject,
    message_id, attempts, last_error, machine_opens, machine_clicks, html_body, text_body
)
SELECT touches.id, touches.enrolment_id, touches.step_id, numbered.id, touches.lead_id,
    %(pending)s, '', '', '', 0, '', 0, 0, '', ''
FROM touches JOIN numbered ON numbered.step_id = touches.step_id
    AND numbered.number = mod(
        ('x' || lpad(substr(digest, 1, 8), 16, '0'))::bit(64)::bigint * 4294967296::numeric
        + ('x' || lpad(substr(digest, 9, 8), 16, '0'))::bit(64)::bigint,
        numbered.variants
    )
ORDER BY touches.id
ON CONFLICT (touch_id) DO NOTHING
"""


def emails_cancel_for_ended(*, enrolment_ids: Sequence[int], reason: str) -> None:
    """Enrolments ended (an exit, a removal, a pause): their emails not sent yet are
    cancelled, and those a dead worker left `sending` (their touches, taken back
    by followups.cadences.services, are never handed out again). An email a live
    worker is sending (its token held, or marked without one and within its
    sending lease) is left to it: only the server's answer says whether it went."""
    lease_over = Q(worker_token__isnull=True, sending_at__lt=timezone.now() - SENDING_LEASE)
    abandoned = Q(status=OutboxEmail.Status.SENDING) & (
        liveness.left_by_dead_worker("worker_token") | lease_over
    )
    waiting = OutboxEmail.objects.filter(
        Q(status=OutboxEmail.Status.PENDING) | abandoned, enrolment_id__in=enrolment_ids
    )
    touch_ids = list(waiting.values_list("touch_id", flat=True))
    waiting.update(status=OutboxEmail.Status.CANCELLED, last_error=reason[:500])
    touches_cancel_open(touch_ids=touch_ids, outcome=reason)


def personal_email_check(lead: Lead) -> str:
    """Why a rep may not email this lead from a cadence's step ("" when they may):
    the same consent and suppression a marketing email needs."""
    return why_not_email(lead)


def personal_email_checks(leads: Sequence[Lead]) -> list[str]:
    """personal_email_check for many leads, the suppression list read once."""
    suppressed = suppressed_digests(lead.email for lead in leads)
    return [
        why_not_email(lead, suppressed=bool(lead.email) and email_digest(lead.email) in suppressed)
        for lead in leads
    ]


CHANNEL_CHECKS = {Channel.PERSONAL_EMAIL: (personal_email_check, personal_email_checks)}
