"""Date formats for English: every date-time shown carries its zone ("Mar. 5, 2026, 10 a.m. EST").

Officers see instants in MEDPRIVACY_DISPLAY_TIME_ZONE (medprivacy.middleware); the abbreviation says
which zone that is, so no label has to claim one.
"""

DATETIME_FORMAT = "N j, Y, P T"
SHORT_DATETIME_FORMAT = "m/d/Y P T"
