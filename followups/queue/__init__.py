"""The rep's call queue: the next call claimed for them (claiming.py, one
statement), its card with talking points and call-back presets, what came of
the call and its undo (services.py, undo.py), today's list, and the personal
emails and tasks worked from the same page."""
