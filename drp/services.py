"""Writes of the DRP app: agents, pairwise setup, exercise and revoke requests, status callbacks.

Validation follows the order of the spec (§3.07): base64, the signature with the key of the agent the
bearer token (or, for pairwise setup, the URL) names, the agent-id and business-id inside the signed
body, then issued-at and expires-at (with the configured clock skew), then replay. Failures of the trust
chain raise `Forbidden` (403, no body); everything else a `protocol.ProtocolError` with the spec's
`{"code", "message", "fatal"}`.

An accepted exercise is filed through the same intake as the public form (rules table, deadlines,
duplicates, the agent flag), with the agent as filer. Status changes of its case queue a callback to the
agent in the same transaction; the first attempt runs on commit in the worker, retries come from the beat
sweep, every attempt is recorded. Logs carry ids only, never claims or tokens.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q

from drp import protocol, selectors, signing, tasks
from drp.models import Agent, Callback, CallbackAttempt, DrpRequest, UsedSignature
from drp.protocol import ProtocolError
from fulfilment.connectors import WebhookURLNotAllowed, check_webhook_url
from medprivacy import clock
from medprivacy.languages import language_normalize
from requests_app.models import Case, Channel
from requests_app.residence import COUNTRY_NAMES, US_REGION_NAMES
from requests_app.services import intake
from requests_app.services.cases import case_change_status
from requests_app.workflow import IllegalTransition, Status
from subjects.models import Relationship
from subjects.selectors import normalize_email
from timeline.models import TimelineEvent
from timeline.services import timeline_record

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
TOKEN_BYTES = 32
# Spec relationship hints that mean the person has an account with us.
ACCOUNT_HINTS = frozenset({"customer", "account", "registered_user", "user"})


class Forbidden(Exception):
    """A failed validation of the trust chain; the API answers 403 with no body (spec §2.05.1)."""


class AgentProblem(ValueError):
    """A registration a supervisor must correct (unknown agent, bad key, duplicate id)."""


# ---------------------------------------------------------------------------------------------------------
# Agents (registered by a supervisor: admin or `manage.py drp_agent`)
# ---------------------------------------------------------------------------------------------------------


def agent_register(*, agent_id: str, verify_key: str, name: str = "", actor=None) -> Agent:
    """Register an agent with its verify key (base64 or hex); re-registering a revoked id reactivates it."""
    agent_id = (agent_id or "").strip()
    if not agent_id or len(agent_id) > 100 or any(ch.isspace() for ch in agent_id):
        raise AgentProblem("An agent id is 1-100 characters without spaces, e.g. CR_AA_DRP_ID_001.")
    try:
        raw = signing.parse_verify_key(verify_key)
    except signing.BadVerifyKey as exc:
        raise AgentProblem(str(exc)) from None
    with transaction.atomic():
        agent = Agent.objects.select_for_update().filter(agent_id=agent_id).first()
        if agent is not None and agent.revoked_at is None:
            raise AgentProblem(f"Agent {agent_id} is already registered; revoke it first to change its key.")
        agent = agent or Agent(agent_id=agent_id)
        agent.name = name.strip()
        agent.verify_key = signing.key_as_base64(raw)
        agent.revoked_at = None
        agent.token_hash, agent.token_prefix, agent.token_issued_at = "", "", None
        agent._history_user = actor
        agent._change_reason = "Registered"
        agent.save()
    logger.info("drp: agent %s registered", agent.pk)
    return agent


def agent_revoke(*, agent_id: str, actor=None) -> Agent:
    """Revoke an agent: its bearer token stops working and it cannot pair again until re-registered."""
    with transaction.atomic():
        agent = Agent.objects.select_for_update().filter(agent_id=agent_id).first()
        if agent is None:
            raise AgentProblem(f"No agent {agent_id} is registered.")
        if agent.revoked_at is None:
            agent.revoked_at = clock.now()
            agent.token_hash, agent.token_prefix = "", ""
            agent._history_user = actor
            agent._change_reason = "Revoked"
            agent.save()
    logger.info("drp: agent %s revoked", agent.pk)
    return agent


# ---------------------------------------------------------------------------------------------------------
# Signed messages
# ---------------------------------------------------------------------------------------------------------


def _check_size(body: bytes) -> None:
    if len(body) > MAX_BODY_BYTES:
        raise ProtocolError(f"The body is larger than {MAX_BODY_BYTES // 1024} KB.", status=413)


def _open(agent: Agent, body: bytes) -> signing.Opened:
    _check_size(body)
    try:
        return signing.open_signed(body, verify_key=signing.parse_verify_key(agent.verify_key))
    except signing.BadSignedMessage:
        logger.info("drp: agent %s sent a body that does not verify", agent.pk)
        raise Forbidden from None
    except signing.BadJSON as exc:
        raise ProtocolError(str(exc)) from None


def _check_parties(agent: Agent, body: dict[str, Any], *, required: bool = True) -> None:
    """The signed body must name this agent and this business (spec §3.07)."""
    for key, expected in (("agent-id", agent.agent_id), ("business-id", settings.MEDPRIVACY_DRP_BUSINESS_ID)):
        if key not in body and not required:
            continue
        if body.get(key) != expected:
            logger.info("drp: agent %s sent a body whose %s does not match", agent.pk, key)
            raise Forbidden


def _window(body: dict[str, Any], now: dt.datetime) -> dt.datetime:
    """Check issued-at/expires-at; return when the signature may be forgotten (replays are stale after it)."""
    issued_at = protocol.parse_instant(body.get("issued-at"), "issued-at")
    expires_at = protocol.parse_instant(body.get("expires-at"), "expires-at")
    skew = dt.timedelta(seconds=settings.MEDPRIVACY_DRP_CLOCK_SKEW_SECONDS)
    protocol.check_window(issued_at=issued_at, expires_at=expires_at, now=now, skew=skew,
                          max_validity=dt.timedelta(minutes=settings.MEDPRIVACY_DRP_MAX_VALIDITY_MINUTES))
    return expires_at + skew


def _remember(agent: Agent, opened: signing.Opened, *, until: dt.datetime, now: dt.datetime) -> None:
    """Record the signature as used, in the caller's transaction; a second use is a replay."""
    try:
        with transaction.atomic():
            UsedSignature.objects.create(signature_sha256=opened.signature_sha256, agent=agent, used_at=now,
                                         expires_at=until)
    except IntegrityError:
        logger.info("drp: agent %s replayed a signed request", agent.pk)
        raise ProtocolError("This signed request was already received; sign a new one.", status=409,
                            fatal=True) from None


