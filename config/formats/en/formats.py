"""One way to write dates and times on every page, whatever the locale's default
("Dec. 5, 2026, 3:57 p.m." is Django's English): the weekday, then day, month
and year, and a 24-hour time. Pages show them in the viewer's zone (the time zone
middleware); a lead's own local time is said as such where it matters.

Templates ask by name: {{ when|date:"DATETIME_FORMAT" }}, {{ day|date }}. Letters
keep their own date line, which is part of the letter, not of the page.
"""

DATE_FORMAT = "D j M Y"  # Sat 5 Dec 2026
DATETIME_FORMAT = "D j M Y, H:i"  # Sat 5 Dec 2026, 15:57
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
FIRST_DAY_OF_WEEK = 1  # Monday
