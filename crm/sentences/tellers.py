"""One teller a kind of interaction: its sentence, and whether the sentence says
the interaction's notes already."""

from crm.models import Interaction
from crm.outcomes import CallOutcome, MeetingOutcome
from crm.sentences import facts
from crm.sentences.facts import Kind, data_of, text_of
from crm.sentences.pieces import (
    booth_rating,
    cart_words,
    content_name,
    duration,
    email_subject,
    event_name,
    link_words,
    lower_first,
    money,
    page_words,
    site_host,
)

# One teller a kind: (sentence, whether it says the notes).


CALL_SENTENCES = {
    CallOutcome.INTERESTED: "Called and reached them: interested",
    CallOutcome.NOT_INTERESTED: "Called and reached them: not interested",
    CallOutcome.MEETING: "Called and booked a meeting",
    CallOutcome.VOICEMAIL: "Called and left a voicemail",
    CallOutcome.NO_ANSWER: "Called: no answer",
    CallOutcome.WRONG_NUMBER: "Called: wrong number",
    CallOutcome.DO_NOT_CALL: "Called: they asked not to be called again",
    CallOutcome.CALL_BACK: "Called: they asked to be called back",
}
MEETING_SENTENCES = {
    MeetingOutcome.HELD: "Met them",
    MeetingOutcome.NO_SHOW: "Meeting: they did not show up",
    MeetingOutcome.RESCHEDULED: "Meeting rescheduled",
    MeetingOutcome.CANCELLED: "Meeting cancelled",
}


def _call(interaction, _around):
    return _by_outcome(interaction, CALL_SENTENCES, "Called"), False


def _by_outcome(interaction, sentences: dict, verb: str) -> str:
    outcome, label = interaction.outcome, interaction.outcome_label
    if outcome in sentences:
        return sentences[outcome]
    if not outcome:
        return verb
    # A label reads on from the verb; free text from before codes is kept as it was.
    return f"{verb}: {lower_first(label)}" if label != outcome else f"{verb} — {outcome}"


def _booth_visit(interaction, _around):
    event = event_name(interaction)
    sentence = f"Visited the booth at {event}" if event else "Visited a booth"
    if rating := booth_rating(interaction):
        sentence += f", rated {rating}"
    return sentence, False


def _giveaway(interaction, _around):
    event = event_name(interaction)
    sentence = f"Entered the giveaway {event}" if event else "Entered a giveaway"
    if prize := text_of(data_of(interaction).get("prize")):
        sentence += f" (prize: {prize})"
    return sentence, False


def _web_visit(interaction, around):
    data, page, host = (
        data_of(interaction),
        page_words(interaction),
        site_host(interaction, around),
    )
    if not page:
        sentence = f"Visited {host}" if host else "Visited the website"
    else:
        sentence = f"Read {page}" if text_of(data.get("title")) else f"Visited {page}"
        sentence += f" on {host}" if host else ""
    if seconds := facts.seconds(data.get("seconds")):
        sentence += f" for {duration(seconds)}"
    return sentence, False


def _download(interaction, _around):
    name = content_name(interaction)
    return (f"Downloaded “{name}”" if name else "Downloaded content"), False


def _cart_add(interaction, around):
    product = text_of(data_of(interaction).get("product"))
    sentence = f"Added {product} to a cart" if product else "Added to a cart"
    amount = money(facts.amount(interaction), facts.currency(interaction, around))
    return (f"{sentence} — {amount}" if amount else sentence), False


def _checkout(interaction, around):
    cart = cart_words(interaction, around)
    return (f"Started checkout: {cart}" if cart else "Started checkout"), False


def _cart_abandoned(interaction, around):
    cart = cart_words(interaction, around)
    return (f"Left a cart: {cart}" if cart else "Left a cart without buying"), False


def _purchase(interaction, around):
    data = data_of(interaction)
    products = data.get("products")
    named = (
        ", ".join(text_of(p) for p in products if text_of(p)) if isinstance(products, list) else ""
    )
    named = named or text_of(data.get("product"))
    if named:
        amount = money(facts.amount(interaction), facts.currency(interaction, around))
        what = " — ".join(part for part in (named, amount) if part)
    else:
        what = cart_words(interaction, around)
    return (f"Bought {what}" if what else "Bought from us"), False


def _email(verb: str, fallback: str):
    def teller(interaction, _around):
        subject = email_subject(interaction)
        return (f"{verb} the email {subject}" if subject else fallback), True

    return teller


def _email_sent(interaction, _around):
    subject = email_subject(interaction)
    personal = data_of(interaction).get("personal") is True
    what = "a personal email" if personal else "the email"
    if not subject:
        return f"Sent {what.replace('the ', 'an ')}", True
    return f"Sent {what} {subject}", True


def _email_clicked(interaction, _around):
    subject, link = email_subject(interaction), link_words(interaction)
    clicked = f"Clicked {link}" if link else "Clicked a link"
    return (f"{clicked} in the email {subject}" if subject else f"{clicked} in an email"), True


def _email_bounced(interaction, _around):
    reason = interaction.outcome_label or interaction.notes.strip()
    bounced = "An email to them bounced"
    return (f"{bounced} ({lower_first(reason)})" if reason else bounced), True


def _letter(interaction, _around):
    data = data_of(interaction)
    template, run = text_of(data.get("template_name")), text_of(data.get("run_name"))
    if template:
        return f"Mailed the letter “{template}”" + (f" (print run {run})" if run else ""), True
    notes = interaction.notes.strip()
    return (f"Mailed a letter: {notes}" if notes else "Mailed a letter"), True


def _meeting(interaction, _around):
    return _by_outcome(interaction, MEETING_SENTENCES, "Meeting"), False


def _support_call(interaction, _around):
    sentence = _by_outcome(interaction, {}, "Called support")
    if interaction.sentiment == Interaction.Sentiment.NEGATIVE:
        sentence += " and was unhappy"
    return sentence, False


def _referral(interaction, _around):
    notes = interaction.notes.strip()
    return (notes.rstrip(".") if notes else "Referred someone to us"), True


def _app_event(interaction, _around):
    name = text_of(data_of(interaction).get("name"))
    return (f"In the app: {name}" if name else "Did something in the app"), False


def plain(interaction, _around):
    return interaction.get_kind_display(), False


TELLERS = {
    Kind.CALL: _call,
    Kind.BOOTH_VISIT: _booth_visit,
    Kind.GIVEAWAY_ENTRY: _giveaway,
    Kind.WEB_VISIT: _web_visit,
    Kind.CONTENT_DOWNLOAD: _download,
    Kind.CART_ADD: _cart_add,
    Kind.CHECKOUT_STARTED: _checkout,
    Kind.CART_ABANDONED: _cart_abandoned,
    Kind.PURCHASE: _purchase,
    Kind.EMAIL_SENT: _email_sent,
    Kind.EMAIL_OPENED: _email("Opened", "Opened an email"),
    Kind.EMAIL_CLICKED: _email_clicked,
    Kind.EMAIL_REPLIED: lambda i, a: ("Replied to an email", False),
    Kind.EMAIL_BOUNCED: _email_bounced,
    Kind.LETTER_MAILED: _letter,
    Kind.MEETING: _meeting,
    Kind.SUPPORT_CALL: _support_call,
    Kind.REFERRAL: _referral,
    Kind.APP_EVENT: _app_event,
}
