"""Every write of the Consents app: ledger events (with the state row, under a lock), erasure, tokens,
notice versions and the preference-link e-mail."""

from __future__ import annotations

import ipaddress
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from audit.services import audit_append
from consents import links, selectors
from consents.defaults import seed_purposes
from consents.models import (
    PERMITTING_KINDS,
    ApiToken,
    ConsentEvent,
    ConsentState,
    Kind,
    NoticeVersion,
    Purpose,
    Source,
    Suppression,
)
from outbox import services as outbox
from outbox.models import Message
from security import ratelimit
from subjects import selectors as subjects_selectors
from subjects.models import DataSubject

logger = logging.getLogger(__name__)

Actor = AbstractBaseUser | None

MARKETING_EMAIL = "marketing_email"
PREFERENCE_LINK_TEMPLATE = "consents-preference-link"

# The request rights this app acts on; each maps to purposes through Purpose.request_rights (data).
CONSENT_RIGHTS: tuple[str, ...] = (
    "withdraw_consent", "direct_marketing_objection", "opt_out_sale_sharing", "limit_sensitive",
)


@dataclass(frozen=True)
class Evidence:
    """How a choice reached us: the browser's user agent and its network, never the full address."""

    user_agent: str = ""
    ip_prefix: str = ""


def truncate_ip(raw: str | None) -> str:
    """Return the /24 (IPv4) or /48 (IPv6) network of an address, or "" when it is not an address."""
    try:
        address = ipaddress.ip_address((raw or "").strip())
    except ValueError:
        return ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def evidence_from_request(http_request) -> Evidence:
    """Return the evidence of an HTTP request (the client address as the trusted proxies report it)."""
    meta = http_request.META
    return Evidence(user_agent=meta.get("HTTP_USER_AGENT", "")[:300],
                    ip_prefix=truncate_ip(ratelimit.client_ip(http_request)))


def _denial_kind(current: str) -> str:
    """Return the kind that stops a purpose: a given consent is withdrawn, anything else is opted out."""
    return Kind.WITHDRAWN if current == Kind.GIVEN else Kind.OPTED_OUT


# --- The ledger ----------------------------------------------------------------------------------------

def _lock_state(*, subject: DataSubject | None, browser_id: str, purpose: Purpose) -> ConsentState:
    """Return the state row for the holder and purpose, created if missing, locked for this transaction.

    The row is inserted with ON CONFLICT DO NOTHING before the lock so two first events for one holder
    and purpose queue on the same row instead of racing to insert it.
    """
    key = {"purpose": purpose}
    if subject is not None:
        key.update(subject=subject, browser_id="")
    else:
        key.update(subject=None, browser_id=browser_id)
    ConsentState.objects.bulk_create([ConsentState(**key)], ignore_conflicts=True)
    return ConsentState.objects.select_for_update().get(**key)


def consent_record(*, purpose: Purpose | str, kind: str, source: str, subject: DataSubject | None = None,
                   browser_id: str = "", evidence: Evidence | None = None, notice: NoticeVersion | None = None,
                   dsr_reference: str = "", actor: Actor = None, note: str = "",
                   only_if_changes: bool = False) -> ConsentEvent | None:
    """Append one ledger event and move the current state to it, in one transaction under a row lock.

    With ``only_if_changes`` nothing is written when the current state already is ``kind`` (the GPC
    signal and unsubscribe links repeat themselves). The notice defaults to the version in effect.
    """
    if kind not in Kind.values:
        raise ValueError(f"Unknown consent event kind {kind!r}")
    if source not in Source.values:
        raise ValueError(f"Unknown consent source {source!r}")
    if (subject is None) == (not browser_id):
        raise ValueError("A consent event belongs to exactly one subject or one browser")
    purpose = selectors.purpose_get(purpose)
    evidence = evidence or Evidence()
    with transaction.atomic():
        state = _lock_state(subject=subject, browser_id=browser_id, purpose=purpose)
        if only_if_changes and state.state == kind:
            return None
        now = timezone.now()
        event = ConsentEvent.objects.create(
            subject=subject, browser_id=browser_id if subject is None else "", purpose=purpose, kind=kind, at=now,
            source=source, notice_version=notice or selectors.notice_current(purpose, at=now),
            user_agent=evidence.user_agent[:300], ip_prefix=evidence.ip_prefix, dsr_reference=dsr_reference,
            actor=actor, note=note[:200],
        )
        audit_append(kind="consent.event", obj=event, actor=actor, facts={
            "purpose": purpose.pk, "kind": kind, "source": source, "dsr_reference": dsr_reference,
            "notice_version": event.notice_version_id, "subject_id": subject.pk if subject else None,
        }, personal={"browser_id": browser_id, "user_agent": event.user_agent, "ip_prefix": event.ip_prefix,
                     "note": event.note})
        state.state = kind
        state.last_event = event
        state.changed_at = now
        state._history_user = actor
        state._change_reason = f"{kind} via {source}" + (f" ({dsr_reference})" if dsr_reference else "")
        state.save()
    logger.info("consent event %s: purpose %s kind %s source %s", event.pk, purpose.pk, kind, source)
    return event


