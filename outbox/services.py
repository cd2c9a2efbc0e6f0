"""The outbox: every e-mail the portal sends, rendered from editable templates, stored exactly as sent,
sent after commit, retried by one sweep.

Delivery is at least once, never silently dropped: the immediate task sends a new message right after the
transaction commits; anything that task did not finish (a lost task, a failed send, a worker killed
mid-send) is found by `messages_retry_sweep` through the indexed `next_attempt_at` column and sent again
with backoff, up to a maximum number of attempts. A worker killed after the mail server accepted a message
but before the row was marked sent makes the sweep send it again: that copy carries the same `Message-ID`
header (fixed when the message was created), so receiving systems can recognise it.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.template import Context, Template
from django.utils import translation

from audit.services import audit_append
from medprivacy import clock
from medprivacy.jobs import job_run
from medprivacy.languages import DEFAULT_LANGUAGE, language_active, language_normalize
from medprivacy.mail import OUTBOX_HEADER, MailCopyStorage, mail_copy_name
from outbox import tasks
from outbox.defaults import DEFAULT_TEMPLATES, DEFAULTS_BY_LANGUAGE, default_for, template_languages
from outbox.models import Message, MessageTemplate
from subjects.links import status_url
from timeline.models import TimelineEvent
from timeline.services import Actor, timeline_record

logger = logging.getLogger(__name__)


def template_get(key: str, language: str = DEFAULT_LANGUAGE) -> MessageTemplate | None:
    """Return the stored template of `key` in `language`, seeding it from its default on first use; None
    when neither a stored row nor a default exists in that language (KeyError for an unknown key)."""
    if key not in DEFAULT_TEMPLATES:
        raise KeyError(key)
    stored = MessageTemplate.objects.filter(key=key, language=language).first()
    if stored is not None:
        return stored
    default = default_for(key, language)
    if default is None:
        return None
    stored, _ = MessageTemplate.objects.get_or_create(
        key=key, language=language,
        defaults={"description": default.description, "subject": default.subject,
                  "body_text": default.body_text, "body_html": default.body_html},
    )
    return stored


@dataclass(frozen=True)
class TemplateChoice:
    """The template a message is rendered from: in the language asked for, or English when it has none."""

    template: MessageTemplate
    wanted: str

    @property
    def language(self) -> str:
        return self.template.language

    @property
    def fell_back(self) -> bool:
        return self.template.language != self.wanted


def template_for(*, key: str, language: str) -> TemplateChoice:
    """Pick the template of `key` for a person writing in `language`, falling back to English, never failing.

    A message to an organization is always English (`outbox.defaults.ORGANIZATION_TEMPLATES`). A missing
    translation is logged (key and language only) and shown in the template admin.
    """
    wanted = language_normalize(language)
    if wanted not in template_languages(key):
        wanted = DEFAULT_LANGUAGE
    template = template_get(key, wanted)
    if template is None:
        logger.warning("message template %s has no %s version: sent in English", key, wanted)
        template = template_get(key, DEFAULT_LANGUAGE)
    return TemplateChoice(template=template, wanted=wanted)


def templates_seed() -> int:
    """Store every default template (every language) that is not stored yet; return how many were added."""
    existing = set(MessageTemplate.objects.values_list("key", "language"))
    missing = [(key, language) for language, defaults in DEFAULTS_BY_LANGUAGE.items() for key in defaults
               if (key, language) not in existing]
    for key, language in missing:
        template_get(key, language)
    return len(missing)


def templates_missing_translations() -> dict[str, list[str]]:
    """Return, per key, the languages it is written in that have no stored template (sent in English)."""
    stored: dict[str, set[str]] = {}
    for key, language in MessageTemplate.objects.values_list("key", "language"):
        stored.setdefault(key, set()).add(language)
    return {key: missing for key in sorted(DEFAULT_TEMPLATES)
            if (missing := [code for code in template_languages(key) if code not in stored.get(key, set())])}


def template_missing_languages(key: str, *, stored: Iterable[str] | None = None) -> list[str]:
    """Return the languages `key` is written in that have no stored template (it is sent in English).

    `stored`: the languages already known to be stored for `key` (a list page annotates them), else read.
    """
    if stored is None:
        stored = MessageTemplate.objects.filter(key=key).values_list("language", flat=True)
    stored = set(stored)
    return [language for language in template_languages(key) if language not in stored]


def message_language(submission) -> translation.override:
    """Activate the requester's language (stored on the submission) while a message's context is built."""
    return translation.override(language_normalize(getattr(submission, "language", DEFAULT_LANGUAGE)))


def _render(source: str, context: dict[str, Any], *, autoescape: bool) -> str:
    return Template(source).render(Context(context, autoescape=autoescape))


# ---------------------------------------------------------------------------------------------------------
# Policy: every knob from settings.MEDPRIVACY_OUTBOX, validated once
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutboxPolicy:
    """Hold the claim timeout, the retry limits and the sweep batch of delivery."""

    stale_claim: dt.timedelta
    max_attempts: int
    retry_base: dt.timedelta
    retry_cap: dt.timedelta
    sweep_batch: int

    def backoff(self, attempts: int) -> dt.timedelta:
        """Return the wait after the `attempts`-th failed attempt: base, doubling, capped."""
        return min(self.retry_base * 2 ** max(attempts - 1, 0), self.retry_cap)


def outbox_policy() -> OutboxPolicy:
    """Build the policy from settings.MEDPRIVACY_OUTBOX, refusing impossible values."""
    conf = settings.MEDPRIVACY_OUTBOX
    for name in ("stale_claim_seconds", "max_attempts", "retry_base_seconds", "retry_cap_seconds", "sweep_batch"):
        if int(conf[name]) < 1:
            raise ImproperlyConfigured(f"MEDPRIVACY_OUTBOX[{name!r}] must be at least 1; got {conf[name]}")
    return OutboxPolicy(
        stale_claim=dt.timedelta(seconds=int(conf["stale_claim_seconds"])),
        max_attempts=int(conf["max_attempts"]),
        retry_base=dt.timedelta(seconds=int(conf["retry_base_seconds"])),
        retry_cap=dt.timedelta(seconds=int(conf["retry_cap_seconds"])),
        sweep_batch=int(conf["sweep_batch"]),
    )


def new_message_id() -> str:
    """Return a new RFC 5322 Message-ID on the sender's domain, e.g. <3f2a…@example.com>."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(" >") or "localhost"
    return f"<{uuid.uuid4().hex}@{domain}>"


