"""Celery tasks of the Consents app: thin, idempotent, each calling one service."""

from __future__ import annotations

from celery import shared_task

from consents import services


@shared_task(name="consents.deliver_message", bind=True, max_retries=8, ignore_result=True)
def deliver_consent_message(self, message_id: int) -> None:
    """Send one stored consent message; retry failed sends with backoff (30 s doubling, at most 10 min)."""
    try:
        services.consent_message_deliver(message_id=message_id)
    except services.ConsentMessageSendFailed as exc:
        raise self.retry(exc=exc, countdown=min(30 * 2 ** self.request.retries, 600)) from exc
