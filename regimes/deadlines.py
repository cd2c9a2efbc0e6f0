"""Compute privacy-request deadlines from the rules table, with no Django in sight.

Every number lives in ``regimes.rules``; this module only counts days. Run
``python -m regimes.deadlines`` to print the counsel review page (committed as ``docs/deadlines.md``).
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from regimes.rules import (
    ADMT_APPEAL_DAYS_DEFAULT,
    CCPA_PARENT_AUTHORIZATION_AGE,
    CCPA_SALE_OPT_IN_AGE,
    CH_POLICY_RESPOND_DAYS,
    CONTROLLER_CHASE_DAYS,
    COPPA_PARENTAL_CONSENT_AGE,
    COUNTRY_REGIMES,
    COUNTRY_TIME_ZONES,
    DENIAL_GROUNDS,
    DENIAL_RIGHTS_NOTICES,
    EARLIEST_PLAUSIBLE_TIME_ZONES,
    EEA_COUNTRIES,
    EU_TERRITORIES_WITH_OWN_CODE,
    EVERYONE_RIGHTS,
    GDPR_CONSENT_AGES,
    GDPR_DEFAULT_CONSENT_AGE,
    PATIENT_OWN_LAW_REGIMES,
    PATIENT_PROCESSOR_ROLES,
    POLICY_CHILD_AGE,
    PROCESSOR_RESERVED_ACTIONS,
    REGIME_ABBREVIATIONS,
    REGIME_HOLIDAY_CALENDARS,
    REGIME_LABELS,
    REGIMES,
    RIGHT_LABELS,
    RIGHTS,
    RULES,
    SUBJECT_COUNTRY,
    US_BUSINESS_DAYS,
    US_SUBDIVISION_REGIMES,
    US_SUBDIVISION_TIME_ZONES,
    VERIFICATION_LEVELS,
    Clock,
    Extension,
    Rule,
)

__all__ = [
    "CCPA_SALE_OPT_IN_AGE",
    "COPPA_PARENTAL_CONSENT_AGE",
    "DEFAULT_RECEIPT_TIME_ZONES",
    "REGIMES",
    "REGIME_LABELS",
    "RIGHTS",
    "RIGHT_LABELS",
    "Clock",
    "Conventions",
    "Deadlines",
    "Extension",
    "PauseNotAllowedError",
    "policy_child_age",
    "Rule",
    "UnknownRuleError",
    "can_extend",
    "compute_deadlines",
    "digital_consent_age",
    "extension_notice_last_day",
    "is_working_day",
    "jurisdiction_for",
    "receipt_date",
    "regime_for",
    "residence_time_zone",
    "render_markdown",
    "rights_for",
    "rights_offered",
    "rule_for",
    "uk_relevant_date",
]


class UnknownRuleError(ValueError):
    """Raised for an unknown regime or right, or a right the regime does not grant."""


class PauseNotAllowedError(ValueError):
    """Raised when paused days are given for a clock the law does not let us pause."""


# ---------------------------------------------------------------------------------------------------------
# Country codes
# ---------------------------------------------------------------------------------------------------------

_COUNTRY_ALIASES: Mapping[str, str] = MappingProxyType({"UK": "GB", "EL": "GR"})


def _normalize_country(country: str | None) -> str | None:
    """Return an upper-case ISO alpha-2 code, mapping the EU's UK/EL spellings; None stays None."""
    if country is None or not country.strip():
        return None
    code = country.strip().upper()
    return _COUNTRY_ALIASES.get(code, code)


def _normalize_subdivision(subdivision: str | None) -> str | None:
    """Return a subdivision code without its country prefix ("US-CA" → "CA")."""
    if subdivision is None or not subdivision.strip():
        return None
    return subdivision.strip().upper().rpartition("-")[2]


@functools.cache
def _holiday_country(country: str) -> str | None:
    """Return ``country`` if the holidays package has a calendar for it, else None."""
    try:
        holidays.country_holidays(country)
    except NotImplementedError:
        return None
    return country


# ---------------------------------------------------------------------------------------------------------
# Conventions (RULES.md §2, the ⚑ settings)
# ---------------------------------------------------------------------------------------------------------

# Where the requester's residence gives no zone: the earliest plausible date for the regime (rules table).
DEFAULT_RECEIPT_TIME_ZONES: Mapping[str, str] = EARLIEST_PLAUSIBLE_TIME_ZONES

