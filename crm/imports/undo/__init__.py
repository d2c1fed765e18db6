"""Undoing a booth-list import, for IMPORT_UNDO_DAYS after it finished, for the
leads nothing else has happened to since.

Lead by lead (every lead with a booth visit of the import), the rule is:

- A lead stays exactly as it is when anything newer than the import is on it:
  an interaction other than the import's own visit, recorded since the import
  wrote its visits or dated after it finished (a call logged, an email sent, a
  web visit, another import's booth visit dated at an event's first day, a
  merge's note: a lead merged into another has taken its visit there); an
  email or phone added to it since by another way in; something a higher app
  holds it for (register_hold: a letter in an open print run); and, for a lead
  the import created, a change by hand: its updated_at, which only Lead.save()
  moves (the lead form, the API, a merge). Owners given after the import, by
  the "assign them" step or by a follow-up rule, are written with UPDATE
  statements and leave updated_at alone: handing a list out is part of
  importing it, and must not keep it from being undone.
- Otherwise a lead the import created is deleted; what hangs on it goes with
  it by cascade (its touches, enrolments, outbox emails, contact points, print
  run lines), after its audience memberships are taken out so that the
  audiences' member counts stay right.
- Otherwise a lead that existed loses the import's visit, the emails and phones
  the import added, and each empty field the import filled that still holds
  the value the import wrote (a field changed since keeps the change). What
  followed from the visit stops (crm.interaction_hooks.run_withdrawn: open
  touches are cancelled, drip enrolments stopped with their unsent emails; sent
  ones stay), and its score and audiences are worked out again.

The dry run (lead_import_undo_plan) and the undo share one plan, so the page
promises what the undo does; the undo works the plan out again in its own
transaction, with the import and its leads locked, and does nothing twice.

plan.py works out the plan (the dry run shows it), services.py offers and does the
undo.
"""
