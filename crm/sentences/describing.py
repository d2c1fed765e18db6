"""An interaction told: its sentence, its notes, a booth visitor's answers, and the
pieces followups' talking points reuse."""

from dataclasses import dataclass

from crm.models import Interaction
from crm.sentences.facts import CART_KINDS, Kind, Surroundings, surroundings_for
from crm.sentences.pieces import booth_answers, cart_words, page_words, site_host
from crm.sentences.tellers import TELLERS, plain

# The kinds whose sentence says the outcome (their outcomes are codes with labels).
OUTCOME_KINDS = (Kind.CALL, Kind.MEETING, Kind.SUPPORT_CALL, Kind.EMAIL_BOUNCED)


@dataclass(frozen=True)
class Described:
    """An interaction told: its sentence, its notes when the sentence does not
    say them already, and what a booth visitor answered (heading, answer)."""

    sentence: str
    note: str = ""
    answers: tuple[tuple[str, str], ...] = ()
    # Pieces for other sentences (followups' talking points), with what describe_all
    # looked up: the page read, the site it is on, what was in the cart.
    page: str = ""
    host: str = ""
    cart: str = ""


def describe_all(interactions: list[Interaction]) -> list[Interaction]:
    """Give each interaction its `described` (the same list, for chaining), with the
    words from other rows looked up for all of them at once."""
    surroundings = surroundings_for(interactions)
    for interaction in interactions:
        interaction.described = describe(interaction, surroundings)
    return interactions


def describe(interaction: Interaction, surroundings: Surroundings | None = None) -> Described:
    around = surroundings or Surroundings()
    sentence, note = sentence_and_note(interaction, around)
    return Described(
        sentence=sentence,
        note=note,
        answers=booth_answers(interaction),
        page=page_words(interaction),
        host=site_host(interaction, around),
        cart=cart_words(interaction, around) if interaction.kind in CART_KINDS else "",
    )


def sentence_and_note(
    interaction: Interaction, surroundings: Surroundings | None = None
) -> tuple[str, str]:
    """describe's sentence and note alone, without the other pieces (what a
    cadence's enrolment quotes as its source, thousands at a time for an import)."""
    teller = TELLERS.get(interaction.kind, plain)
    sentence, notes_told = teller(interaction, surroundings or Surroundings())
    if interaction.outcome and interaction.kind not in OUTCOME_KINDS:
        # Free text from before outcomes were codes (crm.outcomes), kept as it was.
        sentence += f" — {interaction.outcome}"
    return sentence, "" if notes_told else interaction.notes.strip()
