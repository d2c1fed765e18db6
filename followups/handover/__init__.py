"""Deactivating someone, at /settings/users/<pk>/deactivate/: their leads and
open touches go to one person or are spread evenly among the active reps, then
they can no longer log in. The rest of the users page is crm's (crm/users/)."""
