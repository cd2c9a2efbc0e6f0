"""Every read of the Consents app: may we use this person's data for this purpose, and the proof."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone

from consents.models import (
    PERMITTING_KINDS,
    ApiToken,
    ConsentEvent,
    ConsentState,
    Default,
    Kind,
    MinorRule,
    NoticeVersion,
    Purpose,
    Suppression,
)
from medprivacy import access, clock
from minors import selectors as minors_selectors
from regimes.deadlines import CCPA_SALE_OPT_IN_AGE, digital_consent_age, jurisdiction_for
from regimes.rules import CCPA_PARENT_AUTHORIZATION_AGE
from subjects import selectors as subjects_selectors
from subjects.models import DataSubject, email_digest

DEFAULT_KEY = "default"  # the regime_defaults entry for any regime not listed


class UnknownPurposeError(ValueError):
    """Raised for a purpose code that does not exist or is inactive."""


@dataclass(frozen=True)
class Decision:
    """The answer to "may we use this person's data for this purpose", with why."""

    purpose: str
    permitted: bool
    # "event" (a recorded choice), "default" (the regime default, nothing recorded) or
    # "parent_authorization_missing" (a known child's own consent, which the law does not accept alone)
    basis: str
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


class _ProcessCache:
    """A small per-process cache with a time to live, for the consent API's token and purpose lookups.

    Each web process answers from memory for up to MEDPRIVACY_CONSENT_API_CACHE_SECONDS; a change made in
    this process (a purpose saved, a token created or revoked: `api_lookups_forget`, called by the services
    and by the models' save/delete signals) empties it at once, and other processes see it within the TTL.
    Only found rows are kept (an unknown token or code is looked up every time), at most `max_size`.
    """

    def __init__(self, max_size: int = 1000) -> None:
        self.max_size = max_size
        self._entries: dict[str, tuple[float, Any]] = {}

    def get(self, key: str) -> Any:
        entry = self._entries.get(key)
        if entry is None or entry[0] < clock.now().timestamp():
            return None
        return entry[1]

    def put(self, key: str, value: Any) -> None:
        ttl = settings.MEDPRIVACY_CONSENT_API_CACHE_SECONDS
        if ttl <= 0:
            return
        if len(self._entries) >= self.max_size:
            self._entries = {}
        self._entries[key] = (clock.now().timestamp() + ttl, value)

    def clear(self) -> None:
        self._entries = {}


_API_TOKENS = _ProcessCache()
_API_PURPOSES = _ProcessCache()


def api_lookups_forget() -> None:
    """Empty this process's cache of API tokens and purposes (after any of them changed)."""
    _API_TOKENS.clear()
    _API_PURPOSES.clear()


def purpose_get_cached(code: str) -> Purpose:
    """`purpose_get` for the consent API: the active purpose from this process's short-lived cache."""
    purpose = _API_PURPOSES.get(code)
    if purpose is None:
        purpose = purpose_get(code)
        _API_PURPOSES.put(code, purpose)
    return purpose


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


def _parent_age(regimes: tuple[str, ...], country: str | None) -> int:
    return CCPA_PARENT_AUTHORIZATION_AGE if "ccpa" in regimes else digital_consent_age(country)


# Under which age a child's own consent does not count and a parent must authorize, per MinorRule (CCPA
# §1798.120(c): under 13 a parent, 13-15 the child's own opt-in; GDPR Art. 8 / COPPA: the digital consent age).
_PARENT_AGES: Mapping[str, Callable[[tuple[str, ...], str | None], int | None]] = MappingProxyType({
    MinorRule.NONE: lambda regimes, country: None,
    MinorRule.DIGITAL_CONSENT_AGE: lambda regimes, country: digital_consent_age(country),
    MinorRule.SALE_OPT_IN_AGE: _parent_age,
})


def parent_authorization_age(purpose: Purpose, *, country: str | None, subdivision: str | None = None) -> int | None:
    """Return the age below which a consent to this purpose needs a parent's authorization, or None."""
    return _PARENT_AGES[purpose.minor_rule](jurisdiction_for(country, subdivision), country)


def _unless_parent_needed(decision: Decision, *, subject_id: int, purpose: Purpose, country: str | None,
                          subdivision: str | None, age: int | None, at: dt.datetime | None) -> Decision:
    """Refuse a consent a child gave alone where the law needs a parent's authorization (known age only)."""
    if not decision.permitted or decision.basis != "event" or purpose.minor_rule == MinorRule.NONE:
        return decision
    if age is None:
        age = minors_selectors.known_age(subject_id=subject_id, on=(at or timezone.now()).date())
    limit = parent_authorization_age(purpose, country=country, subdivision=subdivision)
    if age is None or limit is None or age >= limit:
        return decision
    if minors_selectors.parent_authorized(subject_id=subject_id, purpose_id=purpose.pk, at=at):
        return decision
    return Decision(purpose=decision.purpose, permitted=False, basis="parent_authorization_missing",
                    state=decision.state, default=decision.default, regimes=decision.regimes,
                    event_id=decision.event_id)


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
    if age is None and purpose.minor_rule != MinorRule.NONE:  # an age given on a request or consent counts
        age = minors_selectors.known_age(subject_id=subject.pk, on=(at or timezone.now()).date())
    fallback = default_decision(purpose, country=subject.country, subdivision=subject.subdivision, age=age)
    if at is not None:
        event = _latest_event(subject=subject, purpose=purpose, at=at)
        state, event_id = (event.kind, event.id) if event is not None else ("", None)
    if not state:
        return fallback
    decision = Decision(purpose=purpose.code, permitted=state in PERMITTING_KINDS, basis="event", state=state,
                        default=fallback.default, regimes=fallback.regimes, event_id=event_id)
    return _unless_parent_needed(decision, subject_id=subject.pk, purpose=purpose, country=subject.country,
                                 subdivision=subject.subdivision, age=age, at=at)


# --- Erased addresses -------------------------------------------------------------------------------

ERASED_BASIS = "erasure"


def suppression_hash(email: str) -> str:
    """Return the keyed hash of a normalised address (MEDPRIVACY_SUPPRESSION_KEY): no address is stored."""
    normalized = (email or "").strip().lower()
    return hmac.new(settings.MEDPRIVACY_SUPPRESSION_KEY.encode(), normalized.encode(), hashlib.sha256).hexdigest()


def suppression_for_email(email: str, *, at: dt.datetime | None = None) -> Suppression | None:
    """Return the suppression entry of an erased address (written at or before `at`), or None."""
    entries = Suppression.objects.filter(email_hash=suppression_hash(email))
    if at is not None:
        entries = entries.filter(created_at__lte=at)
    return entries.first()


def erased_decision(purpose: Purpose, *, country: str | None, subdivision: str | None) -> Decision:
    """Return "not permitted, erased" for an address whose owner had their data erased."""
    regimes = jurisdiction_for(country, subdivision)
    return Decision(purpose=purpose.code, permitted=False, basis=ERASED_BASIS, state=Kind.ERASED,
                    default=default_for(purpose, regimes), regimes=regimes)


# Placeholders bound into the hot statement when it is compiled, then swapped for each call's values.
_HOT_PURPOSE, _HOT_SUBJECT_HASH, _HOT_SUPPRESSION_HASH = -7_390_001, "mp:subject-hash", "mp:suppression-hash"


@functools.lru_cache(maxsize=8)
def _hot_statement(vendor: str, wants_age: bool) -> tuple[str, tuple[Any, ...], tuple[str, ...]]:
    """Compile the API's one-query lookup once: (SQL, parameters with placeholders, column names).

    Built from the same querysets as the rest of the app (no SQL written by hand), so a schema change
    reaches it; compiling it per call cost about half of an API answer's CPU (benchmarks/README.md, P5).
    """
    states = ConsentState.objects.filter(subject=OuterRef("pk"), purpose_id=_HOT_PURPOSE)
    annotations = {"c_state": Subquery(states.values("state")[:1]),
                   "c_event": Subquery(states.values("last_event_id")[:1]),
                   "c_erased": Exists(Suppression.objects.filter(email_hash=_HOT_SUPPRESSION_HASH))}
    if wants_age:
        ages = minors_selectors.age_statements_latest_first(subject_id=OuterRef("pk"))
        annotations.update({f"a_{name}": Subquery(ages.values(name)[:1])
                            for name in ("birth_date", "age", "stated_on")})
    query = (subjects_selectors.subjects_by_email_hash(_HOT_SUBJECT_HASH).annotate(**annotations)
             .values("pk", "country", "subdivision", *annotations).order_by("pk")[:1]).query
    sql, params = query.sql_with_params()
    names = (*query.extra_select, *query.values_select, *query.annotation_select)
    return sql, tuple(params), names


def _hot_lookup(email: str, *, purpose_id: int, wants_age: bool) -> dict[str, Any] | None:
    """Run the compiled lookup for one address and purpose: the subject's row with its annotations, or None."""
    subject_hash = email_digest(subjects_selectors.normalize_email(email))
    if not subject_hash:
        return None
    values = {_HOT_PURPOSE: purpose_id, _HOT_SUBJECT_HASH: subject_hash,
              _HOT_SUPPRESSION_HASH: suppression_hash(email)}
    sql, placeholders, names = _hot_statement(connection.vendor, wants_age)
    with connection.cursor() as cursor:
        cursor.execute(sql, [values.get(value, value) for value in placeholders])
        found = cursor.fetchone()
    if found is None:
        return None
    row = dict(zip(names, found, strict=True))
    row["c_erased"] = bool(row["c_erased"])  # SQLite answers EXISTS with 0/1 ...
    for name in ("a_birth_date", "a_stated_on"):  # ... and dates as text
        if isinstance(row.get(name), str):
            row[name] = dt.date.fromisoformat(row[name])
    return row


def consent_decision_for_email(email: str, purpose: Purpose, *, at: dt.datetime | None = None,
                               age: int | None = None, country: str | None = None,
                               subdivision: str | None = None) -> tuple[bool, Decision]:
    """Return (subject known, decision) for an address; an unknown one gets the default of the given residence.

    Now: one query for a known address (the API's hot path); an unknown one adds the erased-address lookup.
    """
    # An erased address is "not permitted, erased" for every purpose, unless a person using it again has
    # since made a choice of their own (a later request starts a new subject).
    if at is not None:
        subject = subjects_selectors.subject_by_email(email)
        decision = consent_decision(subject, purpose, at=at, age=age) if subject is not None else None
        if (decision is None or decision.basis != "event") and suppression_for_email(email, at=at) is not None:
            return subject is not None, erased_decision(purpose, country=country, subdivision=subdivision)
        if decision is None:
            return False, default_decision(purpose, country=country, subdivision=subdivision, age=age)
        return True, decision
    # One query for a known address: the subject, its state row for the purpose, whether the address was
    # erased before and (for purposes with a minor rule) its latest age statement, as subqueries. The
    # statement is compiled once per process (`_hot_statement`); each call only binds its three values.
    wants_age = age is None and purpose.minor_rule != MinorRule.NONE
    row = _hot_lookup(email, purpose_id=purpose.pk, wants_age=wants_age)
    erased = row["c_erased"] if row is not None else suppression_for_email(email) is not None
    if (row is None or not row["c_state"]) and erased:
        return row is not None, erased_decision(purpose, country=row["country"] if row else country,
                                                subdivision=row["subdivision"] if row else subdivision)
    if row is None:
        return False, default_decision(purpose, country=country, subdivision=subdivision, age=age)
    if wants_age:
        age = minors_selectors.age_from_statement(birth_date=row["a_birth_date"], age=row["a_age"],
                                                  stated_on=row["a_stated_on"])
    fallback = default_decision(purpose, country=row["country"], subdivision=row["subdivision"], age=age)
    if not row["c_state"]:
        return True, fallback
    decision = Decision(purpose=purpose.code, permitted=row["c_state"] in PERMITTING_KINDS, basis="event",
                        state=row["c_state"], default=fallback.default, regimes=fallback.regimes,
                        event_id=row["c_event"])
    if wants_age and age is None:  # the query found no age statement: not a known child
        return True, decision
    return True, _unless_parent_needed(decision, subject_id=row["pk"], purpose=purpose, country=row["country"],
                                       subdivision=row["subdivision"], age=age, at=None)


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
    """Return the active token whose hash matches ``raw``, or None (found tokens cached, see _ProcessCache)."""
    if not raw:
        return None
    digest = api_token_hash(raw)
    token = _API_TOKENS.get(digest)
    if token is None:
        token = ApiToken.objects.filter(token_hash=digest, revoked_at=None).first()
        if token is not None:
            _API_TOKENS.put(digest, token)
    return token


def consent_events_for_reference(reference: str) -> QuerySet[ConsentEvent]:
    """Return the ledger events a privacy request (case reference) caused, in order."""
    return ConsentEvent.objects.filter(dsr_reference=reference).select_related("purpose").order_by("id")


def consent_events_for_subject(subject: DataSubject) -> QuerySet[ConsentEvent]:
    """Return the subject's full ledger in order, with purposes, notices and actors."""
    return (ConsentEvent.objects.filter(subject=subject)
            .select_related("purpose", "notice_version", "actor").order_by("id"))


def ledger_queryset(*, user) -> QuerySet[ConsentEvent]:
    """Return the ledger rows `user` may read: those of the people of their cases (all for consent managers)."""
    return access.scope_to_subjects(ConsentEvent.objects.select_related("purpose", "notice_version", "subject"),
                                    user=user, all_perm=access.VIEW_ALL_CONSENTS)


def state_queryset(*, user) -> QuerySet[ConsentState]:
    """Return the current consent states `user` may read (scoped like the ledger)."""
    return access.scope_to_subjects(ConsentState.objects.select_related("purpose", "subject", "last_event"),
                                    user=user, all_perm=access.VIEW_ALL_CONSENTS)


def subject_for_proof(*, user, subject_id: object) -> DataSubject | None:
    """Return the subject whose proof of consent `user` may read, or None (unknown, erased or not theirs)."""
    subject = subjects_selectors.subject_by_id(subject_id)
    if subject is None:
        return None
    visible = access.scope_to_subjects(DataSubject.objects.filter(pk=subject.pk), user=user, subject_path="pk",
                                       all_perm=access.VIEW_ALL_CONSENTS)
    return subject if visible.exists() else None


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


def browser_gpc_recorded(*, browser_id: str) -> bool:
    """Return whether a browser's GPC opt-out is already on the ledger for every purpose the signal covers."""
    done = ConsentState.objects.filter(browser_id=browser_id, subject=None,
                                        state=Kind.OPTED_OUT).values("purpose_id")
    return not purpose_list().filter(honors_gpc=True).exclude(pk__in=done).exists()
