"""Sending email touches: a batch the scheduler claimed, over one connection.

1. Prepare (one transaction): lock the batch's touches, check each email again
   (enrolment still active, consent, suppression, send window, frequency cap),
   hold or drop the ones that may not go, and mark the rest `sending`.
2. Send, one message at a time over one connection, each rendered while the
   server reads the one before; each accepted message is marked `sent` on its
   own, the mark written while the next message's envelope goes out and
   recorded before the server can accept that next message (mailings.
   sent_marks), so a worker killed mid-batch leaves at most the one message in
   flight undecided.
3. Finish (one transaction): the sent touches done (which moves their
   cadences on to the next step), an email_sent interaction each.

Personal emails, which reps write and send from their queue, go the same way:
the rep's click claims the touch and queues its job.

Who is sending an email: the rows marked `sending` bear the worker's token
(config.liveness), which PostgreSQL drops the moment the worker dies. So after
a crash the scheduler hands the touches out again at its next pass (followups.
scheduler), and here a row already `sent` is only finished, never sent twice;
a row left `sending` by a dead worker is sent again at once, with the same
Message-ID. Only the message in flight at the kill can arrive twice: the
server accepted it in the instant before the worker died, RFC 1047; receivers
drop a repeated Message-ID. A row marked without a token (SQLite) is taken for
its dead worker's after SENDING_LEASE.

The whole batch is marked `sending` before the first message, yet only one
message is ever undecided: the batch goes in order, one message at a time, and
each is marked `sent` before the server can accept the next, so of a dead
worker's `sending` rows all but the one in flight were never accepted by the
server. Marking each email `sending` only when its turn comes would not spare
the token (the one in flight and the touches, which the scheduler must
dispatch again, still need someone to say whether their worker lives) and
would cost a write per message.
"""

import datetime as dt
import logging
import smtplib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from anymail.exceptions import AnymailError, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import get_connection
from django.db import connection as db
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from config import liveness
from crm.models import Interaction
from crm.services import Happened, interactions_record_many
from followups.models import Channel, Enrolment, Touch
from followups.services import touch_hold, touches_complete_claimed, touches_skip
from mailings.consent.addresses import email_digest
from mailings.consent.selectors import suppressed_digests, why_not_email
from mailings.email.messages import message_id_sql, outbox_message
from mailings.email.sent_marks import sent_marks
from mailings.email.services import email_bounced
from mailings.email.steps import outboxes_for
from mailings.email.windows import FrequencyCap, hold_until, local_description
from mailings.email.wire import WireEmail, hand_over
from mailings.models import SENDING_LEASE, OutboxEmail

logger = logging.getLogger(__name__)

FIRST_RETRY = dt.timedelta(minutes=2)
LAST_RETRY = dt.timedelta(hours=6)
EMAIL_CHANNELS = (Channel.EMAIL, Channel.PERSONAL_EMAIL)


@dataclass
class Ready:
    outbox: OutboxEmail
    message: WireEmail


def emails_send(*, touch_ids: list[int], now: dt.datetime | None = None) -> Counter:
    """Send the claimed email touches among these ids. Safe to run twice."""
    now = now or timezone.now()
    report: Counter = Counter()
    with liveness.worker_token() as token:  # held until the last message is marked
        ready, sent_before = _prepare(touch_ids, now, token, report)
        sent = _send(ready, now, report) if ready else []
    _finish(sent_before + sent, now)
    return report


# 1. Prepare


def _prepare(touch_ids, now, token, report) -> tuple[list[OutboxEmail], list[OutboxEmail]]:
    with transaction.atomic():
        touches = _lock_claimed(touch_ids)
        emails, why_not = outboxes_for(touches)
        _give_message_ids([email for email in emails.values() if not email.message_id])
        cap = FrequencyCap([touch.lead_id for touch in touches], now)
        suppressed = suppressed_digests(email.lead.email for email in emails.values())
        others = _other_live_workers(emails.values(), token)
        ready, sent_before = [], []
        for touch in touches:
            outbox = emails.get(touch.pk)
            if outbox is None and touch.channel == Channel.PERSONAL_EMAIL:
                _back_to_rep(touch, now, report)
                continue
            if outbox is None:
                why = why_not.get(touch.pk, "No email to send")
                touches_skip(touch_ids=[touch.pk], outcome=why)
                report["not sent: " + why] += 1
                continue
            if outbox.status == OutboxEmail.Status.SENT:
                sent_before.append(outbox)  # sent by a worker that died before finishing
                continue
            if _in_other_hands(outbox, now, others):
                report["in another worker's hands"] += 1
                continue
            if _may_go(outbox, now, cap, suppressed, report):
                ready.append(outbox)
        OutboxEmail.objects.filter(pk__in=[outbox.pk for outbox in ready]).update(
            status=OutboxEmail.Status.SENDING,
            sending_at=now,
            worker_token=token,
            attempts=F("attempts") + 1,
        )
    return ready, sent_before


