"""Who may get marketing email: consent and double opt-in, the suppression list
(addresses kept as digests), unsubscribe links, and the interaction hook that keeps
a suppressed address unsubscribed."""
