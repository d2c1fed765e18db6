from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from crm.audiences.models import Audience
from crm.audiences.selectors import active_audiences
from crm.pagination import keyset_paginate
from crm.selectors import lead_timeline
from followups import channels
from followups.cadences.forms import EnrolForm
from followups.calling_hours import calling_hours
from followups.models import Channel, Touch
from followups.queue import selectors
from followups.queue.filters import QueueFilter
from followups.queue.forms import (
    CallOutcomeForm,
    CardEmailForm,
    PersonalEmailForm,
    StepSkipForm,
    TemplatePickForm,
)
from followups.queue.services import (
    Outcome,
    call_claim_next,
    call_log_outcome,
    call_outcome_undo,
    call_skip,
)
from followups.queue.undo import UNDO_SHOWN, undo_offered
from followups.selectors import outside_calling_hours
from followups.services import touch_close_for_rep

TIMELINE_LENGTH = 10
LIST_ROWS = 50
# Today's list counts its calls no further than this ("1,000+ calls today"): a rep
# with a hundred thousand calls due would otherwise wait for every one to be counted.
LIST_COUNT_CAP = 1000
QUEUE_AUDIENCE = "queue_audience"  # session key: the audience whose calls the rep works

may_call = permission_required("followups.view_touch", raise_exception=True)


@login_required
@may_call
@require_GET
def queue_next(request: HttpRequest) -> HttpResponse:
    """The user's next call (claimed for them), or when there will be one."""
    audience = _queue_audience(request)
    dropped: list = []
    touch = call_claim_next(
        user=request.user, audience_id=audience and audience.pk, dropped=dropped
    )
    note = " ".join(
        f"The call to {call.lead.display_name} is off your list: {reason}."
        for call, reason in dropped
    )
    return _render_card(request, touch, audience=audience, note=note)


@login_required
@may_call
@require_POST
def queue_log(request: HttpRequest, touch_id: int) -> HttpResponse:
    touch = selectors.get_claimed_call_for_user(request.user, touch_id)
    form = CallOutcomeForm(request.POST, lead=touch.lead)
    if form.is_valid() and form.needs_confirming:
        return _render_card(request, touch, form, confirm_do_not_call=True)
    if form.is_valid():
        try:
            call_log_outcome(touch=touch, user=request.user, **form.outcome_fields())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            # The next card offers its undo, which says what was logged.
            return _after(request, "")
    return _render_card(request, touch, form, status=400)


@login_required
@may_call
@require_POST
def queue_undo(request: HttpRequest, undo_id: int) -> HttpResponse:
    """Take back the outcome just logged: its call comes back on the card."""
    try:
        undone = call_outcome_undo(pk=undo_id, user=request.user)
    except ValidationError as exc:
        return _undo_refused(request, " ".join(exc.messages))
    label = Outcome(undone.outcome).label
    note = f"Undone: “{label}” for {undone.touch.lead.display_name} is no longer logged."
    if not request.htmx:
        messages.success(request, note)
        return redirect("queue:next")
    audience = _queue_audience(request)
    # The undone call, claimed again: the rep's only claim now (call_outcome_undo).
    touch = call_claim_next(user=request.user, audience_id=audience and audience.pk)
    return _render_card(request, touch, note=note, audience=audience)


def _undo_refused(request: HttpRequest, why: str) -> HttpResponse:
    """Said on the card where the rep is: the page (409), or the next card (htmx
    swaps a 200 only)."""
    audience = _queue_audience(request)
    touch = call_claim_next(user=request.user, audience_id=audience and audience.pk)
    status = 200 if request.htmx else 409
    return _render_card(request, touch, note=why, audience=audience, status=status, error=True)


# An email from the call card: a template picked, edited, sent as the rep (mailings
# plugs in the picker: followups.channels).


@login_required
@may_call
@require_GET
def call_email(request: HttpRequest, touch_id: int) -> HttpResponse:
    """The picker, and the picked template filled in for the lead, to edit."""
    touch = selectors.get_claimed_call_for_user(request.user, touch_id)
    picker = _picker()
    templates = picker.templates(touch.lead)
    pick = TemplatePickForm(request.GET, templates=templates)
    if not pick.is_valid():
        return _render_call_email(request, touch, pick, status=400)
    template_pk = pick.cleaned_data["template"]
    draft = picker.draft(touch.lead, template_pk)
    if draft is None:  # offered a moment ago, gone now (its cadence switched off)
        raise Http404("No such template for this lead.")
    form = CardEmailForm(
        templates=templates,
        initial={"template": template_pk, "subject": draft.subject, "body": draft.body},
    )
    return _render_call_email(request, touch, pick, form, refusal=draft.refusal)


