"""The tracked websites managers keep at /settings/websites/: the list with each
site's numbers, adding and editing a site, its page (the snippet to paste, the
latest events), and turning tracking on and off."""
