"""The audit trail: who changed what about a lead (owner, consent, stage, contact
data), merged leads, imported a list, erased a person, approved a print run or
changed a cadence; when, and from what to what.

Written by the services that do these things, never by signals: most lead
writes are queryset updates and bulk inserts (imports, reassignments), which
signals would miss. An action on many leads at once writes one entry (an
import, a print run) or one INSERT per batch (a reassignment), never a row at a
time."""
