"""How a touch on a channel is delivered, plugged in by the apps that deliver it.

followups never imports mailings: mailings registers its email handler here
from AppConfig.ready. A handler must be idempotent (the scheduler may hand it
the same touch again after a crash). It takes either one claimed touch
(`touch=`, inside the touch's transaction, which then marks it done) or, when
registered with a batch size, a list of claimed touch ids (`touch_ids=`) whose
fate it decides itself: email goes out in batches over one connection.
Calls and tasks have no handler: reps work them from their queue. Personal
emails are sent by a rep from the queue too: the app that delivers them also
registers a composer, what the rep's card puts in front of them to edit and
what their "Send" does. A channel may also register a check: why a lead cannot
get a touch on it ("" when it can), asked when a cadence's step on that channel
falls due, so the step is skipped with its reason and the cadence goes on.
"""

from collections.abc import Callable
from dataclasses import dataclass

Handler = Callable[..., object]

_handlers: dict[str, Handler] = {}
_batch_sizes: dict[str, int] = {}
_on_request: set[str] = set()  # delivered when a person asks, not when due
Check = Callable[..., str]
CheckMany = Callable[[list], list[str]]
_checks: dict[str, Check] = {}
_checks_many: dict[str, CheckMany] = {}


def register(
    channel: str, handler: Handler, *, batch_size: int | None = None, automatic: bool = True
) -> None:
    """automatic=False: the scheduler does not deliver its due touches (a rep sends
    them); it only dispatches again a claim whose job was lost."""
    unregister(channel)
    _handlers[channel] = handler
    if batch_size:
        _batch_sizes[channel] = batch_size
    if not automatic:
        _on_request.add(channel)


def unregister(channel: str) -> None:
    _handlers.pop(channel, None)
    _batch_sizes.pop(channel, None)
    _on_request.discard(channel)


def batch_size_for(channel: str) -> int | None:
    """None: the handler takes one touch at a time."""
    return _batch_sizes.get(channel)


def handler_for(channel: str) -> Handler | None:
    return _handlers.get(channel)


def delivered_channels() -> list[str]:
    """The channels whose due touches the scheduler delivers."""
    return sorted(set(_handlers) - _on_request)


def reclaimed_channels() -> list[str]:
    """The channels whose lost deliveries the scheduler dispatches again."""
    return sorted(_handlers)


def register_check(channel: str, check: Check, *, many: CheckMany | None = None) -> None:
    """`many`, if given, checks a list of leads at once (the reasons, in order):
    what the scheduler's sweep asks, in one go for all the due touches it checks."""
    _checks[channel] = check
    if many is None:
        _checks_many.pop(channel, None)
    else:
        _checks_many[channel] = many


def check_for(channel: str) -> Check | None:
    return _checks.get(channel)


def check_many_for(channel: str) -> CheckMany | None:
    """Why each of a list of leads cannot get a touch on the channel ("" when it
    can): its check for many leads, or its check asked for each."""
    if channel in _checks_many:
        return _checks_many[channel]
    check = _checks.get(channel)
    if check is None:
        return None
    return lambda leads: [check(lead) for lead in leads]


@dataclass(frozen=True)
class Draft:
    """What a rep's card offers to send: words to edit, and why they may not be
    sent to this lead ("" when they may)."""

    subject: str
    body: str
    refusal: str = ""


@dataclass(frozen=True)
class Composer:
    draft: Callable[..., Draft]  # draft(touch) -> Draft
    # send(*, touch, rep, subject, body): raises ValidationError when it may not
    # go (consent, sent already); sends it once however often it is asked.
    send: Callable[..., object]


_composers: dict[str, Composer] = {}


@dataclass(frozen=True)
class Template:
    """An email a rep may start from on the call card."""

    pk: int
    label: str
    group: str  # "Their cadences" or "Personal emails of every cadence"


@dataclass(frozen=True)
class Picker:
    """The call card's email picker, as the app that sends email plugs it in."""

    templates: Callable[..., list[Template]]  # templates(lead) -> the ones offered
    # draft(lead, template_pk) -> Draft, merge fields filled in; None: not offered.
    draft: Callable[..., Draft | None]
    # send(*, lead, rep, template_pk, subject, body, key): once per key, as the
    # rep; raises ValidationError when it may not go.
    send: Callable[..., object]


_pickers: list[Picker] = []


def register_picker(*, templates, draft, send) -> None:
    _pickers[:] = [Picker(templates=templates, draft=draft, send=send)]


def picker() -> Picker | None:
    return _pickers[0] if _pickers else None


def register_composer(channel: str, *, draft: Callable[..., Draft], send: Callable[..., object]):
    _composers[channel] = Composer(draft=draft, send=send)


def composer_for(channel: str) -> Composer | None:
    return _composers.get(channel)