# The regimes whose calendar-day clocks the ⚑ ccpa_day_zero convention shifts.
CCPA_DAY_ZERO_REGIMES: frozenset[str] = frozenset({"ccpa"})

_CHOICES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "ccpa_day_zero": ("receipt", "conservative"),
        "us_business_day_calendar": ("federal", "ca"),
        "gdpr_pause_mode": ("add_paused_days", "no_pause"),
    }
)

_CONVENTION_HELP: Mapping[str, str] = MappingProxyType(
    {
        "ccpa_day_zero": "CCPA calendar days: `receipt` = receipt is day 0, due = receipt + N; "
        "`conservative` = one day earlier, receipt + N - 1 (the extended date too).",
        "us_business_day_calendar": "Holidays skipped by CCPA business-day clocks: `federal` = US federal "
        "holidays with observed dates (5 U.S.C. §6103); `ca` = California state holidays.",
        "gdpr_pause_mode": "GDPR pause while identity or clarification is awaited: `add_paused_days` = the "
        "paused days are added to the deadline; `no_pause` = refuse pauses. (UK Art. 12A always excludes "
        "clarification days; Swiss rows follow the table.)",
        "gdpr_holiday_calendar": "Public holidays for GDPR roll-forward: `subject_country` = the data "
        "subject's country (weekends only when unknown), or an ISO country code to use one fixed calendar.",
        "receipt_time_zones": "Time zone in which the UTC receipt instant becomes the receipt date, per regime "
        "(merged over the defaults).",
        "default_time_zone": "Time zone for any regime missing from `receipt_time_zones`.",
        "admt_appeal_days": "Calendar days to answer an appeal of an automated decision (CCPA `admt_appeal`; "
        "11 CCR §7221(b)(1)); RULES.md §9 gives the request-to-know clock until the adopted text is confirmed.",
        "admt_access_acknowledge": "`True` = an ADMT access request gets the 10-business-day acknowledgement of "
        "§7021 (the amended §7021(b) names it); `False` = no acknowledgement duty.",
        "receipt_zone_from_residence": "`True` = the receipt date is taken in the requester's own zone where "
        "their state or country gives one (the westernmost zone of a state or country that has several); "
        "`receipt_time_zones` (the earliest plausible zone of the regime) applies only when it gives none. "
        "`False` = always the regime's zone.",
    }
)


@dataclass(frozen=True)
class Conventions:
    """Hold every ⚑ counting convention; the defaults are those of RULES.md.

    Build it from plain keyword arguments (the Django app passes values read from settings).
    ``receipt_time_zones`` is merged over ``DEFAULT_RECEIPT_TIME_ZONES`` so a setting can change one regime.
    """

    ccpa_day_zero: Literal["receipt", "conservative"] = "receipt"
    us_business_day_calendar: Literal["federal", "ca"] = "federal"
    gdpr_pause_mode: Literal["add_paused_days", "no_pause"] = "add_paused_days"
    gdpr_holiday_calendar: str = "subject_country"
    receipt_time_zones: Mapping[str, str] = field(default_factory=lambda: DEFAULT_RECEIPT_TIME_ZONES)
    default_time_zone: str = "UTC"
    receipt_zone_from_residence: bool = True
    admt_appeal_days: int = ADMT_APPEAL_DAYS_DEFAULT
    admt_access_acknowledge: bool = True

    def __post_init__(self) -> None:
        for name, allowed in _CHOICES.items():
            value = getattr(self, name)
            if value not in allowed:
                raise ValueError(f"Conventions.{name} must be one of {', '.join(allowed)}; got {value!r}")
        fixed = _normalize_country(self.gdpr_holiday_calendar)
        if self.gdpr_holiday_calendar != "subject_country" and (fixed is None or _holiday_country(fixed) is None):
            raise ValueError(
                "Conventions.gdpr_holiday_calendar must be 'subject_country' or a country code the holidays "
                f"package knows; got {self.gdpr_holiday_calendar!r}"
            )
        merged = {**DEFAULT_RECEIPT_TIME_ZONES, **self.receipt_time_zones}
        unknown = sorted(set(merged) - set(REGIMES))
        if unknown:
            raise ValueError(f"Conventions.receipt_time_zones names unknown regimes: {', '.join(unknown)}")
        for zone in (*merged.values(), self.default_time_zone):
            try:
                ZoneInfo(zone)  # fail at start-up, not on the first request
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"Conventions names an unknown time zone {zone!r}") from None
        if not isinstance(self.admt_appeal_days, int) or not 1 <= self.admt_appeal_days <= 365:
            raise ValueError(f"Conventions.admt_appeal_days must be 1-365 days; got {self.admt_appeal_days!r}")
        # Frozen: set the merged, read-only mapping through object.__setattr__.
        object.__setattr__(self, "receipt_time_zones", MappingProxyType(merged))

    def apply(self, rule: Rule) -> Rule:
        """Return ``rule`` with the ⚑ conventions that change a row applied (the ADMT appeal and access)."""
        if (rule.regime, rule.right) == ("ccpa", "admt_appeal"):
            return dataclasses.replace(rule, respond=Clock(rule.respond.kind, self.admt_appeal_days))
        if (rule.regime, rule.right) == ("ccpa", "admt_access") and not self.admt_access_acknowledge:
            return dataclasses.replace(rule, acknowledge=None)
        return rule

    def calendar_day_offset(self, regime: str) -> int:
        """Return the days added to a calendar-day deadline for ``regime`` (0, or -1 when conservative)."""
        if regime in CCPA_DAY_ZERO_REGIMES and self.ccpa_day_zero == "conservative":
            return -1
        return 0

    def time_zone(self, regime: str) -> ZoneInfo:
        """Return the zone in which a receipt instant becomes the receipt date for ``regime``."""
        return ZoneInfo(self.receipt_time_zones.get(regime, self.default_time_zone))

    def receipt_time_zone(self, regime: str, country: str | None = None,
                          subdivision: str | None = None) -> ZoneInfo:
        """Return the zone of the requester's residence where known (and enabled), else the regime's zone."""
        if self.receipt_zone_from_residence:
            zone = residence_time_zone(country, subdivision)
            if zone is not None:
                return ZoneInfo(zone)
        return self.time_zone(regime)