@login_required
@may_call
@require_POST
def call_email_send(request: HttpRequest, touch_id: int) -> HttpResponse:
    touch = selectors.get_claimed_call_for_user(request.user, touch_id)
    picker = _picker()
    templates = picker.templates(touch.lead)
    form = CardEmailForm(request.POST, templates=templates)
    if form.is_valid():
        data = form.cleaned_data
        try:
            picker.send(
                lead=touch.lead,
                rep=request.user,
                template_pk=data["template"],
                subject=data["subject"],
                body=data["body"],
                key=data["key"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            sent = f"Sent “{data['subject']}” to {touch.lead.display_name}, from you."
            if not request.htmx:
                messages.success(request, sent)
                return redirect("queue:next")
            pick = TemplatePickForm(templates=templates)
            return _render_call_email(request, touch, pick, sent=sent)
    pick = TemplatePickForm(initial={"template": form["template"].value()}, templates=templates)
    return _render_call_email(request, touch, pick, form, status=400)


def _picker() -> channels.Picker:
    picker = channels.picker()
    if picker is None:
        raise Http404("No email is sent from here.")
    return picker


def _render_call_email(
    request: HttpRequest,
    touch: Touch,
    pick: TemplatePickForm,
    form: CardEmailForm | None = None,
    *,
    refusal: str = "",
    sent: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        "touch": touch,
        "lead": touch.lead,
        "pick": pick,
        "email_form": form,
        "refusal": refusal,
        "sent": sent,
    }
    template = "followups/partials/call_email.html" if request.htmx else "followups/call_email.html"
    return render(request, template, context, status=status)


@login_required
@may_call
@require_POST
def queue_skip(request: HttpRequest, touch_id: int) -> HttpResponse:
    """Not now: the call goes back to the queue and the next one comes up."""
    touch = selectors.get_claimed_call_for_user(request.user, touch_id)
    audience = _queue_audience(request)
    next_touch = call_skip(touch=touch, user=request.user, audience_id=audience and audience.pk)
    note = f"Skipped {touch.lead.display_name} for now; the call stays in your queue."
    if not request.htmx:
        messages.info(request, note)
        return redirect("queue:next")
    return _render_card(request, next_touch, note=note)


@login_required
@may_call
@require_GET
def queue_list(request: HttpRequest) -> HttpResponse:
    """Today's calls, callable now or not, with filters."""
    queue_filter = QueueFilter(request.GET, queryset=selectors.todays_queue(request.user))
    if not queue_filter.is_valid():
        return render(request, "followups/queue_list.html", {"filter": queue_filter}, status=400)
    # A day's list is read a page at a time, in queue order (keyset pages: each as
    # quick as the first), with how many calls there are, counted up to a cap.
    page = keyset_paginate(
        queue_filter.qs,
        ordering=selectors.QUEUE_ORDER,
        after=_positive_int(request.GET.get("after", "")),
        before=_positive_int(request.GET.get("before", "")),
        size=LIST_ROWS,
        count_cap=LIST_COUNT_CAP,
    )
    context = {"filter": queue_filter, "page": page, "rows": selectors.queue_rows(page.items)}
    return render(request, "followups/queue_list.html", context)


def _queue_audience(request: HttpRequest) -> Audience | None:
    """The audience whose calls the rep chose to work: ?audience=ID on the queue
    page (from today's list filtered by it), kept in the session until ?audience=
    (empty) goes back to the whole queue."""
    if "audience" in request.GET:
        request.session[QUEUE_AUDIENCE] = _positive_int(request.GET["audience"])
    pk = request.session.get(QUEUE_AUDIENCE)
    return active_audiences().filter(pk=pk).first() if pk else None


def _positive_int(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


def _after(request: HttpRequest, note: str) -> HttpResponse:
    """After a call was logged: the next card for htmx, else back to the queue page."""
    if not request.htmx:
        if note:
            messages.success(request, note)
        return redirect("queue:next")
    audience = _queue_audience(request)
    touch = call_claim_next(user=request.user, audience_id=audience and audience.pk)
    return _render_card(request, touch, note=note, audience=audience)


def _render_card(
    request: HttpRequest,
    touch: Touch | None,
    form: CallOutcomeForm | None = None,
    *,
    status: int = 200,
    note: str = "",
    audience: Audience | None = None,
    error: bool = False,
    confirm_do_not_call: bool = False,
) -> HttpResponse:
    lead = touch.lead if touch else None
    undo = undo_offered(user=request.user)
    context = {
        "touch": touch,
        "form": form or CallOutcomeForm(lead=lead),
        "note": note,
        "note_is_error": error,
        "confirm_do_not_call": confirm_do_not_call,
        "undo": undo,
        "undo_seconds": undo.seconds_left(UNDO_SHOWN.total_seconds()) if undo else 0,
        "call_attempts": settings.CALL_ATTEMPTS,
        "queue_audience": audience,
        "calling_hours": calling_hours(),
        # With the next card, the emails and tasks a logged call may have brought due.
        "work": selectors.rep_work(request.user),
    }
    if touch is None:
        context["next_call"] = selectors.next_call(request.user)
    else:
        context["lead"] = touch.lead
        context["timeline"] = lead_timeline(touch.lead, limit=TIMELINE_LENGTH)
        context["points"] = selectors.touch_talking_points(touch)
        context["enrol_form"] = EnrolForm(lead=touch.lead)
    template = "followups/partials/call_card.html" if request.htmx else "followups/queue.html"
    return render(request, template, context, status=status)


# Personal emails and tasks: each on a card of its own, opened from the queue page.


@login_required
@may_call
@require_GET
def touch_card(request: HttpRequest, touch_id: int) -> HttpResponse:
    touch = selectors.get_rep_touch_for_user(request.user, touch_id)
    if touch.status != Touch.Status.PENDING:
        return _closed(request, touch)
    return _render_touch_card(request, touch)


@login_required
@may_call
@require_POST
def touch_send(request: HttpRequest, touch_id: int) -> HttpResponse:
    """Send a personal email as the rep edited it (mailings sends it, once)."""
    touch = selectors.get_rep_touch_for_user(request.user, touch_id, channel=Channel.PERSONAL_EMAIL)
    if touch.status != Touch.Status.PENDING:
        return _closed(request, touch)
    form = PersonalEmailForm(request.POST)
    composer = channels.composer_for(touch.channel)
    if form.is_valid() and composer is not None:
        try:
            composer.send(touch=touch, rep=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            subject = form.cleaned_data["subject"]
            messages.success(request, f"Sent “{subject}” to {touch.lead.display_name}.")
            return redirect("queue:next")
    return _render_touch_card(request, touch, email_form=form, status=400)


@login_required
@may_call
@require_POST
def touch_done(request: HttpRequest, touch_id: int) -> HttpResponse:
    """A task done: its cadence goes on."""
    touch = selectors.get_rep_touch_for_user(request.user, touch_id, channel=Channel.TASK)
    if not touch_close_for_rep(touch_id=touch.pk, rep=request.user, done=True, outcome="done"):
        return _closed(request, touch)
    messages.success(request, f"Done: the task for {touch.lead.display_name}.")
    return redirect("queue:next")


@login_required
@may_call
@require_POST
def touch_skip(request: HttpRequest, touch_id: int) -> HttpResponse:
    """A task or personal email skipped, with the rep's reason: its cadence goes on."""
    touch = selectors.get_rep_touch_for_user(request.user, touch_id)
    form = StepSkipForm(request.POST)
    if not form.is_valid():
        return _render_touch_card(request, touch, skip_form=form, status=400)
    reason = form.cleaned_data["reason"]
    if not touch_close_for_rep(touch_id=touch.pk, rep=request.user, done=False, outcome=reason):
        return _closed(request, touch)
    what = touch.get_channel_display().lower()
    messages.success(request, f"Skipped the {what} for {touch.lead.display_name}: {reason}.")
    return redirect("queue:next")


def _closed(request: HttpRequest, touch: Touch) -> HttpResponse:
    """Back to the queue: the email or task was dealt with already (another tab, a
    second click), or its cadence ended."""
    touch.refresh_from_db(fields=["status"])
    if touch.status in (Touch.Status.SKIPPED, Touch.Status.CANCELLED):
        state = touch.get_status_display().lower()
    else:
        state = "sent" if touch.channel == Channel.PERSONAL_EMAIL else "done"
    what = touch.get_channel_display().lower()
    messages.info(request, f"The {what} for {touch.lead.display_name} was {state} already.")
    return redirect("queue:next")


def _render_touch_card(
    request: HttpRequest,
    touch: Touch,
    *,
    email_form: PersonalEmailForm | None = None,
    skip_form: StepSkipForm | None = None,
    status: int = 200,
) -> HttpResponse:
    composer = channels.composer_for(touch.channel)
    draft = composer.draft(touch) if composer is not None else None
    if composer is not None and email_form is None:
        email_form = PersonalEmailForm(initial={"subject": draft.subject, "body": draft.body})
    context = {
        "touch": touch,
        "lead": touch.lead,
        "step": touch.step,
        "cadence": touch.step.cadence if touch.step else None,
        "draft": draft,
        "email_form": email_form,
        "skip_form": skip_form or StepSkipForm(),
        "enrol_form": EnrolForm(lead=touch.lead),
        "timeline": lead_timeline(touch.lead, limit=TIMELINE_LENGTH),
        "points": selectors.touch_talking_points(touch),
        "outside_hours": outside_calling_hours(touch.lead),
    }
    return render(request, "followups/touch_card.html", context, status=status)
