"""The managers' calling hours and holidays page at /holidays/ (also reached at
/settings/calling-hours/): the weekdays and hours calls are made in each lead's
own time (followups.models.CallingHours), and the days without calls,
everywhere or in one country (followups.models.Holiday), listed by country;
adding, changing and deleting one; and adding a country's public holidays for a
year from the `holidays` package. The queue, claims, business-day waits and
cadence timing read both through followups.calling_hours."""