def _check_version(body: dict[str, Any]) -> str:
    version = body.get("drp.version")
    if version is None:
        return ""
    if str(version) not in protocol.VERSIONS:
        raise ProtocolError(f"Unsupported drp.version {version!r}; supported: {', '.join(sorted(protocol.VERSIONS))}.")
    return str(version)


# ---------------------------------------------------------------------------------------------------------
# Pairwise setup (spec §2.05)
# ---------------------------------------------------------------------------------------------------------


def agent_pair(*, agent_id: str, body: bytes, now: dt.datetime | None = None) -> tuple[Agent, str]:
    """Check a signed pairwise-setup message and issue a new bearer token (replacing any earlier one).

    Every failure is `Forbidden`: the spec answers a failed setup with 403 and no body.
    """
    now = now or clock.now()
    agent = selectors.agent_active(agent_id)
    if agent is None:
        raise Forbidden
    try:
        opened = _open(agent, body)
        _check_parties(agent, opened.body)
        until = _window(opened.body, now)
        _check_version(opened.body)
        raw = secrets.token_urlsafe(TOKEN_BYTES)
        with transaction.atomic():
            _remember(agent, opened, until=until, now=now)
            locked = Agent.objects.select_for_update().get(pk=agent.pk)
            locked.token_hash, locked.token_prefix, locked.token_issued_at = selectors.token_hash(raw), raw[:8], now
            locked._change_reason = "Pairwise setup: new bearer token"
            locked.save()
    except ProtocolError:
        raise Forbidden from None
    logger.info("drp: agent %s completed pairwise setup", agent.pk)
    return locked, raw


# ---------------------------------------------------------------------------------------------------------
# Exercise (spec §2.01)
# ---------------------------------------------------------------------------------------------------------


def _residence(regime: str, claims: dict[str, Any]) -> tuple[str, str]:
    if regime == "ccpa":
        return protocol.CCPA_RESIDENCE
    residence = protocol.residence_from_address(claims.get("address"), country_names=COUNTRY_NAMES,
                                                region_names=US_REGION_NAMES)
    if residence is None or (residence.country == "US" and not residence.subdivision):
        raise ProtocolError("A voluntary request needs the consumer's residence: send the 'address' claim with "
                            "its country (and, in the United States, its region).")
    return residence.country, residence.subdivision