_DEFAULT_CONVENTIONS = Conventions()

# ---------------------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadlines:
    """Hold the dates one request must meet."""

    acknowledge_by: datetime.date | None  # None where no acknowledgement duty exists
    respond_by: datetime.date
    extended_respond_by: datetime.date | None  # None where no fixed extension exists (see Rule.extension)


# ---------------------------------------------------------------------------------------------------------
# Table look-ups
# ---------------------------------------------------------------------------------------------------------


def rule_for(regime: str, right: str) -> Rule:
    """Return the rule row for ``regime`` and ``right``, or raise UnknownRuleError naming both."""
    if regime not in REGIMES:
        raise UnknownRuleError(
            f"Unknown regime {regime!r} (right {right!r}); known regimes: {', '.join(REGIMES)}"
        )
    if right not in RIGHTS:
        raise UnknownRuleError(f"Unknown right {right!r} (regime {regime!r}); known rights: {', '.join(RIGHTS)}")
    try:
        return RULES[(regime, right)]
    except KeyError:
        raise UnknownRuleError(
            f"Regime {regime!r} grants no right {right!r}; it grants: {', '.join(rights_for(regime))}"
        ) from None


def rights_for(regime: str) -> tuple[str, ...]:
    """Return the rights ``regime`` grants, in display order."""
    if regime not in REGIMES:
        raise UnknownRuleError(f"Unknown regime {regime!r}; known regimes: {', '.join(REGIMES)}")
    return tuple(right for right in RIGHTS if (regime, right) in RULES)


# ---------------------------------------------------------------------------------------------------------
# Working days
# ---------------------------------------------------------------------------------------------------------

HolidayCalendar = tuple[str, str | None] | None  # (country, subdivision); None = weekends only

@functools.cache
def _holiday_dates(country: str, subdivision: str | None, year: int) -> frozenset[datetime.date]:
    """Return one year's public holidays, observed dates included, as a plain set (cached per year)."""
    # A holidays object grows itself on lookup; freezing the dates keeps each lookup cheap and predictable.
    calendar_ = holidays.country_holidays(country, subdiv=subdivision, years=(year,))
    return frozenset(day for day in calendar_ if day.year == year)


def is_working_day(day: datetime.date, holiday_calendar: HolidayCalendar) -> bool:
    """Return whether ``day`` is Monday-Friday and not a public holiday in ``holiday_calendar``."""
    if day.weekday() >= 5:
        return False
    if holiday_calendar is None:
        return True
    country, subdivision = holiday_calendar
    return day not in _holiday_dates(country, subdivision, day.year)