# ---------------------------------------------------------------------------------------------------------
# Writing messages
# ---------------------------------------------------------------------------------------------------------


def base_context(*, submission, cases: Iterable = ()) -> dict[str, Any]:
    """Return what every message to a requester may use: letterhead, the cases, the status link."""
    return {
        "company_name": settings.COMPANY_NAME,
        "privacy_email": settings.PRIVACY_CONTACT_EMAIL,
        "subject_name": submission.subject.full_name,
        "cases": list(cases),
        "submission": submission,
        "status_url": status_url(submission.subject),
    }


class RecipientErased(ValueError):
    """A message to a person whose data was erased: nothing more is sent to them."""


# The answers to a request: kept as the record of the response when the requester's data is erased, and
# deleted with that record by the retention schedule. Every other message goes at the erasure.
RESPONSE_TEMPLATES: frozenset[str] = frozenset({"completion", "denial", "redirect_patient"})


def message_create(*, data_subject, template_key: str, context: dict[str, Any], to_email: str | None = None,
                   submission=None, stream: str = Message.Stream.REQUEST,
                   headers: dict[str, str] | None = None, language: str | None = None) -> Message:
    """Render `template_key` with `context`, store the message with its Message-ID, send it after commit.

    The language: `language`, else the submission's (the requester's, stored at filing), else the one
    active now (a consent e-mail asked for on a page in that language). The template of that language is
    rendered under it (dates, labels), or the English one when it has none; the message records which.

    Refused (RecipientErased) for a person whose data was erased: the completion notice, stored before the
    erasure, is the last message their address gets.
    """
    if data_subject.erased_at is not None:
        raise RecipientErased(f"Data subject #{data_subject.pk} was erased; nothing more is sent to them.")
    if language is None:
        language = submission.language if submission is not None else language_active()
    choice = template_for(key=template_key, language=language)
    template = choice.template
    now = clock.now()
    with translation.override(choice.language):
        subject = _render(template.subject, context, autoescape=False).strip()
        body_text = _render(template.body_text, context, autoescape=False)
        body_html = _render(template.body_html, context, autoescape=True) if template.body_html else ""
    message = Message.objects.create(
        data_subject=data_subject, submission=submission, stream=stream, template_key=template_key,
        language=choice.language, to_email=to_email or data_subject.email,
        subject=subject, body_text=body_text, body_html=body_html,
        headers=dict(headers or {}), message_id=new_message_id(), created_at=now,
        # The sweep takes over if the immediate task has not sent it by then (a lost task).
        next_attempt_at=now + outbox_policy().stale_claim,
    )
    audit_append(kind="message.stored", obj=message, facts={
        "template_key": template_key, "stream": stream, "submission_id": getattr(submission, "pk", None),
        "language": choice.language,
    }, personal=message_content(message))
    transaction.on_commit(lambda: tasks.deliver_message.delay(message.pk))
    return message


