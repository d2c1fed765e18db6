"""The plays a new installation starts with, from our product brief, each an
ordinary cadence a manager can change, switch off or copy (installed by the
migration mailings 0009, and again by `install_plays` where one was deleted).

Pure data and one function over a migration's app registry, so the migration
keeps working whatever the models become. A play already there (by its key,
or a cadence converted from the drip it grew out of, by slug) is left as the
manager has it; only what it lacks (its key, its triggers) is filled in.
"""

SIGN = "<p>Best regards,<br>{{ rep.full_name|default:'The team' }}</p>"
HI = "<p>Hi {{ lead.first_name|default:'there' }},</p>"


def email(subject: str, body: str) -> dict:
    return {"subject": subject, "html_body": HI + body + SIGN}


PLAYS = [
    {
        "key": "booth_visit",
        "name": "Booth visit at an event",
        "slug": "booth-visit",
        "description": "Everyone we met at a booth: a call the next business day, an email on "
        "day 2, a letter on day 5 and a last call on day 7, until they reply or book a "
        "meeting. Copy it per event and set the campaign on its trigger to vary the words.",
        "triggers": [{"kind": "booth_visit"}],
        "policies": [
            {"outcome": "no_answer", "action": "next"},
            {"outcome": "voicemail", "action": "next"},
        ],
        "steps": [
            {
                "channel": "call",
                "wait": 1,
                "wait_unit": "business_days",
                "priority": 60,
                "script": "Thank them for stopping by; recall what they asked at the booth "
                "(the notes and answers are on the card).",
            },
            {
                "channel": "email",
                "wait": 2,
                "wait_unit": "business_days",
                "wait_after": "enrolment",
                "variants": [
                    email(
                        "Good to meet you at {{ campaign|default:'our booth' }}",
                        "<p>Thanks for stopping by our booth at {{ campaign|default:'the "
                        "show' }}. Here is what we talked about, and a short demo whenever "
                        "suits you: just reply with a time.</p>",
                    )
                ],
            },
            {
                "channel": "letter",
                "wait": 5,
                "wait_unit": "business_days",
                "wait_after": "enrolment",
                "letter": "conference-follow-up",
            },
            {
                "channel": "call",
                "wait": 7,
                "wait_unit": "business_days",
                "wait_after": "enrolment",
                "priority": 55,
                "script": "A last call: did the letter arrive? Offer a short demo.",
            },
        ],
    },
    {
        "key": "content_download",
        "name": "Content download: call while it is fresh",
        "slug": "content-download",
        "description": "A call within minutes of a download, at the top of the queue; if "
        "the call does not connect, an email the next day (a voicemail moves them to the "
        "voicemail follow-up).",
        "triggers": [{"kind": "content_download"}],
        "policies": [
            {"outcome": "interested", "action": "finish"},
            {"outcome": "no_answer", "action": "next"},
            {"outcome": "voicemail", "action": "move", "move_to": "voicemail"},
        ],
        "steps": [
            {
                "channel": "call",
                "priority": 90,
                "script": "Ask what they hope to solve with what they downloaded; offer a "
                "short demo.",
            },
            {
                "channel": "email",
                "wait": 1,
                "wait_unit": "days",
                "variants": [
                    email(
                        "{{ lead.first_name|default:'Hi' }}, one question about your download",
                        "<p>I tried to call after you downloaded our guide. What made you "
                        "look for it? Reply in a line and I will send what fits.</p>",
                    )
                ],
            },
        ],
    },
    {
        "key": "first_purchase",
        "name": "First purchase: the upsell",
        "slug": "first-purchase-upsell",
        "description": "Thirty minutes after a customer's first purchase (after the order "
        "confirmation), what customers add next. Never on later purchases.",
        "triggers": [{"kind": "purchase", "first_of_kind": True}],
        "steps": [
            {
                "channel": "email",
                "wait": 30,
                "wait_unit": "minutes",
                "variants": [
                    email(
                        "Getting the most from your purchase",
                        "<p>Thanks for your order. Here is what customers like you add "
                        "next, and how it helps.</p>",
                    )
                ],
            }
        ],
    },
    {
        "key": "service_reminder",
        "name": "Service reminder",
        "slug": "service-reminder",
        "description": "A reminder letter six months after the last purchase, and again "
        "every six months while nothing newer is bought (a newer purchase starts it again).",
        "triggers": [{"kind": "purchase"}],
        "exit_on": ["purchase", "unsubscribed", "bounced"],
        "steps": [
            {
                "channel": "letter",
                "wait": 6,
                "wait_unit": "months",
                "letter": "service-reminder",
                "repeat_from": 1,
            }
        ],
    },
    {
        "key": "unhappy_support_call",
        "name": "Unhappy support call",
        "slug": "unhappy-support-call",
        "description": "A manager calls the same day with an apology, and a letter with a "
        "free offer follows.",
        "assign": "manager",
        "triggers": [{"kind": "support_call", "sentiment": "negative"}],
        "steps": [
            {
                "channel": "call",
                "priority": 95,
                "script": "Apologise for the trouble; ask what would put it right; offer a "
                "free month.",
            },
            {
                "channel": "letter",
                "wait": 1,
                "wait_unit": "business_days",
                "letter": "apology-offer",
            },
        ],
    },
    {
        "key": "abandoned_cart",
        "name": "Abandoned cart",
        "slug": "abandoned-cart",
        "description": "Two emails after a cart is left, ended by a purchase.",
        "triggers": [{"kind": "cart_abandoned"}],
        "exit_on": ["replied", "meeting", "purchase", "unsubscribed", "bounced"],
        "steps": [
            {
                "channel": "email",
                "wait": 1,
                "variants": [
                    email(
                        "You left something in your cart",
                        "<p>Your cart is saved. Pick up where you left off whenever you "
                        "are ready.</p>",
                    )
                ],
            },
            {
                "channel": "email",
                "wait": 24,
                "variants": [
                    email(
                        "Still thinking it over?",
                        "<p>Questions about your order? Reply to this email and a real "
                        "person will answer.</p>",
                    )
                ],
            },
        ],
    },
    {
        "key": "giveaway_entry",
        "name": "Giveaway: value first",
        "slug": "giveaway-value-first",
        "description": "Something useful after a giveaway entry, and no hard ask.",
        "triggers": [{"kind": "giveaway_entry"}],
        "steps": [
            {
                "channel": "email",
                "variants": [
                    email(
                        "Thanks for entering, {{ lead.first_name|default:'there' }}",
                        "<p>Thanks for entering our giveaway. While you wait for the draw, "
                        "here is our most-read guide.</p>",
                    )
                ],
            },
            {
                "channel": "email",
                "wait": 3,
                "wait_unit": "business_days",
                "variants": [
                    email(
                        "Three ideas teams like yours use",
                        "<p>Three short ideas other teams put to work in a week.</p>",
                    )
                ],
            },
        ],
    },
    {
        "key": "voicemail",
        "name": "Voicemail follow-up",
        "slug": "voicemail-follow-up",
        "description": "Where a call that ended in a voicemail moves the lead: an email saying so.",
        "steps": [
            {
                "channel": "email",
                "variants": [
                    email(
                        "Sorry I missed you, {{ lead.first_name|default:'there' }}",
                        "<p>I tried to reach you by phone and left a voicemail. When would "
                        "be a good time for a short call? Just reply to this email.</p>",
                    )
                ],
            }
        ],
    },
    {
        "key": "no_answer",
        "name": "No answer follow-up",
        "slug": "no-answer-follow-up",
        "description": "Where calls that found nobody move the lead: an email.",
        "steps": [
            {
                "channel": "email",
                "variants": [
                    email(
                        "Trying to reach you, {{ lead.first_name|default:'there' }}",
                        "<p>I called a few times but could not reach you. If you still "
                        "want to talk, reply with a time that suits you.</p>",
                    )
                ],
            }
        ],
    },
    {
        "key": "app_onboarding",
        "name": "Signed up, no project yet",
        "slug": "app-onboarding",
        "description": "People who signed up in the app: if they have not created a first "
        "project three days later, a how-to email, then a rep's task. Creating a project "
        "ends it.",
        "triggers": [
            {"kind": "app_event", "data_key": "name", "data_value": "signed_up"},
            {
                "kind": "app_event",
                "data_key": "name",
                "data_value": "project_created",
                "ends": True,
            },
        ],
        "steps": [
            {
                "channel": "email",
                "wait": 3,
                "wait_unit": "days",
                "variants": [
                    email(
                        "Your first project in three minutes",
                        "<p>Most teams start with one small project. Here is how, in three "
                        "steps, with a template to copy.</p>",
                    )
                ],
            },
            {
                "channel": "task",
                "wait": 2,
                "wait_unit": "business_days",
                "priority": 50,
                "script": "Offer a 15-minute onboarding call: they signed up but have not "
                "created a project.",
            },
        ],
    },
]