def _text(body: dict[str, Any], key: str, limit: int) -> str:
    value = body.get(key)
    if value is None:
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ProtocolError(f"'{key}' must be a string.")
    return str(value).strip()[:limit]


def _language(body: dict[str, Any]) -> str:
    """The consumer's language, an optional extension field ("language": a BCP 47 tag such as "es-US").

    A language the portal does not write in is English (the agent cannot know our list); not a string: refused.
    """
    return language_normalize(_text(body, "language", 35))


def _relationships(body: dict[str, Any]) -> list[str]:
    hints = body.get("relationships")
    if hints is None:
        return []
    if not isinstance(hints, list) or not all(isinstance(hint, str) for hint in hints):
        raise ProtocolError("'relationships' must be a list of strings.")
    return [hint.strip()[:100] for hint in hints if hint.strip()][:20]


def _callback_url(body: dict[str, Any]) -> str:
    url = _text(body, "status_callback", 10_000)
    if len(url) > 500:
        raise ProtocolError("'status_callback' is longer than 500 characters.")
    if url:
        try:
            check_webhook_url(url)
        except WebhookURLNotAllowed:
            raise ProtocolError("'status_callback' must be an https:// URL.") from None
    return url


def drp_request_create(*, agent: Agent, body: bytes, now: dt.datetime | None = None) -> DrpRequest:
    """Accept a signed exercise request from a paired agent: file it through the intake and return it."""
    now = now or clock.now()
    opened = _open(agent, body)
    data = opened.body
    _check_parties(agent, data)
    until = _window(data, now)
    version = _check_version(data)
    exercise = protocol.normalize_exercise(data.get("exercise"))
    regime = _text(data, "regime", 20).lower() or "voluntary"
    if regime not in protocol.REGIMES:
        raise ProtocolError(f"Unsupported regime {regime!r}; supported: {', '.join(sorted(protocol.REGIMES))}.")
    relationships = _relationships(data)
    callback_url = _callback_url(data)
    claims = protocol.claims_from(data)
    email = normalize_email(claims.get("email", ""))
    try:
        if len(email) > 254:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError:
        raise ProtocolError("The 'email' claim is required and must be an e-mail address: we write to the "
                            "consumer there.") from None
    name = protocol.full_name(claims.get("name"))
    if not name:
        raise ProtocolError("The 'name' claim is required.")
    if len(name) > 200:
        raise ProtocolError("The 'name' claim is longer than 200 characters.")
    plan = protocol.EXERCISES[exercise]
    drp = DrpRequest(agent=agent, agent_request_id=_text(data, "agent-request-id", 200), exercise=exercise,
                     regime=regime, drp_version=version, relationships=relationships, status_callback=callback_url,
                     claims=claims, received_at=now)
    with transaction.atomic():
        _remember(agent, opened, until=until, now=now)
        if plan.right is None:
            # Nothing is acted on, so no personal data is kept (no submission would ever purge it).
            drp.refusal, drp.refusal_reason, drp.claims = plan.refusal, plan.refusal_reason, {}
            drp.save()
            logger.info("drp: request %s from agent %s answered without a case (%s)", drp.pk, agent.pk, exercise)
            return drp
        country, subdivision = _residence(regime, claims)
        details = [f"Filed through the Data Rights Protocol by {agent} (request {drp.request_id}, "
                   f"exercise {exercise}, regime {regime})."]
        if plan.details:
            details.append(plan.details)
        if relationships:
            details.append("Relationship hints from the agent: " + ", ".join(relationships) + ".")
        try:
            result = intake.submission_create(
                rights=[plan.right], full_name=name, email=email,
                relationship=(Relationship.REGISTERED_USER if ACCOUNT_HINTS & {h.lower() for h in relationships}
                              else Relationship.WEBSITE_VISITOR),
                country=country, subdivision=subdivision, details="\n".join(details),
                correction_wrong=_text(data, "correction_wrong", 5000),
                correction_right=_text(data, "correction_right", 5000),
                is_agent=True, agent_name=str(agent)[:200], declaration_accepted=True, channel=Channel.AGENT,
                agent_attested=True, language=_language(data),
            )
        except intake.IntakeRejected as exc:
            raise ProtocolError(" ".join(exc.problems.values())) from None
        drp.submission, drp.case = result.submission, result.cases[0]
        drp.save()
        drp.last_reported = selectors.status_object(drp, now=now)  # what the agent gets in the answer
        drp.save(update_fields=["last_reported"])
        points = protocol.verified_data_points(claims)
        timeline_record(
            dsr=drp.case, kind=TimelineEvent.Kind.NOTE, label="agent",
            summary=f"Filed by authorized agent {agent} ({agent.agent_id}) through the Data Rights Protocol, "
                    "signed with its registered key. The agent attests it verified: "
                    + (", ".join(points) if points else "nothing")
                    + ". Evidence toward the verification level; the consumer still confirms directly.",
        )
    logger.info("drp: request %s from agent %s filed as case %s", drp.pk, agent.pk, drp.case_id)
    return drp


