"""Messages to requesters: rendered from editable templates, stored exactly as sent, sent after commit."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template import Context, Template
from django.utils import timezone

from audit.services import audit_append
from requests_app.message_defaults import DEFAULT_TEMPLATES
from requests_app.models import Case, Message, MessageTemplate, Submission, TimelineEvent
from requests_app.services.cases import Actor, timeline_record

logger = logging.getLogger(__name__)


def template_get(key: str) -> MessageTemplate:
    """Return the stored template for `key`, seeding it from the defaults on first use."""
    stored = MessageTemplate.objects.filter(key=key).first()
    if stored is not None:
        return stored
    default = DEFAULT_TEMPLATES[key]
    stored, _ = MessageTemplate.objects.get_or_create(
        key=key, defaults={"description": default.description, "subject": default.subject,
                           "body_text": default.body_text, "body_html": default.body_html},
    )
    return stored


def templates_seed() -> int:
    """Store every default template that is not stored yet; return how many were added."""
    existing = set(MessageTemplate.objects.values_list("key", flat=True))
    missing = [k for k in DEFAULT_TEMPLATES if k not in existing]
    for key in missing:
        template_get(key)
    return len(missing)


def _render(source: str, context: dict[str, Any], *, autoescape: bool) -> str:
    return Template(source).render(Context(context, autoescape=autoescape))


def base_context(*, submission: Submission, cases: Iterable[Case] = ()) -> dict[str, Any]:
    from requests_app.links import status_url  # late: links imports selectors that import models

    return {
        "company_name": settings.COMPANY_NAME,
        "privacy_email": settings.PRIVACY_CONTACT_EMAIL,
        "subject_name": submission.subject.full_name,
        "cases": list(cases),
        "submission": submission,
        "status_url": status_url(submission.subject),
    }


def message_send(*, submission: Submission, template_key: str, cases: Iterable[Case] = (),
                 to_email: str | None = None, context: dict[str, Any] | None = None,
                 actor: Actor = None) -> Message:
    """Render `template_key`, store the message, put it on each case's timeline, send after commit."""
    cases = list(cases)
    template = template_get(template_key)
    ctx = {**base_context(submission=submission, cases=cases), **(context or {})}
    message = Message.objects.create(
        submission=submission, template_key=template_key,
        to_email=to_email or submission.subject.email,
        subject=_render(template.subject, ctx, autoescape=False).strip(),
        body_text=_render(template.body_text, ctx, autoescape=False),
        body_html=_render(template.body_html, ctx, autoescape=True) if template.body_html else "",
    )
    audit_append(kind="message.stored", obj=message, case_id=cases[0].pk if len(cases) == 1 else None,
                 actor=actor, facts={"template_key": template_key, "case_ids": [dsr.pk for dsr in cases]},
                 personal=message_content(message))
    for dsr in cases:
        timeline_record(dsr=dsr, kind=TimelineEvent.Kind.MESSAGE_SENT, actor=actor, message=message,
                        summary=f"{template_key}: {message.subject}")
    transaction.on_commit(lambda: _enqueue_delivery(message.pk))
    return message


def message_content(message: Message) -> dict[str, str]:
    """The content of a message as sent, as the audit chain digests it."""
    return {"to_email": message.to_email, "subject": message.subject, "body_text": message.body_text,
            "body_html": message.body_html}


def _enqueue_delivery(message_id: int) -> None:
    from requests_app.tasks import deliver_message

    deliver_message.delay(message_id)


def message_deliver(*, message_id: int) -> bool:
    """Send a stored message once; return False when it was already sent, is being sent, or is gone.

    The row is claimed with compare-and-set (queued/failed → sending) so two workers never both send
    it. A failed send is recorded and re-raised so the task retries with backoff.
    """
    claimed = Message.objects.filter(
        pk=message_id, state__in=[Message.State.QUEUED, Message.State.FAILED],
    ).update(state=Message.State.SENDING, attempts=F("attempts") + 1, claimed_at=timezone.now())
    if not claimed:
        return False
    message = Message.objects.get(pk=message_id)
    email = EmailMultiAlternatives(subject=message.subject, body=message.body_text,
                                   from_email=settings.DEFAULT_FROM_EMAIL, to=[message.to_email])
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    try:
        email.send()
    except Exception as exc:
        Message.objects.filter(pk=message_id).update(state=Message.State.FAILED, last_error=type(exc).__name__)
        logger.warning("message %s: send failed (%s), attempt %s", message_id, type(exc).__name__,
                       message.attempts)
        raise MessageSendFailed(message_id) from exc
    with transaction.atomic():
        Message.objects.filter(pk=message_id).update(state=Message.State.SENT, sent_at=timezone.now(),
                                                     last_error="")
        audit_append(kind="message.delivered", obj=message, facts={"template_key": message.template_key,
                                                                   "attempts": message.attempts})
    return True


class MessageSendFailed(Exception):
    def __init__(self, message_id: int) -> None:
        super().__init__(f"message {message_id} could not be sent")
        self.message_id = message_id
