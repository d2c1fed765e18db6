"""Email, from a cadence's step to the wire and back.

steps (the lead's variant, the outbox row) -> rendering (sandboxed templates,
plaintext) -> messages (headers, links with tokens) -> sending (checks, windows,
one connection; sent_marks, wire) -> views (the links in an email: unsubscribe,
confirm, open and click tracking, the inbound webhook) -> inbound and services
(replies, bounces, complaints, unsubscribes; signals for an ESP's webhooks).
personal is the rep's own email; transactional the emails that are not marketing.
"""