# ---------------------------------------------------------------------------------------------------------
# Revoke (spec §2.04)
# ---------------------------------------------------------------------------------------------------------


def drp_request_revoke(*, agent: Agent, drp: DrpRequest, body: bytes, now: dt.datetime | None = None) -> DrpRequest:
    """Revoke a request at the agent's signed wish: its case is withdrawn, with a timeline entry.

    The reference agent signs only `{"reason": …}`; agent-id, business-id and the time window are checked
    when the body carries them. Revoking twice answers the revoked status again.
    """
    now = now or clock.now()
    opened = _open(agent, body)
    data = opened.body
    _check_parties(agent, data, required=False)
    until = _window(data, now) if "issued-at" in data or "expires-at" in data else now + dt.timedelta(days=1)
    reason = _text(data, "reason", 2000)
    with transaction.atomic():
        _remember(agent, opened, until=until, now=now)
        locked = DrpRequest.objects.select_for_update(of=("self",)).select_related("case").get(pk=drp.pk)
        if locked.revoked_at is not None:
            return locked
        if locked.case is None:
            raise ProtocolError("The request was already answered; it can no longer be revoked.")
        if not locked.case.is_open:
            label = protocol.STATUS_FOR_CASE[locked.case.status]
            raise ProtocolError(f"The request is already {label}; it can no longer be revoked.")
        locked.revoked_at, locked.revoke_reason = now, reason
        locked.save(update_fields=["revoked_at", "revoke_reason"])
        try:
            case_change_status(dsr=locked.case, to=Status.WITHDRAWN, actor=None,
                               reason=f"Revoked by the authorized agent {agent} through the Data Rights Protocol"
                                      + (" (the consumer's reason is on the DRP request)" if reason else ""))
        except IllegalTransition:
            raise ProtocolError("The request can no longer be revoked.") from None
    logger.info("drp: request %s revoked by agent %s", drp.pk, agent.pk)
    locked.refresh_from_db()
    return locked


# ---------------------------------------------------------------------------------------------------------
# The consumer's verification page (user_verification_url)
# ---------------------------------------------------------------------------------------------------------


def drp_verification_link_send(*, drp: DrpRequest) -> bool:
    """E-mail the consumer a fresh verification link (and status link); False when nothing awaits it."""
    if drp.case is None or drp.case.status != Status.AWAITING_VERIFICATION:
        return False
    return intake.status_link_send(email=drp.submission.subject.email)


# ---------------------------------------------------------------------------------------------------------
# Status callbacks (spec §2.03)
# ---------------------------------------------------------------------------------------------------------


def drp_case_changed(*, dsr: Case) -> None:
    """Case change listener: when the status object of a DRP request changed (its status, an extension's
    expected_by…), queue it for the agent, if the agent asked for callbacks (spec §2.03, §3.08)."""
    drp = selectors.drp_request_for_case(dsr.pk)
    if drp is None:
        return
    status = selectors.status_object(drp)
    if status == drp.last_reported:
        return
    DrpRequest.objects.filter(pk=drp.pk).update(last_reported=status)
    if drp.status_callback:
        callback_queue(drp=drp, status=status)


