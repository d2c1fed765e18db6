"""The four letter templates a manager starts from (a frozen copy of
mailings/letters/starters.py as it was), and the roles' permissions for letters."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

STARTERS = [{'slug': 'conference-follow-up',
  'name': 'Conference follow-up',
  'body': '<p class="date">{{ today|date:"F j, Y" }}</p>\n'
          '<p>Dear {{ lead.first_name|default:"friend" }},</p>\n'
          '<p>Thank you for stopping by to talk with us{% if campaign %} at {{ campaign }}{% '
          'endif %}. Conferences are busy, and we appreciate that you took the time to hear '
          'what we do and to tell us about your own work{% if lead.company %} at {{ '
          'lead.company }}{% endif %}.</p>\n'
          '<p>I wanted to follow up personally rather than let our conversation get lost in a '
          'stack of business cards. If anything we discussed is worth a closer look, I would '
          'be glad to set up a short call at a time that suits you, and to bring answers to '
          'any questions that came up afterwards.</p>\n'
          '<p>Either way, it was a pleasure to meet you, and I hope the rest of the event was '
          'as useful for you as it was for us.</p>\n'
          '<div class="signature">\n'
          '<p>With best regards,</p>\n'
          '<p class="name">{{ sender_name|default:"The Follow-up CRM team" }}</p>\n'
          '</div>\n',
  'css': '\n'
         'p { margin: 0 0 0.85em; }\n'
         '.date { margin-bottom: 1.6em; }\n'
         '.signature { margin-top: 1.8em; }\n'
         '.signature .name { margin-top: 2.6em; font-weight: bold; }\n'},
 {'slug': 'service-reminder',
  'name': 'Service reminder with coupon',
  'body': '<p class="date">{{ today|date:"F j, Y" }}</p>\n'
          '<p>Dear {{ lead.first_name|default:"friend" }},</p>\n'
          '<p>It has been a while since your last service with us, and a quick check now is '
          'the easiest way to keep everything running smoothly and to avoid surprises '
          'later.</p>\n'
          '<p>To make booking simple, here is a code for your next appointment:</p>\n'
          '<p class="coupon">{{ coupon_code|default:"WELCOME10" }}</p>\n'
          '<p>Just mention it when you call or enter it when you book online. If your needs '
          'have changed since we last saw you, let us know: we are happy to suggest what makes '
          'sense for you now, and nothing more.</p>\n'
          '<p>Thank you for trusting us with your service. We look forward to seeing you again '
          'soon.</p>\n'
          '<div class="signature">\n'
          '<p>Kind regards,</p>\n'
          '<p class="name">{{ sender_name|default:"The Follow-up CRM team" }}</p>\n'
          '</div>\n',
  'css': '\n'
         'p { margin: 0 0 0.85em; }\n'
         '.date { margin-bottom: 1.6em; }\n'
         '.signature { margin-top: 1.8em; }\n'
         '.signature .name { margin-top: 2.6em; font-weight: bold; }\n'
         ".coupon { margin: 1.2em 0; font-family: 'DejaVu Sans Mono', monospace; font-size: "
         '14pt; font-weight: bold; letter-spacing: 0.1em; text-align: center; }\n'},
 {'slug': 'thank-you',
  'name': 'Thank-you note',
  'body': '<p class="date">{{ today|date:"F j, Y" }}</p>\n'
          '<p>Dear {{ lead.first_name|default:"friend" }},</p>\n'
          '<p>I simply wanted to say thank you. Customers like you are the reason we enjoy '
          'what we do, and your trust in us{% if lead.company %} and in our work with {{ '
          'lead.company }}{% endif %} means a great deal to our whole team.</p>\n'
          '<p>If there is ever anything we can do better, or anything new you would like to '
          'see from us, I would genuinely like to hear about it. A short note or a call to our '
          'office reaches me directly.</p>\n'
          '<p>Thank you again, and all the best until we speak next.</p>\n'
          '<div class="signature">\n'
          '<p>With gratitude,</p>\n'
          '<p class="name">{{ sender_name|default:"The Follow-up CRM team" }}</p>\n'
          '</div>\n',
  'css': '\n'
         'p { margin: 0 0 0.85em; }\n'
         '.date { margin-bottom: 1.6em; }\n'
         '.signature { margin-top: 1.8em; }\n'
         '.signature .name { margin-top: 2.6em; font-weight: bold; }\n'},
 {'slug': 'apology-offer',
  'name': 'Apology with a free offer',
  'body': '<p class="date">{{ today|date:"F j, Y" }}</p>\n'
          '<p>Dear {{ lead.first_name|default:"friend" }},</p>\n'
          '<p>I am writing to apologize. Recently we did not meet the standard you expect from '
          'us, and you deserved better. I am sorry for the trouble and the time it cost '
          'you.</p>\n'
          '<p>We have looked closely at what went wrong and have made changes so that it does '
          'not happen again. Words are only part of an apology, so we would also like to offer '
          'you {{ offer|default:"a free month of service" }}, with our compliments and no '
          'obligation.</p>\n'
          '<p>To accept, simply reply to this letter or call our office. And if there is '
          'anything else we can put right, please tell me personally. Thank you for giving us '
          'the chance to make it up to you.</p>\n'
          '<div class="signature">\n'
          '<p>Sincerely,</p>\n'
          '<p class="name">{{ sender_name|default:"The Follow-up CRM team" }}</p>\n'
          '</div>\n',
  'css': '\n'
         'p { margin: 0 0 0.85em; }\n'
         '.date { margin-bottom: 1.6em; }\n'
         '.signature { margin-top: 1.8em; }\n'
         '.signature .name { margin-top: 2.6em; font-weight: bold; }\n'}]

PERMISSIONS = {
    "manager": [
        *(f"{action}_lettertemplate" for action in ("view", "add", "change", "delete")),
        "view_printrun",
        "view_printrunletter",
    ],
    "mailroom": ["view_printrun", "view_printrunletter"],
}


def seed(apps, schema_editor):
    LetterTemplate = apps.get_model("mailings", "LetterTemplate")
    for starter in STARTERS:
        LetterTemplate.objects.get_or_create(slug=starter["slug"], defaults=starter)
    mailings = apps.get_app_config("mailings")
    mailings.models_module = True  # create_permissions skips app configs without models
    create_permissions(mailings, apps=apps, verbosity=0)
    mailings.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="mailings", codename__in=codenames)
        )


def unseed(apps, schema_editor):
    apps.get_model("mailings", "LetterTemplate").objects.filter(
        slug__in=[starter["slug"] for starter in STARTERS], runs__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("mailings", "0003_letters")]

    operations = [migrations.RunPython(seed, unseed)]
