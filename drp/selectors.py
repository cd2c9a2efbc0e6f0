"""Reads of the DRP app: agents by token, requests scoped to their agent, the status object (spec §3.03)."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from drp import protocol
from drp.models import Agent, Callback, DrpRequest
from fulfilment.packages import package_url
from fulfilment.selectors import live_access_package
from medprivacy import clock
from medprivacy.links import absolute
from requests_app.selectors import verification_link_expiry


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def agent_for_token(raw: str) -> Agent | None:
    """Return the active agent whose pairwise bearer token this is, or None."""
    if not raw:
        return None
    return Agent.objects.filter(token_hash=token_hash(raw), revoked_at__isnull=True).exclude(token_hash="").first()


def agent_active(agent_id: str) -> Agent | None:
    return Agent.objects.filter(agent_id=agent_id, revoked_at__isnull=True).first()


def agents_all() -> QuerySet[Agent]:
    return Agent.objects.order_by("agent_id")


class NotYours(Exception):
    """The request exists but another agent manages it (answered 403, spec §2.02.1)."""


def drp_request_for_agent(*, agent: Agent, request_id: str) -> DrpRequest | None:
    """Return the agent's request with this id; None when unknown; NotYours when another agent's."""
    try:
        key = uuid.UUID(str(request_id))
    except ValueError:
        return None
    drp = DrpRequest.objects.select_related("case", "submission", "agent").filter(request_id=key).first()
    if drp is None:
        return None
    if drp.agent_id != agent.pk:
        raise NotYours
    return drp


def drp_request_public(request_id: uuid.UUID) -> DrpRequest | None:
    """The request a consumer's verification page names (no agent needed: the page reveals nothing)."""
    return (DrpRequest.objects.select_related("case", "submission__subject")
            .filter(request_id=request_id, case__isnull=False).first())


def drp_request_for_case(case_id: int) -> DrpRequest | None:
    return DrpRequest.objects.select_related("agent").filter(case_id=case_id).first()


def callbacks_due(*, now: dt.datetime, limit: int = 100) -> list[int]:
    return list(Callback.objects.filter(state__in=[Callback.State.PENDING, Callback.State.SENDING,
                                                   Callback.State.FAILED], next_attempt_at__lte=now)
                .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])


def _iso(instant: dt.datetime) -> str:
    return instant.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _end_of_day(day: dt.date, regime: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=clock.regime_zone(regime))


def user_verification_url(drp: DrpRequest) -> str:
    return absolute(reverse("drp:verify", args=[drp.request_id]))


def status_object(drp: DrpRequest, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """Return the Exercise Status object of a request as the spec shapes it (§3.03), from its case."""
    now = now or clock.now()
    status: dict[str, Any] = {"request_id": str(drp.request_id), "received_at": _iso(drp.received_at)}
    if drp.agent_request_id:
        status["agent_request_id"] = drp.agent_request_id
    dsr = drp.case
    if dsr is None:
        if drp.revoked_at is not None:
            return {**status, "status": "revoked", "processing_details": "Revoked by the agent."}
        return {**status, "status": "denied", "reason": drp.refusal_reason or "other",
                "processing_details": drp.refusal}
    dsr.refresh_from_db()
    state = protocol.STATUS_FOR_CASE[dsr.status]
    status["status"] = state
    if state not in protocol.FINAL_STATUSES:
        status["expected_by"] = _end_of_day(dsr.due_on, dsr.regime).isoformat()  # in the regime's zone
    if dsr.status == "awaiting_verification":
        status["reason"] = "need_user_verification"
        status["processing_details"] = _extension_note(dsr) + (
            "The consumer must confirm the request directly: we e-mailed them a link, and the "
            "user_verification_url sends a new one.")
        status["user_verification_url"] = user_verification_url(drp)
        expires = verification_link_expiry(submission=drp.submission, now=now)
        if expires is not None:
            status["expires_at"] = _iso(expires)
    elif state == "in_progress":
        status["processing_details"] = _progress_details(dsr)
    elif state == "fulfilled":
        status["processing_details"] = "The request has been completed."
        package = live_access_package(case_id=dsr.pk, now=now)
        if package is not None:
            status["results_url"] = package_url(package)
            status["expires_at"] = _iso(package.expires_at)
            status["processing_details"] += (" The results can be downloaded until expires_at after the consumer "
                                             "re-confirms their e-mail address.")
    elif state == "revoked":
        status["processing_details"] = ("Revoked by the agent." if drp.revoked_at is not None
                                        else "Withdrawn by the consumer.")
    elif state == "denied":
        if dsr.status == "denied":
            status["reason"] = protocol.DENIAL_REASONS.get(dsr.denial_ground, "other")
        else:
            status["reason"] = protocol.REASON_FOR_STATUS.get(dsr.status, "other")
        status["processing_details"] = dsr.outcome_summary or str(dsr.get_status_display())
    return status


def _extension_note(dsr) -> str:
    """Say that the deadline moved (spec §3.08), without the officer's reasons (they go to the consumer)."""
    if dsr.extended_at is None:
        return ""
    return (f"The response deadline was extended to {dsr.due_on.isoformat()}, as the law allows; the consumer "
            "has been told why. ")


def _progress_details(dsr) -> str:
    if dsr.status == "awaiting_requester":
        text = "We asked the consumer for information and are waiting for the answer."
    elif dsr.needs_officer_verification:
        text = "Received; an officer is verifying the request."
    else:
        text = "Received and being processed."
    return _extension_note(dsr) + text
