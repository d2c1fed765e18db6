"""Who is in a retargeting file.

The audience's members whose consent allows marketing — email consent confirmed
(double opt-in), or, with MAIL_SOFT_OPT_IN on, a customer who has not said no —
and who never unsubscribed; the same rule as marketing email
(mailings.consent.why_not_email), since an ad list is marketing too. Do-not-call
and do-not-mail are about our phone calls and letters, not ads, and leave a lead
in. A member with neither an email nor a phone is left out: there is nothing a
platform could match reliably. (A platform that matches on less, such as an
email-only list, drops more rows: see formats.Format.keeps.)
"""

from django.db.models import Q, QuerySet

from crm.audiences.models import Audience
from crm.audiences.selectors import audience_members
from crm.models import Lead
from crm.selectors import marketing_consent


def ads_consent() -> Q:
    """Leads whose consent allows putting them on an ad platform's customer list:
    marketing consent, as for email."""
    return marketing_consent()


def audience_export_leads(audience: Audience) -> QuerySet[Lead]:
    """The audience's members that may go into a retargeting file."""
    return (
        audience_members(audience).filter(ads_consent()).exclude(email="", phone="").order_by("pk")
    )