def _holiday_calendar(regime: str, country: str | None, conventions: Conventions) -> HolidayCalendar:
    """Return the holiday calendar that decides working days for ``regime``."""
    source = REGIME_HOLIDAY_CALENDARS[regime]
    if source == US_BUSINESS_DAYS:
        return ("US", "CA" if conventions.us_business_day_calendar == "ca" else None)
    if source != SUBJECT_COUNTRY:
        assert isinstance(source, tuple)
        return source
    if regime == "gdpr" and conventions.gdpr_holiday_calendar != "subject_country":
        return (_normalize_country(conventions.gdpr_holiday_calendar) or "", None)
    # An unknown or unsupported country falls back to weekends only, which can only make a deadline earlier.
    code = _normalize_country(country)
    if code is None or _holiday_country(code) is None:
        return None
    return (code, None)


def _roll_forward(day: datetime.date, holiday_calendar: HolidayCalendar) -> datetime.date:
    """Return ``day`` or the first working day after it."""
    while not is_working_day(day, holiday_calendar):
        day += datetime.timedelta(days=1)
    return day


def _add_business_days(start: datetime.date, n: int, holiday_calendar: HolidayCalendar) -> datetime.date:
    """Return the n-th working day after ``start``; ``start`` itself is never counted."""
    day = start
    for _ in range(n):
        day = _roll_forward(day + datetime.timedelta(days=1), holiday_calendar)
    return day


def _add_months(start: datetime.date, n: int) -> datetime.date:
    """Return the same date n months later, clipped to that month's last day (31 Aug + 1 → 30 Sep)."""
    month_index = start.month - 1 + n
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _due(
    clock: Clock,
    n: int,
    received_on: datetime.date,
    *,
    paused_days: int,
    holiday_calendar: HolidayCalendar,
    calendar_day_offset: int,
) -> datetime.date:
    """Return the date ``n`` units of ``clock.kind`` after receipt, pauses included."""
    pause = datetime.timedelta(days=paused_days)
    if clock.kind == "calendar":
        return received_on + datetime.timedelta(days=n + calendar_day_offset) + pause
    if clock.kind == "month":
        # Pauses extend the unrolled date; rolling happens once, at the end.
        return _roll_forward(_add_months(received_on, n) + pause, holiday_calendar)
    if clock.kind == "business":
        return _add_business_days(received_on, n, holiday_calendar)
    if clock.kind == "next_working_day":
        return _add_business_days(received_on, 1, holiday_calendar)
    raise ValueError(f"Unknown clock kind {clock.kind!r}")


# ---------------------------------------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------------------------------------


def _pause_allowed(rule: Rule, conventions: Conventions) -> bool:
    """Return whether this rule's clock may be paused under these conventions."""
    if rule.regime == "gdpr" and conventions.gdpr_pause_mode == "no_pause":
        return False
    return rule.pause_allowed


def compute_deadlines(
    *,
    regime: str,
    right: str,
    received_on: datetime.date,
    country: str | None = None,
    paused_days: int = 0,
    conventions: Conventions | None = None,
    designated_address: bool = True,
) -> Deadlines:
    """Return the acknowledge, respond and extended dates for a request received on ``received_on``.

    ``country`` (ISO alpha-2) picks the public-holiday calendar for GDPR and company-policy working days;
    other regimes use fixed calendars. ``paused_days`` counts days the clock stood still while identity or
    clarification was awaited. ``designated_address=False`` selects a rule's longer clock for requests sent
    to an address the business did not designate (Shine the Light); rules without one ignore it. For
    ``uk_gdpr`` pass the Art. 12A relevant date as ``received_on`` (see ``uk_relevant_date``).
    """
    conventions = conventions or _DEFAULT_CONVENTIONS
    rule = conventions.apply(rule_for(regime, right))
    if paused_days < 0:
        raise ValueError(f"paused_days must not be negative; got {paused_days}")
    if paused_days and not _pause_allowed(rule, conventions):
        raise PauseNotAllowedError(
            f"{REGIME_ABBREVIATIONS[regime]} (regime {regime!r}) does not allow pausing the {right!r} clock "
            f"({rule.citation}); the time runs regardless of verification"
        )
    count = functools.partial(
        _due,
        received_on=received_on,
        paused_days=paused_days,
        holiday_calendar=_holiday_calendar(regime, country, conventions),
        calendar_day_offset=conventions.calendar_day_offset(regime),
    )
    respond_n = rule.respond.n
    if not designated_address and rule.non_designated_address_days is not None:
        respond_n = rule.non_designated_address_days
    extended = None
    if rule.extension is not None and rule.extension.n is not None:
        extended = count(rule.respond, respond_n + rule.extension.n)
    # Acknowledgement confirms receipt; a later pause cannot move it.
    acknowledge = None if rule.acknowledge is None else count(rule.acknowledge, rule.acknowledge.n, paused_days=0)
    return Deadlines(
        acknowledge_by=acknowledge,
        respond_by=count(rule.respond, respond_n),
        extended_respond_by=extended,
    )


