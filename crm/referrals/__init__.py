"""Referrals: a customer's personal link, and how the people it brought do.

Every customer gets a referral code when they become one (a purchase; the batch
interaction hook in services.py) or the first time one is needed (a merge
field, the lead page). Their link is REFERRAL_LANDING_URL followed by the code — by default
SITE_URL/r/<code>, which redirects to the company's website
(REFERRAL_REDIRECT_URL) with ?ref=<code>. The website tracking records a person
who arrives that way as a lead with referred_by set, and a referral interaction
on the referrer.

Codes are 10 characters from 31 letters and digits that cannot be mistaken for
one another (no 0/o, 1/l/i): about 8e14 of them, drawn with `secrets`, so
they cannot be guessed or enumerated; the unique index settles the rare clash.

Progress toward the reward counts referred leads that became customers against
REFERRAL_REWARD_CUSTOMERS (3: "3 referred, 2 became customers — 1 more for the
reward"); every further multiple earns another (selectors.py).

views.py answers the link (/r/<code>) and makes one from the lead page; urls.py
holds their two addresses.
"""