def consent_stop(*, subject: DataSubject, purpose: Purpose | str, source: str, evidence: Evidence | None = None,
                 dsr_reference: str = "", actor: Actor = None, always: bool = False) -> ConsentEvent | None:
    """Stop a purpose for a subject: withdraw a given consent, otherwise opt out.

    Without ``always`` nothing is written when the purpose is already not permitted by a recorded choice.
    """
    purpose = selectors.purpose_get(purpose)
    with transaction.atomic():
        state = _lock_state(subject=subject, browser_id="", purpose=purpose)
        if not always and state.state and state.state not in PERMITTING_KINDS:
            return None
        return consent_record(subject=subject, purpose=purpose, kind=_denial_kind(state.state), source=source,
                              evidence=evidence, dsr_reference=dsr_reference, actor=actor)


def consent_set_choice(*, subject: DataSubject, purpose: Purpose | str, allow: bool, source: str,
                       evidence: Evidence | None = None, actor: Actor = None) -> ConsentEvent | None:
    """Record a person's choice for one purpose; return None when it changes nothing recorded.

    Allowing records consent given (to the notice in effect). Refusing withdraws a given consent, refuses
    an opt-in purpose never decided, and opts out of an opt-out purpose.
    """
    purpose = selectors.purpose_get(purpose)
    with transaction.atomic():
        state = _lock_state(subject=subject, browser_id="", purpose=purpose)
        if allow:
            if state.state == Kind.GIVEN:
                return None
            kind = Kind.GIVEN
        else:
            if state.state and state.state not in PERMITTING_KINDS:
                return None
            if state.state == Kind.GIVEN:
                kind = Kind.WITHDRAWN
            else:
                default = selectors.default_decision(purpose, country=subject.country,
                                                     subdivision=subject.subdivision).default
                kind = Kind.REFUSED if default == "opt_in" else Kind.OPTED_OUT
        return consent_record(subject=subject, purpose=purpose, kind=kind, source=source, evidence=evidence,
                              actor=actor)


def consent_gpc_browser(*, browser_id: str, evidence: Evidence | None = None) -> list[ConsentEvent]:
    """Record a GPC opt-out for a browser, for each purpose the signal covers, only when it is new."""
    events = []
    # Fast path without locks: a browser seen before has nothing to record.
    done = set(ConsentState.objects.filter(browser_id=browser_id, subject=None, state=Kind.OPTED_OUT)
               .values_list("purpose_id", flat=True))
    for purpose in selectors.purpose_list().filter(honors_gpc=True).exclude(pk__in=done):
        event = consent_record(browser_id=browser_id, purpose=purpose, kind=Kind.OPTED_OUT, source=Source.GPC,
                               evidence=evidence, only_if_changes=True)
        if event is not None:
            events.append(event)
    return events


def consent_gpc_subject(*, subject: DataSubject, evidence: Evidence | None = None) -> list[ConsentEvent]:
    """Record a GPC opt-out for a known person, for each covered purpose not already stopped by a choice."""
    events = []
    for purpose in selectors.purpose_list().filter(honors_gpc=True):
        event = consent_stop(subject=subject, purpose=purpose, source=Source.GPC, evidence=evidence)
        if event is not None:
            events.append(event)
    return events


def consent_unsubscribe(*, subject: DataSubject, evidence: Evidence | None = None) -> ConsentEvent | None:
    """Stop marketing e-mail for a subject at once (one-click unsubscribe); None when already stopped."""
    return consent_stop(subject=subject, purpose=MARKETING_EMAIL, source=Source.UNSUBSCRIBE_LINK, evidence=evidence)


def consents_apply_request(*, subject: DataSubject, right: str, dsr_reference: str,
                           actor: Actor = None) -> list[ConsentEvent]:
    """Write the ledger events a verified privacy request asks for; return them.

    withdraw_consent withdraws every consent currently given; the other rights stop the purposes that
    list the right in ``Purpose.request_rights``. Each event records the case reference.
    """
    if right not in CONSENT_RIGHTS:
        raise ValueError(f"Right {right!r} does not act on consents; expected one of {', '.join(CONSENT_RIGHTS)}")
    if not dsr_reference:
        raise ValueError("A request reference is needed")
    with transaction.atomic():
        if right == "withdraw_consent":
            given = ConsentState.objects.filter(subject=subject, state=Kind.GIVEN).values_list("purpose_id", flat=True)
            purposes: Iterable[Purpose] = Purpose.objects.filter(pk__in=list(given))
        else:
            purposes = [p for p in Purpose.objects.all() if right in (p.request_rights or [])]
        events = []
        for purpose in purposes:
            event = consent_stop(subject=subject, purpose=purpose, source=Source.PUBLIC_REQUEST,
                                 dsr_reference=dsr_reference, actor=actor, always=right != "withdraw_consent")
            if event is not None:
                events.append(event)
    return events