def message_content(message: Message) -> dict[str, str]:
    """The content of a message as sent, as the audit chain digests it."""
    return {"to_email": message.to_email, "subject": message.subject, "body_text": message.body_text,
            "body_html": message.body_html}


def message_send(*, submission, template_key: str, cases: Iterable = (),
                 to_email: str | None = None, context: dict[str, Any] | None = None,
                 actor: Actor = None) -> Message:
    """Write to a requester about `cases` of `submission`, in the requester's language: store the message,
    put it on each case's timeline, send it after commit."""
    cases = list(cases)
    with message_language(submission):
        ctx = {**base_context(submission=submission, cases=cases), **(context or {})}
    message = message_create(data_subject=submission.subject, submission=submission, template_key=template_key,
                             context=ctx, to_email=to_email)
    for dsr in cases:
        # The key, not the subject line: a subject can name the person (an agent's client).
        timeline_record(dsr=dsr, kind=TimelineEvent.Kind.MESSAGE_SENT, actor=actor, message=message,
                        summary=f"{template_key} (message #{message.pk})")
    return message


def messages_delete_for_subject(*, data_subject, stream: str) -> int:
    """Delete a person's messages of one stream (erasure of their consent records); return how many."""
    return Message.objects.filter(data_subject=data_subject, stream=stream).delete()[0]


def _delete_with_copies(messages) -> int:
    """Delete messages and their mail copies (by the recorded name and by the id, for a copy not yet recorded)."""
    storage = MailCopyStorage()
    ids = list(messages.values_list("pk", flat=True))
    for message_id, copy in Message.objects.filter(pk__in=ids).values_list("pk", "mail_copy"):
        for name in {copy, mail_copy_name(message_id)} - {""}:
            storage.delete(name)
    return Message.objects.filter(pk__in=ids).delete()[0]


def messages_erase(*, data_subject) -> dict[str, int]:
    """Delete every message to a person except the responses (the record of the answers), with their mail
    copies, for an erasure. Timeline entries name the template, never the subject line (older entries are
    cut back to the key here)."""
    messages = Message.objects.filter(data_subject=data_subject)
    for event in TimelineEvent.objects.filter(message__in=messages).select_related("message"):
        wanted = f"{event.message.template_key} (message #{event.message_id})"
        if event.kind == TimelineEvent.Kind.MESSAGE_SENT and event.summary != wanted:
            TimelineEvent.objects.filter(pk=event.pk).update(summary=wanted)
    return {"messages": _delete_with_copies(messages.exclude(template_key__in=RESPONSE_TEMPLATES))}


