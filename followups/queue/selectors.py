"""Reads for the rep's queue: the calls that may be made now (the one rule the
claim statement compiles), the claimed call, today's list, when a call that is
not callable yet will be (and whose it is), and the rep's due personal emails
and tasks."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils import timezone

from crm.models import Lead, User
from crm.selectors import lead_recent_interactions
from followups.calling_hours import (
    Holidays,
    holidays_around,
    holidays_near,
    hours,
    open_zones_filter,
    opens_at,
    place_of,
    weekdays,
    zone,
)
from followups.models import Channel, Touch
from followups.queue import talking_points

# Holidays are looked up this many days ahead when working out when a call opens.
HOLIDAY_HORIZON_DAYS = 15

QUEUE_ORDER = ("-priority", "due_at", "id")
# What the call card shows (followups.queue.claiming reads the same in its statement).
CARD_RELATED = ("lead", "lead__source_campaign", "interaction", "step__cadence")


def callable_calls(
    now: dt.datetime | None = None,
    *,
    holidays: Holidays | None = None,
    now_in_sql: dt.datetime | None = None,
) -> QuerySet[Touch]:
    """Pending calls that may be made now: due, to a lead that may be called, whose
    local time is inside calling hours and not a holiday.

    now_in_sql is what the SQL compares due dates and pauses to, when that is not
    `now` itself: a placeholder in a statement compiled once and run all minute."""
    now = now or timezone.now()
    holidays = holidays_near(now) if holidays is None else holidays
    at = now if now_in_sql is None else now_in_sql
    return (
        Touch.objects.filter(channel=Channel.CALL, status=Touch.Status.PENDING, due_at__lte=at)
        .filter(lead__do_not_call=False, lead__phone_invalid=False)
        .exclude(lead__phone="")
        .filter(Q(lead__calls_paused_until__isnull=True) | Q(lead__calls_paused_until__lte=at))
        .filter(open_zones_filter(now, holidays))
    )


def call_queue(user: User | int, now: dt.datetime | None = None, **options) -> QuerySet[Touch]:
    """The calls this user (or user id) should make now, the next one first.
    Options as for callable_calls."""
    return callable_calls(now, **options).filter(assigned_to=user).order_by(*QUEUE_ORDER)


def claimed_calls(user: User) -> QuerySet[Touch]:
    """The calls this user has claimed and not logged yet."""
    return Touch.objects.filter(
        channel=Channel.CALL, status=Touch.Status.CLAIMED, claimed_by=user
    ).select_related(*CARD_RELATED)


def current_call(user: User) -> Touch | None:
    """The call this user has claimed and not logged yet (the oldest claim, if several)."""
    return claimed_calls(user).order_by("claimed_at", "id").first()


@dataclass(frozen=True)
class QueueRow:
    touch: Touch
    callable_at: dt.datetime | None  # None: the lead may not be called at all
    callable_now: bool


def get_claimed_call_for_user(user: User, pk: int) -> Touch:
    """The call this user has claimed and not logged yet, or 404: a rep only ever
    works calls they claimed themselves."""
    try:
        return claimed_calls(user).get(pk=pk)
    except Touch.DoesNotExist:
        raise Http404("No such call in your queue.") from None


# Worked from the queue one by one, each on a card of its own (calls come claimed).
CARD_CHANNELS = (Channel.PERSONAL_EMAIL, Channel.TASK)
REP_WORK_ROWS = 25  # of each channel, listed on the queue page
TOUCH_CARD_RELATED = ("lead", "lead__source_campaign", "lead__owner", "step__cadence", "enrolment")


@dataclass
class RepWork:
    """The rep's due personal emails and tasks: the first of each, and how many."""

    emails: list[Touch] = field(default_factory=list)
    tasks: list[Touch] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def email_count(self) -> int:
        return self.counts.get(Channel.PERSONAL_EMAIL, 0)

    @property
    def task_count(self) -> int:
        return self.counts.get(Channel.TASK, 0)


def rep_work(user: User, now: dt.datetime | None = None) -> RepWork:
    """The user's pending personal emails and tasks that are due, in queue order:
    the first REP_WORK_ROWS of each channel and how many there are, in one query."""
    due = Touch.objects.filter(
        assigned_to=user,
        status=Touch.Status.PENDING,
        channel__in=CARD_CHANNELS,
        due_at__lte=now or timezone.now(),
    )
    by_channel = {"partition_by": [F("channel")]}
    rows = (
        due.annotate(
            row=Window(RowNumber(), order_by=list(QUEUE_ORDER), **by_channel),
            total=Window(Count("pk"), **by_channel),
        )
        .filter(row__lte=REP_WORK_ROWS)
        .select_related("lead", "step__cadence")
        .order_by(*QUEUE_ORDER)
    )
    work = RepWork()
    for touch in rows:
        work.counts[touch.channel] = touch.total
        (work.emails if touch.channel == Channel.PERSONAL_EMAIL else work.tasks).append(touch)
    return work


def get_rep_touch_for_user(user: User, pk: int, *, channel: str | None = None) -> Touch:
    """A personal email or task assigned to this user (any status), or 404: a rep
    never opens another rep's."""
    touches = Touch.objects.filter(assigned_to=user, channel__in=CARD_CHANNELS)
    if channel:
        touches = touches.filter(channel=channel)
    try:
        return touches.select_related(*TOUCH_CARD_RELATED).get(pk=pk)
    except Touch.DoesNotExist:
        raise Http404("No such email or task in your queue.") from None


