"""Every read of the Consents app: may we use this person's data for this purpose, and the proof."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from consents.models import (
    PERMITTING_KINDS,
    ApiToken,
    ConsentEvent,
    ConsentState,
    Default,
    MinorRule,
    NoticeVersion,
    Purpose,
)
from regimes.deadlines import CCPA_SALE_OPT_IN_AGE, digital_consent_age, jurisdiction_for
from subjects import selectors as subjects_selectors
from subjects.models import DataSubject

DEFAULT_KEY = "default"  # the regime_defaults entry for any regime not listed


class UnknownPurposeError(ValueError):
    """Raised for a purpose code that does not exist or is inactive."""


@dataclass(frozen=True)
class Decision:
    """The answer to "may we use this person's data for this purpose", with why."""

    purpose: str
    permitted: bool
    basis: str  # "event" (a recorded choice) or "default" (the regime default, nothing recorded)
    state: str  # the last event's kind, or "" when none
    default: str  # opt_in / opt_out for this person
    regimes: tuple[str, ...]
    event_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"purpose": self.purpose, "permitted": self.permitted, "basis": self.basis,
                "state": self.state or None, "default": self.default, "regimes": list(self.regimes),
                "event_id": self.event_id}


# --- Purposes and notices ----------------------------------------------------------------------------

def purpose_list(*, active_only: bool = True) -> QuerySet[Purpose]:
    """Return purposes in display order."""
    qs = Purpose.objects.all()
    return qs.filter(is_active=True) if active_only else qs


def purpose_get(code: str | Purpose) -> Purpose:
    """Return the active purpose with ``code`` or raise UnknownPurposeError."""
    if isinstance(code, Purpose):
        return code
    purpose = Purpose.objects.filter(code=code, is_active=True).first() if isinstance(code, str) else None
    if purpose is None:
        raise UnknownPurposeError(f"Unknown purpose {code!r}")
    return purpose


def notice_current(purpose: Purpose, *, at: dt.datetime | None = None) -> NoticeVersion | None:
    """Return the notice version in effect for ``purpose`` at ``at`` (now by default)."""
    at = at or timezone.now()
    return (NoticeVersion.objects.filter(purpose=purpose, effective_at__lte=at)
            .order_by("-effective_at", "-version").first())


def notice_latest_date() -> dt.date | None:
    """Return the date of the most recently effective notice version, for /.well-known/gpc.json."""
    latest = NoticeVersion.objects.filter(effective_at__lte=timezone.now()).order_by("-effective_at").first()
    return latest.effective_at.date() if latest else None


# --- Defaults (data on the purpose, regimes from the rules engine) ------------------------------------

def default_for(purpose: Purpose, regimes: Iterable[str]) -> str:
    """Return the most protective default among the listed ``regimes`` (opt_in if any asks for it).

    Regimes the purpose does not list (e.g. Shine the Light beside the CCPA) say nothing; when none is
    listed the purpose's "default" entry applies, and opt_in when even that is missing.
    """
    table: Mapping[str, str] = purpose.regime_defaults or {}
    defaults = {table[regime] for regime in regimes if regime in table} or {table.get(DEFAULT_KEY, Default.OPT_IN)}
    return Default.OPT_IN if Default.OPT_IN in defaults else Default.OPT_OUT


def _sale_opt_in_age(regimes: tuple[str, ...], country: str | None) -> int:
    return CCPA_SALE_OPT_IN_AGE if "ccpa" in regimes else digital_consent_age(country)


# How each MinorRule finds its age: data keyed by the rule, not an if-chain over regimes.
_MINOR_AGES: Mapping[str, Callable[[tuple[str, ...], str | None], int | None]] = MappingProxyType({
    MinorRule.NONE: lambda regimes, country: None,
    MinorRule.DIGITAL_CONSENT_AGE: lambda regimes, country: digital_consent_age(country),
    MinorRule.SALE_OPT_IN_AGE: _sale_opt_in_age,
})


def minor_opt_in_age(purpose: Purpose, *, country: str | None, subdivision: str | None = None) -> int | None:
    """Return the age below which this purpose needs an opt-in (a parent's below 13), or None."""
    return _MINOR_AGES[purpose.minor_rule](jurisdiction_for(country, subdivision), country)


def default_decision(purpose: Purpose, *, country: str | None, subdivision: str | None,
                     age: int | None = None) -> Decision:
    """Return the regime default for a residence when nothing is recorded."""
    regimes = jurisdiction_for(country, subdivision)
    default = default_for(purpose, regimes)
    minor_age = minor_opt_in_age(purpose, country=country, subdivision=subdivision)
    if age is not None and minor_age is not None and age < minor_age:
        default = Default.OPT_IN
    return Decision(purpose=purpose.code, permitted=default == Default.OPT_OUT, basis="default", state="",
                    default=default, regimes=regimes)


# --- The answer -------------------------------------------------------------------------------------

def _latest_event(*, subject: DataSubject, purpose: Purpose, at: dt.datetime) -> ConsentEvent | None:
    return (ConsentEvent.objects.filter(subject=subject, purpose=purpose, at__lte=at)
            .order_by("-id").only("id", "kind").first())


def consent_decision(subject: DataSubject, purpose: Purpose | str, *, at: dt.datetime | None = None,
                     age: int | None = None) -> Decision:
    """Return the decision for ``subject`` and ``purpose`` now (state table) or at a past instant (ledger)."""
    state, event_id = "", None
    if at is None:
        # One query in the common case: the state row brings its purpose along.
        states = ConsentState.objects.filter(subject=subject, purpose__is_active=True)
        by_purpose = {"purpose": purpose} if isinstance(purpose, Purpose) else {"purpose__code": purpose}
        states = states.filter(**by_purpose)
        row = states.select_related("purpose").first()
        if row is not None:
            purpose, state, event_id = row.purpose, row.state, row.last_event_id if row.state else None
    purpose = purpose_get(purpose)
    fallback = default_decision(purpose, country=subject.country, subdivision=subject.subdivision, age=age)
    if at is not None:
        event = _latest_event(subject=subject, purpose=purpose, at=at)
        state, event_id = (event.kind, event.id) if event is not None else ("", None)
    if not state:
        return fallback
    return Decision(purpose=purpose.code, permitted=state in PERMITTING_KINDS, basis="event", state=state,
                    default=fallback.default, regimes=fallback.regimes, event_id=event_id)


def consent_decision_for_email(email: str, purpose: Purpose, *, at: dt.datetime | None = None,
                               age: int | None = None, country: str | None = None,
                               subdivision: str | None = None) -> tuple[bool, Decision]:
    """Return (subject known, decision) for an address; an unknown one gets the default of the given residence.

    Now: the subject and its state row come in one query (the API's hot path).
    """
    if at is not None:
        subject = subjects_selectors.subject_by_email(email)
        if subject is None:
            return False, default_decision(purpose, country=country, subdivision=subdivision, age=age)
        return True, consent_decision(subject, purpose, at=at, age=age)
    states = ConsentState.objects.filter(subject=OuterRef("pk"), purpose=purpose)
    row = (subjects_selectors.subjects_by_email(email)
           .annotate(c_state=Subquery(states.values("state")[:1]), c_event=Subquery(states.values("last_event_id")[:1]))
           .values("country", "subdivision", "c_state", "c_event").first())
    if row is None:
        return False, default_decision(purpose, country=country, subdivision=subdivision, age=age)
    fallback = default_decision(purpose, country=row["country"], subdivision=row["subdivision"], age=age)
    if not row["c_state"]:
        return True, fallback
    return True, Decision(purpose=purpose.code, permitted=row["c_state"] in PERMITTING_KINDS, basis="event",
                          state=row["c_state"], default=fallback.default, regimes=fallback.regimes,
                          event_id=row["c_event"])


def is_permitted(subject: DataSubject, purpose: Purpose | str, *, at: dt.datetime | None = None,
                 age: int | None = None) -> bool:
    """Return whether ``subject``'s data may be used for ``purpose`` now (or at the past instant ``at``).

    A recorded choice wins; with none, the most protective default of the subject's regimes applies
    (opt-in for a known minor below the purpose's age).
    """
    return consent_decision(subject, purpose, at=at, age=age).permitted


def state_from_ledger(*, subject: DataSubject | None = None, browser_id: str = "",
                      purpose: Purpose) -> ConsentEvent | None:
    """Recompute the current state from the ledger alone: the event with the highest id."""
    qs = ConsentEvent.objects.filter(purpose=purpose)
    qs = qs.filter(subject=subject) if subject is not None else qs.filter(browser_id=browser_id, subject=None)
    return qs.order_by("-id").first()


def state_table_disagreements() -> list[tuple[int, str, int, int | None, int | None]]:
    """Return every (state id, holder, purpose id, state's event id, ledger's event id) that disagree."""
    problems = []
    for row in ConsentState.objects.select_related("purpose"):
        latest = state_from_ledger(subject=row.subject if row.subject_id else None, browser_id=row.browser_id,
                                   purpose=row.purpose)
        if latest is None or latest.pk != row.last_event_id or latest.kind != row.state:
            holder = f"subject:{row.subject_id}" if row.subject_id else f"browser:{row.browser_id}"
            problems.append((row.pk, holder, row.purpose_id, row.last_event_id, latest.pk if latest else None))
    return problems


def browser_state(*, browser_id: str, purpose: Purpose) -> str:
    """Return the last recorded kind for a browser and purpose, or ""."""
    row = ConsentState.objects.filter(browser_id=browser_id, purpose=purpose, subject=None).first()
    return row.state if row else ""


def subject_choices(subject: DataSubject) -> list[tuple[Purpose, Decision]]:
    """Return each active purpose with this subject's current decision, for the preference center."""
    return [(purpose, consent_decision(subject, purpose)) for purpose in purpose_list()]


# --- Tokens, events (subjects are looked up through subjects.selectors) ------------------------------

def api_token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_authenticate(raw: str) -> ApiToken | None:
    """Return the active token whose hash matches ``raw``, or None."""
    if not raw:
        return None
    return ApiToken.objects.filter(token_hash=api_token_hash(raw), revoked_at=None).first()


def consent_events_for_reference(reference: str) -> QuerySet[ConsentEvent]:
    """Return the ledger events a privacy request (case reference) caused, in order."""
    return ConsentEvent.objects.filter(dsr_reference=reference).select_related("purpose").order_by("id")


def consent_events_for_subject(subject: DataSubject) -> QuerySet[ConsentEvent]:
    """Return the subject's full ledger in order, with purposes, notices and actors."""
    return (ConsentEvent.objects.filter(subject=subject)
            .select_related("purpose", "notice_version", "actor").order_by("id"))


def ledger_queryset() -> QuerySet[ConsentEvent]:
    """Return the ledger for the admin list."""
    return ConsentEvent.objects.select_related("purpose", "notice_version", "subject")


def state_queryset() -> QuerySet[ConsentState]:
    return ConsentState.objects.select_related("purpose", "subject", "last_event")


def consent_proof(subject: DataSubject) -> dict[str, Any]:
    """Return the proof of consent for a subject: who, what notice text, when, how (GDPR Art. 7(1))."""
    events = []
    for event in consent_events_for_subject(subject):
        notice = event.notice_version
        events.append({
            "id": event.pk,
            "at": event.at.isoformat(),
            "purpose": event.purpose.code,
            "purpose_label": event.purpose.label,
            "kind": event.kind,
            "kind_label": event.get_kind_display(),
            "source": event.source,
            "source_label": event.get_source_display(),
            "notice_version": notice.version if notice else None,
            "notice_text": notice.text if notice else None,
            "notice_effective_at": notice.effective_at.isoformat() if notice else None,
            "user_agent": event.user_agent,
            "ip_prefix": event.ip_prefix,
            "dsr_reference": event.dsr_reference or None,
            "recorded_by": event.actor.get_username() if event.actor else None,
            "note": event.note,
        })
    current = [{"purpose": purpose.code, "label": purpose.label, **decision.as_json()}
               for purpose, decision in subject_choices(subject)]
    return {
        "subject": {"id": subject.pk, "email": subject.email, "full_name": subject.full_name,
                    "country": subject.country, "subdivision": subject.subdivision},
        "generated_at": timezone.now().isoformat(),
        "events": events,
        "current": current,
    }