def uk_relevant_date(
    received_on: datetime.date,
    *,
    identity_received_on: datetime.date | None = None,
    fee_paid_on: datetime.date | None = None,
) -> datetime.date:
    """Return the UK Art. 12A "relevant time": the latest of receipt, identity received and fee paid."""
    return max(day for day in (received_on, identity_received_on, fee_paid_on) if day is not None)


def receipt_date(
    received_at: datetime.datetime,
    regime: str,
    conventions: Conventions | None = None,
    *,
    country: str | None = None,
    subdivision: str | None = None,
) -> datetime.date:
    """Return the receipt date of an aware instant in the requester's zone, else ``regime``'s zone.

    Without ``country`` (and, for the US, ``subdivision``) the regime's earliest plausible zone applies.
    """
    if received_at.tzinfo is None or received_at.utcoffset() is None:
        raise ValueError("received_at must be timezone-aware (store receipt instants in UTC)")
    if regime not in REGIMES:
        raise UnknownRuleError(f"Unknown regime {regime!r}; known regimes: {', '.join(REGIMES)}")
    zone = (conventions or _DEFAULT_CONVENTIONS).receipt_time_zone(regime, country, subdivision)
    return received_at.astimezone(zone).date()


_ZONE_OFFSET_REFERENCE = datetime.datetime(2026, 1, 15, 12, 0, tzinfo=datetime.UTC)


@functools.cache
def _tzdata_country_zones() -> Mapping[str, tuple[str, ...]]:
    """Return country code → zones from the IANA zone.tab shipped with the tzdata package."""
    from importlib.resources import files

    zones: dict[str, list[str]] = {}
    text = files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        code, _coordinates, zone, *_ = line.split("\t")
        zones.setdefault(code, []).append(zone)
    return MappingProxyType({code: tuple(names) for code, names in zones.items()})


def _westernmost(zone_names: tuple[str, ...]) -> str:
    """Return the zone with the smallest UTC offset (the earliest local date), ties by name."""
    return min(zone_names, key=lambda name: (ZoneInfo(name).utcoffset(_ZONE_OFFSET_REFERENCE), name))


def residence_time_zone(country: str | None, subdivision: str | None = None) -> str | None:
    """Return the time zone of a residence, or None when it gives none (the US without a state).

    The rules table names the zone of each US state and of each country of a regulated regime (the
    westernmost where there are several); any other country gets its westernmost zone from IANA's zone.tab.
    """
    code = _normalize_country(country)
    if code is None:
        return None
    if code == "US":
        return US_SUBDIVISION_TIME_ZONES.get(_normalize_subdivision(subdivision) or "")
    if code in COUNTRY_TIME_ZONES:
        return COUNTRY_TIME_ZONES[code]
    zones = _tzdata_country_zones().get(code)
    return _westernmost(zones) if zones else None


def extension_notice_last_day(deadlines: Deadlines, rule: Rule | None = None) -> datetime.date | None:
    """Return the last day an extension notice may be sent (the original deadline), or None if none applies.

    Pass ``rule`` to cover open-ended extensions (Swiss FADP), which have no fixed extended date.
    """
    open_ended = rule is not None and rule.extension is not None and rule.extension.open_ended
    if deadlines.extended_respond_by is None and not open_ended:
        return None
    return deadlines.respond_by


def can_extend(
    rule: Rule, *, today: datetime.date, respond_by: datetime.date, already_extended: bool
) -> tuple[bool, str]:
    """Return whether the case may be extended today, and a message naming the rule either way."""
    name = REGIME_ABBREVIATIONS[rule.regime]
    extension = rule.extension
    if extension is None:
        return False, f"{name} allows no extension for {RIGHT_LABELS[rule.right]!r} ({rule.citation})"
    if already_extended and extension.once:
        return False, f"{name} allows one extension ({extension.citation}); this case was already extended"
    if extension.notice_before_original_deadline and today > respond_by:
        return False, (
            f"{name} allows an extension only with a notice sent by the original deadline "
            f"{respond_by.isoformat()} ({extension.citation}); that day has passed"
        )
    if extension.open_ended:
        return True, (
            f"{name} allows an extension ({extension.citation}): by {respond_by.isoformat()}, tell the requester "
            "the date by which they will get the answer"
        )
    return True, (
        f"{name} allows one extension of {_describe_amount(rule.respond, extension.n)} ({extension.citation}); "
        f"send the notice with the reasons by {respond_by.isoformat()}"
    )