def _other_live_workers(emails, token: int | None) -> set[int]:
    """The tokens of the other workers alive, read only when an email says it is
    being sent."""
    if not any(email.status == OutboxEmail.Status.SENDING for email in emails):
        return set()
    return liveness.tokens_held() - {token}


def _in_other_hands(outbox: OutboxEmail, now, others: set[int]) -> bool:
    """Being sent by another worker, which may be handing it to the server right
    now: only the server's answer says whether it went, so it is left to that
    worker while it lives (its token held), or, marked without a token, for
    SENDING_LEASE. A dead worker's is checked again and sent (same Message-ID)."""
    if outbox.status != OutboxEmail.Status.SENDING:
        return False
    if outbox.worker_token is not None:
        return outbox.worker_token in others
    return outbox.sending_at > now - SENDING_LEASE


def _lock_claimed(touch_ids) -> list[Touch]:
    touches = Touch.objects.filter(
        pk__in=touch_ids, status=Touch.Status.CLAIMED, channel__in=EMAIL_CHANNELS
    )
    if db.features.has_select_for_update_skip_locked:
        touches = touches.select_for_update(skip_locked=True, of=("self",))
    # Only the touches here, and only what sending reads of them: the outbox rows
    # bring their lead (a row made for a cadence's step at its first send loads
    # its own).
    return list(touches.order_by("id").only("id", "channel", "lead_id", "due_at"))


def _back_to_rep(touch: Touch, now, report) -> None:
    """A personal email claimed without the email its rep wrote (a Send makes the
    two together): back to the rep's queue, as it was due."""
    touch_hold(
        touch_id=touch.pk,
        until=min(touch.due_at, now),
        why="Waiting for its rep to write and send it",
    )
    report["back to its rep"] += 1


def _give_message_ids(emails: list[OutboxEmail]) -> None:
    """Each email's Message-ID, written before its first try and kept for every
    later one: a resend after a crash carries the same id, which receivers use
    to drop a copy."""
    if not emails:
        return
    unnamed = OutboxEmail.objects.filter(pk__in=[email.pk for email in emails], message_id="")
    unnamed.update(message_id=message_id_sql())
    named = dict(
        OutboxEmail.objects.filter(pk__in=[email.pk for email in emails]).values_list(
            "pk", "message_id"
        )
    )
    for email in emails:
        email.message_id = named[email.pk]


def _may_go(outbox, now, cap, suppressed, report) -> bool:
    """Checked, and marked `sending` (written for the whole batch at once; it is
    rendered when its turn comes, and what it said is written with its `sent`)."""
    lead = outbox.lead
    if outbox.status in (OutboxEmail.Status.FAILED, OutboxEmail.Status.CANCELLED):
        touches_skip(touch_ids=[outbox.touch_id], outcome=outbox.last_error or outbox.status)
        return False
    if outbox.enrolment_id and outbox.enrolment.status != Enrolment.Status.ACTIVE:
        _drop(outbox, f"Cadence ended: {outbox.enrolment.exit_reason or 'finished'}", report)
        return False
    refusal = why_not_email(lead, suppressed=email_digest(lead.email) in suppressed)
    if refusal:
        _drop(outbox, refusal, report)  # the step is skipped; the cadence goes on
        return False
    if outbox.sent_by_id is None and (held := hold_until(lead, now, cap)):
        until, why = held
        when = local_description(until, lead.time_zone)
        touch_hold(touch_id=outbox.touch_id, until=until, why=f"Held: {why}; goes out {when}")
        report["held"] += 1
        return False
    outbox.status, outbox.sending_at = OutboxEmail.Status.SENDING, now
    outbox.attempts += 1
    cap.count(outbox.lead_id)
    return True


def _drop(outbox: OutboxEmail, reason: str, report) -> None:
    OutboxEmail.objects.filter(pk=outbox.pk).update(
        status=OutboxEmail.Status.CANCELLED, last_error=reason[:500]
    )
    touches_skip(touch_ids=[outbox.touch_id], outcome=reason)
    report["not sent: " + reason] += 1


def _fail(outbox: OutboxEmail, reason: str, report) -> None:
    OutboxEmail.objects.filter(pk=outbox.pk).update(
        status=OutboxEmail.Status.FAILED, last_error=reason[:500]
    )
    touches_skip(touch_ids=[outbox.touch_id], outcome=reason)
    report["failed"] += 1


# 2. Send


