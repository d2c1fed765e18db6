"""Four ready letter templates a manager can start from.

Each body is a Django template rendered with autoescaping and the merge fields of
mailings.letters.compose.letter_for: `lead` (first_name, company, ...), `rep`,
`campaign`, `sender_name`, `today` (a date), `coupon_code` and `offer`. Every
variable has a fallback, so a lead with only a surname still gets a sensible letter,
and each letter fits on one page.
"""

_DATE = '<p class="date">{{ today|date:"F j, Y" }}</p>\n'
_GREETING = '<p>Dear {{ lead.first_name|default:"friend" }},</p>\n'


def _signature(closing: str) -> str:
    return (
        '<div class="signature">\n'
        f"<p>{closing}</p>\n"
        '<p class="name">{{ sender_name|default:"The Follow-up CRM team" }}</p>\n'
        "</div>\n"
    )


_CSS = """
p { margin: 0 0 0.85em; }
.date { margin-bottom: 1.6em; }
.signature { margin-top: 1.8em; }
.signature .name { margin-top: 2.6em; font-weight: bold; }
"""

CONFERENCE_FOLLOW_UP = (
    _DATE + _GREETING + "<p>Thank you for stopping by to talk with us"
    "{% if campaign %} at {{ campaign }}{% endif %}. "
    "Conferences are busy, and we appreciate that you took the time to hear what we "
    "do and to tell us about your own work"
    "{% if lead.company %} at {{ lead.company }}{% endif %}.</p>\n"
    "<p>I wanted to follow up personally rather than let our conversation get lost in a "
    "stack of business cards. If anything we discussed is worth a closer look, I would "
    "be glad to set up a short call at a time that suits you, and to bring answers to "
    "any questions that came up afterwards.</p>\n"
    "<p>Either way, it was a pleasure to meet you, and I hope the rest of the event was "
    "as useful for you as it was for us.</p>\n" + _signature("With best regards,")
)

SERVICE_REMINDER = (
    _DATE
    + _GREETING
    + "<p>It has been a while since your last service with us, and a quick check now is "
    "the easiest way to keep everything running smoothly and to avoid surprises "
    "later.</p>\n"
    "<p>To make booking simple, here is a code for your next appointment:</p>\n"
    '<p class="coupon">{{ coupon_code|default:"WELCOME10" }}</p>\n'
    "<p>Just mention it when you call or enter it when you book online. If your needs "
    "have changed since we last saw you, let us know: we are happy to suggest what makes "
    "sense for you now, and nothing more.</p>\n"
    "<p>Thank you for trusting us with your service. We look forward to seeing you "
    "again soon.</p>\n" + _signature("Kind regards,")
)

THANK_YOU = (
    _DATE
    + _GREETING
    + "<p>I simply wanted to say thank you. Customers like you are the reason we enjoy "
    "what we do, and your trust in us"
    "{% if lead.company %} and in our work with {{ lead.company }}{% endif %} "
    "means a great deal to our whole team.</p>\n"
    "<p>If there is ever anything we can do better, or anything new you would like to "
    "see from us, I would genuinely like to hear about it. A short note or a call to "
    "our office reaches me directly.</p>\n"
    "<p>Thank you again, and all the best until we speak next.</p>\n"
    + _signature("With gratitude,")
)

APOLOGY_OFFER = (
    _DATE
    + _GREETING
    + "<p>I am writing to apologize. Recently we did not meet the standard you expect "
    "from us, and you deserved better. I am sorry for the trouble and the time it cost "
    "you.</p>\n"
    "<p>We have looked closely at what went wrong and have made changes so that it does "
    "not happen again. Words are only part of an apology, so we would also like to offer "
    'you {{ offer|default:"a free month of service" }}, with our compliments and no '
    "obligation.</p>\n"
    "<p>To accept, simply reply to this letter or call our office. And if there is "
    "anything else we can put right, please tell me personally. Thank you for giving us "
    "the chance to make it up to you.</p>\n" + _signature("Sincerely,")
)

STARTERS = [
    {
        "slug": "conference-follow-up",
        "name": "Conference follow-up",
        "body": CONFERENCE_FOLLOW_UP,
        "css": _CSS,
    },
    {
        "slug": "service-reminder",
        "name": "Service reminder with coupon",
        "body": SERVICE_REMINDER,
        "css": _CSS + ".coupon { margin: 1.2em 0; font-family: 'DejaVu Sans Mono', monospace;"
        " font-size: 14pt; font-weight: bold; letter-spacing: 0.1em; text-align: center; }\n",
    },
    {"slug": "thank-you", "name": "Thank-you note", "body": THANK_YOU, "css": _CSS},
    {
        "slug": "apology-offer",
        "name": "Apology with a free offer",
        "body": APOLOGY_OFFER,
        "css": _CSS,
    },
]
