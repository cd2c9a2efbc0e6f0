"""Date formats for Spanish: every date-time shown carries its zone, as in English (medprivacy/formats/en)."""

DATETIME_FORMAT = r"j \d\e F \d\e Y, H:i T"
SHORT_DATETIME_FORMAT = "d/m/Y H:i T"
