"""The cadence builder: a manager designs a cadence on one page (its triggers, its
steps as a day-by-day timeline with each channel's content, what call outcomes
do), previews its emails and letters for any lead, and dry-runs the next 14 days."""
