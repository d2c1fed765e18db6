"""A cadence's ads step: the lead goes on an ad destination (crm.retargeting)
for the step's days, then comes off.

When the step falls due (the scheduler claims it and hands the batch here) each
lead whose consent allows ads is put on the destination's pending adds, which
the destination's sync sends; the touch is done, an AdRun remembers until when,
and the next step is planned at once: ads run in the background for their days
while the other steps go on (a manager who wants the next step after the ads
gives it a wait). A lead whose consent does not allow ads, or with nothing a
platform can match, is skipped with the reason and the cadence goes on.

The lead comes off (pending removes, sent by the sync) when the run's days are
over, at a scheduler pass, or sooner when the enrolment ends or is paused
(exit, unsubscribe, removal; an erased lead's rows are removed by crm, as is a
withdrawn consent at the destination's next sync). Each run is removed once
(removed_at); a lead another open run keeps on the same destination stays.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from crm.models import Lead
from crm.retargeting.models import AudienceAdLink
from crm.retargeting.selectors import ads_consent
from crm.retargeting.services import ad_membership_add, ad_membership_remove
from followups.cadences.models import AdRun
from followups.models import Touch
from followups.services import touches_complete, touches_skip

BATCH_SIZE = 200
NO_CONSENT = "their consent does not allow ads"
NO_IDENTIFIER = "nothing an ad platform can match (no email or phone)"
NO_DESTINATION = "the step has no ad destination"
ADDED = "added to the ad audience"
DAYS_OVER = "Its days were over"
EXPIRED_PER_PASS = 1000


def ads_check(lead: Lead) -> str:
    return ads_checks([lead])[0]


def ads_checks(leads: list[Lead]) -> list[str]:
    """Why each lead may not be put on an ad audience ("" when they may)."""
    allowed = set(
        Lead.objects.filter(pk__in=[lead.pk for lead in leads])
        .filter(ads_consent())
        .values_list("pk", flat=True)
    )
    return ["" if lead.pk in allowed else NO_CONSENT for lead in leads]


def ads_steps_deliver(*, touch_ids: list[int]) -> None:
    """The channel's batch handler: the claimed ads touches done or skipped."""
    with transaction.atomic():
        touches = list(
            Touch.objects.select_for_update(of=("self",))
            .filter(pk__in=touch_ids, status=Touch.Status.CLAIMED)
            .select_related("lead", "step__ad_link__connection")
            .order_by("pk")
        )
        if not touches:
            return
        now = touches[0].claimed_at or timezone.now()
        skips: dict[str, list[int]] = defaultdict(list)
        ready = []
        for touch, why in zip(touches, ads_checks([t.lead for t in touches]), strict=True):
            if not why and (touch.step is None or touch.step.ad_link is None):
                why = NO_DESTINATION
            if why:
                skips[why].append(touch.pk)
            else:
                ready.append(touch)
        done = _add(ready, now, skips)
        for why, ids in skips.items():
            touches_skip(touch_ids=ids, outcome=why, now=now)
        if done:
            touches_complete(touch_ids=done, outcome=ADDED, now=now)


def _add(touches: list[Touch], now: dt.datetime, skips: dict[str, list[int]]) -> list[int]:
    """Put the touches' leads on their destinations, one call per destination;
    an AdRun for each added. Those a platform could not match go to skips."""
    by_link: dict[int, list[Touch]] = defaultdict(list)
    for touch in touches:
        by_link[touch.step.ad_link_id].append(touch)
    done = []
    for group in by_link.values():
        link = group[0].step.ad_link
        added = set(ad_membership_add(link=link, lead_ids=[t.lead_id for t in group], now=now))
        for touch in group:
            if touch.lead_id not in added:
                skips[NO_IDENTIFIER].append(touch.pk)
                continue
            AdRun.objects.get_or_create(
                touch=touch,
                defaults={
                    "enrolment_id": touch.enrolment_id,
                    "link": link,
                    "lead_id": touch.lead_id,
                    "step": touch.step,
                    "until": now + dt.timedelta(days=touch.step.ad_days or 1),
                },
            )
            done.append(touch.pk)
    return done


def ad_runs_expire(*, now: dt.datetime) -> int:
    """The scheduler pass: runs whose days are over come off their destinations."""
    due = AdRun.objects.filter(removed_at__isnull=True, until__lte=now).order_by("until", "pk")
    ids = list(due.values_list("pk", flat=True)[:EXPIRED_PER_PASS])
    return ad_runs_remove(run_ids=ids, reason=DAYS_OVER, now=now)


def ad_runs_end(*, enrolment_ids: Iterable[int], reason: str) -> None:
    """followups' ended handler: an enrolment ended or paused takes its ads off."""
    runs = AdRun.objects.filter(enrolment_id__in=list(enrolment_ids), removed_at__isnull=True)
    ad_runs_remove(run_ids=list(runs.values_list("pk", flat=True)), reason=reason)


@transaction.atomic
def ad_runs_remove(*, run_ids: list[int], reason: str, now: dt.datetime | None = None) -> int:
    """Mark the runs removed (once: a pass run twice removes nothing twice) and
    take their leads off each destination, but for those another open run keeps
    there. Returns the runs removed."""
    now = now or timezone.now()
    runs = list(
        AdRun.objects.select_for_update()
        .filter(pk__in=run_ids, removed_at__isnull=True)
        .order_by("pk")
    )
    if not runs:
        return 0
    AdRun.objects.filter(pk__in=[run.pk for run in runs]).update(
        removed_at=now, removed_reason=reason[:200]
    )
    leads_by_link: dict[int, set[int]] = defaultdict(set)
    for run in runs:
        leads_by_link[run.link_id].add(run.lead_id)
    for link in AudienceAdLink.objects.filter(pk__in=list(leads_by_link)).select_related(
        "connection"
    ):
        lead_ids = leads_by_link[link.pk] - _kept(link.pk, leads_by_link[link.pk])
        if lead_ids:
            ad_membership_remove(link=link, lead_ids=sorted(lead_ids), now=now)
    return len(runs)


def _kept(link_id: int, lead_ids: set[int]) -> set[int]:
    """Those of these leads another open run keeps on the destination."""
    open_runs = AdRun.objects.filter(
        Q(removed_at__isnull=True), link_id=link_id, lead_id__in=list(lead_ids)
    )
    return set(open_runs.values_list("lead_id", flat=True))
