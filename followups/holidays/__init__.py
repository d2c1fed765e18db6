"""The managers' holidays page at /holidays/: the days without calls, everywhere or
in one country (followups.models.Holiday), listed by country; adding, changing and
deleting one; and adding a country's public holidays for a year from the
`holidays` package. Calling hours (followups.calling_hours) read them."""