def todays_queue(user: User, now: dt.datetime | None = None) -> QuerySet[Touch]:
    """The user's pending calls due before the end of their day (in the active time
    zone), and the one on their card now, in queue order."""
    now = now or timezone.now()
    tomorrow = timezone.localtime(now).date() + dt.timedelta(days=1)
    end_of_day = dt.datetime.combine(tomorrow, dt.time.min, tzinfo=timezone.get_current_timezone())
    mine = Q(status=Touch.Status.PENDING) | Q(status=Touch.Status.CLAIMED, claimed_by=user)
    return (
        Touch.objects.filter(mine, channel=Channel.CALL, assigned_to=user, due_at__lt=end_of_day)
        .select_related("lead", "lead__source_campaign", "interaction__campaign")
        .order_by(*QUEUE_ORDER)
    )


def queue_rows(touches: QuerySet[Touch], now: dt.datetime | None = None) -> list[QueueRow]:
    """The touches with the moment each may be called."""
    now = now or timezone.now()
    holidays = _holidays_from(now)
    rows = []
    for touch in touches:
        opens = callable_from(touch, now, holidays)
        rows.append(QueueRow(touch, opens, callable_now=opens is not None and opens <= now))
    return rows


@dataclass(frozen=True)
class NextCall:
    """The user's next call that is not callable now, and when it becomes callable."""

    touch: Touch
    at: dt.datetime
    waiting: int  # due calls that wait for calling hours in their lead's zone

    @property
    def lead(self) -> Lead:
        return self.touch.lead

    @property
    def lead_time(self) -> dt.datetime:
        """`at` on the lead's clock."""
        return self.at.astimezone(zone(self.lead.time_zone))

    @property
    def place(self) -> str:
        return place_of(self.lead.city, self.lead.time_zone)

    @property
    def same_day_for_viewer(self) -> bool:
        """Whether `at` is the same date on the lead's clock and the viewer's (the
        active time zone), so the viewer's time needs no day."""
        return timezone.localtime(self.at).date() == self.lead_time.date()


def next_call(user: User, now: dt.datetime | None = None) -> NextCall | None:
    """The user's soonest pending call to become callable (due, and inside the
    lead's calling hours), or None when nothing is planned.

    The due calls waiting for calling hours can be many (a rep's whole backlog,
    overnight): they are counted per zone and country in one query, and only the
    zone that opens first is asked for its first call. The calls not due yet are
    read in due order until one is due after the soonest opening found."""
    now = now or timezone.now()
    holidays = _holidays_from(now)
    pending = (
        Touch.objects.filter(channel=Channel.CALL, status=Touch.Status.PENDING, assigned_to=user)
        .filter(lead__do_not_call=False, lead__phone_invalid=False)
        .exclude(lead__phone="")
    )
    not_paused = Q(lead__calls_paused_until__isnull=True) | Q(lead__calls_paused_until__lte=now)
    due = pending.filter(not_paused, due_at__lte=now)
    found, waiting = _first_zone_to_open(due, now, holidays)
    later = pending.exclude(not_paused, due_at__lte=now).select_related("lead")
    for touch in later.order_by("due_at", "id").iterator(chunk_size=100):
        # A call opens at its due time at the earliest; later ones cannot beat this.
        if found is not None and touch.due_at >= found.at:
            break
        opens = callable_from(touch, now, holidays)
        if opens is not None and (found is None or opens < found.at):
            found = NextCall(touch, opens, waiting)
    return found


def _first_zone_to_open(
    due: QuerySet[Touch], now: dt.datetime, holidays: Holidays
) -> tuple[NextCall | None, int]:
    """The first call of the zone (and country) whose calling hours open first,
    among these due calls, and how many they are."""
    groups = due.values_list("lead__time_zone", "lead__country").annotate(calls=Count("pk"))
    soonest, waiting = None, 0
    for zone_name, country, calls in groups.order_by():
        waiting += calls
        opens = opens_at(
            now,
            zone_name,
            open_on=weekdays(),
            between=hours(),
            holidays=holidays,
            country=country,
        )
        if soonest is None or opens < soonest[0]:
            soonest = (opens, zone_name, country)
    if soonest is None:
        return None, 0
    opens, zone_name, country = soonest
    first = (
        due.filter(lead__time_zone=zone_name, lead__country=country)
        .select_related("lead")
        .order_by(*QUEUE_ORDER)
        .first()
    )
    return NextCall(first, opens, waiting), waiting


def callable_from(touch: Touch, now: dt.datetime, holidays: Holidays) -> dt.datetime | None:
    """The first moment from now on when the touch's lead may be called about it."""
    lead = touch.lead
    if not lead.can_call:
        return None
    earliest = max(touch.due_at, now, lead.calls_paused_until or now)
    return calling_hours_from(earliest, lead, holidays)


def calling_hours_from(moment: dt.datetime, lead: Lead, holidays: Holidays) -> dt.datetime:
    """`moment` if it is inside the lead's calling hours, else when they next open."""
    return opens_at(
        moment,
        lead.time_zone,
        open_on=weekdays(),
        between=hours(),
        holidays=holidays,
        country=lead.country,
    )


def _holidays_from(now: dt.datetime) -> Holidays:
    return holidays_around(
        now.date() + dt.timedelta(days=offset) for offset in range(-1, HOLIDAY_HORIZON_DAYS)
    )


def touch_talking_points(touch: Touch, now: dt.datetime | None = None) -> list[str]:
    """What the rep may bring up with the touch's lead (followups.queue.talking_points),
    from their recent interactions and the one that planned the touch."""
    now = now or timezone.now()
    recent = lead_recent_interactions(
        touch.lead,
        kinds=talking_points.KINDS,
        since=now - talking_points.LOOKBACK,
        also=touch.interaction_id,
    )
    return talking_points.compose(
        lead=touch.lead, recent=recent, reason_id=touch.interaction_id, now=now
    )