def consents_record_erasure(*, subject: DataSubject, dsr_reference: str, actor: Actor = None) -> dict[str, int]:
    """Record a completed erasure in the ledger: every purpose "erased" (not permitted), a suppression entry
    for the address (a keyed hash, not the address), the evidence fields of the person's events blanked.
    Opt-outs and GPC records stay: they are the record that must survive. (Their consent e-mails go with the
    person's other messages, `outbox.services.messages_erase`.)
    """
    if not dsr_reference:
        raise ValueError("A request reference is needed")
    with transaction.atomic():
        events = [consent_record(subject=subject, purpose=purpose, kind=Kind.ERASED, source=Source.PUBLIC_REQUEST,
                                 dsr_reference=dsr_reference, actor=actor, note="Erasure completed")
                  for purpose in Purpose.objects.all()]
        suppressed = 0
        if subject.email:
            _, suppressed = Suppression.objects.get_or_create(
                email_hash=selectors.suppression_hash(subject.email), defaults={"dsr_reference": dsr_reference})
        scrubbed = ConsentEvent.objects.filter(subject=subject).exclude(user_agent="", ip_prefix="").update(
            user_agent="", ip_prefix="")
    logger.info("consents: erasure recorded for subject %s (%s purposes)", subject.pk, len(events))
    return {"consent_events": len(events), "suppressions": int(suppressed), "consent_evidence": scrubbed}


def consent_erase_subject(*, subject: DataSubject) -> dict[str, int]:
    """Delete a subject's ledger, state rows, their history and consent messages (erasure, retention)."""
    with transaction.atomic():
        ConsentState.objects.filter(subject=subject).update(last_event=None)
        counts = {
            "states": ConsentState.objects.filter(subject=subject).delete()[0],
            "state_history": ConsentState.history.filter(subject_id=subject.pk).delete()[0],
            "events": ConsentEvent.objects.filter(subject=subject).delete()[0],
            "messages": outbox.messages_delete_for_subject(data_subject=subject, stream=Message.Stream.CONSENT),
        }
    logger.info("consents erased for subject %s: %s", subject.pk, counts)
    return counts


# --- Purposes, notices and tokens --------------------------------------------------------------------------------

def purposes_seed() -> int:
    """Create the policy's purposes that are missing, each with its first notice; return how many."""
    return seed_purposes(Purpose, NoticeVersion)


def notice_version_publish(*, purpose: Purpose, text: str, effective_at=None, actor: Actor = None) -> NoticeVersion:
    """Publish the next notice version of a purpose; earlier versions stay as they were."""
    if not text.strip():
        raise ValueError("A notice needs text")
    with transaction.atomic():
        Purpose.objects.select_for_update().get(pk=purpose.pk)
        last = NoticeVersion.objects.filter(purpose=purpose).order_by("-version").first()
        notice = NoticeVersion(purpose=purpose, version=(last.version + 1) if last else 1, text=text,
                               effective_at=effective_at or timezone.now())
        notice._history_user = actor
        notice._change_reason = "Published"
        notice.save()
    return notice


def api_token_create(*, name: str) -> tuple[ApiToken, str]:
    """Create a token; return it and the raw value, which is shown once and never stored."""
    raw = f"mpc_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(name=name, token_hash=selectors.api_token_hash(raw), prefix=raw[:8])
    return token, raw


def api_token_revoke(*, token: ApiToken) -> bool:
    """Revoke a token; return False when it was already revoked.

    This process stops accepting it at once; other web processes within MEDPRIVACY_CONSENT_API_CACHE_SECONDS.
    """
    revoked = bool(ApiToken.objects.filter(pk=token.pk, revoked_at=None).update(revoked_at=timezone.now()))
    selectors.api_lookups_forget()
    transaction.on_commit(selectors.api_lookups_forget)  # and once more after a lookup re-cached it meanwhile
    return revoked


# --- Messages ------------------------------------------------------------------------------------------

def preference_link_send(*, email: str) -> Message | None:
    """E-mail a preference-center link if we know ``email``; return the stored message or None.

    The caller answers the same either way, so nothing reveals whether the address is known. The message
    goes through the outbox like every other e-mail (stored as rendered, retried by the same sweep).
    """
    subject = subjects_selectors.subject_by_email(email)
    if subject is None:
        return None
    context = {
        "company_name": settings.COMPANY_NAME, "privacy_email": settings.PRIVACY_CONTACT_EMAIL,
        "subject_name": subject.full_name, "preferences_url": links.preferences_url(subject),
        "unsubscribe_url": links.unsubscribe_url(subject), "link_days": settings.MEDPRIVACY_PREFERENCE_LINK_DAYS,
    }
    return outbox.message_create(data_subject=subject, template_key=PREFERENCE_LINK_TEMPLATE, context=context,
                                 stream=Message.Stream.CONSENT)
