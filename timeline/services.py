"""Append to a case's timeline: the one write of this app, used by every app that changes a case."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from audit.services import audit_append
from timeline.models import TimelineEvent

Actor = AbstractBaseUser | None


def actor_label(actor: Actor, default: str = "system") -> str:
    return "officer" if actor is not None else default


def timeline_record(*, dsr, kind: str, summary: str = "", actor: Actor = None,
                    label: str | None = None, message=None, at: dt.datetime | None = None) -> TimelineEvent:
    """Append one event to the timeline of case `dsr`, and its entry to the audit chain."""
    event = TimelineEvent.objects.create(
        case=dsr, kind=kind, summary=summary, actor=actor, actor_label=label or actor_label(actor),
        message=message, at=at or timezone.now(),
    )
    facts = {"timeline_kind": str(kind), "reference": dsr.reference, "actor_label": event.actor_label}
    if message is not None:
        facts["message_id"] = message.pk
    audit_append(kind="timeline.event", obj=event, case_id=dsr.pk, actor=actor, facts=facts,
                 personal={"summary": summary})
    return event
