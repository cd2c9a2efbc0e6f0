"""Celery tasks of the outbox: thin, each calling one service. Retries are the sweep's, never Celery's."""

from __future__ import annotations

from celery import shared_task

from outbox import services


@shared_task(name="outbox.deliver_message", ignore_result=True)
def deliver_message(message_id: int) -> None:
    """Send one stored message now (right after the transaction that wrote it committed)."""
    services.message_deliver(message_id=message_id)


@shared_task(name="outbox.messages_retry_sweep", ignore_result=True)
def messages_retry_sweep() -> None:
    """Send every message whose next attempt is due: lost tasks, failed sends, stale claims."""
    services.messages_retry_sweep()