def callback_queue(*, drp: DrpRequest, status: dict[str, Any]) -> Callback:
    """Store a status object for delivery; older undelivered ones are superseded.

    The first attempt runs on commit in the worker; the sweep picks it up after the backoff if that task
    is lost. Call inside the transaction that changed the case.
    """
    now = clock.now()
    Callback.objects.filter(drp_request=drp, state__in=[Callback.State.PENDING, Callback.State.FAILED]).update(
        state=Callback.State.SUPERSEDED, next_attempt_at=None)
    callback = Callback.objects.create(
        drp_request=drp, url=drp.status_callback, payload=status, created_at=now,
        next_attempt_at=now + dt.timedelta(seconds=settings.MEDPRIVACY_DRP_CALLBACK_BACKOFF_SECONDS),
    )
    transaction.on_commit(lambda: tasks.deliver_callback.delay(callback.pk))
    return callback


def _backoff(attempt: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(settings.MEDPRIVACY_DRP_CALLBACK_BACKOFF_SECONDS * 2 ** (attempt - 1), 6 * 3600))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001 - urllib's signature
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _post(url: str, payload: dict[str, Any]) -> tuple[int | None, str]:
    """POST the status object; return the HTTP status (None when unreachable) and an error class name."""
    try:
        check_webhook_url(url)
    except WebhookURLNotAllowed:
        return None, "URLNotAllowed"
    body = json.dumps(payload, separators=(",", ":")).encode()
    req = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
    try:
        with _opener.open(req, timeout=settings.MEDPRIVACY_WEBHOOK_TIMEOUT_SECONDS) as resp:
            resp.read(1024)  # the spec says the answer's body is discarded
            return resp.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        return None, type(getattr(exc, "reason", exc)).__name__[:200]


def callback_deliver(*, callback_id: int, worker: str = "task", now: dt.datetime | None = None) -> str:
    """Make one attempt at a callback if it is ours to make; record it. Return the callback's new state.

    Claimed by compare-and-set: a pending callback at once (the first attempt, from the task); a failed
    one, or one whose sender vanished, only once its next attempt is due (from the sweep).
    """
    now = now or clock.now()
    claim = uuid.uuid4()
    timeout = dt.timedelta(seconds=settings.MEDPRIVACY_WEBHOOK_TIMEOUT_SECONDS * 2 + 60)
    claimed = Callback.objects.filter(pk=callback_id).filter(
        Q(state=Callback.State.PENDING)
        | Q(state__in=[Callback.State.FAILED, Callback.State.SENDING], next_attempt_at__lte=now)
    ).update(state=Callback.State.SENDING, claim_token=claim, attempts=F("attempts") + 1, next_attempt_at=now + timeout)
    if not claimed:
        return "skipped"
    callback = Callback.objects.get(pk=callback_id)
    started = time.monotonic()
    status, error = _post(callback.url, callback.payload)
    elapsed = int((time.monotonic() - started) * 1000)
    CallbackAttempt.objects.create(callback=callback, number=callback.attempts, at=now, http_status=status,
                                   error=error, duration_ms=elapsed, worker=worker)
    mine = Callback.objects.filter(pk=callback_id, claim_token=claim)
    if status is not None and 200 <= status < 300:
        mine.update(state=Callback.State.DELIVERED, delivered_at=clock.now(), next_attempt_at=None, last_error="")
        logger.info("drp: callback %s delivered (attempt %s)", callback_id, callback.attempts)
        return Callback.State.DELIVERED
    if callback.attempts >= settings.MEDPRIVACY_DRP_CALLBACK_MAX_ATTEMPTS:
        mine.update(state=Callback.State.GIVEN_UP, next_attempt_at=None, last_error=error)
        logger.warning("drp: callback %s given up after %s attempts (%s)", callback_id, callback.attempts, error)
        return Callback.State.GIVEN_UP
    mine.update(state=Callback.State.FAILED, next_attempt_at=now + _backoff(callback.attempts), last_error=error)
    logger.warning("drp: callback %s failed (attempt %s, %s)", callback_id, callback.attempts, error)
    return Callback.State.FAILED


def callbacks_sweep(*, now: dt.datetime | None = None, limit: int = 100) -> dict[str, int]:
    """Retry the callbacks whose next attempt is due; forget signatures past their expiry. Return counts."""
    now = now or clock.now()
    counts: dict[str, int] = {}
    for callback_id in selectors.callbacks_due(now=now, limit=limit):
        outcome = callback_deliver(callback_id=callback_id, worker="sweep", now=now)
        counts[outcome] = counts.get(outcome, 0) + 1
    counts["signatures_forgotten"], _ = UsedSignature.objects.filter(expires_at__lt=now).delete()
    return counts
