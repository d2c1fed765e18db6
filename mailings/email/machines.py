"""Telling people from machines in an email's opens and clicks.

Mail scanners (Microsoft Defender's Safe Links, Mimecast, Proofpoint,
Barracuda, ...) follow every link of an email as it arrives, and privacy
proxies (Apple Mail Privacy Protection) load every tracking pixel, whether
anyone reads the email or not. Counted as people, they would put every
recipient into "clicked an email" audiences, raise scores and settle A/B tests
on noise. An open or a click is a machine's when:

- its user agent names a scanner, a bot, a script or a headless browser, is
  missing, or is Apple's proxy's bare "Mozilla/5.0";
- it comes within MAIL_MACHINE_SECONDS of the email being sent: scanners act
  on delivery, and a person who reads that fast is rare enough to lose.

Image proxies that fetch when a person opens the email (Gmail's
GoogleImageProxy, Yahoo's) count as people. Machine events are counted on the
email and recorded nowhere else; a machine's click is still redirected (a
scanner that is refused flags the email).
"""

import datetime as dt
import re

from django.conf import settings

# Words in a user agent that only machines send. Lowercase; matched as substrings.
MACHINE_WORDS = (
    "bot",
    "crawler",
    "spider",
    "scanner",
    "python",
    "curl/",
    "wget/",
    "go-http-client",
    "java/",
    "okhttp",
    "libwww",
    "httpclient",
    "headless",
    "phantomjs",
    "barracuda",
    "mimecast",
    "proofpoint",
    "messagelabs",
    "symantec",
    "trendmicro",
    "forcepoint",
    "fortinet",
    "sophos",
    "ironport",
    "safelinks",
    "microsoft office protocol discovery",
    "ms-office",
    "facebookexternalhit",
    "preview",
)
# "bot" ends a word ("Googlebot/2.1", "bingbot"), and Cubot is a maker of phones.
WHOLE = {"bot": "(?<!cu)bot(?![a-z0-9_])"}
MACHINE_AGENT = re.compile("|".join(WHOLE.get(word, re.escape(word)) for word in MACHINE_WORDS))
APPLE_PROXY = "Mozilla/5.0"  # Apple Mail Privacy Protection sends exactly this


def machine_reason(*, user_agent: str, sent_at: dt.datetime | None, now: dt.datetime) -> str:
    """Why this open or click is a machine's, or "" when it looks like a person's."""
    agent = user_agent.strip()
    if not agent:
        return "no user agent"
    if agent == APPLE_PROXY:
        return "a privacy proxy"
    if MACHINE_AGENT.search(agent.lower()):
        return "a scanner or script"
    if sent_at is not None and now - sent_at < dt.timedelta(seconds=settings.MAIL_MACHINE_SECONDS):
        return "too soon after sending"
    return ""