def _send(ready: list[OutboxEmail], now, report) -> list[OutboxEmail]:
    """In order, over one connection. While the server reads a message, the next
    one is rendered; while the next one's envelope goes out, the message's
    `sent` mark is written, recorded before that next one can be accepted."""
    sent, connection = [], None
    messages = _rendered(ready, report)
    item = next(messages, None)
    with sent_marks() as marks:
        while item is not None:
            answer = None
            try:
                connection = connection or _opened()
                answer = hand_over(connection, item.message, before_accepting=marks.recorded)
            except Exception as error:
                connection = _not_sent(item.outbox, error, connection, marks, now, report)
            following = next(messages, None)  # rendered while the server reads this one
            if answer is not None:
                try:
                    answer()
                except Exception as error:
                    connection = _not_sent(item.outbox, error, connection, marks, now, report)
                else:
                    marks.send(item.outbox, now)
                    sent.append(item.outbox)
                    report["sent"] += 1
            item = following
    _drop_connection(connection)
    return sent


def _rendered(outboxes: list[OutboxEmail], report) -> Iterator[Ready]:
    """Each email rendered for its lead, as its turn comes."""
    for outbox in outboxes:
        try:
            rendered, message = outbox_message(outbox)
        except Exception as error:  # a manager's template: any error stops this email only
            logger.exception("Could not render outbox email %s", outbox.pk)
            _fail(outbox, f"The step's template does not render: {error}", report)
            continue
        outbox.to_email, outbox.subject = outbox.lead.email, rendered.subject
        yield Ready(outbox, message)


def _opened():
    connection = get_connection(fail_silently=False)
    connection.open()
    return connection


def _not_sent(outbox: OutboxEmail, error: Exception, connection, marks, now, report):
    """The server refused the message, or the connection failed before it took it;
    the connection to go on with (None: open a new one)."""
    marks.recorded()  # the database is this worker's again
    if _is_permanent(error):
        _bounce(outbox, error, now, report)
        return connection
    _retry_later(outbox, error, now, report)
    return _drop_connection(connection)


def _drop_connection(connection):
    if connection is not None:
        try:
            connection.close()
        except Exception:  # closing a broken connection may fail too
            logger.debug("closing the mail connection failed", exc_info=True)
    return None


def _is_permanent(error: Exception) -> bool:
    """The address is bad for good: a 5xx for the recipient, or an ESP saying so."""
    if isinstance(error, AnymailRecipientsRefused):
        return True
    if isinstance(error, AnymailError):
        return False
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPDataError):
        return error.smtp_code >= 500
    return False  # sender refused, connection trouble, timeouts: ours, try again


def _bounce(outbox: OutboxEmail, error: Exception, now, report) -> None:
    _fail(outbox, f"Refused: {error}", report)
    email_bounced(email=outbox.lead.email, source=f"smtp: {error}"[:200], now=now)


def _retry_later(outbox: OutboxEmail, error: Exception, now, report) -> None:
    if outbox.attempts >= settings.MAIL_SEND_ATTEMPTS:
        _fail(outbox, f"Gave up after {outbox.attempts} tries: {error}", report)
        return
    wait = min(FIRST_RETRY * 2 ** (outbox.attempts - 1), LAST_RETRY)
    OutboxEmail.objects.filter(pk=outbox.pk).update(
        status=OutboxEmail.Status.PENDING, last_error=f"{error}"[:500]
    )
    touch_hold(
        touch_id=outbox.touch_id,
        until=now + wait,
        why=f"Retrying after a temporary failure: {error}",
    )
    report["retrying"] += 1


# 3. Finish


@transaction.atomic
def _finish(sent: list[OutboxEmail], now) -> None:
    if not sent:
        return
    still_claimed = touches_complete_claimed(
        touch_ids=[outbox.touch_id for outbox in sent], outcome="sent", now=now
    )
    finishing = [outbox for outbox in sent if outbox.touch_id in still_claimed]
    _record_sent(finishing)


def _record_sent(emails: list[OutboxEmail]) -> None:
    """An email_sent interaction each (crm's bulk service: one statement)."""
    interactions_record_many(
        kind=Interaction.Kind.EMAIL_SENT,
        source="cadence",
        happened=[
            Happened(
                lead_id=outbox.lead_id,
                occurred_at=outbox.sent_at,
                notes=outbox.subject,
                data={
                    "outbox": outbox.pk,
                    "cadence": outbox.enrolment.cadence.name if outbox.enrolment_id else "",
                    "step": outbox.step.position if outbox.step_id else None,
                    "variant": outbox.variant.label if outbox.variant_id else "",
                    "personal": outbox.sent_by_id is not None,
                },
                external_id=f"outbox:{outbox.pk}",
            )
            for outbox in emails
        ],
    )