# ---------------------------------------------------------------------------------------------------------
# Residence → regimes and rights
# ---------------------------------------------------------------------------------------------------------


def jurisdiction_for(country: str | None, subdivision: str | None = None) -> tuple[str, ...]:
    """Return the regimes for a residence, primary first; anywhere unlisted gets ("voluntary",)."""
    code = _normalize_country(country)
    if code == "US":
        return US_SUBDIVISION_REGIMES.get(_normalize_subdivision(subdivision) or "", ("voluntary",))
    return COUNTRY_REGIMES.get(code or "", ("voluntary",))


def regime_for(*, country: str | None, subdivision: str | None, right: str, is_patient: bool = False) -> str:
    """Return the regime that governs ``right`` for this requester, or raise UnknownRuleError."""
    if right not in RIGHTS:
        raise UnknownRuleError(f"Unknown right {right!r}; known rights: {', '.join(RIGHTS)}")
    own_law = [regime for regime in jurisdiction_for(country, subdivision) if regime in PATIENT_OWN_LAW_REGIMES]
    if is_patient and own_law and (own_law[0], right) in RULES:
        return own_law[0]
    if is_patient and ("hipaa", right) in RULES:
        return "hipaa"
    for regime in (*jurisdiction_for(country, subdivision), "voluntary"):
        if (regime, right) in RULES:
            return regime
    raise UnknownRuleError(
        f"No regime grants right {right!r} to a resident of {country or 'an unknown country'}"
        f"{'/' + subdivision if subdivision else ''} (regimes: {', '.join(jurisdiction_for(country, subdivision))})"
    )


def rights_offered(country: str | None, subdivision: str | None = None, *, is_patient: bool = False) -> tuple[str, ...]:
    """Return the rights to offer a resident on the public form, in display order.

    A patient is also offered the HIPAA rights (access, amendment, accounting of disclosures), which the
    company forwards to the clinic.
    """
    offered = set(EVERYONE_RIGHTS)
    for regime in (*jurisdiction_for(country, subdivision), *(("hipaa",) if is_patient else ())):
        offered.update(rights_for(regime))
    return tuple(right for right in RIGHTS if right in offered)


def digital_consent_age(country: str | None) -> int:
    """Return the age from which a child may consent online alone (GDPR Art. 8; COPPA in the US).

    EEA countries not in the table, and anywhere unknown, get the GDPR default of 16, the conservative choice.
    For CCPA sale/sharing opt-in see ``CCPA_SALE_OPT_IN_AGE``.
    """
    code = _normalize_country(country) or ""
    if code in GDPR_CONSENT_AGES:
        return GDPR_CONSENT_AGES[code]
    if code == "US":
        return COPPA_PARENTAL_CONSENT_AGE
    return GDPR_DEFAULT_CONSENT_AGE


def policy_child_age(country: str | None) -> int:
    """Return the age under which the privacy policy §10 treats a person as a child whose data is deleted.

    13 everywhere; the higher digital consent age where the GDPR or UK GDPR applies (policy §10: "or a higher
    age threshold where applicable, e.g., 16 in some EU countries").
    """
    if set(jurisdiction_for(country)) & {"gdpr", "uk_gdpr"}:
        return max(POLICY_CHILD_AGE, digital_consent_age(country))
    return POLICY_CHILD_AGE


# ---------------------------------------------------------------------------------------------------------
# The counsel review page
# ---------------------------------------------------------------------------------------------------------

_UNITS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "calendar": ("calendar day", "calendar days"),
        "business": ("business day", "business days"),
        "month": ("month", "months"),
        "next_working_day": ("working day", "working days"),
    }
)


def _describe_amount(clock: Clock, n: int | None) -> str:
    """Return "45 calendar days" style words for n units of ``clock``."""
    singular, plural = _UNITS[clock.kind]
    return f"{n} {singular if n == 1 else plural}"


def _describe_clock(clock: Clock) -> str:
    """Return a clock in words, including how its last day is found."""
    if clock.kind == "next_working_day":
        return "next working day"
    if clock.kind == "month":
        return f"{_describe_amount(clock, clock.n)} (rolled to a working day)"
    return _describe_amount(clock, clock.n)


