"""What came of an interaction, as codes from a vocabulary per kind."""

from django.db.models import TextChoices


class CallOutcome(TextChoices):
    """What happened on the call; each has a key for the rep's keyboard."""

    INTERESTED = "interested", "Connected: interested"
    NOT_INTERESTED = "not_interested", "Connected: not interested"
    MEETING = "meeting", "Meeting booked"
    VOICEMAIL = "voicemail", "Left a voicemail"
    NO_ANSWER = "no_answer", "No answer"
    WRONG_NUMBER = "wrong_number", "Wrong number"
    DO_NOT_CALL = "do_not_call", "Do not call"
    CALL_BACK = "call_back", "Call back at…"
