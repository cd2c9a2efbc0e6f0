"""Date formats for German: every date-time shown carries its zone, as in English (medprivacy/formats/en)."""

DATETIME_FORMAT = "j. F Y, H:i T"
SHORT_DATETIME_FORMAT = "d.m.Y H:i T"