DEFAULT_EXITS = ["replied", "meeting", "unsubscribed", "bounced"]


def plays_install(apps) -> list[str]:
    """Install the plays that are not there; the keys of those installed."""
    Cadence = apps.get_model("followups", "Cadence")
    installed, by_key = [], {}
    for play in PLAYS:
        cadence = Cadence.objects.filter(installed=play["key"]).first()
        if cadence is None:
            cadence = Cadence.objects.filter(slug=play["slug"], installed="").first()
            if cadence is not None:
                _adopt(cadence, play)
            else:
                cadence = _create(apps, play)
                installed.append(play["key"])
        by_key[play["key"]] = cadence
    for play in PLAYS:
        _policies(by_key[play["key"]], play, by_key)
    return installed


def _adopt(cadence, play) -> None:
    """A cadence converted from the default drip this play grew out of: it keeps
    its steps and words; it gets the play's key and, if it has none, its triggers."""
    cadence.installed = play["key"]
    cadence.save(update_fields=["installed"])
    if not cadence.triggers.exists():
        _triggers(cadence, play)


def _create(apps, play):
    Cadence = apps.get_model("followups", "Cadence")
    cadence = Cadence.objects.create(
        name=play["name"],
        slug=play["slug"],
        description=play["description"],
        is_active=True,
        installed=play["key"],
        exit_on=play.get("exit_on", DEFAULT_EXITS),
        assign=play.get("assign", "owner"),
    )
    _triggers(cadence, play)
    for position, step in enumerate(play["steps"], start=1):
        _step(apps, cadence, position, step)
    return cadence


def _triggers(cadence, play) -> None:
    for trigger in play.get("triggers", ()):
        cadence.triggers.create(**trigger)


def _step(apps, cadence, position, spec) -> None:
    spec = dict(spec)
    variants, letter = spec.pop("variants", ()), spec.pop("letter", None)
    step = cadence.steps.create(position=position, **spec)
    for label, variant in zip("ABCDEFGH", variants, strict=False):
        apps.get_model("mailings", "StepVariant").objects.create(step=step, label=label, **variant)
    if letter:
        template = apps.get_model("mailings", "LetterTemplate").objects.filter(slug=letter).first()
        if template is not None:
            apps.get_model("mailings", "StepLetter").objects.create(step=step, template=template)


def _policies(cadence, play, by_key) -> None:
    for spec in play.get("policies", ()):
        spec = dict(spec)
        if "move_to" in spec:
            spec["move_to"] = by_key.get(spec["move_to"])
        outcome = spec.pop("outcome")
        cadence.policies.get_or_create(outcome=outcome, defaults=spec)