def _describe_extension(rule: Rule) -> str:
    """Return a rule's extension in words, or a dash."""
    extension = rule.extension
    if extension is None:
        return "—"
    if extension.open_ended:
        text = "open-ended: notify a date"
    else:
        total = _describe_amount(rule.respond, rule.respond.n + (extension.n or 0))
        text = f"+{_describe_amount(rule.respond, extension.n)} ({total} in total)"
    terms = [
        "once" if extension.once else "repeatable",
        *(["notice"] if extension.requires_notice else []),
        *(["reasons"] if extension.reason_required else []),
        *(["before original deadline"] if extension.notice_before_original_deadline else []),
    ]
    return f"{text}; {', '.join(terms)} ({extension.citation})"


def _cell(text: str) -> str:
    """Escape a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    """Return Markdown table lines."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return lines


def render_markdown() -> str:
    """Return the counsel review page for the whole rules table, deterministic and date-free."""
    lines = [
        "# Privacy-request deadline rules",
        "",
        ("<!-- Generated from regimes/rules.py by `python -m regimes.deadlines > docs/deadlines.md`. "
         "Do not edit by hand: a test fails when this file and the table differ. -->"),
        "",
        ("Review page for counsel: one row per regime and right, as the portal computes them. "
         "The day of receipt is the date in the regime's time zone (below)."),
        "",
        "## Rules",
        "",
    ]
    lines += _table(
        ("Regime", "Right", "Acknowledge", "Respond", "Extension", "Verification", "Pause", "Source"),
        [
            (
                REGIME_ABBREVIATIONS[rule.regime] + f" (`{rule.regime}`)",
                f"`{rule.right}`",
                _describe_clock(rule.acknowledge) if rule.acknowledge else "—",
                _describe_clock(rule.respond),
                _describe_extension(rule),
                rule.verification,
                "yes" if rule.pause_allowed else "no",
                rule.citation,
            )
            for rule in RULES.values()
        ],
    )
    lines += ["", "### Row notes", ""]
    for rule in RULES.values():
        notes = [rule.note] if rule.note else []
        if rule.non_designated_address_days is not None:
            notes.append(
                f"{rule.non_designated_address_days} days when sent to an address we did not designate."
            )
        if rule.once_per_calendar_year:
            notes.append("Once per calendar year per requester.")
        if notes:
            lines.append(f"- `{rule.regime}` / `{rule.right}`: {' '.join(notes)}")
    lines += [
        (f"- Rights not granted by law: Swiss rows marked \"company policy\" use the company's "
         f"{CH_POLICY_RESPOND_DAYS}-day default; `voluntary` rows are the company's own policy for everyone."),
        "",
        "## Counting",
        "",
        ("- **month**: same date in the month n later; if it does not exist, that month's last day; then "
         "forward past Saturdays, Sundays and public holidays. The extended date is receipt + (n + extension) "
         "months, rolled the same way. Paused days are added before rolling."),
        ("- **calendar days**: receipt is day 0; due = receipt + n (+ paused days where allowed); "
         "no roll-forward, even for Swiss rows (Art. 78 CO would allow one; not rolling is never late)."),
        ("- **business days**: the receipt day is not counted; count Monday–Friday excluding holidays; "
         "a weekend receipt counts from the next day like any other."),
        "- **next working day**: the first working day after the receipt day (law: \"immediately\").",
        "",
        "## Conventions (⚑ settings) and their defaults",
        "",
    ]
    defaults = Conventions()
    for convention in fields(Conventions):
        value = getattr(defaults, convention.name)
        shown = "see below" if isinstance(value, Mapping) else f"`{value}`"
        lines.append(f"- ⚑ `{convention.name}` = {shown}. {_CONVENTION_HELP[convention.name]}")
    lines += ["", "### Holiday calendar and receipt time zone per regime", ""]
    lines += _table(
        ("Regime", "Working-day holidays (default)", "Receipt time zone (default)"),
        [
            (
                f"`{regime}`",
                _describe_holiday_calendar(regime, defaults),
                defaults.receipt_time_zones.get(regime, defaults.default_time_zone),
            )
            for regime in REGIMES
        ],
    )
    lines += [
        "",
        ("With ⚑ `receipt_zone_from_residence` on, the requester's own zone is used where their residence gives "
         "one (the westernmost zone of a state or country that has several; other countries: the westernmost "
         "zone IANA lists for them); the regime's zone above, its earliest plausible one, only when it gives none."),
        "",
    ]
    lines += _table(
        ("Residence", "Receipt time zone"),
        [*((f"US-{code}", zone) for code, zone in sorted(US_SUBDIVISION_TIME_ZONES.items())),
         *((code, zone) for code, zone in sorted(COUNTRY_TIME_ZONES.items()))],
    )
    lines += ["", "## Verification levels", ""]
    lines += [f"- `{level}`: {text}" for level, text in VERIFICATION_LEVELS.items()]
    lines += ["", "## Denials: grounds and the rights notice", ""]
    for regime in REGIMES:
        lines.append(f"### {REGIME_LABELS[regime]} (`{regime}`)")
        lines.append("")
        lines += [f"- `{code}`: {label}" for code, label in DENIAL_GROUNDS[regime]]
        lines += ["", f"Notice: {DENIAL_RIGHTS_NOTICES[regime]}", ""]
    lines += ["## Residence → regimes", ""]
    lines += _table(
        ("Residence", "Regimes, primary first"),
        [
            ("EEA: " + ", ".join(sorted(EEA_COUNTRIES)), "`gdpr`"),
            ("EU territories with their own code: " + ", ".join(sorted(EU_TERRITORIES_WITH_OWN_CODE)), "`gdpr`"),
            ("GB", "`uk_gdpr`"),
            ("CH", "`ch_fadp`"),
            *((f"US-{sub}", ", ".join(f"`{r}`" for r in regs)) for sub, regs in US_SUBDIVISION_REGIMES.items()),
            ("anywhere else", "`voluntary`"),
        ],
    )
    lines += [
        "",
        "Everyone is also offered: " + ", ".join(f"`{right}`" for right in EVERYONE_RIGHTS) + " (company policy). "
        "Patients' `access`, `rectification` (amendment) and `accounting` requests go to `hipaa`, except for "
        "patients living under " + ", ".join(f"`{r}`" for r in sorted(PATIENT_OWN_LAW_REGIMES))
        + ", whose own law governs the rights it grants (the company forwards as the clinic's processor).",
        "",
        "### Patients: the company forwards and tracks; the clinic decides",
        "",
    ]
    lines += _table(
        ("Regime", "Our role for a patient's request"),
        [(f"`{regime}`", role) for regime, role in PATIENT_PROCESSOR_ROLES.items()],
    )
    lines += [
        "",
        (f"On these cases we do not {', '.join(sorted(PROCESSOR_RESERVED_ACTIONS))} ourselves: the case is "
         f"forwarded (status *forwarded, awaiting controller*, still on its clock), the clinic is reminded every "
         f"{CONTROLLER_CHASE_DAYS} days until it answers, and its answer closes the case."),
        "",
        "## Digital consent ages",
        "",
    ]
    lines += _table(
        ("Country", "Age"), [(country, str(age)) for country, age in sorted(GDPR_CONSENT_AGES.items())]
    )
    lines += [
        "",
        f"- Other EEA countries and anywhere unlisted: {GDPR_DEFAULT_CONSENT_AGE} (GDPR Art. 8 default).",
        (f"- US: under {COPPA_PARENTAL_CONSENT_AGE} verifiable parental consent (COPPA); no sale or sharing "
         f"under {CCPA_SALE_OPT_IN_AGE} without opt-in (CCPA §1798.120(c)); under "
         f"{CCPA_PARENT_AUTHORIZATION_AGE} the opt-in must come from a parent or guardian."),
        (f"- Privacy policy §10: a child under {POLICY_CHILD_AGE} (or the higher digital consent age under the "
         "GDPR and UK GDPR) whose data we collected directly has it deleted on our own initiative (patients "
         "excepted: the clinic obtains the parents' consent)."),
        "",
    ]
    return "\n".join(lines)


def _describe_holiday_calendar(regime: str, conventions: Conventions) -> str:
    """Return the default holiday calendar of ``regime`` in words."""
    if REGIME_HOLIDAY_CALENDARS[regime] == SUBJECT_COUNTRY:
        return "subject's country (weekends only if unknown or unsupported)"
    holiday_calendar = _holiday_calendar(regime, None, conventions)
    assert holiday_calendar is not None  # every other regime has a fixed calendar
    country, subdivision = holiday_calendar
    return f"holidays.country_holidays({country!r}" + (f", subdiv={subdivision!r})" if subdivision else ")")


if __name__ == "__main__":
    print(render_markdown(), end="")
