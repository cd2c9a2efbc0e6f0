"""The one clock: "now", and "today" in a regime's zone or in the office's zone.

Everything that asks what day it is asks here, so a frozen clock in a test (time_machine) and a changed
time-zone setting reach every caller the same way. Instants are UTC in the database; a day only exists in a
zone, and the zone is chosen by what the day is for:

- `regime_today(regime)`: the statutory day (receipt dates, deadlines, extensions), in the zone the rules
  configure for that regime (settings.MEDPRIVACY_CONVENTIONS, read by the deadline engine);
- `office_today()`: the officers' day (overdue badges, "due this week", reminders), in DISPLAY_TIME_ZONE.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from regimes.conventions import current_conventions


def now() -> dt.datetime:
    """Return the current instant, timezone-aware (UTC)."""
    return timezone.now()


def regime_zone(regime: str) -> ZoneInfo:
    """Return the zone in which days count for `regime`."""
    return current_conventions().time_zone(regime)


def office_zone() -> ZoneInfo:
    """Return the officers' display zone."""
    return ZoneInfo(settings.DISPLAY_TIME_ZONE)


def day_in(zone: ZoneInfo, *, at: dt.datetime | None = None) -> dt.date:
    """Return the calendar day of `at` (default: now) in `zone`."""
    at = at or now()
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("at must be timezone-aware")
    return at.astimezone(zone).date()


def regime_today(regime: str, *, at: dt.datetime | None = None) -> dt.date:
    """Return today (or the day of `at`) in `regime`'s zone."""
    return day_in(regime_zone(regime), at=at)


def office_today(*, at: dt.datetime | None = None) -> dt.date:
    """Return today (or the day of `at`) in the officers' display zone."""
    return day_in(office_zone(), at=at)
