"""Reads about cadences for the pages reps work from: a lead's enrolments, the
cadences a lead may be enrolled in, and the enrolments a user may act on."""

from django.db.models import Case, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404

from crm.models import Lead, User
from crm.roles import require_manager
from crm.selectors import leads_visible_to
from followups.cadences.models import Cadence, Enrolment
from followups.models import Touch

LEAD_ENROLMENTS_SHOWN = 20


def next_due_at() -> Subquery:
    """When an enrolment's next planned touch is due (its current step's), as SQL."""
    open_touches = Touch.objects.filter(enrolment=OuterRef("pk"), status__in=Touch.OPEN)
    return Subquery(open_touches.order_by("due_at").values("due_at")[:1])


def lead_enrolments(lead: Lead, *, limit: int = LEAD_ENROLMENTS_SHOWN) -> list[Enrolment]:
    """The lead's enrolments, open ones first, then the latest ended, each with its
    cadence, current step and next due time (next_due_at)."""
    still_open = Case(
        When(status__in=Enrolment.OPEN, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    enrolments = (
        Enrolment.objects.filter(lead=lead)
        .select_related("cadence", "step")
        .annotate(next_due_at=next_due_at(), ended=still_open)
        .order_by("ended", "-enrolled_at", "-pk")
    )
    return list(enrolments[:limit])


def cadences_to_enrol(lead: Lead) -> QuerySet[Cadence]:
    """Every cadence the lead is not in now, switched on or off (a person enrols
    by hand in either), those switched on first."""
    already_in = Enrolment.objects.filter(
        cadence=OuterRef("pk"), lead=lead, status__in=Enrolment.OPEN
    )
    return Cadence.objects.exclude(Exists(already_in)).order_by("-is_active", "name")


def get_cadence_for_user(
    user: User, pk: int, *, cadences: QuerySet[Cadence] | None = None
) -> Cadence:
    """The cadence for a manager (403 for anyone else: cadences are managers'
    work), or 404; `cadences` adds what a page reads with it."""
    require_manager(user, "The cadence pages")
    return get_object_or_404(Cadence.objects.all() if cadences is None else cadences, pk=pk)


def get_enrolment_for_user(user: User, pk: int) -> Enrolment:
    """The enrolment of a lead this user may see (a manager, or the lead's owner),
    or 404."""
    enrolments = Enrolment.objects.filter(lead__in=leads_visible_to(user))
    try:
        return enrolments.select_related("cadence", "lead").get(pk=pk)
    except Enrolment.DoesNotExist:
        raise Http404("No such enrolment.") from None


def enrolments_shown() -> QuerySet[Enrolment]:
    """Enrolments with their cadence, current step and next due time."""
    return Enrolment.objects.select_related("cadence", "step").annotate(next_due_at=next_due_at())


def open_enrolment(cadence: Cadence, lead: Lead) -> Enrolment | None:
    """The lead's enrolment in this cadence now (active or paused)."""
    return enrolments_shown().filter(cadence=cadence, lead=lead, status__in=Enrolment.OPEN).first()