# ---------------------------------------------------------------------------------------------------------
# Delivery: one path for every message, one retry sweep
# ---------------------------------------------------------------------------------------------------------


def _claimable(now: dt.datetime) -> Q:
    """A queued message (the immediate task), or one whose retry or stale claim is due (the sweep)."""
    due = Q(next_attempt_at__isnull=False, next_attempt_at__lte=now)
    return Q(state=Message.State.QUEUED) | (Q(state__in=[Message.State.FAILED, Message.State.SENDING]) & due)


SENT, FAILED, SKIPPED = "sent", "failed", "skipped"


def message_deliver(*, message_id: int, policy: OutboxPolicy | None = None) -> bool:
    """Send a stored message if it is due; return True when this call sent it.

    The row is claimed with compare-and-set (it must still be claimable), so two workers, a task and the
    sweep never both send it. A failed send is recorded with the next attempt after backoff (none after
    the last attempt) and is not raised: retries are the sweep's job.
    """
    return _deliver(message_id, policy or outbox_policy()) == SENT


def _deliver(message_id: int, policy: OutboxPolicy) -> str:
    now = clock.now()
    claimed = Message.objects.filter(_claimable(now), pk=message_id).update(
        state=Message.State.SENDING, attempts=F("attempts") + 1, claimed_at=now,
        next_attempt_at=now + policy.stale_claim,
    )
    if not claimed:
        return SKIPPED
    message = Message.objects.get(pk=message_id)
    mine = Message.objects.filter(pk=message_id, state=Message.State.SENDING, claimed_at=now)
    connection = get_connection()
    email = EmailMultiAlternatives(subject=message.subject, body=message.body_text,
                                   from_email=settings.DEFAULT_FROM_EMAIL, to=[message.to_email],
                                   headers={**message.headers, "Message-ID": message.message_id,
                                            OUTBOX_HEADER: str(message.pk)}, connection=connection)
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    try:
        email.send()
    except Exception as exc:
        retry_at = now + policy.backoff(message.attempts) if message.attempts < policy.max_attempts else None
        mine.update(state=Message.State.FAILED, last_error=type(exc).__name__, next_attempt_at=retry_at)
        logger.warning("message %s: send failed (%s), attempt %s, %s", message_id, type(exc).__name__,
                       message.attempts, "will retry" if retry_at else "giving up")
        return FAILED
    # The embedded file backend names the copy it wrote: stored on the message, it goes when the message goes.
    copy = getattr(connection, "written", {}).get(message.pk, "")
    with transaction.atomic():
        if mine.update(state=Message.State.SENT, sent_at=clock.now(), last_error="", next_attempt_at=None,
                       mail_copy=copy):
            audit_append(kind="message.delivered", obj=message, facts={"template_key": message.template_key,
                                                                       "attempts": message.attempts})
    return SENT


def messages_due(*, now: dt.datetime, limit: int) -> list[int]:
    """Ids of the messages whose next attempt has come, oldest first (the sweep's work list)."""
    return list(Message.objects.filter(_claimable(now), next_attempt_at__lte=now)
                .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])


@dataclass
class SweepResult:
    sent: int = 0
    failed: int = 0
    skipped: int = 0  # taken by someone else in between


def messages_retry_sweep() -> SweepResult:
    """Send every message whose next attempt is due (lost tasks, failed sends, stale claims); record the run."""
    policy = outbox_policy()
    result = SweepResult()
    with job_run("message_retry") as run:
        for message_id in messages_due(now=clock.now(), limit=policy.sweep_batch):
            outcome = _deliver(message_id, policy)
            setattr(result, outcome, getattr(result, outcome) + 1)
            if outcome == FAILED:
                run.error("SendFailed")
        run.handled(result.sent)
    if result.sent or result.failed:
        logger.info("message retry sweep: %s sent, %s failed, %s skipped", result.sent, result.failed,
                    result.skipped)
    return result
