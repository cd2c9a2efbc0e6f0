"""Celery tasks of the outbox: thin, idempotent, each calling one service."""

from __future__ import annotations

from celery import shared_task

from outbox import services


@shared_task(name="outbox.deliver_message", bind=True, max_retries=8, ignore_result=True)
def deliver_message(self, message_id: int) -> None:
    """Send one stored message; retry failed sends with backoff (30 s, doubling, at most 10 min).

    Longer waits would outlive the Redis visibility timeout and be redelivered.
    """
    try:
        services.message_deliver(message_id=message_id)
    except services.MessageSendFailed as exc:
        raise self.retry(exc=exc, countdown=min(30 * 2 ** self.request.retries, 600)) from exc
