"""What an interaction's outcome may be, per kind: codes stored, labels shown.

An interaction stores the code (`interested`); people read the label
("Connected: interested"). Kinds not listed here have no outcomes. Interactions
recorded before outcomes were codes keep their free text where it matched no
label (migration 0014), and that text is shown as it is.

Kinds are spelled as Interaction.Kind's values: crm.models imports this module
for Interaction.outcome_label, so this one imports no model.
"""

from django.db.models import TextChoices


class CallOutcome(TextChoices):
    """What happened on the call; the rep's queue gives each a key (followups.queue.services)."""

    INTERESTED = "interested", "Connected: interested"
    NOT_INTERESTED = "not_interested", "Connected: not interested"
    MEETING = "meeting", "Meeting booked"
    VOICEMAIL = "voicemail", "Left a voicemail"
    NO_ANSWER = "no_answer", "No answer"
    WRONG_NUMBER = "wrong_number", "Wrong number"
    DO_NOT_CALL = "do_not_call", "Do not call"
    CALL_BACK = "call_back", "Call back at…"


class MeetingOutcome(TextChoices):
    HELD = "held", "Meeting held"
    NO_SHOW = "no_show", "No-show"
    RESCHEDULED = "rescheduled", "Rescheduled"
    CANCELLED = "cancelled", "Cancelled"


class SupportCallOutcome(TextChoices):
    RESOLVED = "resolved", "Resolved"
    UNRESOLVED = "unresolved", "Not resolved yet"
    ESCALATED = "escalated", "Escalated"


class BounceOutcome(TextChoices):
    HARD = "hard", "Hard bounce: the address does not exist"
    SOFT = "soft", "Soft bounce: mailbox full or server down"


OUTCOMES: dict[str, type[TextChoices]] = {
    "call": CallOutcome,
    "meeting": MeetingOutcome,
    "support_call": SupportCallOutcome,
    "email_bounced": BounceOutcome,
}

# The dashboard and the team view: calls where someone answered, and those that
# booked a meeting.
CONNECTED_CALL_OUTCOMES = (CallOutcome.INTERESTED, CallOutcome.NOT_INTERESTED, CallOutcome.MEETING)
MEETING_BOOKED = CallOutcome.MEETING


def outcome_choices(kind: str) -> list[tuple[str, str]]:
    """(code, label) of each outcome of the kind, in order; none for most kinds."""
    outcomes = OUTCOMES.get(kind)
    return list(outcomes.choices) if outcomes else []


def outcome_label(kind: str, code: str) -> str:
    """The label of the kind's outcome, or the stored text itself when it is no
    code of the kind (free text recorded before outcomes were codes)."""
    return dict(outcome_choices(kind)).get(code, code)


def is_valid_outcome(kind: str, code: str) -> bool:
    """No outcome is always valid; otherwise it must be one of the kind's codes."""
    return code == "" or code in dict(outcome_choices(kind))


def outcome_error(kind: str, code: str) -> str:
    """Why the code is no outcome of the kind ("" when it is), naming the valid codes."""
    if is_valid_outcome(kind, code):
        return ""
    codes = [value for value, _label in outcome_choices(kind)]
    if not codes:
        return f"“{code}” is not an outcome: a {kind} has none, leave it empty."
    return f"“{code}” is not an outcome of a {kind}: use one of {', '.join(codes)}."
