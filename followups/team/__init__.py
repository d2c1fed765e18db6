"""The managers' team: the board of reps, one rep's work, reassigning leads and
touches, and each person's calendar feed of planned calls."""
